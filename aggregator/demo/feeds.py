"""The sample news web's feeds: each outlet's RSS 2.0, Atom 1.0 or JSON Feed 1.1 document, and all of them as OPML.

Why it exists: ``aggregator demo`` has to exercise all three feed formats, stable and
unstable item ids, tracking parameters in links and an undated feed item, offline. A
pure function of the data, the base URL the web is served from and, optionally, an
``as_of`` moment (articles published later are not in the feeds yet), so a demo can
replay the two weeks of news step by step. Built on :mod:`.data` only.
"""

from __future__ import annotations

import html
import json
import zlib
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from .data import (
    EPOCH,
    GENERATOR,
    UTC,
    Article,
    Outlet,
    SampleData,
    _base,
    _rfc3339,
    article_url,
    feed_url,
    load_data,
)


def _feed_link(outlet: Outlet, article: Article, base_url: str) -> str:
    url = article_url(article, base_url)
    return f"{url}?{outlet.link_query}" if outlet.link_query else url


def _guid(outlet: Outlet, article: Article, base_url: str) -> tuple[str, bool]:
    """(guid, is_permalink). Only permalink GUIDs depend on where the web is served from."""
    if outlet.guid_style == "permalink":
        return article_url(article, base_url), True
    if outlet.guid_style == "tag":
        return f"tag:{outlet.slug}.example,{article.published:%Y-%m-%d}:/{article.slug}", False
    number = zlib.crc32(f"{outlet.slug}/{article.slug}".encode()) % 900000 + 100000
    return f"{outlet.slug}-{number}", False


def _rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _feed_updated(items: list[Article], as_of: datetime | None) -> datetime:
    return max((a.modified(as_of) for a in items), default=EPOCH)


def render_feed(outlet_slug: str, base_url: str, as_of: datetime | None = None,
                data: SampleData | None = None) -> bytes:
    """The outlet's feed document in its own format (RSS 2.0, Atom 1.0 or JSON Feed 1.1)."""
    data = data or load_data()
    outlet = data.outlet(outlet_slug)
    if outlet is None:
        raise KeyError(outlet_slug)
    items = data.articles_of(outlet.slug, as_of)
    if outlet.feed_format == "rss":
        return _rss(outlet, items, base_url, as_of)
    if outlet.feed_format == "atom":
        return _atom(outlet, items, base_url, as_of)
    return _json_feed(outlet, items, base_url, as_of)


def _rss(outlet: Outlet, items: list[Article], base_url: str, as_of: datetime | None) -> bytes:
    home = _base(base_url) + outlet.home_path
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"  <title>{xml_escape(outlet.name)}</title>",
        f"  <link>{xml_escape(home)}</link>",
        f"  <description>{xml_escape(outlet.description)}</description>",
        f"  <language>{xml_escape(outlet.language.lower())}</language>",
        f"  <copyright>{xml_escape(f'© 2026 {outlet.name}. {outlet.disclaimer}')}</copyright>",
        f"  <lastBuildDate>{_rfc822(_feed_updated(items, as_of))}</lastBuildDate>",
        f"  <generator>{GENERATOR}</generator>",
        f"  <atom:link href={quoteattr(feed_url(outlet, base_url))} rel=\"self\" type=\"application/rss+xml\"/>",
    ]
    if outlet.ttl_minutes:
        lines.append(f"  <ttl>{outlet.ttl_minutes}</ttl>")
    for article in items:
        guid, permalink = _guid(outlet, article, base_url)
        lines += [
            "  <item>",
            f"    <title>{xml_escape(article.title)}</title>",
            f"    <link>{xml_escape(_feed_link(outlet, article, base_url))}</link>",
            f"    <guid isPermaLink=\"{'true' if permalink else 'false'}\">{xml_escape(guid)}</guid>",
            f"    <dc:creator>{xml_escape(article.author)}</dc:creator>",
        ]
        lines += [f"    <category>{xml_escape(c)}</category>" for c in _categories(article)]
        if not article.feed_omits_date:
            lines.append(f"    <pubDate>{_rfc822(article.published)}</pubDate>")
        lines += [f"    <description>{xml_escape(article.summary)}</description>", "  </item>"]
    lines += ["</channel>", "</rss>", ""]
    return "\n".join(lines).encode("utf-8")


def _atom(outlet: Outlet, items: list[Article], base_url: str, as_of: datetime | None) -> bytes:
    home = _base(base_url) + outlet.home_path
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(outlet.language)}>',
        f"  <id>tag:{outlet.slug}.example,2026:feed</id>",
        f"  <title>{xml_escape(outlet.name)}</title>",
        f"  <subtitle>{xml_escape(outlet.tagline)}</subtitle>",
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(home)}/>",
        f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(feed_url(outlet, base_url))}/>",
        f"  <updated>{_rfc3339(_feed_updated(items, as_of))}</updated>",
        f"  <author><name>{xml_escape(outlet.name)}</name></author>",
        f"  <rights>{xml_escape(f'© 2026 {outlet.name}. {outlet.disclaimer}')}</rights>",
        f"  <generator>{GENERATOR}</generator>",
    ]
    for article in items:
        guid, _ = _guid(outlet, article, base_url)
        lines += [
            "  <entry>",
            f"    <id>{xml_escape(guid)}</id>",
            f"    <title type=\"text\">{xml_escape(article.title)}</title>",
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(_feed_link(outlet, article, base_url))}/>",
        ]
        if not article.feed_omits_date:
            lines += [
                f"    <published>{_rfc3339(article.published)}</published>",
                f"    <updated>{_rfc3339(article.modified(as_of))}</updated>",
            ]
        lines.append(f"    <author><name>{xml_escape(article.author)}</name></author>")
        lines += [f"    <category term={quoteattr(c)}/>" for c in _categories(article)]
        lines += [f"    <summary type=\"text\">{xml_escape(article.summary)}</summary>", "  </entry>"]
    lines += ["</feed>", ""]
    return "\n".join(lines).encode("utf-8")


def _json_feed(outlet: Outlet, items: list[Article], base_url: str, as_of: datetime | None) -> bytes:
    entries = []
    for article in items:
        guid, _ = _guid(outlet, article, base_url)
        link = _feed_link(outlet, article, base_url)
        entry: dict = {
            "id": guid,
            "url": link,
            "title": article.title,
            "summary": article.summary,
            "content_html": f"<p>{html.escape(article.summary)}</p>"
                            f'<p><a href="{html.escape(link)}">Continue reading at {html.escape(outlet.name)}</a></p>',
        }
        if not article.feed_omits_date:
            entry["date_published"] = _rfc3339(article.published, zulu=False)
            if article.modified(as_of) != article.published:
                entry["date_modified"] = _rfc3339(article.modified(as_of), zulu=False)
        entry["authors"] = [{"name": article.author}]
        entry["tags"] = _categories(article)
        entries.append(entry)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": outlet.name,
        "home_page_url": _base(base_url) + outlet.home_path,
        "feed_url": feed_url(outlet, base_url),
        "description": f"{outlet.description} {outlet.disclaimer}",
        "language": outlet.language,
        "authors": [{"name": outlet.name}],
        "items": entries,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _categories(article: Article) -> list[str]:
    """Section first, then the tags; case-insensitive duplicates dropped."""
    seen: dict[str, str] = {}
    for name in (article.section, *article.tags):
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def render_opml(base_url: str, data: SampleData | None = None) -> bytes:
    """Every outlet's feed as OPML, each in a folder named after its first tag."""
    data = data or load_data()
    folders: dict[str, list[Outlet]] = {}
    for outlet in data.outlets:
        folders.setdefault(outlet.tags[0], []).append(outlet)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        "  <head><title>Sample news web (fictional outlets)</title></head>",
        "  <body>",
    ]
    for folder, outlets in folders.items():
        lines.append(f"    <outline text={quoteattr(folder)} title={quoteattr(folder)}>")
        for o in outlets:
            lines.append(
                f"      <outline type=\"{o.feed_format if o.feed_format != 'json' else 'rss'}\" text={quoteattr(o.name)}"
                f" title={quoteattr(o.name)} xmlUrl={quoteattr(feed_url(o, base_url))}"
                f" htmlUrl={quoteattr(_base(base_url) + o.home_path)}/>"
            )
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")
