"""When to poll a feed next: pure deciders, the clock passed in.

The politeness contract of a feed reader left running for months:

- *Server hints are a floor.* Cache-Control ``max-age``, ``Expires`` and RSS ``<ttl>``
  say how long the content stays fresh; polling sooner wastes the publisher's
  bandwidth, so the next check is never earlier than the longest hint (hints are
  honoured up to :data:`HINT_CEILING`, beyond the configured maximum if need be).
- *Adapt to the publisher.* A feed that posts ten times a day is polled often, one
  that posts monthly rarely: the interval is half the mean gap between entries
  published in the last week, clamped to ``[min_interval, max_interval]``.
- *Back off on errors.* Each consecutive failure doubles the wait, up to
  ``max_backoff``; ``Retry-After`` on a 429/503 lengthens the wait when it asks for
  more (capped at a week; never shortens the backoff) and does not count towards
  disabling, since the server is only busy.
- *Give up loudly.* After ``disable_after_errors`` consecutive failures the feed is
  disabled and shown as such with its last error, until a user re-enables it.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from ..config import FetchSettings

HINT_CEILING = timedelta(hours=24)
MAX_SECONDS = 10 * 365 * 86400  # any larger number a server sends is nonsense; clamp it
RETRY_AFTER_CEILING = timedelta(days=7)
ADAPTIVE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class PollDecision:
    next_check_at: datetime
    interval: timedelta
    reason: str


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After as an absolute time: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=min(int(value), MAX_SECONDS))
    moment = _http_date(value)
    return moment if moment and moment > now else (now if moment else None)


def _http_date(value: str) -> datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment


def freshness_hint(headers: Mapping[str, str], now: datetime, ttl_minutes: int | None = None) -> timedelta | None:
    """The longest time the server says its answer stays fresh, if it says so."""
    hints: list[timedelta] = []
    cache_control = headers.get("cache-control", "")
    match = re.search(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", cache_control, re.I)
    if match:
        hints.append(timedelta(seconds=min(int(match.group(1)), MAX_SECONDS)))
    expires = headers.get("expires")
    if expires and not match:  # max-age wins over Expires (RFC 9111 5.3)
        moment = _http_date(expires)
        if moment is not None:
            date = _http_date(headers.get("date", "")) or now
            hints.append(max(moment - date, timedelta(0)))
    if ttl_minutes and ttl_minutes > 0:
        hints.append(timedelta(minutes=min(ttl_minutes, MAX_SECONDS // 60)))
    return max(hints) if hints else None


def adaptive_interval(published: Iterable[datetime], now: datetime, settings: FetchSettings) -> timedelta:
    """``published``: one time per distinct entry (the caller de-duplicates)."""
    """Half the mean gap between last week's entries, clamped to the configured bounds."""
    low = timedelta(minutes=settings.min_interval_minutes)
    high = timedelta(minutes=settings.max_interval_minutes)
    recent = [p for p in published if now - ADAPTIVE_WINDOW <= p <= now]
    if not recent:
        return high
    interval = ADAPTIVE_WINDOW / len(recent) / 2
    return min(max(interval, low), high)


def after_success(now: datetime, headers: Mapping[str, str], ttl_minutes: int | None,
                  published: Iterable[datetime], settings: FetchSettings) -> PollDecision:
    interval = adaptive_interval(published, now, settings)
    reason = "publishing rate"
    hint = freshness_hint(headers, now, ttl_minutes)
    if hint is not None and hint > interval:
        interval = min(hint, max(HINT_CEILING, timedelta(minutes=settings.max_interval_minutes)))
        reason = "server freshness hint"
    return PollDecision(now + interval, interval, reason)


def counts_towards_disabling(status: int | None, retry_after: datetime | None) -> bool:
    """A throttled answer (429/503 with Retry-After) is not a broken feed."""
    return not (status in (429, 503) and retry_after is not None)


def after_error(now: datetime, error_count: int, retry_after: datetime | None,
                settings: FetchSettings) -> PollDecision:
    """Exponential backoff after ``error_count`` consecutive failures (>= 1)."""
    base = timedelta(minutes=settings.min_interval_minutes)
    cap = timedelta(minutes=settings.max_backoff_minutes)
    interval = min(base * (2 ** min(max(error_count - 1, 0), 30)), cap)
    reason = f"backoff after {error_count} error{'s' if error_count != 1 else ''}"
    if retry_after is not None:
        wait = min(max(retry_after - now, timedelta(0)), RETRY_AFTER_CEILING)
        if wait > interval:
            interval, reason = wait, "server asked to retry later"
    return PollDecision(now + interval, interval, reason)


def should_disable(consecutive_errors: int, settings: FetchSettings) -> bool:
    return consecutive_errors >= settings.disable_after_errors
