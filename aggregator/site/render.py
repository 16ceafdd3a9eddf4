"""Build the static site from the store: the one orchestrator of ``aggregator build``.

Everything from feeds and the LLM reaches the pages as *text* and is escaped by the
templates' autoescaping (cards are plain text by construction, titles are plain
text from the parser); the only links are the publishers' own URLs, which leave the
store only when they are http(s), and links within the site. No page loads anything
from another host, and a strict Content-Security-Policy says so.

A build (see ``docs/design.md``, "The static site"):

1. export the stories (``export.export_stories``) and count each week's numbers;
2. write every page into a new folder (``publish.new_build``), hard-linking the
   pages whose inputs did not change from the build being replaced (``writer``);
3. index the story pages for search (``search``: a base and a delta Pagefind bundle);
4. swap the new folder in atomically.

Layout (relative to ``output_dir``): ``index.html``, ``stories/<slug>/``, ``weekly/<YYYY-Www>/``,
``archive/`` (every week), ``topics/`` (topics, audiences and sources), ``topics/<topic>/``,
``audiences/<audience>/``, ``sources/<feed id>/`` (with the source's health), ``about/``,
``search/``, ``feed.xml`` and ``feed.json`` (stories), ``weekly/feed.xml`` and
``weekly/feed.json`` (recaps), ``sitemap.xml``, ``robots.txt``, ``style.css``, ``search.js``,
``og.png``, ``pagefind/`` and ``pagefind-recent/``.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from datetime import datetime
from itertools import groupby
from pathlib import Path
from zoneinfo import ZoneInfo

from ..clock import iso, parse_iso, week_bounds
from ..config import Settings
from ..export import safe_url
from ..store import Store
from ..store.feeds import list_feeds
from ..store.recaps import recap_intros
from ..store.stories import slugify
from ..summarize.card import AUDIENCES
from ..templating import TEMPLATES
from . import outputs, search
from .data import site_stories
from .publish import current_build, new_build, pending_sidecar, sidecar
from .recap import WeekNumbers, build_recap, reading_minutes_saved
from .writer import SiteWriter, read_manifest, read_sidecar, write_manifest

HOME_STORIES = 200
LISTING_STORIES = 100
STATIC_FILES = ("style.css", "search.js", "og.png", "favicon.svg", "search-icon.svg")


@dataclass
class BuildReport:
    stories: int = 0
    pages: int = 0
    rendered: int = 0  # pages and files written anew
    reused: int = 0  # pages linked unchanged from the previous build
    exported: int = 0  # stories exported in full: changed, new, their neighbours, the feeds' newest
    search: str = ""  # full | delta | reuse | off, and why
    search_seconds: float = 0.0
    output: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _long_date(day) -> str:
    moment = datetime.strptime(str(day), "%Y-%m-%d")
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def _long_time(value: str | None, tz: str) -> str:
    if not value:
        return ""
    local = parse_iso(value).astimezone(ZoneInfo(tz))
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def _timeline(story: dict) -> list[dict]:
    """The card's dated events and the earlier stories of the thread, in date order.

    An event the source dates without a year ("MM-DD") is sorted within the story's
    year, and shown as the source gave it."""
    year = story["week"][:4]
    events = [{"date": e["date"], "event": e["event"], "title": None, "path": None}
              for e in (story["card"] or {}).get("timeline", [])]
    events += [{"date": t["date"], "event": None, "title": t["title"], "path": t["path"]} for t in story["thread"]]
    return sorted(events, key=lambda e: e["date"] if re.match(r"\d{4}", e["date"]) else f"{year}-{e['date']}")


def _listing_item(story: dict) -> dict:
    """A story as a line in a list: all that home, topic and source pages show of it."""
    return {"path": story["path"], "title": story["title"], "first_published_at": story["first_published_at"],
            "source_count": len(story["sources"]),
            "sources": [{"url": s["url"], "publisher": s["publisher"]} for s in story["sources"][:3]]}


def _story_context(story: dict) -> dict:
    """A story page's context: the story without its rank (which moves with the clock)."""
    page = {k: v for k, v in story.items() if k not in ("rank", "dropped_claims")}
    page["audiences"] = [(a, slugify(a)) for a in story["audiences"]]
    return {"story": page, "card": story["card"], "meta": story["card_meta"], "timeline": _timeline(story)}


def build_site(settings: Settings, store: Store, now: datetime, *, full: bool = False) -> BuildReport:
    """Build and publish the site; ``full`` renders every page and re-indexes search from scratch."""
    with _collector_paused():
        return _build(settings, store, now, full)


@contextmanager
def _collector_paused():
    """Pause Python's cycle collector while a build runs. A build makes hundreds of thousands
    of small dicts and lists, none of them in cycles, and each full collection walks every
    object of the process: in a long-running ``serve`` (or the benchmark, holding earlier
    rounds) that was a third of an incremental build. Plain reference counting still frees
    everything; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(settings: Settings, store: Store, now: datetime, full: bool) -> BuildReport:
    output = settings.output_dir
    base = settings.site.base_url
    common = {"site": {"title": settings.site.title, "base_url": base}, "tz": settings.site.timezone,
              "weekly": bool(store.scalar("select exists (select 1 from stories)")), "subscribe": _subscribe(settings)}
    report = BuildReport(output=str(output))
    after_swap: list = []
    with new_build(output, after_swap) as folder:
        previous = None if full else current_build(output)
        state = _read_state(previous)
        filters = {"long_date": _long_date, "long_time": _long_time}
        writer = SiteWriter(folder, common, previous=previous, manifest=state.get("pages"), filters=filters)
        shared, present = _story_pool(folder, previous, state, writer, after_swap)
        data = site_stories(settings, store, now, state.get("stories") if shared else None,
                            pages=set(writer.manifest) & present)
        stories = data.stories
        report.stories, report.exported = len(stories), len(data.full)
        for name in STATIC_FILES:
            shutil.copyfile(TEMPLATES / "site" / name, folder / name)
        started = time.perf_counter()
        sharded = search.ShardedIndex(folder, len(stories)) if settings.site.search and not shared else None
        indexing = None
        try:
            for story in stories if sharded is None else sharded.order(stories):
                if story["id"] in data.full:
                    writer.page(story["path"].rstrip("/"), "site/story.html", **_story_context(story))
                else:
                    writer.keep(story["path"] + "index.html")
                if sharded is not None:
                    sharded.add(story["path"] + "index.html")
            indexed = {s["path"] + "index.html": data.state["stories"][str(s["id"])][0] for s in stories}
            indexing, report.search, search_state = _start_search(settings, folder, previous, state, writer,
                                                                  sharded, indexed)
            _home_and_listings(writer, settings, store, stories)
            _weekly(writer, settings, store, stories, now)
            items = [outputs.feed_item(s) for s in stories[:outputs.FEED_SIZE]]
            writer.file("feed.xml", "site/feed.xml", title=settings.site.title, feed_path="feed.xml",
                        entries=items, recaps=None, updated=max((s["last_published_at"] for s in items), default=iso(now)))
            writer.file("feed.json", text=json.dumps(outputs.json_feed(
                common["site"], settings.site.title, "feed.json", [outputs.json_story(common["site"], i) for i in items]),
                ensure_ascii=False, indent=1))
            pages = [n[: -len("index.html")] for n in writer.fingerprints if n.endswith("index.html")
                     and n not in ("search/index.html", "weekly/index.html")]
            writer.file("sitemap.xml", text=outputs.sitemap(base, sorted(pages)))
            writer.file("robots.txt", text=outputs.robots(base))
            if indexing is not None:  # Pagefind ran beside the rendering of every page but the stories
                indexing.wait()
                (folder / "search-bundles.json").write_text(json.dumps(
                    [f"{name}/" for name in search_state["bundles"]]
                    + ([f"{search.DELTA}/"] if search_state["delta"] else [])), encoding="utf-8")
                report.search_seconds = round(time.perf_counter() - started, 3)
        except BaseException:
            for run in (indexing, sharded):
                if run is not None:
                    run.cancel()
            raise
        write_manifest(pending_sidecar(folder), writer.fingerprints,
                       {"search": search_state, "base": writer.base, "stories": data.state})
        if shared:
            marker = _committing(folder)
            marker.touch()  # until the swap, the pool is ahead of the published build
            writer.commit()
            after_swap.append(lambda: (marker.unlink(missing_ok=True),
                                       _remove_strays(folder, present, writer.fingerprints)))
        if writer.staging is not None:
            shutil.rmtree(writer.staging, ignore_errors=True)
    report.pages, report.rendered, report.reused = writer.pages, writer.rendered, writer.reused
    return report


def _story_pool(folder: Path, previous: Path | None, state: dict, writer: SiteWriter,
                after_swap: list) -> tuple[bool, set[str]]:
    """Link the build's ``stories/`` to the story-page pool: (whether it shares the previous
    build's pool, the story pages that pool holds).

    Story pages are most of a site (10,000 folders), so builds do not copy or link them
    one by one: ``stories`` is a link to a pool beside the builds. A build that can go on
    from the previous one (same templates, code and shared context, its state readable)
    shares that pool and changes only the pages that changed, each by an atomic rename
    just before the swap. Any other build starts a new pool and renders every story page
    into it, which the previous build never sees. So does a build that finds a
    ``.committing.*`` marker: a build died between moving its pages into the pool and
    publishing, and the pool no longer matches the published build's state."""
    shared = search.shared_dir(folder)
    pool = previous / "stories" if previous is not None else None
    interrupted = list(shared.glob(".committing.*")) if shared.is_dir() else []
    shares = (pool is not None and pool.is_symlink() and pool.is_dir() and state.get("base") == writer.base
              and isinstance(state.get("stories"), dict) and not interrupted)
    if shares:
        (folder / "stories").symlink_to(os.readlink(pool))
        writer.staging = shared / f".staging-{folder.name}"
        return True, {f"stories/{name}/index.html" for name in os.listdir(pool) if not name.startswith(".")}
    fresh = shared / f"stories-{folder.name}"
    fresh.mkdir(parents=True)
    (folder / "stories").symlink_to(os.path.relpath(fresh, folder))
    after_swap.extend(lambda marker=marker: marker.unlink(missing_ok=True) for marker in interrupted)
    return False, set()


def _committing(folder: Path) -> Path:
    """The marker a shared-pool build holds from moving its pages in until its swap (not named
    like the build's own leftovers, which a failed build deletes: the marker must outlive it)."""
    return search.shared_dir(folder) / f".committing.{folder.name}"


def _remove_strays(folder: Path, present: set[str], pages: dict[str, str]) -> None:
    """After the swap: every page the shared pool held when the build began (``present``) that
    the published build does not list (removed stories; pages an interrupted build left)
    leaves it. The previous build, kept a moment for requests in flight, may still link one;
    those requests get a 404."""
    for name in present - pages.keys():
        shutil.rmtree((folder / name).parent, ignore_errors=True)


def _subscribe(settings: Settings) -> dict | None:
    """Where the pages' subscribe form posts (``aggregator serve``'s endpoint), when email is set up."""
    if settings.email is None:
        return None
    public = settings.web.public_url
    origin = "/".join(public.split("/")[:3])
    site_origin = "/".join(settings.site.base_url.split("/")[:3])
    return {"action": public + "subscribe", "origin": "" if origin == site_origin else origin}


def _read_state(previous: Path | None) -> dict:
    if previous is None:
        return {}
    state = read_sidecar(sidecar(previous))  # new_build has renamed it if its build died right after its swap
    return {"pages": read_manifest(state), "search": state.get("search") or {},
            "base": state.get("base"), "stories": state.get("stories")}


def _start_search(settings: Settings, folder: Path, previous: Path | None, state: dict, writer: SiteWriter,
                  sharded: search.ShardedIndex | None, pages: dict[str, str]
                  ) -> tuple[search.Indexing | search.ShardedIndex | None, str, dict]:
    """Decide the search work from the story pages just written, and start it (``sharded``: a
    full index already under way, started while the pages of a fresh story pool were written).

    ``pages`` maps each story page to the data key of its story: what Pagefind indexes of a
    page is the story's own text (related updates and the thread's links are marked
    ``data-pagefind-ignore``), so a page whose related list changed needs no re-indexing."""
    if not settings.site.search:
        return None, "off", {}
    if sharded is not None:
        return (sharded.finish(), f"full: every story page is new ({len(sharded.bundles)} bundle(s))",
                {"base": pages, "delta": {}, "bundles": sharded.bundles})
    old = state.get("search") or {}
    bundles = old.get("bundles") or [search.BASE]
    usable = (previous is not None and isinstance(old.get("base"), dict)
              and all((previous / name).is_dir() for name in bundles))
    if usable and old.get("delta") and not (previous / search.DELTA).is_dir():
        usable = False
    work = search.plan(pages, old["base"] if usable else None, old.get("delta") if usable else None)
    # a shared pool can still hold pages this build does not list (removed stories, until the
    # swap): Pagefind then indexes exactly this build's pages, linked into a scratch tree
    indexing = search.start(folder, previous, work, pages=sorted(pages),
                            location=writer.location if writer.staging is not None else None, bundles=bundles)
    if work.kind == "full":
        new_state = {"base": pages, "delta": {}, "bundles": [search.BASE]}
    elif work.kind == "delta":
        new_state = {"base": old["base"], "delta": {n: pages[n] for n in work.delta}, "bundles": bundles}
    else:
        new_state = {"base": old["base"], "delta": old.get("delta") or {}, "bundles": bundles}
    return indexing, f"{work.kind}: {work.reason}", new_state


def _home_and_listings(writer: SiteWriter, settings: Settings, store: Store, stories: list[dict]) -> None:
    """Home (by day), about, search, and a page per topic, per audience and per source."""
    tz = ZoneInfo(settings.site.timezone)
    day_of = lambda s: parse_iso(s["first_published_at"]).astimezone(tz).date().isoformat()  # noqa: E731
    days = [(day, [_listing_item(s) for s in group]) for day, group in groupby(stories[:HOME_STORIES], key=day_of)]
    writer.page("", "site/index.html", days=days)
    writer.page("about", "site/about.html")
    writer.page("search", "site/search.html")

    def listing(path: str, heading: str, members: list[dict], source: dict | None = None, kind: str = "") -> None:
        writer.page(path, "site/listing.html", heading=heading, kind=kind, total=len(members), source=source,
                    stories=[_listing_item(s) for s in members[:LISTING_STORIES]])

    slug_of = lru_cache(maxsize=None)(slugify)  # a few hundred topics, named by 10,000 stories
    by_topic: dict[str, tuple[str, list[dict]]] = {}
    by_audience: dict[str, list[dict]] = {a: [] for a in AUDIENCES}
    stories_by_feed: dict[int, list[dict]] = {}
    for story in stories:  # newest first, as the pages list them
        for topic in story["topics"]:
            if topic.strip():
                by_topic.setdefault(slug_of(topic), (topic, []))[1].append(story)
        for audience in story["audiences"]:
            by_audience.setdefault(audience, []).append(story)
        for feed_id in story["feeds"]:
            stories_by_feed.setdefault(feed_id, []).append(story)
    for slug, (name, members) in sorted(by_topic.items()):
        listing(f"topics/{slug}", f"Topic: {name}", members, kind="topic")
    for audience, members in by_audience.items():
        listing(f"audiences/{slugify(audience)}", f"For {audience}", members, kind="audience")
    sources = []
    for feed in list_feeds(store):
        name = feed["title"] or feed["feed_title"] or feed["url"]
        members = stories_by_feed.get(feed["id"], [])
        info = {"status": feed["status"], "last_error": feed["last_error"], "entries": feed["entries"],
                "last_fetched_at": feed["last_fetched_at"], "site_url": safe_url(feed["site_url"])}
        listing(f"sources/{feed['id']}", f"Source: {name}", members, source=info, kind="source")
        sources.append({"id": feed["id"], "name": name, "status": feed["status"]})
    topics = [(slug, name, len(members)) for slug, (name, members) in sorted(by_topic.items())]
    audiences = [(slugify(a), a, len(m)) for a, m in by_audience.items()]
    writer.page("topics", "site/directory.html", topics=topics, audiences=audiences, sources=sources)


def _weekly(writer: SiteWriter, settings: Settings, store: Store, stories: list[dict], now: datetime) -> None:
    """A recap page per week, the archive of all weeks, and the recaps' own feeds."""
    intros = recap_intros(store)
    weeks = sorted({story["week"] for story in stories}, reverse=True)
    archive, entries = [], []
    for week in weeks:
        recap = build_recap(week, settings.site.timezone, stories, week_numbers(store, week, settings),
                            intro=intros.get(week))
        writer.page(f"weekly/{week}", "site/weekly.html", recap=recap)
        closes = min(now, week_bounds(week, settings.site.timezone)[1])
        summary = " ".join(s["text"] for s in recap.intro) or "; ".join(t["title"] or "" for t in recap.top)
        archive.append({"week": week, "start": recap.start.isoformat(), "end": recap.end.isoformat(),
                        "stories": recap.numbers.stories, "top": recap.top[:3]})
        entries.append({"path": f"weekly/{week}/", "title": f"The week of {_long_date(recap.start)}",
                        "summary": summary, "published_at": iso(closes), "week": week})
    if weeks:  # "This week" in every page's menu: a page that moves on, so the pages linking it need not
        writer.page("weekly", "site/latest.html", week=weeks[0])
    writer.page("archive", "site/archive.html", weeks=archive)
    recent = entries[: outputs.FEED_SIZE]
    title = f"{settings.site.title}: weekly recaps"
    writer.file("weekly/feed.xml", "site/feed.xml", title=title, feed_path="weekly/feed.xml", entries=None,
                recaps=recent, updated=max((e["published_at"] for e in recent), default=iso(now)))
    writer.file("weekly/feed.json", text=json.dumps(outputs.json_feed(
        writer.common["site"], title, "weekly/feed.json",
        [outputs.json_recap(writer.common["site"], e) for e in recent]), ensure_ascii=False, indent=1))


def week_numbers(store: Store, week: str, settings: Settings) -> WeekNumbers:
    """The week in numbers, counted in the store."""
    start, end = (iso(m) for m in week_bounds(week, settings.site.timezone))
    words = store.scalar(
        """select coalesce(sum(x.words), 0) from entries e join extractions x on x.entry_id = e.id
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


__all__ = ["BuildReport", "build_site", "week_numbers"]
