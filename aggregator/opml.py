"""OPML in and out. Forgiving on the way in, strict on the way out.

Real OPML files are often not XML: most exporters forget to escape ``&`` in URLs and
titles (80 of the 118 files in one public collection). The reader tries, in order:
strict XML; the same text with bare ``&`` escaped; then a tolerant scan of
``<outline …>`` tags for their attributes. Nested outlines become tags (the folder
names a feed sits in). Only http(s) URLs are kept.

The XML parser is the standard library's, which does not expand external entities,
so a hostile OPML file cannot read local files.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from .errors import OPMLError

_BARE_AMP = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)")
_OUTLINE_TOKEN = re.compile(r"<\s*outline\b|<\s*/\s*outline\s*>", re.I)


@dataclass
class OPMLFeed:
    url: str
    title: str | None = None
    site_url: str | None = None
    tags: list[str] = field(default_factory=list)


def parse_opml(data: bytes) -> list[OPMLFeed]:
    text = _decode(data)
    for candidate in (text, _BARE_AMP.sub("&amp;", text)):
        try:
            root = ET.fromstring(candidate)
        except ET.ParseError:
            continue
        body = root.find("body")
        feeds = _walk(body if body is not None else root, [])
        return _unique(feeds)
    feeds = _scan(text)
    if not feeds:
        raise OPMLError("not an OPML file: no <outline> with an xmlUrl found")
    return _unique(feeds)


def _decode(data: bytes) -> str:
    match = re.match(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", data[:200])
    for encoding in ("utf-8-sig", (match.group(1).decode() if match else "utf-8"), "windows-1252"):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        # drop the declaration: ElementTree refuses str input that declares an encoding
        return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    return data.decode("utf-8", "replace")


def _attr(element: ET.Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if key.lower() == name.lower():
            return value.strip() or None
    return None


def _walk(node: ET.Element, folders: list[str]) -> list[OPMLFeed]:
    feeds = []
    for child in node:
        if not isinstance(child.tag, str) or child.tag.lower() != "outline":
            continue
        url = _attr(child, "xmlUrl")
        label = _attr(child, "title") or _attr(child, "text")
        if url:
            feed = _feed(url, label, _attr(child, "htmlUrl"), folders)
            if feed:
                feeds.append(feed)
        feeds.extend(_walk(child, folders + ([label] if label and not url else [])))
    return feeds


def _feed(url: str, title: str | None, site: str | None, folders: list[str]) -> OPMLFeed | None:
    url = html.unescape(url).strip()
    if not re.match(r"(?i)^https?://", url):
        return None
    return OPMLFeed(url=url, title=title, site_url=site, tags=[f for f in folders if f])


def _scan(text: str) -> list[OPMLFeed]:
    """Last resort for broken XML: read each ``<outline`` up to the next outline tag.

    Real files put raw HTML, quotes included, inside attributes, so a tag cannot be
    delimited by ``>``; each segment between outline tags is searched for the
    attributes we need, and unclosed outlines without a feed URL act as folders.
    """
    feeds: list[OPMLFeed] = []
    folders: list[str | None] = []
    tokens = list(_OUTLINE_TOKEN.finditer(text))
    for index, token in enumerate(tokens):
        if token.group(0).startswith("</"):
            if folders:
                folders.pop()
            continue
        end = tokens[index + 1].start() if index + 1 < len(tokens) else len(text)
        segment = text[token.end():end]
        attrs = {name: _first_attr(segment, name) for name in ("xmlurl", "title", "text", "htmlurl")}
        label = attrs["title"] or attrs["text"]
        if attrs["xmlurl"]:
            feed = _feed(attrs["xmlurl"], label, attrs["htmlurl"], [f for f in folders if f])
            if feed:
                feeds.append(feed)
        if not segment.split(">", 1)[0].rstrip().endswith("/") and not segment.rstrip().endswith("/>"):
            folders.append(None if attrs["xmlurl"] else label)
    return feeds


def _first_attr(segment: str, name: str) -> str | None:
    match = re.search(rf"""(?:^|\s){name}\s*=\s*(?:"([^"]*)"|'([^']*)')""", segment, re.I)
    if not match:
        return None
    value = html.unescape(match.group(1) if match.group(1) is not None else match.group(2)).strip()
    return value or None


def _unique(feeds: list[OPMLFeed]) -> list[OPMLFeed]:
    seen: set[str] = set()
    out = []
    for feed in feeds:
        if feed.url not in seen:
            seen.add(feed.url)
            out.append(feed)
    return out


def export_opml(feeds: list[dict], title: str) -> str:
    """OPML 2.0 for rows of ``feeds list`` (url, title, feed_title, site_url, tags)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             f"  <head><title>{html.escape(title)}</title></head>", "  <body>"]
    for feed in feeds:
        label = feed.get("title") or feed.get("feed_title") or feed["url"]
        attrs = f'type="rss" text={quoteattr(label)} title={quoteattr(label)} xmlUrl={quoteattr(feed["url"])}'
        if feed.get("site_url"):
            attrs += f" htmlUrl={quoteattr(feed['site_url'])}"
        if feed.get("tags"):
            attrs += f" category={quoteattr(','.join(feed['tags']))}"
        lines.append(f"    <outline {attrs}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
