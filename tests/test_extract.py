"""Full-text extraction against a loopback web: good pages, bad pages, hostile pages."""

from __future__ import annotations

import asyncio
import time

import pytest

from aggregator.extract.batch import extract_entries
from aggregator.fetch.feeds import fetch_feeds
from aggregator.store.extractions import get_extraction, pending
from aggregator.store.feeds import add_feed, due_feeds
from httpserver import Reply, drip, gzip_bomb, rss

PARAGRAPHS = [
    "Northwind Labs released Meridian-3 on Tuesday, a language model that the company says answers "
    "questions about long documents 40 percent faster than its predecessor.",
    "The model accepts up to 512,000 tokens of context and costs $2.50 per million input tokens, "
    "according to the company's pricing page published on 10 November 2026.",
    "Chief scientist Ines Okafor said the team spent eight months rebuilding the attention kernels. "
    "\"We wanted long context to be the default, not a premium feature,\" she said.",
    "Independent researchers cautioned that the benchmark figures were measured by the company itself "
    "and have not yet been reproduced by outside groups.",
]
FEED_SUMMARY = "Northwind Labs released Meridian-3, a faster long-context model."


def article_page(paragraphs=PARAGRAPHS, title="Northwind Labs launches Meridian-3", extra_head="",
                 charset="utf-8", lang="en") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="{charset}"><title>{title} | Synapse Daily</title>
<meta property="og:title" content="{title}"><meta name="author" content="Dana Reyes">{extra_head}</head>
<body><header><nav><a href="/">Home</a> <a href="/ai">AI</a> <a href="/subscribe">Subscribe</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Dana Reyes, <time datetime="2026-11-10">10 November 2026</time></p>
{body}</article><aside><h2>Most read</h2><ul><li><a href="/x">Another story entirely</a></li>
<li><a href="/y">Something else people clicked</a></li></ul></aside></main>
<footer><p>© 2026 Synapse Daily. All rights reserved. Privacy policy. Cookie settings.</p></footer></body></html>"""


PAYWALL_HEAD = ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
                '"isAccessibleForFree": false}</script>')


def setup_feed(server, store, clock, make_settings, pages: dict[str, tuple], items_extra=None, network=None,
               **extract):
    """Serve one feed whose items link to ``pages`` (path -> route), fetch it, return settings."""
    items = []
    for i, path in enumerate(pages):
        items.append({"title": f"Story {path}", "link": server.url(path), "guid": f"g{i}",
                      "description": FEED_SUMMARY, "pubDate": "Tue, 10 Nov 2026 09:00:00 GMT"})
        server.routes[path] = pages[path]
    for item in items_extra or []:
        items.append(item)
    server.static("/feed", rss(items))
    add_feed(store, server.url("/feed"), clock())
    settings = make_settings(extract={"per_host_delay_seconds": 0, "workers": 2, **extract}, network=network or {})
    asyncio.run(fetch_feeds(settings, store, clock, due_feeds(store, clock(), everything=True)))
    return settings


def extract_all(settings, store, clock):
    return asyncio.run(extract_entries(settings, store, clock, pending(store, clock())))


def html_reply(text: str, content_type="text/html; charset=utf-8", encoding="utf-8", **headers):
    body = text.encode(encoding)
    return lambda req: Reply(200, body, {"Content-Type": content_type, **headers})


def by_path(store):
    rows = store.query("select e.url, x.* from extractions x join entries e on e.id = x.entry_id")
    return {r["url"].rsplit("/", 1)[-1] or r["url"].rstrip("/").rsplit("/", 1)[-1]: r for r in rows}


def test_normal_article_keeps_paragraphs_and_metadata(server, store, clock, make_settings):
    settings = setup_feed(server, store, clock, make_settings, {"/a": html_reply(article_page())})
    report = extract_all(settings, store, clock)
    assert (report.processed, report.from_article) == (1, 1)
    row = by_path(store)["a"]
    assert row["text_origin"] == "article" and row["status"] == "ok"
    assert row["text"].split("\n\n") == PARAGRAPHS  # boilerplate gone, paragraphs kept
    assert row["title"] == "Northwind Labs launches Meridian-3"
    assert row["author"] == "Dana Reyes" and row["published"] == "2026-11-10"
    assert row["language"] == "en" and row["sitename"]
    # a second run has nothing to do
    assert extract_all(settings, store, clock).processed == 0


def test_paywall_404_and_empty_pages_fall_back_to_the_feed(server, store, clock, make_settings):
    pages = {
        "/paywall": html_reply(article_page(PARAGRAPHS[:1] + ["Subscribe to keep reading. Already a member? Log in."],
                                            extra_head=PAYWALL_HEAD)),
        "/gone": lambda req: Reply(404, b"not here"),
        "/empty": html_reply("<html><head><script src='/app.js'></script></head><body><div id='app'></div></body></html>"),
        "/pdf": lambda req: Reply(200, b"%PDF-1.7 ...", {"Content-Type": "application/pdf"}),
    }
    settings = setup_feed(server, store, clock, make_settings, pages)
    report = extract_all(settings, store, clock)
    assert report.from_feed == 4 and report.failed == 0
    rows = by_path(store)
    for name, reason in [("paywall", "paywalled"), ("gone", "HTTP 404"), ("empty", "no text could be extracted"),
                         ("pdf", "not an HTML page (application/pdf)")]:
        assert rows[name]["text_origin"] == "feed", name
        assert rows[name]["text"] == FEED_SUMMARY, name
        assert rows[name]["status"] == "fallback" and rows[name]["reason"].startswith(reason), (name, rows[name]["reason"])
    assert rows["gone"]["http_status"] == 404
    assert extract_all(settings, store, clock).processed == 0  # final: not retried


def test_feed_with_full_content_beats_a_teaser_page(server, store, clock, make_settings):
    full = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    item = {"title": "Full", "link": server.url("/teaser"), "guid": "full",
            "description": full.replace("<", "&lt;").replace(">", "&gt;")}
    server.routes["/teaser"] = html_reply(article_page(PARAGRAPHS[:1]))
    server.static("/feed", rss([item]))
    add_feed(store, server.url("/feed"), clock())
    settings = make_settings(extract={"per_host_delay_seconds": 0})
    asyncio.run(fetch_feeds(settings, store, clock, due_feeds(store, clock(), everything=True)))
    extract_all(settings, store, clock)
    row = by_path(store)["teaser"]
    assert row["text_origin"] == "feed" and row["reason"] == "article text much shorter than the feed's own content"
    assert row["text"].split("\n\n") == PARAGRAPHS


def test_slow_and_bomb_pages_fail_then_retry_with_backoff(server, store, clock, make_settings):
    pages = {"/slow": None, "/bomb": None, "/flaky": lambda req: Reply(503, b"busy")}
    settings = setup_feed(server, store, clock, make_settings, {"/flaky": pages["/flaky"]},
                          network={"request_timeout_seconds": 1.0, "max_body_bytes": 2_000_000})
    server.raw("/slow", drip(0.3, count=40))
    server.static("/bomb", gzip_bomb(200 << 20), "text/html", **{"Content-Encoding": "gzip"})
    for path in ("/slow", "/bomb"):
        server.static(f"/feed{path}", rss([{"title": path, "link": server.url(path), "guid": path,
                                            "description": FEED_SUMMARY}]))
        add_feed(store, server.url(f"/feed{path}"), clock())
    asyncio.run(fetch_feeds(settings, store, clock, due_feeds(store, clock(), everything=True)))
    started = time.monotonic()
    report = extract_all(settings, store, clock)
    assert time.monotonic() - started < 10
    rows = by_path(store)
    assert rows["slow"]["status"] == "failed" and "within 1 s" in rows["slow"]["reason"]
    assert rows["flaky"]["status"] == "failed" and rows["flaky"]["reason"].startswith("HTTP 503")
    assert rows["bomb"]["status"] == "fallback" and "bomb" in rows["bomb"]["reason"]  # permanent
    assert report.failed == 2
    for name in ("slow", "flaky"):  # the feed text stands in meanwhile
        assert rows[name]["text"] == FEED_SUMMARY and rows[name]["text_origin"] == "feed"
    # not retried before the backoff has passed, then retried
    assert extract_all(settings, store, clock).processed == 0
    clock.advance(minutes=16)
    server.routes["/flaky"] = html_reply(article_page())
    retry = extract_all(settings, store, clock)
    assert retry.processed == 2 and retry.from_article == 1
    rows = by_path(store)
    assert rows["flaky"]["status"] == "ok" and rows["flaky"]["attempts"] == 2
    assert rows["slow"]["attempts"] == 2 and rows["slow"]["status"] == "failed"


def test_gives_up_after_max_attempts_with_the_reason_kept(server, store, clock, make_settings):
    settings = setup_feed(server, store, clock, make_settings, {"/down": lambda req: Reply(500, b"")},
                          max_attempts=2)
    extract_all(settings, store, clock)
    clock.advance(days=2)
    extract_all(settings, store, clock)
    row = by_path(store)["down"]
    assert row["status"] == "fallback" and row["reason"] == "gave up after 2 attempts: HTTP 500 Internal Server Error"
    clock.advance(days=2)
    assert extract_all(settings, store, clock).processed == 0


def test_pathological_html_is_killed_and_the_batch_goes_on(server, store, clock, make_settings):
    nested = "<html><body>" + ("<div>" * 200 + "<p>some words here and there</p>" + "</div>" * 200) * 300 + "</body></html>"
    pages = {"/nested": html_reply(nested), "/fine": html_reply(article_page())}
    settings = setup_feed(server, store, clock, make_settings, pages, timeout_seconds=1.0)
    started = time.monotonic()
    report = extract_all(settings, store, clock)
    assert time.monotonic() - started < 6  # unkilled, the nested page takes 7 s of CPU here
    rows = by_path(store)
    assert rows["nested"]["status"] == "failed" and "worker killed" in rows["nested"]["reason"]
    assert rows["fine"]["status"] == "ok"
    assert report.failed == 1 and report.from_article == 1


@pytest.mark.parametrize("charset,header", [("windows-1251", "text/html; charset=windows-1251"),
                                            ("iso-8859-1", "text/html"),  # only the <meta> says it
                                            ("utf-8", "text/html; charset=iso-8859-1")])  # header lies
def test_non_utf8_pages_decode_right(server, store, clock, make_settings, charset, header):
    words = {"windows-1251": "Новая модель отвечает быстрее",
             "iso-8859-1": "Le modèle répond plus vite à Zürich",
             "utf-8": "Café über € — the model ships"}[charset]
    paragraphs = [f"{words}. " + p for p in PARAGRAPHS]
    page = article_page(paragraphs, title=words, charset=charset).encode(charset)
    settings = setup_feed(server, store, clock, make_settings,
                          {"/p": lambda req: Reply(200, page, {"Content-Type": header})})
    extract_all(settings, store, clock)
    row = by_path(store)["p"]
    assert row["text"].startswith(words) and row["title"] == words


def test_robots_txt_is_honoured_unless_configured_otherwise(server, store, clock, make_settings):
    server.routes["/robots.txt"] = lambda req: Reply(200, b"User-agent: *\nDisallow: /private/\n",
                                                     {"Content-Type": "text/plain"})
    pages = {"/private/a": html_reply(article_page()), "/public": html_reply(article_page())}
    settings = setup_feed(server, store, clock, make_settings, pages)
    extract_all(settings, store, clock)
    rows = by_path(store)
    assert rows["a"]["text_origin"] == "feed" and "robots.txt" in rows["a"]["reason"]
    assert rows["public"]["text_origin"] == "article"
    assert not server.hits("/private/a")
    assert len(server.hits("/robots.txt")) == 1  # once per host and run


def test_changed_entry_is_extracted_again(server, store, clock, make_settings):
    settings = setup_feed(server, store, clock, make_settings, {"/a": html_reply(article_page())})
    extract_all(settings, store, clock)
    server.static("/feed", rss([{"title": "Story /a (updated)", "link": server.url("/a"), "guid": "g0",
                                 "description": FEED_SUMMARY + " Updated."}]))
    server.routes["/a"] = html_reply(article_page(PARAGRAPHS + ["Update: the company corrected its price list."]))
    asyncio.run(fetch_feeds(settings, store, clock, due_feeds(store, clock(), everything=True)))
    assert extract_all(settings, store, clock).processed == 1
    assert by_path(store)["a"]["text"].endswith("corrected its price list.")


def test_entry_without_link_uses_feed_text(server, store, clock, make_settings):
    settings = setup_feed(server, store, clock, make_settings, {},
                          items_extra=[{"title": "No link", "description": FEED_SUMMARY}])
    extract_all(settings, store, clock)
    row = store.query("select * from extractions")[0]
    assert row["text_origin"] == "feed" and row["reason"] == "the entry has no web link"
    assert row["status"] == "fallback"
    assert get_extraction(store, row["entry_id"])["text"] == FEED_SUMMARY
