"""The sample news web's data: ``demo/data/*.json`` loaded and checked, and the URLs it lives at.

Why it exists: ``aggregator demo`` has to show the whole pipeline offline - three feed
formats, conditional fetches, boilerplate removal, a paywall, an undated feed item and
the same event told by several outlets in different words - without the internet and
without reproducing anyone's real journalism. The outlets, companies, people and
numbers in the data are invented; every page says so in its footer.

This module is the base the others build on (:mod:`.feeds` and :mod:`.pages` import
it, never the reverse): the dataclasses, :func:`load_data`, the URL helpers and the
constants they share. Everything here is pure and standard-library only; an optional
``as_of`` moment hides articles published later (:func:`_visible`), so a demo can
replay the two weeks of news step by step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

UTC = timezone.utc
DATA_DIR = Path(__file__).with_name("data")
GENERATOR = "aggregator sample web"

FEED_FILES = {"rss": "feed.xml", "atom": "atom.xml", "json": "feed.json"}
# Before the first article: what an empty feed reports as its modification time.
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Outlet:
    slug: str
    name: str
    feed_format: str  # "rss", "atom" or "json"
    tagline: str
    description: str
    language: str
    tags: tuple[str, ...]
    sections: tuple[str, ...]
    accent: str
    guid_style: str  # "permalink" (the article URL), "tag" (tag: URI) or "id" (opaque string)
    disclaimer: str
    link_query: str = ""  # tracking parameters the feed appends to article links
    ttl_minutes: int | None = None
    subscribe_price: str | None = None

    @property
    def feed_path(self) -> str:
        return f"/{self.slug}/{FEED_FILES[self.feed_format]}"

    @property
    def home_path(self) -> str:
        return f"/{self.slug}/"


@dataclass(frozen=True)
class Article:
    outlet: str
    slug: str
    title: str
    author: str
    published: datetime
    updated: datetime | None
    section: str
    tags: tuple[str, ...]
    event: str
    summary: str
    body: tuple[str, ...]
    paywalled: bool = False
    feed_omits_date: bool = False

    @property
    def path(self) -> str:
        return f"/{self.outlet}/{self.published:%Y}/{self.published:%m}/{self.slug}/"

    def modified(self, as_of: datetime | None = None) -> datetime:
        """Last change visible at ``as_of``: the update if it has happened, else publication."""
        if self.updated and (as_of is None or self.updated <= as_of):
            return self.updated
        return self.published


@dataclass(frozen=True)
class Event:
    """Ground truth for clustering: one real-world event and the articles reporting it."""

    id: str
    title: str
    subject: str | None
    articles: tuple[str, ...]  # "outlet-slug/article-slug"


@dataclass(frozen=True)
class SampleData:
    outlets: tuple[Outlet, ...]
    articles: tuple[Article, ...]  # oldest first
    events: tuple[Event, ...]
    must_not_merge: tuple[tuple[str, ...], ...]  # groups of event ids sharing a subject

    def outlet(self, slug: str) -> Outlet | None:
        return next((o for o in self.outlets if o.slug == slug), None)

    def article(self, outlet_slug: str, article_slug: str) -> Article | None:
        return next((a for a in self.articles if a.outlet == outlet_slug and a.slug == article_slug), None)

    def articles_of(self, outlet_slug: str, as_of: datetime | None = None) -> list[Article]:
        """The outlet's articles published by ``as_of``, newest first."""
        found = [a for a in self.articles if a.outlet == outlet_slug and _visible(a, as_of)]
        return sorted(found, key=lambda a: a.published, reverse=True)


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"naive timestamp in sample data: {value!r}")
    return moment.astimezone(UTC)


def _read(directory: Path, name: str) -> dict:
    return json.loads((directory / name).read_text(encoding="utf-8"))


def load_data(data_dir: Path | None = None) -> SampleData:
    """Read and check ``outlets.json``, ``articles.json`` and ``events.json``. Cached for the default folder."""
    if data_dir is None:
        return _default_data()
    return _load(Path(data_dir))


@lru_cache(maxsize=1)
def _default_data() -> SampleData:
    return _load(DATA_DIR)


def _load(directory: Path) -> SampleData:
    outlets = tuple(
        Outlet(**{**raw, "tags": tuple(raw["tags"]), "sections": tuple(raw["sections"])})
        for raw in _read(directory, "outlets.json")["outlets"]
    )
    slugs = {o.slug for o in outlets}
    if len(slugs) != len(outlets):
        raise ValueError("sample data: duplicate outlet slug")
    for outlet in outlets:
        if outlet.feed_format not in FEED_FILES:
            raise ValueError(f"sample data: outlet {outlet.slug}: unknown feed_format {outlet.feed_format!r}")
    articles = []
    for raw in _read(directory, "articles.json")["articles"]:
        if raw["outlet"] not in slugs:
            raise ValueError(f"sample data: article {raw['slug']}: unknown outlet {raw['outlet']!r}")
        articles.append(Article(
            outlet=raw["outlet"],
            slug=raw["slug"],
            title=raw["title"],
            author=raw["author"],
            published=_when(raw["published"]),
            updated=_when(raw["updated"]) if raw.get("updated") else None,
            section=raw["section"],
            tags=tuple(raw.get("tags", ())),
            event=raw["event"],
            summary=raw["summary"],
            body=tuple(raw["body"]),
            paywalled=bool(raw.get("paywalled", False)),
            feed_omits_date=bool(raw.get("feed_omits_date", False)),
        ))
    keys = [(a.outlet, a.slug) for a in articles]
    if len(set(keys)) != len(keys):
        raise ValueError("sample data: duplicate article slug within an outlet")
    articles.sort(key=lambda a: (a.published, a.outlet, a.slug))
    events_raw = _read(directory, "events.json")
    events = tuple(
        Event(id=e["id"], title=e["title"], subject=e.get("subject"), articles=tuple(e["articles"]))
        for e in events_raw["events"]
    )
    known = {f"{a.outlet}/{a.slug}" for a in articles}
    for event in events:
        missing = set(event.articles) - known
        if missing:
            raise ValueError(f"sample data: event {event.id} names unknown articles {sorted(missing)}")
    groups = tuple(tuple(g["events"]) for g in events_raw.get("must_not_merge", ()))
    return SampleData(outlets=outlets, articles=tuple(articles), events=events, must_not_merge=groups)


def _visible(article: Article, as_of: datetime | None) -> bool:
    return as_of is None or article.published <= as_of


# Timestamps as feeds and pages print them (shared by .feeds and .pages).
def _rfc3339(moment: datetime, zulu: bool = True) -> str:
    text = moment.astimezone(UTC).replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z") if zulu else text


# --------------------------------------------------------------------------- URLs


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def feed_url(outlet: Outlet, base_url: str) -> str:
    return _base(base_url) + outlet.feed_path


def article_url(article: Article, base_url: str) -> str:
    """The canonical URL of an article page (what ``<link rel=canonical>`` says)."""
    return _base(base_url) + article.path


def feed_urls(base_url: str, data: SampleData | None = None) -> list[dict]:
    """``[{url, title, tags}]``, one per outlet: the ``[[feeds]]`` entries of a demo config."""
    data = data or load_data()
    return [{"url": feed_url(o, base_url), "title": o.name, "tags": list(o.tags)} for o in data.outlets]
