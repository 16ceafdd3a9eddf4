"""Fetching against a real HTTP server on 127.0.0.1: caching, limits, errors, policy."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from aggregator.clock import iso, parse_iso
from aggregator.fetch.feeds import fetch_feeds
from aggregator.store.feeds import add_feed, due_feeds, enable_feed, list_feeds
from httpserver import Reply, TestServer, drip, gzip_bomb, rss

ITEMS = [
    {"title": "Model A released", "link": "http://example.org/a?utm_source=rss", "guid": "a",
     "description": "First", "pubDate": "Thu, 19 Nov 2026 10:00:00 GMT"},
    {"title": "Benchmark B", "link": "http://example.org/b", "guid": "b",
     "description": "Second", "pubDate": "Thu, 19 Nov 2026 11:00:00 GMT"},
]


def run(settings, store, clock, everything=True):
    feeds = due_feeds(store, clock(), everything=everything)
    return asyncio.run(fetch_feeds(settings, store, clock, feeds))


def feed_row(store, feed_id=1):
    return next(r for r in list_feeds(store) if r["id"] == feed_id)


def subscribe(store, clock, url):
    return add_feed(store, url, clock())[0]


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


def test_missing_and_absurd_dates_fall_back_to_first_seen(server, make_settings, store, clock):
    items = [{"title": "No date", "guid": "n", "link": "http://example.org/n"},
             {"title": "Future", "guid": "f", "link": "http://example.org/f", "pubDate": "Mon, 01 Jan 2091 00:00:00 GMT"},
             {"title": "Ancient", "guid": "o", "link": "http://example.org/o", "pubDate": "Mon, 01 Jan 1900 00:00:00 GMT"}]
    server.static("/feed", rss(items))
    subscribe(store, clock, server.url("/feed"))
    run(make_settings(), store, clock)
    for row in store.query("select * from entries"):
        assert row["published_at"] == iso(clock()) and row["date_origin"] == "first_seen"


def test_slow_drip_is_cut_at_the_deadline(server, make_settings, store, clock):
    server.raw("/feed", drip(0.4, count=50))
    settings = make_settings(network={"request_timeout_seconds": 1.5})
    subscribe(store, clock, server.url("/feed"))
    started = time.monotonic()
    report = run(settings, store, clock)
    assert time.monotonic() - started < 4
    assert report.errors == 1 and "within 1.5 s" in report.outcomes[0].error


@pytest.mark.parametrize("declared", [True, False])
def test_huge_body_is_refused(server, make_settings, store, clock, declared):
    body = rss([{"title": "x" * 100, "guid": str(i)} for i in range(20000)])
    if declared:
        server.static("/feed", body)
    else:
        def chunked(handler):
            handler.send_response(200)
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            try:
                for start in range(0, len(body), 65536):
                    piece = body[start:start + 65536]
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                handler.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        server.raw("/feed", chunked)
    settings = make_settings(network={"max_body_bytes": 1_000_000})
    subscribe(store, clock, server.url("/feed"))
    report = run(settings, store, clock)
    assert report.errors == 1 and "limit" in report.outcomes[0].error
    assert store.scalar("select count(*) from entries") == 0


def test_gzip_bomb_stops_at_the_cap(server, make_settings, store, clock):
    import tracemalloc

    bomb = gzip_bomb(1 << 30)  # 1 GiB of zeros in about 1 MB
    assert len(bomb) < 2_000_000
    server.static("/feed", bomb, **{"Content-Encoding": "gzip"})
    settings = make_settings(network={"max_body_bytes": 5_000_000})
    subscribe(store, clock, server.url("/feed"))
    tracemalloc.start()
    report = run(settings, store, clock)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.errors == 1 and "bomb" in report.outcomes[0].error
    assert peak < 50_000_000


def test_gzip_encoded_feed_is_read(server, make_settings, store, clock):
    import gzip

    server.static("/feed", gzip.compress(rss(ITEMS)), **{"Content-Encoding": "gzip"})
    subscribe(store, clock, server.url("/feed"))
    assert run(make_settings(), store, clock).new_entries == 2
    assert "gzip" in server.hits("/feed")[0].headers["accept-encoding"]


def test_redirect_loop_and_long_chains_fail(server, make_settings, store, clock):
    server.routes["/loop1"] = lambda req: Reply(302, headers={"Location": "/loop2"})
    server.routes["/loop2"] = lambda req: Reply(302, headers={"Location": "/loop1"})
    for i in range(10):
        server.routes[f"/hop{i}"] = (lambda n: lambda req: Reply(301, headers={"Location": f"/hop{n + 1}"}))(i)
    server.static("/hop10", rss(ITEMS))
    settings = make_settings(network={"max_redirects": 5})
    subscribe(store, clock, server.url("/loop1"))
    subscribe(store, clock, server.url("/hop0"))
    report = run(settings, store, clock)
    errors = sorted(o.error for o in report.outcomes)
    assert report.errors == 2
    assert any("loop" in e for e in errors) and any("more than 5 redirects" in e for e in errors)


def test_permanent_redirect_moves_the_feed(server, make_settings, store, clock):
    server.routes["/old"] = lambda req: Reply(301, headers={"Location": "/new"})
    server.static("/new", rss(ITEMS))
    subscribe(store, clock, server.url("/old"))
    settings = make_settings()
    run(settings, store, clock)
    assert feed_row(store)["effective_url"] == server.url("/new")
    run(settings, store, clock)
    assert len(server.hits("/old")) == 1 and len(server.hits("/new")) == 2
    assert feed_row(store)["url"] == server.url("/old")  # as configured


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/feed",          # loopback, another address
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://2130706433:{port}/feed",          # decimal form of 127.0.0.1
    "http://0x7f.0.0.1:{port}/feed",          # hex form
    "http://[::ffff:127.0.0.1]:{port}/feed",  # IPv4-mapped IPv6
    "http://100.64.0.1/feed",                 # carrier-grade NAT
    "http://localhost:{port}/feed",           # a name that resolves to loopback
    "file:///etc/passwd",
])
def test_redirect_to_private_address_is_refused(make_settings, store, clock, target):
    # the feed's own host (127.0.0.3) is allowed explicitly; every target is another address
    with TestServer("127.0.0.3") as server:
        target = target.format(port=server.port)
        server.routes["/feed"] = lambda req: Reply(302, headers={"Location": target})
        settings = make_settings(network={"allow_private_networks": False, "allowed_networks": ["127.0.0.3/32"]})
        subscribe(store, clock, server.url("/feed"))
        report = run(settings, store, clock)
    assert report.errors == 1
    assert report.outcomes[0].error.startswith(("refused", "only http and https")), report.outcomes[0].error
    assert len(server.requests) == 1  # the redirect itself; nothing behind it


def test_guard_refuses_loopback_feed_without_a_request(server, make_settings, store, clock):
    server.static("/feed", rss(ITEMS))
    settings = make_settings(network={"allow_private_networks": False})
    subscribe(store, clock, server.url("/feed"))
    report = run(settings, store, clock)
    assert report.errors == 1 and "not a public address" in report.outcomes[0].error
    assert server.requests == []


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


def test_429_retry_after_is_obeyed_and_never_disables(server, make_settings, store, clock):
    server.routes["/feed"] = lambda req: Reply(429, b"slow down", {"Retry-After": "7200"})
    settings = make_settings(fetch={"disable_after_errors": 2})
    subscribe(store, clock, server.url("/feed"))
    for _ in range(4):
        report = run(settings, store, clock)
    row = feed_row(store)
    assert report.outcomes[0].error.startswith("HTTP 429")
    assert parse_iso(row["next_check_at"]) == clock() + timedelta(seconds=7200)
    assert row["status"] == "error" and row["error_count"] == 4
    # not due before the server said so
    assert due_feeds(store, clock() + timedelta(seconds=7000)) == []


def test_500s_back_off_exponentially_then_disable(server, make_settings, store, clock):
    server.routes["/feed"] = lambda req: Reply(500, b"oops")
    settings = make_settings(fetch={"disable_after_errors": 4, "min_interval_minutes": 10})
    subscribe(store, clock, server.url("/feed"))
    waits = []
    for _ in range(4):
        report = run(settings, store, clock, everything=False)
        row = feed_row(store)
        waits.append(parse_iso(row["next_check_at"]) - clock())
        clock.now = parse_iso(row["next_check_at"])
    assert waits[:3] == [timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
    assert report.disabled == 1
    row = feed_row(store)
    assert row["status"] == "disabled" and row["last_error"] == "HTTP 500 Internal Server Error"
    assert run(settings, store, clock).feeds_checked == 0  # disabled feeds are left alone
    enable_feed(store, 1)
    server.static("/feed", rss(ITEMS))
    assert run(settings, store, clock).new_entries == 2
    assert feed_row(store)["status"] == "ok"


def test_server_freshness_hints_set_the_next_check(server, make_settings, store, clock):
    server.static("/maxage", rss(ITEMS), **{"Cache-Control": "public, max-age=10800"})
    server.static("/ttl", rss(ITEMS, extra_channel="<ttl>240</ttl>"))
    subscribe(store, clock, server.url("/maxage"))
    subscribe(store, clock, server.url("/ttl"))
    settings = make_settings(fetch={"min_interval_minutes": 5, "max_interval_minutes": 60})
    clock.now = parse_iso("2026-11-19T12:00:00+00:00")
    run(settings, store, clock)
    assert parse_iso(feed_row(store, 1)["next_check_at"]) - clock() == timedelta(hours=3)
    assert parse_iso(feed_row(store, 2)["next_check_at"]) - clock() == timedelta(hours=4)


def test_user_agent_names_the_project(server, make_settings, store, clock):
    server.static("/feed", rss(ITEMS))
    subscribe(store, clock, server.url("/feed"))
    run(make_settings(), store, clock)
    assert server.requests[0].headers["user-agent"].startswith("aggregator/")


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


def test_long_throttling_never_breaks_the_batch(server, make_settings, store, clock):
    server.routes["/busy"] = lambda req: Reply(503, b"busy", {"Retry-After": "60"})
    server.static("/good", rss(ITEMS))
    subscribe(store, clock, server.url("/busy"))
    subscribe(store, clock, server.url("/good"))
    store.conn.execute("update feeds set error_count = 5000 where id = 1")
    report = run(make_settings(), store, clock)
    assert report.errors == 1 and report.new_entries == 2
    assert feed_row(store, 1)["error_count"] == 5001


def test_locked_database_costs_the_feed_not_the_run(server, make_settings, store, clock, tmp_path):
    from aggregator.store import open_store

    server.static("/feed", rss(ITEMS))
    subscribe(store, clock, server.url("/feed"))
    settings = make_settings()
    locked = open_store(tmp_path / "test.db", busy_timeout_seconds=0.2)
    busy = open_store(tmp_path / "test.db")
    busy.conn.execute("BEGIN IMMEDIATE")
    try:
        feeds = due_feeds(locked, clock(), everything=True)
        report = asyncio.run(fetch_feeds(settings, locked, clock, feeds))
    finally:
        busy.conn.execute("ROLLBACK")
        busy.close()
        locked.close()
    assert report.errors == 1 and "database is locked" in report.outcomes[0].error


def test_non_web_links_are_never_stored(server, make_settings, store, clock):
    items = [{"title": "x", "guid": "x", "link": "javascript:alert(document.cookie)"}]
    server.static("/feed", rss(items, extra_channel="").replace(b"<link>http://example.org/</link>",
                                                                  b"<link>data:text/html,evil</link>"))
    subscribe(store, clock, server.url("/feed"))
    run(make_settings(), store, clock)
    row = store.query("select * from entries")[0]
    assert row["url"] is None and row["link"] is None and "javascript" not in row["key"]
    assert feed_row(store)["site_url"] is None


def test_redirect_without_location_is_an_error(server, make_settings, store, clock):
    server.routes["/feed"] = lambda req: Reply(302, rss(ITEMS))
    subscribe(store, clock, server.url("/feed"))
    report = run(make_settings(), store, clock)
    assert report.errors == 1 and report.outcomes[0].error.startswith("HTTP 302")


def test_multi_member_gzip_is_read_whole_and_truncated_gzip_is_refused(server, make_settings, store, clock):
    import gzip

    body = rss(ITEMS)
    half = len(body) // 2
    server.static("/multi", gzip.compress(body[:half]) + gzip.compress(body[half:]), **{"Content-Encoding": "gzip"})
    server.static("/cut", gzip.compress(body)[:-12], **{"Content-Encoding": "gzip"})
    subscribe(store, clock, server.url("/multi"))
    subscribe(store, clock, server.url("/cut"))
    report = run(make_settings(), store, clock)
    by_url = {o.url.rsplit("/", 1)[1]: o for o in report.outcomes}
    assert by_url["multi"].new_entries == 2
    assert by_url["cut"].outcome == "error" and "truncated" in by_url["cut"].error
