"""Which text an entry's card is written from, and why. Pure.

The article page is the better source when extraction worked; the feed's own
content is the fallback when the page cannot be had or is not the article:

- unreachable for good (404, 410, blocked address, robots.txt, not HTML, too big):
  feed content, final;
- unreachable for now (timeout, 5xx, 429, network, a killed or crashed worker):
  feed content *provisionally*, retried with backoff; after ``max_attempts`` the
  fallback becomes final, with the reason kept;
- paywalled (schema.org says not free, and the page holds only a teaser): feed
  content; the extracted text much shorter than the feed's own content (a teaser
  page, a cookie wall, a video page): feed content, with the reason recorded;
- nothing extracted at all: feed content.

The stored ``text_origin`` ("article" or "feed") is what lets the card say "based
on the publisher's excerpt".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..errors import (
    BlockedAddressError,
    BodyTooLargeError,
    ExtractionError,
    HTTPStatusError,
    NotArticleError,
    TooManyRedirectsError,
    UnsupportedURLError,
)
from .page import Extracted

#: a paywalled page with at least this much text carries the article anyway (metered paywalls)
PAYWALL_FULL_TEXT_CHARS = 2000
PERMANENT_STATUSES = {400, 401, 402, 403, 404, 405, 406, 410, 414, 415, 451}


@dataclass(frozen=True)
class Choice:
    status: str  # ok | fallback | failed (failed = retried later)
    text: str
    origin: str  # article | feed | none
    reason: str | None = None


@dataclass(frozen=True)
class TextRules:
    min_ratio: float = 0.6  # article text shorter than this share of the feed's is "much shorter"
    min_chars: int = 200  # below this an extraction is not an article
    max_attempts: int = 4


def is_permanent(error: Exception) -> bool:
    if isinstance(error, HTTPStatusError):
        return error.status in PERMANENT_STATUSES
    if isinstance(error, ExtractionError):
        return False
    return isinstance(error, (BlockedAddressError, UnsupportedURLError, BodyTooLargeError,
                              TooManyRedirectsError, NotArticleError))


def _feed(text: str, status: str, reason: str) -> Choice:
    return Choice(status, text, "feed" if text else "none", reason)


def choose_text(extracted: Extracted | None, error: Exception | None, feed_text: str,
                attempts: int, rules: TextRules = TextRules()) -> Choice:
    """Decide the text for one entry after ``attempts`` tries (this one included)."""
    if error is not None:
        reason = str(error) or type(error).__name__
        if is_permanent(error):
            return _feed(feed_text, "fallback", reason)
        if attempts >= rules.max_attempts:
            return _feed(feed_text, "fallback", f"gave up after {attempts} attempts: {reason}")
        return _feed(feed_text, "failed", reason)
    assert extracted is not None
    article = extracted.text
    if not article.strip():
        return _feed(feed_text, "fallback", "no text could be extracted from the page")
    longer_feed = len(feed_text) > len(article)
    if extracted.paywalled and len(article) < PAYWALL_FULL_TEXT_CHARS:
        # a teaser and a subscribe box: the publisher's own excerpt is the honest source
        if feed_text:
            return _feed(feed_text, "fallback", "paywalled: the page shows only a teaser")
        return Choice("fallback", article, "article", "paywalled: only the page's teaser was available")
    if feed_text and len(article) < rules.min_ratio * len(feed_text):
        return _feed(feed_text, "fallback", "article text much shorter than the feed's own content")
    if len(article) < rules.min_chars and longer_feed:
        return _feed(feed_text, "fallback", "article text too short")
    return Choice("ok", article, "article")


def retry_at(now: datetime, attempts: int, base: timedelta = timedelta(minutes=15)) -> datetime:
    """Backoff for the next attempt: 15 min, 30 min, 1 h, … up to a day."""
    return now + min(base * (2 ** min(max(attempts - 1, 0), 10)), timedelta(days=1))
