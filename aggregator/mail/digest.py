"""What the weekly digest email says: the week's top stories, as the recap ranks them.

The digest is built once per week (:func:`digest_for_week`) and then narrowed for each
recipient (:func:`filter_for`), so sending to many subscribers reads the store once.
It takes everything from ``export_stories``, like the site, so the email and the
recap page cannot disagree about a title, a link or the order; the ranking is the
recap's own (``site.recap.week_stories``).

Every string here is plain text on one line (controls and line breaks removed): the
HTML template escapes it, the text template prints it, and none of it is trusted.
The only links are the cards on the site (``[site] base_url`` + the story path) and
the publishers' own URLs, which leave the store only when they are http(s).

When a recipient's topics match nothing this week, the email says so and shows the
week's three biggest stories instead (``Digest.fallback``): an email with an empty
list looks broken, and skipping the week silently looks like the subscription died.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from ..clock import iso_week, week_bounds
from ..config import Settings
from ..errors import MailError
from ..export import export_stories, safe_url
from ..site.recap import WeekNumbers, week_stories
from ..store import Store
from .headers import one_line

DEFAULT_LIMIT = 10
FALLBACK_STORIES = 3  # shown, with a note, when nothing matched the recipient's topics
_WEEK = re.compile(r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])")


@dataclass(frozen=True)
class IntroSentence:
    """One sentence of the recap's introduction, linked to the card it comes from."""

    text: str
    url: str


@dataclass(frozen=True)
class DigestStory:
    id: int
    title: str
    url: str  # the card on the site
    what_changed: tuple[str, ...]  # the TL;DR: verified claims only
    why_it_matters: str | None
    topics: tuple[str, ...]
    publisher: str
    publisher_url: str | None  # None when the source's link is not http(s)
    sources: int


@dataclass(frozen=True)
class Digest:
    week: str  # 2026-W47
    start: date  # Monday
    end: date  # Sunday
    site_title: str
    site_url: str
    recap_url: str  # the week's recap page
    subject: str  # untrusted text: made safe for the header by compose()
    heading: str  # "The week of Monday 16 November 2026"
    intro: tuple[IntroSentence, ...]
    stories: tuple[DigestStory, ...]  # what this copy of the email shows
    numbers: WeekNumbers
    limit: int = DEFAULT_LIMIT
    #: every story of the week, best first: what filter_for() chooses from
    ranked: tuple[DigestStory, ...] = field(default=(), repr=False)
    topics: tuple[str, ...] = ()  # the recipient's topics this copy was filtered for
    fallback: bool = False  # nothing matched ``topics``: ``stories`` are the week's overall top

    @property
    def span(self) -> str:
        """``16–22 November 2026``, ``30 November – 6 December 2026`` across months."""
        if (self.start.year, self.start.month) == (self.end.year, self.end.month):
            return f"{self.start.day}–{self.end.day} {self.end:%B %Y}"
        first = f"{self.start.day} {self.start:%B}" + (f" {self.start.year}" if self.start.year != self.end.year else "")
        return f"{first} – {self.end.day} {self.end:%B %Y}"


@dataclass(frozen=True)
class Recipient:
    address: str
    topics: tuple[str, ...]  # empty: every topic
    unsubscribe_url: str  # one-click (RFC 8058): POST unsubscribes, GET may confirm
    preferences_url: str


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def previous_week(now: datetime, timezone: str) -> str:
    """The last complete week as of ``now``, in the site's time zone (what a Monday send mails)."""
    return iso_week(now - timedelta(days=7), timezone)


def check_week(week: str) -> str:
    """``week`` if it is an ISO week such as ``2026-W48``, else MailError."""
    if not isinstance(week, str) or not _WEEK.fullmatch(week):
        raise MailError(f"{week!r} is not a week such as 2026-W48")
    try:
        date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    except ValueError:
        raise MailError(f"{week}: the year {week[:4]} has no week {week[6:]}") from None
    return week


def digest_for_week(settings: Settings, store: Store, week: str, now: datetime, *,
                    limit: int = DEFAULT_LIMIT) -> Digest:
    """The digest of ``week`` (``2026-W47``) as of ``now``; reads the store, writes nothing."""
    from ..site.render import week_numbers  # the site's own count, so the email shows the same numbers
    from ..store.recaps import recap_intros

    check_week(week)
    if limit < 1:
        raise MailError("the digest needs room for at least one story")
    base = safe_url(settings.site.base_url)
    if base is None:
        raise MailError(f"[site] base_url: {settings.site.base_url!r} is not an http(s) URL for links in emails")
    start, end = week_bounds(week, settings.site.timezone)
    stories = export_stories(settings, store, now, since=start)["stories"]
    ranked = tuple(_story(s, base) for s in week_stories(week, stories))
    numbers = week_numbers(store, week, settings)
    numbers.stories = len(ranked)
    heading = f"The week of {long_date(start.date())}"
    title = one_line(settings.site.title)
    intro = tuple(IntroSentence(one_line(s["text"]), base + s["path"]) for s in recap_intros(store).get(week, []))
    return Digest(week=week, start=start.date(), end=(end - timedelta(days=1)).date(), site_title=title,
                  site_url=base, recap_url=f"{base}weekly/{week}/", subject=f"{title}: {heading[0].lower()}{heading[1:]}",
                  heading=heading, intro=intro, stories=ranked[:limit], numbers=numbers, limit=limit, ranked=ranked)


def _story(story: dict, base: str) -> DigestStory:
    card = story["card"] or {}
    claims = tuple(one_line(c.get("text")) for c in card.get("what_changed") or [] if isinstance(c, dict))
    topics = tuple(one_line(t) for t in card.get("topics") or [] if isinstance(t, str) and t.strip())
    sources = story["sources"]
    source = next((s for s in sources if s["url"]), sources[0] if sources else None)
    return DigestStory(
        id=story["id"], title=one_line(story["title"]) or "(untitled)", url=base + story["path"],
        what_changed=tuple(c for c in claims if c), why_it_matters=one_line(card.get("why_it_matters")) or None,
        topics=topics, publisher=one_line(source["publisher"]) if source else "",
        publisher_url=source["url"] if source else None, sources=story["rank"]["parts"]["independent_sources"],
    )


def filter_for(digest: Digest, recipient: Recipient) -> Digest:
    """The digest as ``recipient`` gets it: only stories with one of their topics (case-insensitive).

    No topics means every topic. When nothing matches, the copy carries the week's
    three biggest stories with ``fallback`` set, and the templates say why. Idempotent:
    it always chooses from ``digest.ranked``.
    """
    topics = tuple(t for t in (one_line(t) for t in recipient.topics) if t)
    wanted = {t.casefold() for t in topics}
    if not wanted:
        return replace(digest, stories=digest.ranked[: digest.limit], topics=(), fallback=False)
    matching = tuple(s for s in digest.ranked if wanted & {t.casefold() for t in s.topics})
    if matching or not digest.ranked:
        return replace(digest, stories=matching[: digest.limit], topics=topics, fallback=False)
    return replace(digest, stories=digest.ranked[:FALLBACK_STORIES], topics=topics, fallback=True)
