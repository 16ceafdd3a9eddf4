"""Feed bodies -> entry records: the only module that imports feedparser.

feedparser is given the body *bytes* and the response headers, never a URL or a
path (it would fetch or open it itself, outside every limit of fetch.http). The
headers matter: the charset in Content-Type and the base URL for relative links
come from them. JSON Feed 1.0/1.1 is read here too.

Everything this module returns is plain, picklable data, so parsing can run in
worker processes (feedparser reads ~0.8 MB/s per core).

Identity of an entry inside its feed (:func:`entry_keys`), in order of preference:
the GUID; GUID+link when the feed repeats a GUID for different items; the canonical
link; a hash of title and content. Titles become plain text; HTML content is
sanitized; dates become aware UTC, and a missing or absurd date (before 1995, or
more than two days ahead of the clock) is left None for the store to replace with
the first-seen time.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping
from urllib.parse import urljoin

import feedparser

from .clock import UTC, plausible
from .errors import ParseError
from .sanitize import clean_html, plain_text
from .urls import canonical_url



@dataclass
class ParsedEntry:
    key: str
    guid: str | None
    url: str | None
    link: str | None
    title: str
    author: str | None
    summary_html: str
    content_html: str
    published_at: datetime | None
    updated_at: datetime | None
    content_hash: str
    #: the key this same item would have had under the other GUID rule; a feed that
    #: starts or stops repeating a GUID must not turn a stored entry into a new one
    alt_key: str | None = None


@dataclass
class ParsedFeed:
    kind: str  # rss20, atom10, rdf, json1.1, ...
    title: str
    site_url: str | None
    ttl_minutes: int | None
    entries: list[ParsedEntry] = field(default_factory=list)
    warning: str | None = None  # feedparser's complaint about a feed it still read


def parse_feed(body: bytes, headers: Mapping[str, str], url: str, now: datetime) -> ParsedFeed:
    """Parse one response body. Raises ParseError if it is not a feed at all."""
    headers = {k.lower(): v for k, v in headers.items()}
    if _looks_like_json(body, headers.get("content-type", "")):
        return _parse_json_feed(body, url, now)
    headers.setdefault("content-location", url)
    body, headers = prefer_utf8(body, headers)
    try:
        result = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    except Exception as exc:  # feedparser is meant not to raise; if it does, one feed fails, not the run
        raise ParseError(f"feed parser crashed: {type(exc).__name__}: {exc}") from None
    feed = result.get("feed", {})
    if not result.get("version") and not result.entries:
        reason = result.get("bozo_exception")
        raise ParseError(f"not an RSS, Atom or JSON feed{f': {reason}' if reason else ''}")
    warning = None
    if result.get("bozo"):
        warning = str(result.get("bozo_exception") or "malformed feed")[:300]
    raw = [_from_feedparser(e, now) for e in result.entries]
    return ParsedFeed(
        kind=result.get("version") or "unknown",
        title=plain_text(feed.get("title")) or "",
        site_url=web_url(feed.get("link")),
        ttl_minutes=_int(feed.get("ttl")),
        entries=_finish(raw),
        warning=warning,
    )


_DECLARATION = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._-]+)(["'])""")


def prefer_utf8(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """Trust valid UTF-8 over a declared legacy charset.

    Publishers often declare windows-1252 or ISO-8859-1 and serve UTF-8; read as
    declared, that is mojibake ("Euro â‚¬"). Non-ASCII text in a legacy charset is
    almost never valid UTF-8 by accident, so when the body decodes as UTF-8 and is
    not pure ASCII, the declaration is overruled in both the prolog and the header.
    """
    if body.isascii():
        return body, headers
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body, headers
    match = _DECLARATION.match(body[:200])
    if match and match.group(2).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        body = match.group(1) + b"utf-8" + match.group(3) + body[match.end():]
    content_type = headers.get("content-type", "")
    if "charset" in content_type.lower():
        headers = {**headers, "content-type": re.sub(r"(?i)charset\s*=\s*[^;\s]+", "charset=utf-8", content_type)}
    return body, headers


def _looks_like_json(body: bytes, content_type: str) -> bool:
    if "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _date_from_struct(value, now: datetime) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None
    return plausible(moment, now)


def _from_feedparser(entry, now: datetime) -> dict:
    contents = entry.get("content") or []
    content = max((c.get("value") or "" for c in contents), key=len, default="")
    summary = entry.get("summary") or ""
    if summary == content:
        summary = ""
    author = entry.get("author") or (entry.get("author_detail") or {}).get("name")
    return {
        "guid": (entry.get("id") or "").strip() or None,
        "link": web_url(entry.get("link")),
        "title": plain_text(entry.get("title")),
        "author": plain_text(author) or None,
        "summary_html": summary,
        "content_html": content,
        "published_at": _date_from_struct(entry.get("published_parsed") or entry.get("created_parsed"), now),
        # dict.get: FeedParserDict.get would silently substitute published_parsed
        "updated_at": _date_from_struct(dict.get(entry, "updated_parsed"), now),
    }


def _parse_json_feed(body: bytes, url: str, now: datetime) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise ParseError("JSON document is not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON Feed has no items list")
    raw = []
    for item in items:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        names = [a.get("name") for a in authors if isinstance(a, dict) and a.get("name")]
        text = item.get("content_text")
        content = _str(item.get("content_html")) or (_text_to_html(text) if isinstance(text, str) else "")
        link = _str(item.get("url")) or _str(item.get("external_url"))
        raw.append({
            "guid": _str(item.get("id")) or None,
            "link": _absolute(link, url),
            "title": plain_text(_str(item.get("title"))),
            "author": ", ".join(plain_text(n) for n in names if isinstance(n, str)) or None,
            "summary_html": _str(item.get("summary")),
            "content_html": content,
            "published_at": plausible(_iso_date(item.get("date_published")), now),
            "updated_at": plausible(_iso_date(item.get("date_modified")), now),
        })
    version = str(data["version"]).rsplit("/", 1)[-1]
    return ParsedFeed(
        kind=f"json{version}",
        title=plain_text(_str(data.get("title"))),
        site_url=web_url(_str(data.get("home_page_url"))),
        ttl_minutes=None,
        entries=_finish(raw),
    )


def _str(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _absolute(link: str | None, base: str) -> str | None:
    return web_url(urljoin(base, link)) if link else None


def web_url(value) -> str | None:
    """An http(s) URL or None: a ``javascript:`` or ``data:`` link is never stored."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if value[:8].lower().startswith(("http://", "https://")) else None


def _text_to_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _iso_date(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def entry_keys(raw: list[dict]) -> list[str]:
    """Stable identities for the entries of one document (see module docstring).

    The GUID+link form depends on the rest of the document; :func:`alternate_key`
    gives the store the other form, so identity survives a feed that changes.
    """
    guid_count: dict[str, int] = {}
    for item in raw:
        if item["guid"]:
            guid_count[item["guid"]] = guid_count.get(item["guid"], 0) + 1
    keys = []
    for item in raw:
        guid, link = item["guid"], canonical_url(item["link"])
        if guid and guid_count[guid] == 1:
            keys.append(f"guid:{guid}")
        elif guid:
            keys.append(f"guid:{guid}|{link or _digest(item['title'], item['content_html'] or item['summary_html'])}")
        elif link:
            keys.append(f"link:{link}")
        else:
            keys.append(f"hash:{_digest(item['title'], item['content_html'] or item['summary_html'])}")
    return keys


def alternate_key(key: str, link: str | None) -> str | None:
    if not key.startswith("guid:"):
        return None
    if "|" in key:
        return key.split("|", 1)[0]
    return f"{key}|{link}" if link else None


def _digest(*parts: str | None) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


def _finish(raw: list[dict]) -> list[ParsedEntry]:
    """Assign keys, sanitize HTML, hash content; the first of exact repeats wins."""
    entries: list[ParsedEntry] = []
    seen: set[str] = set()
    for key, item in zip(entry_keys(raw), raw):
        if key in seen:
            continue
        seen.add(key)
        summary = clean_html(item["summary_html"])
        content = clean_html(item["content_html"])
        entries.append(ParsedEntry(
            key=key,
            guid=item["guid"],
            url=canonical_url(item["link"]),
            link=item["link"],
            title=item["title"],
            author=item["author"],
            summary_html=summary,
            content_html=content,
            published_at=item["published_at"],
            updated_at=item["updated_at"],
            content_hash=_digest(item["title"], item["link"], summary, content),
            alt_key=alternate_key(key, canonical_url(item["link"])),
        ))
    return entries
