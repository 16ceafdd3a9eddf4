"""Render the static site from the store: pages, feeds, sitemap. jinja2 through templating.

Everything from feeds and the LLM reaches the pages as *text* and is escaped by the
templates' autoescaping (cards are plain text by construction, titles are plain
text from the parser); the only links are the publishers' own URLs, which the
parser only keeps when they are http(s), and links within the site. No page loads
anything from another host, and a strict Content-Security-Policy says so.

Layout (relative to ``output_dir``): ``index.html``, ``stories/<slug>/index.html``,
``about/index.html``, ``weekly/<YYYY-Www>/index.html``, ``topics/`` (an index of topics and
sources), ``topics/<topic>/``, ``sources/<feed id>/`` (with the source's health), ``feed.xml`` (Atom), ``feed.json`` (JSON Feed 1.1),
``sitemap.xml``, ``robots.txt``, ``style.css``.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from ..clock import iso, parse_iso, week_bounds
from ..config import Settings
from ..export import export_stories, safe_url
from ..store import Store
from ..templating import TEMPLATES, environment
from .publish import new_build
from .recap import WeekNumbers, build_recap, reading_minutes_saved

FEED_SIZE = 50
_SAFE_PATH = re.compile(r"^(?:[a-z0-9][a-z0-9-]*(?:/[A-Za-z0-9][A-Za-z0-9-]*)*)?$")  # no "..", no absolute paths


@dataclass
class BuildReport:
    stories: int = 0
    pages: int = 0
    output: str = ""


def _long_date(day) -> str:
    moment = datetime.strptime(str(day), "%Y-%m-%d")
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def _long_time(value: str | None, tz: str) -> str:
    if not value:
        return ""
    local = parse_iso(value).astimezone(ZoneInfo(tz))
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def _env():
    env = environment()
    env.filters.setdefault("long_date", _long_date)
    env.filters.setdefault("long_time", _long_time)
    return env


def _timeline(story: dict) -> list[dict]:
    """The card's dated events and the earlier stories of the thread, in date order.

    An event the source dates without a year ("MM-DD") is sorted within the story's
    year, and shown as the source gave it."""
    year = story["week"][:4]
    events = [{"date": e["date"], "event": e["event"], "title": None, "path": None}
              for e in (story["card"] or {}).get("timeline", [])]
    events += [{"date": t["date"], "event": None, "title": t["title"], "path": t["path"]} for t in story["thread"]]
    return sorted(events, key=lambda e: e["date"] if re.match(r"\d{4}", e["date"]) else f"{year}-{e['date']}")


def _summary(story: dict) -> str:
    card = story["card"] or {}
    return " ".join(c["text"] for c in card.get("what_changed", [])) or story["title"]


class SiteWriter:
    def __init__(self, settings: Settings, folder: Path):
        self.settings = settings
        self.folder = folder
        self.env = _env()
        self.pages = 0
        base = settings.site.base_url
        self.common = {"site": {"title": settings.site.title, "base_url": base if base.endswith("/") else base + "/"},
                       "tz": settings.site.timezone, "latest_week": None}

    def page(self, path: str, template: str, **context) -> None:
        if not _SAFE_PATH.match(path):
            raise ValueError(f"refusing to write a page at {path!r}")
        depth = len(path.strip("/").split("/")) if path else 0  # "stories/x" -> stories/x/index.html -> ../../
        html = self.env.get_template(template).render(
            path=path, root="../" * depth if depth else "./", **self.common, **context)
        target = self.folder / path / "index.html" if path else self.folder / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.pages += 1

    def file(self, name: str, text: str) -> None:
        (self.folder / name).write_text(text, encoding="utf-8")


def build_site(settings: Settings, store: Store, now: datetime) -> BuildReport:
    data = export_stories(settings, store, now)
    stories = sorted(data["stories"], key=lambda s: (s["first_published_at"] or "", s["id"]), reverse=True)
    tz = ZoneInfo(settings.site.timezone)
    output = settings.output_dir
    with new_build(output) as folder:
        writer = SiteWriter(settings, folder)
        writer.common["latest_week"] = max((s["week"] for s in stories), default=None)
        shutil.copyfile(TEMPLATES / "site" / "style.css", folder / "style.css")
        for story in stories:
            writer.page(story["path"].rstrip("/"), "site/story.html", story=story, card=story["card"],
                        meta=story["card_meta"], timeline=_timeline(story))
        day_of = lambda s: parse_iso(s["first_published_at"]).astimezone(tz).date().isoformat()  # noqa: E731
        days = [(day, list(group)) for day, group in groupby(stories[:200], key=day_of)]
        writer.page("", "site/index.html", days=days)
        writer.page("about", "site/about.html")
        _topic_and_source_pages(writer, store, stories)
        for week in sorted({story["week"] for story in stories}):
            recap = build_recap(week, settings.site.timezone, stories, week_numbers(store, week, settings))
            writer.page(f"weekly/{week}", "site/weekly.html", recap=recap)
        recent = stories[:FEED_SIZE]
        for story in recent:
            story["summary"] = _summary(story)
        site = writer.common["site"]
        writer.file("feed.xml", writer.env.get_template("site/feed.xml").render(
            site=site, stories=recent, updated=now.isoformat()))
        writer.file("feed.json", json.dumps(_json_feed(site, recent), ensure_ascii=False, indent=1))
        writer.file("sitemap.xml", _sitemap(site["base_url"], stories))
        writer.file("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {site['base_url']}sitemap.xml\n")
    return BuildReport(stories=len(stories), pages=writer.pages, output=str(output))


def _topic_and_source_pages(writer: SiteWriter, store: Store, stories: list[dict]) -> None:
    """A page per topic (cards' topics) and per source (with its health), and an index of both."""
    from ..store.feeds import list_feeds
    from ..store.stories import slugify

    by_topic: dict[str, tuple[str, list[dict]]] = {}
    for story in stories:
        for topic in (story["card"] or {}).get("topics") or []:
            if isinstance(topic, str) and topic.strip():
                by_topic.setdefault(slugify(topic), (topic, []))[1].append(story)
    for slug, (name, members) in sorted(by_topic.items()):
        writer.page(f"topics/{slug}", "site/listing.html", heading=f"Topic: {name}", stories=members, source=None)
    feeds = list_feeds(store)
    story_ids_by_feed: dict[int, set[int]] = {}
    for row in store.query("select feed_id, story_id from entries where story_id is not null"):
        story_ids_by_feed.setdefault(row["feed_id"], set()).add(row["story_id"])
    sources = []
    for feed in feeds:
        name = feed["title"] or feed["feed_title"] or feed["url"]
        members = [s for s in stories if s["id"] in story_ids_by_feed.get(feed["id"], set())]
        info = {"status": feed["status"], "last_error": feed["last_error"], "entries": feed["entries"],
                "last_fetched_at": feed["last_fetched_at"], "site_url": safe_url(feed["site_url"])}
        writer.page(f"sources/{feed['id']}", "site/listing.html", heading=f"Source: {name}", stories=members,
                    source=info)
        sources.append({"id": feed["id"], "name": name, "status": feed["status"]})
    topics = [(slug, name, len(members)) for slug, (name, members) in sorted(by_topic.items())]
    writer.page("topics", "site/directory.html", topics=topics, sources=sources)


def week_numbers(store: Store, week: str, settings: Settings) -> WeekNumbers:
    """The week in numbers, counted in the store."""
    start, end = (iso(m) for m in week_bounds(week, settings.site.timezone))
    words = store.scalar(
        """select coalesce(sum(length(x.text) - length(replace(x.text, ' ', '')) + 1), 0)
           from entries e join extractions x on x.entry_id = e.id
           where e.published_at >= ? and e.published_at < ?""", (start, end)) or 0
    return WeekNumbers(
        sources_checked=store.scalar("select count(distinct feed_id) from fetches where started_at >= ? "
                                     "and started_at < ?", (start, end)) or 0,
        articles_read=store.scalar("select count(*) from entries where published_at >= ? and published_at < ?",
                                   (start, end)) or 0,
        failing_sources=store.scalar("select count(distinct feed_id) from fetches where outcome = 'error' "
                                     "and started_at >= ? and started_at < ?", (start, end)) or 0,
        minutes_saved=reading_minutes_saved(words, store.scalar(
            "select count(*) from stories where first_published_at >= ? and first_published_at < ?",
            (start, end)) or 0),
    )


def _json_feed(site: dict, stories: list[dict]) -> dict:
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site["title"],
        "home_page_url": site["base_url"],
        "feed_url": site["base_url"] + "feed.json",
        "items": [_json_item(site, s) for s in stories],
    }


def _json_item(site: dict, story: dict) -> dict:
    item = {
        "id": site["base_url"] + story["path"],
        "url": site["base_url"] + story["path"],
        "title": story["title"] or "",
        "content_text": story["summary"] or "",
        "date_published": story["first_published_at"],
        "date_modified": story["last_published_at"],
        "authors": [{"name": src["publisher"]} for src in story["sources"][:5] if src["publisher"]],
    }
    external = next((src["url"] for src in story["sources"] if src["url"]), None)
    if external:  # JSON Feed wants strings: leave absent fields out rather than null
        item["external_url"] = external
    return {k: v for k, v in item.items() if v is not None}


def _sitemap(base: str, stories: list[dict]) -> str:
    weeks = sorted({s["week"] for s in stories})
    urls = [base, base + "about/"] + [f"{base}weekly/{w}/" for w in weeks] + [base + s["path"] for s in stories]
    body = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n'
