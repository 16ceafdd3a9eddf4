"""Pure deciders of extraction: which text wins, and how page bytes are decoded."""

from datetime import timedelta

import pytest

from aggregator.decode import decode_html
from aggregator.errors import ExtractionTimeout, HTTPStatusError, NetworkError, NotArticleError
from aggregator.extract.choose import TextRules, choose_text, retry_at
from aggregator.extract.page import Extracted
from conftest import corpora_or_skip

ARTICLE = "\n\n".join(["A real paragraph of the article with enough words to count as text."] * 8)
FEED = "The publisher's one-line summary."


def page(text=ARTICLE, paywalled=False) -> Extracted:
    return Extracted(text, "T", None, None, None, None, "en", "utf-8", paywalled)


def test_article_text_wins_when_it_is_the_article():
    choice = choose_text(page(), None, FEED, 1)
    assert (choice.status, choice.origin, choice.text) == ("ok", "article", ARTICLE)


@pytest.mark.parametrize("error,status", [
    (HTTPStatusError("HTTP 404 Not Found", 404), "fallback"),
    (HTTPStatusError("HTTP 410 Gone", 410), "fallback"),
    (NotArticleError("robots.txt disallows"), "fallback"),
    (HTTPStatusError("HTTP 503", 503), "failed"),
    (HTTPStatusError("HTTP 429", 429), "failed"),
    (NetworkError("connection refused"), "failed"),
    (ExtractionTimeout("worker killed"), "failed"),
])
def test_permanent_and_transient_errors(error, status):
    choice = choose_text(None, error, FEED, 1)
    assert (choice.status, choice.origin, choice.text, choice.reason) == (status, "feed", FEED, str(error))


def test_transient_becomes_final_after_max_attempts():
    choice = choose_text(None, NetworkError("down"), FEED, 3, TextRules(max_attempts=3))
    assert choice.status == "fallback" and choice.reason == "gave up after 3 attempts: down"


def test_paywall_teaser_uses_feed_but_a_metered_full_page_is_kept():
    teaser = choose_text(page("One teaser paragraph.\n\nSubscribe to read more.", paywalled=True), None, FEED, 1)
    assert teaser.origin == "feed" and teaser.reason.startswith("paywalled")
    long_text = "\n\n".join([ARTICLE] * 5)
    metered = choose_text(page(long_text, paywalled=True), None, FEED, 1)
    assert metered.origin == "article"


def test_much_shorter_than_feed_and_empty():
    full_feed = ARTICLE
    assert choose_text(page(ARTICLE[:100]), None, full_feed, 1).origin == "feed"
    assert choose_text(page(""), None, FEED, 1).reason == "no text could be extracted from the page"
    none = choose_text(page(""), None, "", 1)
    assert (none.origin, none.text) == ("none", "")


def test_retry_backoff_doubles_and_is_capped(clock):
    now = clock()
    assert [retry_at(now, n) - now for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (15, 30, 60)]
    assert retry_at(now, 50) - now == timedelta(days=1)


@pytest.mark.parametrize("name", ["iso-8859-1.html", "iso-8859-1-meta-after-1024.html", "utf8.html",
                                  "utf8-meta-after-1024.html"])
def test_miniflux_html_charset_cases(name):
    path = corpora_or_skip("feeds", "miniflux-testdata", "internal", "reader", "encoding", "testdata", name)
    text, _ = decode_html(path.read_bytes(), "text/html")
    assert "Café" in text and "Ã" not in text


def test_decode_order():
    latin = "Zürich".encode("latin-1")
    assert decode_html(latin, "text/html; charset=iso-8859-1")[0] == "Zürich"
    assert decode_html("Zürich".encode(), "text/html; charset=iso-8859-1")[0] == "Zürich"  # UTF-8 wins
    assert decode_html(b'<meta charset="koi8-r">' + "Привет".encode("koi8-r"), None)[0].endswith("Привет")
    assert decode_html("\ufeffbom".encode("utf-16-le"), None)[0] == "bom"
    assert decode_html(b"\x81\x8d broken", "text/html; charset=utf-8")[1] == "windows-1252"  # never raises
