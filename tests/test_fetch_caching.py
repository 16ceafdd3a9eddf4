"""Fetching: conditional GETs, changed and kept entries, and what a feed's content becomes."""

from __future__ import annotations

from datetime import timedelta

from aggregator.clock import iso, parse_iso
from fetch_helpers import ITEMS, feed_row, run, subscribe
from httpserver import Reply, rss


def test_etag_304_costs_one_request_and_no_parse(server, make_settings, store, clock):
    body = rss(ITEMS)

    def route(req):
        if req.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(200, body, {"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    server.routes["/feed"] = route
    settings = make_settings()
    subscribe(store, clock, server.url("/feed"))
    first = run(settings, store, clock)
    assert (first.new_entries, first.errors) == (2, 0)
    second = run(settings, store, clock)
    assert second.not_modified == 1 and second.new_entries == 0
    assert server.hits("/feed")[1].headers["if-none-match"] == '"v1"'
    assert store.scalar("select count(*) from entries") == 2
    outcomes = [r["outcome"] for r in store.query("select outcome from fetches order by id")]
    assert outcomes == ["new", "not_modified"]


def test_last_modified_is_sent_back(server, make_settings, store, clock):
    stamp = "Wed, 18 Nov 2026 08:00:00 GMT"

    def route(req):
        if req.headers.get("if-modified-since") == stamp:
            return Reply(304)
        return Reply(200, rss(ITEMS), {"Last-Modified": stamp})

    server.routes["/feed"] = route
    settings = make_settings()
    subscribe(store, clock, server.url("/feed"))
    run(settings, store, clock)
    assert run(settings, store, clock).not_modified == 1


def test_identical_body_with_new_etag_is_not_parsed_again(server, make_settings, store, clock):
    counter = {"n": 0}

    def route(req):
        counter["n"] += 1
        return Reply(200, rss(ITEMS), {"ETag": f'"v{counter["n"]}"'})

    server.routes["/feed"] = route
    settings = make_settings()
    subscribe(store, clock, server.url("/feed"))
    run(settings, store, clock)
    report = run(settings, store, clock)
    assert report.unchanged == 1 and report.new_entries == 0
    assert store.query("select outcome from fetches order by id desc limit 1")[0]["outcome"] == "unchanged"


def test_changed_entries_updated_new_added_and_removed_ones_kept(server, make_settings, store, clock):
    server.static("/feed", rss(ITEMS))
    settings = make_settings()
    subscribe(store, clock, server.url("/feed"))
    run(settings, store, clock)
    changed = [dict(ITEMS[0], description="First, corrected"),
               {"title": "C", "link": "http://example.org/c", "guid": "c", "description": "Third"}]
    server.static("/feed", rss(changed))
    clock.advance(hours=1)
    report = run(settings, store, clock)
    assert (report.new_entries, report.updated_entries) == (1, 1)
    rows = {r["url"].rsplit("/", 1)[1]: r for r in store.query("select * from entries")}
    assert set(rows) == {"a", "b", "c"}  # b dropped out of the feed but is kept
    assert rows["a"]["changed_at"] == iso(clock()) and rows["a"]["change_count"] == 1
    assert "corrected" in rows["a"]["summary_html"]
    assert rows["b"]["changed_at"] is None
    assert rows["a"]["url"] == "http://example.org/a"  # tracking parameter gone
    # the same document again adds nothing
    server.static("/feed", rss(changed + [ITEMS[1]]))
    assert run(settings, store, clock).new_entries == 0
    assert store.scalar("select count(*) from entries") == 3


def test_duplicate_guids_are_told_apart_by_link(server, make_settings, store, clock):
    items = [{"title": "One", "link": "http://example.org/1", "guid": "same"},
             {"title": "Two", "link": "http://example.org/2", "guid": "same"}]
    server.static("/feed", rss(items))
    subscribe(store, clock, server.url("/feed"))
    assert run(make_settings(), store, clock).new_entries == 2


def test_feed_that_starts_repeating_a_guid_keeps_its_stored_entry(server, make_settings, store, clock):
    first = [{"title": "A", "link": "http://example.org/a", "guid": "g1"}]
    server.static("/feed", rss(first))
    subscribe(store, clock, server.url("/feed"))
    settings = make_settings()
    run(settings, store, clock)
    server.static("/feed", rss(first + [{"title": "B", "link": "http://example.org/b", "guid": "g1"}]))
    assert run(settings, store, clock).new_entries == 1
    server.static("/feed", rss(first))  # and back again
    assert run(settings, store, clock).new_entries == 0
    assert sorted(r["title"] for r in store.query("select title from entries")) == ["A", "B"]


def test_missing_and_absurd_dates_fall_back_to_first_seen(server, make_settings, store, clock):
    items = [{"title": "No date", "guid": "n", "link": "http://example.org/n"},
             {"title": "Future", "guid": "f", "link": "http://example.org/f", "pubDate": "Mon, 01 Jan 2091 00:00:00 GMT"},
             {"title": "Ancient", "guid": "o", "link": "http://example.org/o", "pubDate": "Mon, 01 Jan 1900 00:00:00 GMT"}]
    server.static("/feed", rss(items))
    subscribe(store, clock, server.url("/feed"))
    run(make_settings(), store, clock)
    for row in store.query("select * from entries"):
        assert row["published_at"] == iso(clock()) and row["date_origin"] == "first_seen"


def test_malformed_xml_fails_cleanly_and_does_not_stop_the_batch(server, make_settings, store, clock):
    server.static("/broken", b"<html><body>This is not <b>a feed</body>", "text/html")
    server.static("/sloppy", rss(ITEMS).replace(b"</channel>", b"<unclosed></channel>"))
    server.static("/good", rss(ITEMS))
    for path in ("/broken", "/sloppy", "/good"):
        subscribe(store, clock, server.url(path))
    report = run(make_settings(), store, clock)
    by_url = {o.url.rsplit("/", 1)[1]: o for o in report.outcomes}
    assert by_url["broken"].outcome == "error" and "not an RSS" in by_url["broken"].error
    assert by_url["sloppy"].new_entries == 2  # recoverable XML still yields its entries
    assert by_url["good"].new_entries == 2


def test_charsets_decode_without_mojibake(server, make_settings, store, clock):
    cyrillic = rss([{"title": "Привет, мир", "guid": "1"}], title="Новости", encoding="windows-1251")
    server.static("/cp1251", cyrillic, "application/rss+xml; charset=windows-1251")
    # declared ISO-8859-1 in the header and prolog, but the bytes are UTF-8
    lying = rss([{"title": "Café über €5", "guid": "1"}], encoding="utf-8").replace(
        b'encoding="utf-8"', b'encoding="iso-8859-1"')
    server.static("/lying", lying, "text/xml; charset=iso-8859-1")
    latin = rss([{"title": "Déjà vu à Zürich", "guid": "1"}], encoding="iso-8859-1")
    server.static("/latin", latin, "application/xml")
    for path in ("/cp1251", "/lying", "/latin"):
        subscribe(store, clock, server.url(path))
    run(make_settings(), store, clock)
    titles = {r["feed_id"]: r["title"] for r in store.query("select feed_id, title from entries")}
    assert titles == {1: "Привет, мир", 2: "Café über €5", 3: "Déjà vu à Zürich"}
    assert feed_row(store, 1)["feed_title"] == "Новости"


def test_json_feed(server, make_settings, store, clock):
    import json

    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "JSON news",
           "items": [{"id": "1", "url": "/posts/1", "title": "<b>Bold</b> claim",
                      "content_text": "Para one.\n\nPara <two>.", "date_published": "2026-11-18T09:30:00+01:00",
                      "authors": [{"name": "Ada"}]}]}
    server.static("/feed.json", json.dumps(doc).encode(), "application/feed+json")
    subscribe(store, clock, server.url("/feed.json"))
    run(make_settings(), store, clock)
    row = store.query("select * from entries")[0]
    assert row["title"] == "Bold claim" and row["author"] == "Ada"
    assert row["url"] == server.url("/posts/1")
    assert row["published_at"] == "2026-11-18T08:30:00+00:00"
    assert row["content_html"] == "<p>Para one.</p><p>Para &lt;two&gt;.</p>"


def test_hostile_markup_is_sanitized(server, make_settings, store, clock):
    items = [{"title": "&lt;script&gt;alert(1)&lt;/script&gt;Title", "guid": "x", "link": "http://example.org/x",
              "description": "&lt;p onclick='evil()'&gt;Hi &lt;a href='javascript:alert(1)'&gt;link&lt;/a&gt;"
                             "&lt;script&gt;steal()&lt;/script&gt;&lt;/p&gt;"}]
    server.static("/feed", rss(items))
    subscribe(store, clock, server.url("/feed"))
    run(make_settings(), store, clock)
    row = store.query("select * from entries")[0]
    assert "<" not in row["title"] and "Title" in row["title"]
    for bad in ("onclick", "javascript:", "<script", "steal()"):
        assert bad not in row["summary_html"]
    assert "Hi" in row["summary_html"]


def test_non_web_links_are_never_stored(server, make_settings, store, clock):
    items = [{"title": "x", "guid": "x", "link": "javascript:alert(document.cookie)"}]
    server.static("/feed", rss(items, extra_channel="").replace(b"<link>http://example.org/</link>",
                                                                  b"<link>data:text/html,evil</link>"))
    subscribe(store, clock, server.url("/feed"))
    run(make_settings(), store, clock)
    row = store.query("select * from entries")[0]
    assert row["url"] is None and row["link"] is None and "javascript" not in row["key"]
    assert feed_row(store)["site_url"] is None


def test_ttl_is_remembered_across_304s(server, make_settings, store, clock):
    def route(req):
        if req.headers.get("if-none-match") == '"t"':
            return Reply(304)
        return Reply(200, rss(ITEMS, extra_channel="<ttl>360</ttl>"), {"ETag": '"t"'})

    server.routes["/feed"] = route
    subscribe(store, clock, server.url("/feed"))
    settings = make_settings(fetch={"max_interval_minutes": 60})
    for _ in range(2):
        run(settings, store, clock)
        assert parse_iso(feed_row(store)["next_check_at"]) - clock() == timedelta(hours=6)
