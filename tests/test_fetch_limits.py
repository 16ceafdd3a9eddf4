"""Fetching limits: deadlines, body caps, gzip, redirects and the private-address guard."""

from __future__ import annotations

import time

import pytest

from fetch_helpers import ITEMS, feed_row, run, subscribe
from httpserver import Reply, TestServer, drip, gzip_bomb, rss


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


def test_redirect_without_location_is_an_error(server, make_settings, store, clock):
    server.routes["/feed"] = lambda req: Reply(302, rss(ITEMS))
    subscribe(store, clock, server.url("/feed"))
    report = run(make_settings(), store, clock)
    assert report.errors == 1 and report.outcomes[0].error.startswith("HTTP 302")


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
