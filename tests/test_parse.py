"""The parse stage on real third-party feeds: nothing escapes, nothing garbles."""

from datetime import datetime

import pytest

from aggregator.clock import UTC
from aggregator.errors import ParseError
from aggregator.parse import parse_feed
from aggregator.urls import canonical_url
from conftest import corpora_or_skip

NOW = datetime(2026, 11, 26, tzinfo=UTC)
SKIP_SUFFIXES = (".txt", ".jsonl", ".json", ".md", "-result", ".html")


def test_every_corpus_feed_parses_without_an_exception_escaping():
    root = corpora_or_skip("feeds")
    files = [p for p in root.rglob("*") if p.is_file() and p.name != "LICENSE" and not p.name.endswith(SKIP_SUFFIXES)]
    assert len(files) > 2000
    parsed = refused = 0
    for path in files:
        try:
            result = parse_feed(path.read_bytes(), {}, "http://example.org/feed.xml", NOW)
        except ParseError:
            refused += 1
            continue
        parsed += 1
        for entry in result.entries:
            assert entry.key and isinstance(entry.title, str)
            assert entry.published_at is None or entry.published_at.tzinfo is not None
            assert "<script" not in entry.content_html.lower() and "<script" not in entry.summary_html.lower()
    assert parsed > 0.95 * len(files), (parsed, refused)


MINIFLUX = "feeds/miniflux-testdata/internal/reader"


@pytest.mark.parametrize("name,feed_title,entry_title", [
    ("encoding/testdata/windows-1252.xml", "Euro €", None),
    ("encoding/testdata/windows-1252-incorrect-prolog.xml", "Euro €", None),
    ("encoding/testdata/iso-8859-1.xml", "Café", None),
    ("encoding/testdata/utf8-incorrect-prolog.xml", "테스트 피드", "Café"),
    ("encoding/testdata/invalid-prolog.xml", "테스트 피드", "Café"),
    ("encoding/testdata/koi8r.xml", "Пример RSS ленты", "Первая новость"),
    ("parser/testdata/encoding_WINDOWS-1251.xml", "iBash.Org.Ru", "Цитата #17703"),
    ("parser/testdata/encoding_ISO-8859-1.xml", "Golem.de", None),
    ("parser/testdata/no_encoding_ISO-8859-1.xml", None, "Perturbateurs endocriniens : quels effets sur le cerveau ?"),
    ("parser/testdata/urdu_UTF8.xml", None, None),
])
def test_miniflux_charset_cases_decode_right(name, feed_title, entry_title):
    path = corpora_or_skip(*MINIFLUX.split("/"), *name.split("/"))
    result = parse_feed(path.read_bytes(), {}, "http://example.org/feed", NOW)
    text = result.title + "".join(e.title + e.summary_html + e.content_html for e in result.entries)
    assert "Ã" not in text and "â€" not in text and "\ufffd" not in text
    if feed_title:
        assert result.title == feed_title
    if entry_title:
        assert entry_title in [e.title for e in result.entries]


def test_golem_umlauts():
    path = corpora_or_skip(*MINIFLUX.split("/"), "parser", "testdata", "encoding_ISO-8859-1.xml")
    result = parse_feed(path.read_bytes(), {}, "http://example.org/feed", NOW)
    assert any(ch in "".join(e.title for e in result.entries) for ch in "äöüß")


@pytest.mark.parametrize("raw,expected", [
    ("HTTP://Example.ORG:80/a?utm_source=x&id=5&fbclid=y#frag", "http://example.org/a?id=5"),
    ("https://example.org:8443/p?q=a%20b", "https://example.org:8443/p?q=a%20b"),
    ("https://example.org", "https://example.org/"),
])
def test_canonical_urls(raw, expected):
    assert canonical_url(raw) == expected
