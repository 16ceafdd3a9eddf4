"""OPML import (forgiving) and export (strict)."""

import html
import re
import xml.etree.ElementTree as ET

import pytest

from aggregator.errors import OPMLError
from aggregator.opml import export_opml, parse_opml
from conftest import corpora_or_skip


def _expected_urls(data: bytes) -> set[str]:
    text = data.decode("utf-8", "replace")
    found = re.findall(r"""xmlUrl\s*=\s*["']([^"']+)["']""", text, re.I)
    return {html.unescape(u).strip() for u in found if re.match(r"(?i)\s*https?://", html.unescape(u))}


def test_every_real_world_opml_file_imports_every_feed():
    root = corpora_or_skip("opml")
    files = sorted(root.rglob("*.opml"))
    assert len(files) >= 100
    not_xml = 0
    for path in files:
        data = path.read_bytes()
        try:
            ET.fromstring(data)
        except ET.ParseError:
            not_xml += 1
        got = {f.url for f in parse_opml(data)}
        assert got == _expected_urls(data), path.name
    assert not_xml >= 50  # the corpus really does test the forgiving path


def test_unescaped_ampersands_and_folders_become_tags():
    data = b"""<?xml version="1.0"?><opml version="1.0"><body>
      <outline text="AI & ML">
        <outline text="Labs & co" xmlUrl="https://example.org/feed?a=1&b=2" htmlUrl="https://example.org/"/>
      </outline>
      <outline text="Top" xmlUrl="http://top.example/rss"/>
      <outline text="Evil" xmlUrl="javascript:alert(1)"/>
      <outline text="Local" xmlUrl="file:///etc/passwd"/>
    </body></opml>"""
    feeds = parse_opml(data)
    assert [(f.url, f.title, f.tags) for f in feeds] == [
        ("https://example.org/feed?a=1&b=2", "Labs & co", ["AI & ML"]),
        ("http://top.example/rss", "Top", []),
    ]


def test_hopeless_input_is_a_clear_error():
    with pytest.raises(OPMLError, match="no <outline> with an xmlUrl"):
        parse_opml(b"\x00\x01 this is a PNG, not OPML")


def test_export_round_trips_and_is_valid_xml():
    rows = [{"url": "https://example.org/feed?a=1&b=2", "title": 'Q&A "quoted" <b>', "tags": ["ai", "labs"],
             "site_url": "https://example.org/"},
            {"url": "http://plain.example/rss", "title": None, "feed_title": "Plain", "tags": []}]
    text = export_opml(rows, "My feeds")
    ET.fromstring(text.encode())
    back = parse_opml(text.encode())
    assert [(f.url, f.title) for f in back] == [("https://example.org/feed?a=1&b=2", 'Q&A "quoted" <b>'),
                                                 ("http://plain.example/rss", "Plain")]
