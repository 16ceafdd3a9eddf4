"""Time, passed in rather than read from a global, so tests and deciders are exact.

A *clock* is any zero-argument callable returning an aware UTC datetime. Everything
stored is UTC, serialised by :func:`iso` in one fixed format so that string order is
time order in SQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from typing import Callable

UTC = timezone.utc
Clock = Callable[[], datetime]
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=2)


def system_clock() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """Serialise an aware datetime as UTC ``YYYY-MM-DDTHH:MM:SS+00:00``."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in the store is timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plausible(moment: datetime | None, now: datetime) -> datetime | None:
    """``moment`` if it could be a news item's date: not before 1995, not days ahead of ``now``."""
    if moment is None or moment < EARLIEST_PLAUSIBLE or moment > now + FUTURE_TOLERANCE:
        return None
    return moment


def iso_week(moment: datetime, zone: str) -> str:
    """The ISO week ("2026-W48") a moment falls in, in the site's time zone."""
    year, week, _ = moment.astimezone(ZoneInfo(zone)).isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str, zone: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of an ISO week in the site's zone, as aware datetimes."""
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=ZoneInfo(zone))
    return start, start + timedelta(days=7)
