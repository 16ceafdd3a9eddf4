"""Fetching policy: errors, backoff and disabling, freshness hints, user agent, locked database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aggregator.clock import parse_iso
from aggregator.fetch.feeds import fetch_feeds
from aggregator.store.feeds import due_feeds, enable_feed
from fetch_helpers import ITEMS, feed_row, run, subscribe
from httpserver import Reply, rss


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


def test_long_throttling_never_breaks_the_batch(server, make_settings, store, clock):
    server.routes["/busy"] = lambda req: Reply(503, b"busy", {"Retry-After": "60"})
    server.static("/good", rss(ITEMS))
    subscribe(store, clock, server.url("/busy"))
    subscribe(store, clock, server.url("/good"))
    store.conn.execute("update feeds set error_count = 5000 where id = 1")
    report = run(make_settings(), store, clock)
    assert report.errors == 1 and report.new_entries == 2
    assert feed_row(store, 1)["error_count"] == 5001


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
