"""The static site built from the sample news web: pages, feeds, escaping, atomic publishing."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import feedparser
import pytest

from aggregator.clock import iso, system_clock
from aggregator.site.publish import builds_dir, current_build, new_build
from aggregator.site.render import build_site
from site_helpers import site_files


@pytest.fixture(scope="module")
def demo(demo_pipeline, tmp_path_factory):
    """This module's own copy of the sample web's data (run through the pipeline once per session)."""
    from site_helpers import site_from

    settings, store = site_from(demo_pipeline, tmp_path_factory.mktemp("site"), base_url="https://news.example.org/")
    yield settings, store
    store.close()


def test_every_story_gets_a_page_and_the_site_has_its_feeds(demo):
    settings, store = demo
    report = build_site(settings, store, system_clock())
    out = settings.output_dir
    stories = store.query("select slug, title from stories")
    assert report.stories == len(stories) > 20
    for story in stories:
        page = (out / "stories" / story["slug"] / "index.html").read_text()
        assert "30-second TL;DR" in page and "Read at publisher" in page and "claims verified" in page
    for name in ("index.html", "about/index.html", "feed.xml", "feed.json", "sitemap.xml", "robots.txt", "style.css"):
        assert (out / name).exists(), name
    atom = feedparser.parse((out / "feed.xml").read_bytes())
    assert not atom.bozo and len(atom.entries) == len(stories)
    assert {e.title for e in atom.entries} == {s["title"] for s in stories}
    assert all(e.link.startswith("https://news.example.org/stories/") for e in atom.entries)
    feed = json.loads((out / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == len(stories)
    pages = {str(p.parent.relative_to(out)) for p in site_files(out, "index.html")} - {"search", "weekly"}
    sitemap = (out / "sitemap.xml").read_text()
    assert sitemap.count("<loc>") == len(pages) > len(stories) + 10  # every page but search and "this week"
    assert all(f"https://news.example.org/stories/{s['slug']}/<" in sitemap for s in stories)


def _url_path(folder, link):
    """Where a relative link leads, resolved as a browser does (by the URL's path, not through
    the site's folder links)."""
    return Path(os.path.normpath(folder / link))


def test_pages_load_nothing_from_elsewhere_and_link_back_to_publishers(demo):
    settings, store = demo
    build_site(settings, store, system_clock())
    for page in site_files(settings.output_dir):
        html = page.read_text()
        assert "Content-Security-Policy" in html
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        if page.parent.name == "search":  # only the search page runs code, and only files of the site
            assert scripts and all(not body.strip() for _, body in scripts)
            for attributes, _ in scripts:
                src = re.search(r'src="([^"]+)"', attributes).group(1)
                assert not src.startswith(("http", "//")) and _url_path(page.parent, src).is_file(), src
        else:
            assert "<script" not in html, page
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
        assert not stylesheet.startswith(("http", "//")) and _url_path(page.parent, stylesheet).is_file()
        for link in re.findall(r'<a href="([^"]+)"', html):  # links within the site resolve to pages
            if not link.startswith("http"):
                target = _url_path(page.parent, link)
                assert (target / "index.html").is_file() or target.is_file(), (page, link)
    story = next((settings.output_dir / "stories").iterdir()) / "index.html"
    assert 'rel="noopener noreferrer nofollow"' in story.read_text()


def test_hostile_titles_are_inert_text(demo):
    settings, store = demo
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with store.write():
        store.conn.execute("update stories set title = ? where id = (select min(id) from stories)", (payload,))
    try:
        build_site(settings, store, system_clock())
        slug = store.scalar("select slug from stories where id = (select min(id) from stories)")
        html = (settings.output_dir / "stories" / slug / "index.html").read_text()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        assert "<script>" not in (settings.output_dir / "index.html").read_text()
        assert feedparser.parse((settings.output_dir / "feed.xml").read_bytes()).entries  # still valid XML
    finally:
        with store.write():
            store.conn.execute("update stories set title = 'restored' where title = ?", (payload,))


def test_publishing_is_atomic_and_a_failed_build_keeps_the_old_site(demo):
    settings, store = demo
    build_site(settings, store, system_clock())
    out = settings.output_dir
    before = current_build(out)
    assert out.is_symlink() and before is not None
    with pytest.raises(RuntimeError):
        with new_build(out) as folder:
            (folder / "index.html").write_text("half a site")
            raise RuntimeError("template exploded")
    assert current_build(out) == before and "half a site" not in (out / "index.html").read_text()
    build_site(settings, store, system_clock())
    build_site(settings, store, system_clock())
    assert current_build(out) != before
    builds = [p for p in builds_dir(out).iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "shared"]
    assert len(builds) <= 2  # old builds are pruned
    linked = {(b / name).resolve() for b in builds for name in ("pagefind", "stories")}
    assert {p.resolve() for p in (builds_dir(out) / "shared").iterdir()} <= linked  # and bundles nobody links
    assert (out / "pagefind").is_symlink() and (out / "pagefind" / "pagefind-entry.json").is_file()


def test_card_shows_verification_label_sources_and_timeline(demo):
    settings, store = demo
    build_site(settings, store, system_clock())
    multi = store.query("select id, slug from stories where sources >= 3 order by id limit 1")[0]
    html = (settings.output_dir / "stories" / multi["slug"] / "index.html").read_text()
    sources = store.query("select url from entries where story_id = ?", (multi["id"],))
    for source in sources:
        assert f'href="{source["url"]}"' in html
    assert re.search(r"\d+ of \d+ claims verified", html)
    assert iso(system_clock())  # the clock in use is aware


def test_weekly_recap_pages_rank_the_week_and_count_it(demo):
    from aggregator.site.recap import reading_minutes_saved, week_bounds

    settings, store = demo
    build_site(settings, store, system_clock())
    weeks = sorted(p.name for p in (settings.output_dir / "weekly").iterdir() if p.is_dir())
    assert weeks == ["2026-W46", "2026-W47"]  # the sample web spans 9-22 November 2026
    start, end = week_bounds("2026-W46", "Europe/Copenhagen")
    assert (start.isoformat(), (end - start).days) == ("2026-11-09T00:00:00+01:00", 7)
    html = (settings.output_dir / "weekly" / "2026-W46" / "index.html").read_text()
    threads = re.search(r"main threads</h2>\s*<ol>(.*?)</ol>", html, re.S).group(1)
    first = re.findall(r'href="\.\./\.\./(stories/[^"]+)"', threads)[0]
    top = store.query("select s.slug, count(distinct e.feed_id) as feeds from stories s join entries e "
                      "on e.story_id = s.id where s.first_published_at < '2026-11-16' group by s.id "
                      "order by feeds desc limit 1")[0]
    assert first == f"stories/{top['slug']}/"  # most independent sources first
    articles = store.scalar("select count(*) from entries where published_at >= ? and published_at < ?",
                            (iso(start), iso(end)))
    assert f"<dt>Articles read</dt><dd>{articles}</dd>" in html
    assert "Reading time saved" in html and reading_minutes_saved(2300, 2) == 9


def test_hostile_urls_missing_sources_null_cards_and_control_characters(demo):
    settings, store = demo
    ids = [r["id"] for r in store.query("select id from stories order by id limit 3")]
    saved = store.query("select id, url, story_id from entries where story_id in (?, ?, ?)", tuple(ids))
    card = store.query("select story_id, card_json from cards where story_id = ?", (ids[2],))[0]
    with store.write():
        store.conn.execute("update entries set url = ' JaVaScRiPt:alert(1)' where story_id = ?", (ids[0],))
        store.conn.execute("update stories set title = ? where id = ?", ("Bell\x07 and\x01 null\x0b chars", ids[0]))
        store.conn.execute("update entries set story_id = null where story_id = ?", (ids[1],))  # no sources
        store.conn.execute("update cards set card_json = 'null' where story_id = ?", (ids[2],))
    try:
        build_site(settings, store, system_clock())
        out = settings.output_dir
        everything = "".join(p.read_text() for p in site_files(out, "") if p.suffix in (".html", ".xml", ".json"))
        assert "javascript:" not in everything.lower() and 'href="None"' not in everything
        atom = feedparser.parse((out / "feed.xml").read_bytes())
        assert not atom.bozo and "Bell and null chars" in {e.title for e in atom.entries}
        items = json.loads((out / "feed.json").read_text())["items"]
        assert all(v is not None for item in items for v in item.values())
    finally:
        with store.write():
            for row in saved:
                store.conn.execute("update entries set url = ?, story_id = ? where id = ?",
                                   (row["url"], row["story_id"], row["id"]))
            store.conn.execute("update cards set card_json = ? where story_id = ?", (card["card_json"], ids[2]))


def test_overlapping_builds_take_turns_and_a_bad_slug_writes_nothing(demo):
    import threading
    import time

    settings, store = demo
    out = settings.output_dir
    build_site(settings, store, system_clock())
    slow_done = threading.Event()

    def slow():
        with new_build(out) as folder:
            time.sleep(0.5)
            (folder / "index.html").write_text("slow build")
        slow_done.set()

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)
    build_site(settings, store, system_clock())  # waits for the slow one, then publishes a full site
    thread.join()
    assert slow_done.is_set() and "Latest stories" in (out / "index.html").read_text()
    assert (out / "feed.xml").exists()
    before = current_build(out)
    slug = store.scalar("select slug from stories order by id limit 1")
    with store.write():
        store.conn.execute("update stories set slug = '../../escaped' where slug = ?", (slug,))
    try:
        with pytest.raises(ValueError, match="refusing to write"):
            build_site(settings, store, system_clock())
    finally:
        with store.write():
            store.conn.execute("update stories set slug = ? where slug = '../../escaped'", (slug,))
    assert current_build(out) == before and not (out.parent / "escaped").exists()


def test_topic_and_source_pages_list_their_stories_with_source_health(demo):
    settings, store = demo
    build_site(settings, store, system_clock())
    out = settings.output_dir
    feeds = store.query("select id from feeds")
    for feed in feeds:
        html = (out / "sources" / str(feed["id"]) / "index.html").read_text()
        assert "Status: ok" in html and "articles collected" in html
        slugs = {r["slug"] for r in store.query(
            "select distinct s.slug from stories s join entries e on e.story_id = s.id where e.feed_id = ?",
            (feed["id"],))}
        assert slugs and all(f"stories/{slug}/" in html for slug in slugs)
    directory = (out / "topics" / "index.html").read_text()
    topic_pages = [p for p in (out / "topics").iterdir() if p.is_dir()]
    assert len(topic_pages) >= 5 and all(f'href="../topics/{p.name}/"' in directory for p in topic_pages)


def test_a_build_killed_before_its_swap_is_pruned_and_the_published_ones_are_kept(tmp_path):
    """A kill leaves a build's folder and its pending sidecar: it was never published, so the
    next prune removes it and keeps the published builds, not the newest folders."""
    from aggregator.site.publish import pending_sidecar, prune, sidecar

    builds = tmp_path / ".site.builds"
    names = ["01-published", "02-published", "03-killed", "04-current"]
    for name in names:
        (builds / name).mkdir(parents=True)
    for name in ("01-published", "02-published"):
        sidecar(builds / name).write_text("{}")
    pending_sidecar(builds / "03-killed").write_text("{}")
    sidecar(builds / "04-current").write_text("{}")
    prune(builds, keep={builds / "04-current"})
    remaining = sorted(p.name for p in builds.iterdir() if not p.name.startswith("."))
    assert remaining == ["02-published", "02-published.json", "04-current", "04-current.json"]


def test_a_build_killed_right_after_its_swap_counts_as_published(demo):
    """Its sidecar was still pending: the next build reads it (no full render) and keeps it."""
    from aggregator.site.publish import pending_sidecar, sidecar

    settings, store = demo
    build_site(settings, store, system_clock())
    live = current_build(settings.output_dir)
    sidecar(live).rename(pending_sidecar(live))  # as a kill between the swap and the rename leaves it
    report = build_site(settings, store, system_clock())
    assert report.rendered < report.pages  # it went on from the killed build's state
    assert live.is_dir() and sidecar(live).exists()  # kept as the previous build
