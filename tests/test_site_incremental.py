"""Incremental rebuilds: only changed pages render, unchanged ones are the previous build's files,
and search gets a small delta index instead of a full one. Real Pagefind, real sample web."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from aggregator.config import settings_from_dict
from aggregator.site import search
from aggregator.site.publish import current_build
from aggregator.site.render import build_site
from site_helpers import site_files
from tests.conftest import FakeClock


def _run(settings, store, clock):
    from aggregator.pipeline import run_cluster, run_extract, run_fetch, run_summarize

    for stage in (run_fetch, run_extract, run_cluster, run_summarize):
        stage(settings, store, clock)


@pytest.fixture
def replay(tmp_path):
    """The sample web as of 18 November; the test moves it (and the clock) forward."""
    from aggregator.demo.server import SampleWeb
    from aggregator.pipeline import open_settings_store

    clock = FakeClock(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    with SampleWeb(as_of=clock()) as web:
        settings = settings_from_dict({
            "site": {"title": "Replay", "base_url": "https://news.example.org/", "output_dir": "public"},
            "database": {"path": str(tmp_path / "d.db")}, "network": {"allow_private_networks": True},
            "extract": {"per_host_delay_seconds": 0}, "feeds": web.feed_urls()}, base_dir=tmp_path)
        store = open_settings_store(settings, clock)
        _run(settings, store, clock)
        yield settings, store, clock, web
        store.close()


def _pages(folder):
    return {str(p.relative_to(folder)): p.stat().st_ino for p in site_files(folder)}


def test_an_unchanged_rebuild_renders_nothing_and_reuses_the_search_index(replay):
    settings, store, clock, _ = replay
    first = build_site(settings, store, clock())
    assert first.reused == 0 and first.rendered > first.stories > 10 and first.search.startswith("full")
    old = current_build(settings.output_dir)
    again = build_site(settings, store, clock())
    new = current_build(settings.output_dir)
    assert new != old and again.rendered == 0 and again.reused == first.pages == again.pages
    assert again.search.startswith("reuse")
    assert _pages(old) == _pages(new)  # the same files (hard links), not copies
    assert (new / "pagefind" / "pagefind-entry.json").is_file()


def _snapshot(folder):
    """Every page with its inode and bytes, taken now: story pages live in a pool that the next
    build shares with this one, so "what changed" is measured against a copy taken before."""
    return {name: (inode, (folder / name).read_bytes()) for name, inode in _pages(folder).items()}


def _site_bytes(folder):
    """Every file a reader gets, but the search bundles (Pagefind's output differs from run to run)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in site_files(folder, "")
            if not str(p.relative_to(folder)).startswith(("pagefind", "search-bundles"))}


def test_new_stories_render_their_pages_and_the_pages_listing_them_only(replay):
    settings, store, clock, web = replay
    build_site(settings, store, clock())
    before_build = _snapshot(current_build(settings.output_dir))
    before = {r["slug"] for r in store.query("select slug from stories")}
    clock.advance(days=2)
    web.as_of = clock()
    _run(settings, store, clock)
    added = {r["slug"] for r in store.query("select slug from stories")} - before
    assert added, "the sample web publishes new stories on 19-20 November"
    report = build_site(settings, store, clock())
    new = current_build(settings.output_dir)
    new_pages = _pages(new)
    rendered = {name for name, inode in new_pages.items() if before_build.get(name, (None,))[0] != inode}
    for slug in added:
        assert f"stories/{slug}/index.html" in rendered
    assert "index.html" in rendered  # the home page lists them
    for name in rendered & before_build.keys():  # a page rendered again is a page that changed
        assert (new / name).read_bytes() != before_build[name][1], name
    assert {"weekly/2026-W46/index.html", "about/index.html"}.isdisjoint(rendered)  # last week's recap is final
    untouched = [n for n in new_pages if n.startswith("stories/") and n not in rendered]
    assert untouched and all((new / n).read_bytes() == before_build[n][1] for n in untouched)
    assert report.search.startswith("delta") and (new / search.DELTA / "pagefind-entry.json").is_file()
    assert json.loads((new / "search-bundles.json").read_text()) == ["pagefind/", "pagefind-recent/"]


def test_a_rebuild_day_by_day_publishes_what_a_full_build_publishes(replay):
    """The incremental path (changed stories, their neighbours, the shared story pool) must give
    the same site as rendering everything: replayed over four days of the sample web, with a
    removed story on the way."""
    settings, store, clock, web = replay
    build_site(settings, store, clock())
    for day in range(4):
        clock.advance(days=1)
        web.as_of = clock()
        _run(settings, store, clock)
        if day == 1:  # a story leaves (its entries go back to no story): its page must go too
            gone = store.query("select id, slug from stories order by id limit 1")[0]
            with store.write():
                store.conn.execute("update entries set story_id = null where story_id = ?", (gone["id"],))
                store.conn.execute("delete from cards where story_id = ?", (gone["id"],))
                store.conn.execute("delete from stories where id = ?", (gone["id"],))
        report = build_site(settings, store, clock())
        incremental = _site_bytes(current_build(settings.output_dir))
        assert report.reused > 0 and report.exported < report.stories
        if day >= 1:
            assert f"stories/{gone['slug']}/index.html" not in incremental
        build_site(settings, store, clock(), full=True)
        assert _site_bytes(current_build(settings.output_dir)) == incremental, f"day {day + 1}"


def test_a_changed_card_renders_its_page_and_a_failed_sidecar_means_a_full_render(replay):
    settings, store, clock, _ = replay
    build_site(settings, store, clock())
    story = store.query("select story_id, card_json from cards order by story_id limit 1")[0]
    card = json.loads(story["card_json"])
    card["what_changed"][0]["text"] = "A replaced first claim for this test."
    with store.write():
        store.conn.execute("update cards set card_json = ? where story_id = ?", (json.dumps(card), story["story_id"]))
    report = build_site(settings, store, clock())
    slug = store.scalar("select slug from stories where id = ?", (story["story_id"],))
    page = (settings.output_dir / "stories" / slug / "index.html").read_text()
    assert "A replaced first claim for this test." in page
    assert 1 <= report.rendered <= 4  # the story page, and the feeds quoting its first claim
    from aggregator.site.publish import sidecar
    sidecar(current_build(settings.output_dir)).write_text("{not json")
    assert build_site(settings, store, clock()).reused == 0
    full = build_site(settings, store, clock(), full=True)
    assert full.reused == 0 and full.search.startswith("full")


def test_search_plan_decides_reuse_delta_or_full():
    pages = {f"stories/s{i}/index.html": "a" for i in range(10)}
    base = dict(pages)
    assert search.plan(pages, None, None).kind == "full"
    assert search.plan(pages, base, {}).kind == "reuse"
    more = {**pages, "stories/new/index.html": "n"}
    step = search.plan(more, base, {})
    assert (step.kind, step.delta) == ("delta", ["stories/new/index.html"])
    assert search.plan(more, base, {"stories/new/index.html": "n"}).kind == "reuse"
    assert search.plan(more, base, {"stories/new/index.html": "old"}).kind == "delta"
    fewer = dict(list(pages.items())[1:])
    assert search.plan(fewer, base, {}).kind == "full"  # a removed page must leave the index
    many = {**pages, **{f"stories/n{i}/index.html": "n" for i in range(search.DELTA_LIMIT + 1)}}
    assert search.plan(many, base, {}).kind == "full"
    changed = {name: "b" for name in pages}
    assert search.plan(changed, base, {}, delta_limit=5).kind == "full"


def _indexed_pages(bundle):
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    return sum(language["page_count"] for language in entry["languages"].values())


def test_a_full_index_in_shards_covers_every_story_once_and_later_builds_keep_the_shards(replay, monkeypatch):
    """A full build indexes its story pages in shards while it renders; each shard is a base
    bundle the search page merges. Together they hold every story page once, and the next
    builds link the same shards and add a delta."""
    settings, store, clock, web = replay
    monkeypatch.setattr(search, "SHARD_PAGES", 6)
    with store.write():  # a slug that does not end in the story's id (none does today) still gets indexed
        store.conn.execute("update stories set slug = 'a-slug-without-its-id' where id = (select min(id) from stories)")
    report = build_site(settings, store, clock())
    site = current_build(settings.output_dir)
    bundles = json.loads((site / "search-bundles.json").read_text())
    assert report.search.startswith("full") and len(bundles) > 1
    assert sum(_indexed_pages(site / name) for name in bundles) == report.stories
    clock.advance(days=2)
    web.as_of = clock()
    _run(settings, store, clock)
    again = build_site(settings, store, clock())
    later = current_build(settings.output_dir)
    assert again.search.startswith("delta")
    assert json.loads((later / "search-bundles.json").read_text()) == bundles + ["pagefind-recent/"]
    assert all((later / name).resolve() == (site / name).resolve() for name in bundles)  # linked, not re-made
    assert sum(_indexed_pages(later / name) for name in bundles + ["pagefind-recent/"]) == again.stories


def test_shards_are_chosen_by_the_slugs_last_digit_and_other_slugs_are_not_lost(tmp_path):
    index = search.ShardedIndex(tmp_path, total=10_000, shard_pages=2_500)  # 4 wanted: 5 shards of two digits
    assert index.digits == ["01", "23", "45", "67", "89"]
    stories = [{"path": f"stories/{slug}/"} for slug in ("a-19", "b-10", "odd-slug", "c-3", "d-12")]
    assert [index.shard(s["path"] + "index.html") for s in stories] == [4, 0, -1, 1, 1]
    assert [s["path"] for s in index.order(stories)] == [
        "stories/b-10/", "stories/c-3/", "stories/d-12/", "stories/a-19/", "stories/odd-slug/"]


def test_a_build_that_fails_leaves_the_published_site_and_its_story_pages_alone(replay, monkeypatch):
    """Story pages live in a pool that builds share; a build's changed pages wait in a staging
    folder until just before the swap, so a build that fails changes no page a reader sees."""
    from aggregator.site import render

    settings, store, clock, web = replay
    build_site(settings, store, clock())
    published = current_build(settings.output_dir)
    before = _site_bytes(published)
    clock.advance(days=2)
    web.as_of = clock()
    _run(settings, store, clock)

    def explode(*args, **kwargs):
        raise RuntimeError("the recap template exploded")

    monkeypatch.setattr(render, "_weekly", explode)  # after the story pages are written and staged
    with pytest.raises(RuntimeError, match="exploded"):
        build_site(settings, store, clock())
    assert current_build(settings.output_dir) == published
    assert _site_bytes(published) == before  # no story page replaced, none added
    shared = published.parent / "shared"
    assert not [p.name for p in shared.iterdir() if p.name.startswith(".staging-")]
    monkeypatch.undo()
    report = build_site(settings, store, clock())  # and the next build goes on from the published one
    assert report.reused > 0 and current_build(settings.output_dir) != published


def _remove_story(store, story_id):
    with store.write():
        store.conn.execute("update entries set story_id = null where story_id = ?", (story_id,))
        store.conn.execute("delete from cards where story_id = ?", (story_id,))
        store.conn.execute("delete from stories where id = ?", (story_id,))


def test_a_removed_story_leaves_the_pool_and_the_search_index(replay):
    settings, store, clock, _ = replay
    build_site(settings, store, clock())
    gone = store.query("select id, slug from stories order by id desc limit 1")[0]
    _remove_story(store, gone["id"])
    report = build_site(settings, store, clock())
    site = current_build(settings.output_dir)
    assert report.search.startswith("full") and not (site / "stories" / gone["slug"]).exists()
    bundles = json.loads((site / "search-bundles.json").read_text())
    assert sum(_indexed_pages(site / name) for name in bundles) == report.stories  # not the removed page


def test_a_build_killed_after_its_swap_has_its_removals_finished_by_the_next(replay, monkeypatch):
    from aggregator.site import render

    settings, store, clock, _ = replay
    build_site(settings, store, clock())
    gone = store.query("select id, slug from stories order by id limit 1")[0]
    _remove_story(store, gone["id"])

    def killed(*args, **kwargs):
        raise SystemExit("killed after the swap")

    monkeypatch.setattr(render, "_remove_strays", killed)
    with pytest.raises(SystemExit):
        build_site(settings, store, clock())
    assert (current_build(settings.output_dir) / "stories" / gone["slug"]).exists()  # published, not yet removed
    monkeypatch.undo()
    build_site(settings, store, clock())
    assert not (current_build(settings.output_dir) / "stories" / gone["slug"]).exists()


def test_a_build_killed_between_moving_its_pages_in_and_the_swap_makes_the_next_start_a_fresh_pool(replay, monkeypatch):
    from aggregator.site import publish

    settings, store, clock, web = replay
    build_site(settings, store, clock())
    published = current_build(settings.output_dir)
    clock.advance(days=2)
    web.as_of = clock()
    _run(settings, store, clock)

    def killed(*args, **kwargs):
        raise SystemExit("killed before the swap")

    monkeypatch.setattr(publish, "swap", killed)
    with pytest.raises(SystemExit):
        build_site(settings, store, clock())
    assert current_build(settings.output_dir) == published
    monkeypatch.undo()
    report = build_site(settings, store, clock())  # the pool is ahead of the published state: not trusted
    assert report.reused < report.stories and report.search.startswith("full")
    site = current_build(settings.output_dir)
    assert not list((site.parent / "shared").glob(".committing.*"))
    incremental = _site_bytes(site)
    build_site(settings, store, clock(), full=True)
    assert _site_bytes(current_build(settings.output_dir)) == incremental
