"""The bundled sample news web: ``demo/data/*.json`` -> feeds, article pages and an index, as bytes.

Why it exists: ``aggregator demo`` has to show the whole pipeline offline - three feed
formats, conditional fetches, boilerplate removal, a paywall, an undated feed item and
the same event told by several outlets in different words - without the internet and
without reproducing anyone's real journalism. The outlets, companies, people and
numbers in the data are invented; every page says so in its footer.

Everything here is pure and standard-library only: a function of the data, the base
URL the web is served from and, optionally, an ``as_of`` moment (articles published
later are not in the feeds yet and their pages do not exist), so a demo can replay the
two weeks of news step by step. :mod:`aggregator.demo.server` only routes requests to
:func:`resolve`.

URL layout (all below ``base_url``)::

    /                                        index of outlets and their feeds
    /feeds.opml                              every feed, for ``aggregator feeds import``
    /<outlet>/                               outlet front page
    /<outlet>/section/<section>/             section page
    /<outlet>/about/                         about / privacy / terms boilerplate
    /<outlet>/feed.xml | atom.xml | feed.json    the outlet's feed (RSS 2.0 / Atom / JSON Feed 1.1)
    /<outlet>/<yyyy>/<mm>/<article-slug>/    an article
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

UTC = timezone.utc
DATA_DIR = Path(__file__).with_name("data")
GENERATOR = "aggregator sample web"

FEED_FILES = {"rss": "feed.xml", "atom": "atom.xml", "json": "feed.json"}
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "opml": "text/x-opml; charset=utf-8",
}
FORMAT_NAMES = {"rss": "RSS 2.0", "atom": "Atom 1.0", "json": "JSON Feed 1.1"}
FEED_MIME = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
# Before the first article: what an empty feed reports as its modification time.
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Outlet:
    slug: str
    name: str
    feed_format: str  # "rss", "atom" or "json"
    tagline: str
    description: str
    language: str
    tags: tuple[str, ...]
    sections: tuple[str, ...]
    accent: str
    guid_style: str  # "permalink" (the article URL), "tag" (tag: URI) or "id" (opaque string)
    disclaimer: str
    link_query: str = ""  # tracking parameters the feed appends to article links
    ttl_minutes: int | None = None
    subscribe_price: str | None = None

    @property
    def feed_path(self) -> str:
        return f"/{self.slug}/{FEED_FILES[self.feed_format]}"

    @property
    def home_path(self) -> str:
        return f"/{self.slug}/"


@dataclass(frozen=True)
class Article:
    outlet: str
    slug: str
    title: str
    author: str
    published: datetime
    updated: datetime | None
    section: str
    tags: tuple[str, ...]
    event: str
    summary: str
    body: tuple[str, ...]
    paywalled: bool = False
    feed_omits_date: bool = False

    @property
    def path(self) -> str:
        return f"/{self.outlet}/{self.published:%Y}/{self.published:%m}/{self.slug}/"

    def modified(self, as_of: datetime | None = None) -> datetime:
        """Last change visible at ``as_of``: the update if it has happened, else publication."""
        if self.updated and (as_of is None or self.updated <= as_of):
            return self.updated
        return self.published


@dataclass(frozen=True)
class Event:
    """Ground truth for clustering: one real-world event and the articles reporting it."""

    id: str
    title: str
    subject: str | None
    articles: tuple[str, ...]  # "outlet-slug/article-slug"


@dataclass(frozen=True)
class SampleData:
    outlets: tuple[Outlet, ...]
    articles: tuple[Article, ...]  # oldest first
    events: tuple[Event, ...]
    must_not_merge: tuple[tuple[str, ...], ...]  # groups of event ids sharing a subject

    def outlet(self, slug: str) -> Outlet | None:
        return next((o for o in self.outlets if o.slug == slug), None)

    def article(self, outlet_slug: str, article_slug: str) -> Article | None:
        return next((a for a in self.articles if a.outlet == outlet_slug and a.slug == article_slug), None)

    def articles_of(self, outlet_slug: str, as_of: datetime | None = None) -> list[Article]:
        """The outlet's articles published by ``as_of``, newest first."""
        found = [a for a in self.articles if a.outlet == outlet_slug and _visible(a, as_of)]
        return sorted(found, key=lambda a: a.published, reverse=True)


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"naive timestamp in sample data: {value!r}")
    return moment.astimezone(UTC)


def _read(directory: Path, name: str) -> dict:
    return json.loads((directory / name).read_text(encoding="utf-8"))


def load_data(data_dir: Path | None = None) -> SampleData:
    """Read and check ``outlets.json``, ``articles.json`` and ``events.json``. Cached for the default folder."""
    if data_dir is None:
        return _default_data()
    return _load(Path(data_dir))


@lru_cache(maxsize=1)
def _default_data() -> SampleData:
    return _load(DATA_DIR)


def _load(directory: Path) -> SampleData:
    outlets = tuple(
        Outlet(**{**raw, "tags": tuple(raw["tags"]), "sections": tuple(raw["sections"])})
        for raw in _read(directory, "outlets.json")["outlets"]
    )
    slugs = {o.slug for o in outlets}
    if len(slugs) != len(outlets):
        raise ValueError("sample data: duplicate outlet slug")
    for outlet in outlets:
        if outlet.feed_format not in FEED_FILES:
            raise ValueError(f"sample data: outlet {outlet.slug}: unknown feed_format {outlet.feed_format!r}")
    articles = []
    for raw in _read(directory, "articles.json")["articles"]:
        if raw["outlet"] not in slugs:
            raise ValueError(f"sample data: article {raw['slug']}: unknown outlet {raw['outlet']!r}")
        articles.append(Article(
            outlet=raw["outlet"],
            slug=raw["slug"],
            title=raw["title"],
            author=raw["author"],
            published=_when(raw["published"]),
            updated=_when(raw["updated"]) if raw.get("updated") else None,
            section=raw["section"],
            tags=tuple(raw.get("tags", ())),
            event=raw["event"],
            summary=raw["summary"],
            body=tuple(raw["body"]),
            paywalled=bool(raw.get("paywalled", False)),
            feed_omits_date=bool(raw.get("feed_omits_date", False)),
        ))
    keys = [(a.outlet, a.slug) for a in articles]
    if len(set(keys)) != len(keys):
        raise ValueError("sample data: duplicate article slug within an outlet")
    articles.sort(key=lambda a: (a.published, a.outlet, a.slug))
    events_raw = _read(directory, "events.json")
    events = tuple(
        Event(id=e["id"], title=e["title"], subject=e.get("subject"), articles=tuple(e["articles"]))
        for e in events_raw["events"]
    )
    known = {f"{a.outlet}/{a.slug}" for a in articles}
    for event in events:
        missing = set(event.articles) - known
        if missing:
            raise ValueError(f"sample data: event {event.id} names unknown articles {sorted(missing)}")
    groups = tuple(tuple(g["events"]) for g in events_raw.get("must_not_merge", ()))
    return SampleData(outlets=outlets, articles=tuple(articles), events=events, must_not_merge=groups)


def _visible(article: Article, as_of: datetime | None) -> bool:
    return as_of is None or article.published <= as_of


# --------------------------------------------------------------------------- URLs


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def feed_url(outlet: Outlet, base_url: str) -> str:
    return _base(base_url) + outlet.feed_path


def article_url(article: Article, base_url: str) -> str:
    """The canonical URL of an article page (what ``<link rel=canonical>`` says)."""
    return _base(base_url) + article.path


def feed_urls(base_url: str, data: SampleData | None = None) -> list[dict]:
    """``[{url, title, tags}]``, one per outlet: the ``[[feeds]]`` entries of a demo config."""
    data = data or load_data()
    return [{"url": feed_url(o, base_url), "title": o.name, "tags": list(o.tags)} for o in data.outlets]


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


# --------------------------------------------------------------------------- feeds


def _rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _rfc3339(moment: datetime, zulu: bool = True) -> str:
    text = moment.astimezone(UTC).replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z") if zulu else text


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


# --------------------------------------------------------------------------- HTML

_e = html.escape

_CSS = """
*{box-sizing:border-box}body{margin:0;font:17px/1.6 Georgia,'Times New Roman',serif;color:#1a1a1a;background:#fff}
a{color:var(--accent)}.skip-link{position:absolute;left:-999px}.skip-link:focus{left:8px;top:8px}
.topbar{background:#111;color:#ddd;font:13px/1.4 system-ui,sans-serif;padding:6px 24px;display:flex;justify-content:space-between}
.topbar a{color:#ddd;margin-left:16px}
.site-header{border-bottom:4px solid var(--accent);padding:18px 24px 0;font-family:system-ui,sans-serif}
.brand{font:700 34px/1.1 Georgia,serif;color:#111;text-decoration:none}.tagline{margin:4px 0 12px;color:#555;font-size:14px}
.site-nav ul{list-style:none;margin:0;padding:0;display:flex;gap:22px;flex-wrap:wrap}
.site-nav a{color:#111;text-decoration:none;font-weight:600;font-size:14px;text-transform:uppercase;letter-spacing:.04em}
.site-nav li{padding:10px 0}.search{float:right;margin-top:-42px}.search input{padding:4px 8px}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:48px;max-width:1120px;margin:32px auto;padding:0 24px}
.kicker{font:700 13px system-ui,sans-serif;text-transform:uppercase;color:var(--accent);margin:0}
h1{font-size:40px;line-height:1.15;margin:8px 0 12px}.dek{font-size:21px;color:#444;margin:0 0 16px}
.byline,.meta{font:14px system-ui,sans-serif;color:#555}.byline .author{font-weight:700;color:#111}
.share{display:flex;gap:10px;margin:16px 0 24px;font:13px system-ui,sans-serif}
.share a{border:1px solid #ccc;border-radius:16px;padding:4px 12px;text-decoration:none;color:#333}
.article-body p{margin:0 0 1.1em}.inline-promo{border-left:3px solid var(--accent);padding:4px 14px;margin:24px 0;font:15px system-ui,sans-serif}
.newsletter{background:#f4f1ea;padding:18px 20px;margin:28px 0;font:15px system-ui,sans-serif}
.newsletter input{padding:6px 8px;width:60%}.newsletter button,.paywall .button{background:var(--accent);color:#fff;border:0;padding:8px 14px;text-decoration:none;display:inline-block}
.paywall{border-top:1px solid #ddd;margin-top:8px;padding:28px;text-align:center;background:linear-gradient(#fff,#f6f6f6);font-family:system-ui,sans-serif}
.article-tags{font:14px system-ui,sans-serif;margin-top:32px}.article-tags a{margin-right:10px}
.sidebar h2{font:700 15px system-ui,sans-serif;text-transform:uppercase;border-bottom:2px solid #111;padding-bottom:4px}
.sidebar ul{list-style:none;padding:0}.sidebar li{margin:0 0 14px;font-size:15px;line-height:1.35}
.sidebar time{display:block;color:#777;font:12px system-ui,sans-serif}
.ad{border:1px dashed #bbb;color:#999;font:12px system-ui,sans-serif;text-align:center;padding:60px 0;margin:24px 0}
.cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#eee;padding:12px 24px;font:14px system-ui,sans-serif}
.cookie-banner button{margin-left:12px}
.site-footer{background:#f2f2f2;padding:32px 24px;font:13px/1.6 system-ui,sans-serif;color:#555;margin-top:48px}
.site-footer ul{list-style:none;padding:0;display:flex;gap:18px;flex-wrap:wrap}
.teasers article{border-bottom:1px solid #eee;padding:16px 0}.teasers h2{margin:4px 0;font-size:24px}
table.outlets{border-collapse:collapse;width:100%;font:15px system-ui,sans-serif}table.outlets td,table.outlets th{border-bottom:1px solid #ddd;padding:8px;text-align:left}
@media (max-width:800px){.layout{grid-template-columns:1fr}.search{float:none;margin:0}}
"""


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _human_date(moment: datetime, language: str) -> str:
    moment = moment.astimezone(UTC)
    if language == "en-GB":
        return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} UTC"
    hour = moment.hour % 12 or 12
    return f"{moment:%B} {moment.day}, {moment.year} at {hour}:{moment:%M} {'a.m.' if moment.hour < 12 else 'p.m.'} UTC"


def _time(moment: datetime, language: str) -> str:
    return f'<time datetime="{_rfc3339(moment)}">{_e(_human_date(moment, language))}</time>'


def _page(outlet: Outlet, *, title: str, description: str, canonical: str, base_url: str,
          main: str, head_extra: str = "", body_class: str = "") -> bytes:
    base = _base(base_url)
    nav = "".join(
        f'<li><a href="{_e(base)}/{outlet.slug}/section/{_slugify(s)}/">{_e(s)}</a></li>' for s in outlet.sections
    )
    feed_type = FEED_MIME[outlet.feed_format]
    return f"""<!DOCTYPE html>
<html lang="{_e(outlet.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<meta name="description" content="{_e(description)}">
<link rel="canonical" href="{_e(canonical)}">
<link rel="alternate" type="{feed_type}" title="{_e(outlet.name)}" href="{_e(feed_url(outlet, base_url))}">
<meta name="generator" content="{GENERATOR}">
{head_extra}<style>:root{{--accent:{outlet.accent}}}{_CSS}</style>
</head>
<body class="{_e(body_class)}">
<a class="skip-link" href="#main">Skip to content</a>
<div class="topbar"><span>{_e(outlet.tagline)}</span><span><a href="{_e(base)}/{outlet.slug}/about/#newsletter">Newsletters</a><a href="{_e(base)}/{outlet.slug}/about/#subscribe">Subscribe</a><a href="{_e(base)}/{outlet.slug}/about/#sign-in">Sign in</a></span></div>
<header class="site-header">
  <a class="brand" href="{_e(base)}/{outlet.slug}/">{_e(outlet.name)}</a>
  <p class="tagline">{_e(outlet.tagline)}</p>
  <form class="search" role="search" action="{_e(base)}/{outlet.slug}/" method="get"><input type="search" name="q" placeholder="Search {_e(outlet.name)}" aria-label="Search"> <button type="submit">Search</button></form>
  <nav class="site-nav" aria-label="Sections"><ul><li><a href="{_e(base)}/{outlet.slug}/">Latest</a></li>{nav}</ul></nav>
</header>
<div class="cookie-banner" role="dialog" aria-label="Cookie consent">We use cookies to measure readership and remember your preferences. See our <a href="{_e(base)}/{outlet.slug}/about/#privacy">privacy policy</a>.<button type="button">Accept all</button><button type="button">Reject non-essential</button></div>
{main}
<footer class="site-footer">
  <ul>
    <li><a href="{_e(base)}/{outlet.slug}/about/">About {_e(outlet.name)}</a></li>
    <li><a href="{_e(base)}/{outlet.slug}/about/#contact">Contact</a></li>
    <li><a href="{_e(base)}/{outlet.slug}/about/#privacy">Privacy policy</a></li>
    <li><a href="{_e(base)}/{outlet.slug}/about/#terms">Terms of use</a></li>
    <li><a href="{_e(feed_url(outlet, base_url))}">Feed</a></li>
    <li><a href="{_e(base)}/">All sample outlets</a></li>
  </ul>
  <p>© 2026 {_e(outlet.name)}. All rights reserved. No part of this site may be reproduced without permission.</p>
  <p class="disclaimer">{_e(outlet.disclaimer)}</p>
</footer>
</body>
</html>
""".encode("utf-8")


def _related(data: SampleData, article: Article, as_of: datetime | None, limit: int = 3) -> list[Article]:
    """Same-outlet articles: most shared tags first, then same section, then nearest in time."""
    others = [a for a in data.articles_of(article.outlet, as_of) if a.slug != article.slug]
    tags = {t.lower() for t in article.tags}

    def score(other: Article) -> tuple[int, int, float]:
        shared = len(tags & {t.lower() for t in other.tags})
        return (-shared, 0 if other.section == article.section else 1,
                abs((other.published - article.published).total_seconds()))

    return sorted(others, key=score)[:limit]


def _teaser_list(items: list[Article], base_url: str, language: str) -> str:
    return "".join(
        f'<li><a href="{_e(article_url(a, base_url))}">{_e(a.title)}</a>{_time(a.published, language)}</li>'
        for a in items
    )


def render_article(outlet_slug: str, article_slug: str, base_url: str, as_of: datetime | None = None,
                   data: SampleData | None = None) -> bytes:
    """A full news page: chrome, OpenGraph/JSON-LD head, the article (or its paywalled teaser), sidebar, footer."""
    data = data or load_data()
    outlet = data.outlet(outlet_slug)
    article = data.article(outlet_slug, article_slug)
    if outlet is None or article is None or not _visible(article, as_of):
        raise KeyError(f"{outlet_slug}/{article_slug}")
    url = article_url(article, base_url)
    lang = outlet.language
    modified = article.modified(as_of)
    related = _related(data, article, as_of)
    latest = [a for a in data.articles_of(outlet.slug, as_of) if a.slug != article.slug][:5]

    ld: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "datePublished": _rfc3339(article.published),
        "dateModified": _rfc3339(modified),
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {"@type": "Organization", "name": outlet.name},
        "mainEntityOfPage": url,
        "articleSection": article.section,
        "keywords": list(article.tags),
        "isAccessibleForFree": not article.paywalled,
    }
    if article.paywalled:
        ld["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paywalled-content"}
    og = [
        ("og:type", "article"), ("og:site_name", outlet.name), ("og:title", article.title),
        ("og:description", article.summary), ("og:url", url), ("og:locale", lang.replace("-", "_")),
        ("article:published_time", _rfc3339(article.published)),
        ("article:modified_time", _rfc3339(modified)),
        ("article:author", article.author), ("article:section", article.section),
        *[("article:tag", t) for t in article.tags],
    ]
    head = "".join(f'<meta property="{k}" content="{_e(v)}">\n' for k, v in og)
    head += (
        f'<meta name="twitter:card" content="summary">\n<meta name="twitter:title" content="{_e(article.title)}">\n'
        f'<meta name="twitter:description" content="{_e(article.summary)}">\n<meta name="author" content="{_e(article.author)}">\n'
        f'<script type="application/ld+json">{_json_in_html(ld)}</script>\n'
    )

    if article.paywalled:
        body = (
            f"<p>{_e(article.body[0])}</p>\n"
            f'<div class="paywall" id="paywall">\n'
            f"  <h2>Subscribe to keep reading</h2>\n"
            f"  <p>This article is for {_e(outlet.name)} subscribers. Get unlimited access to our scoops, "
            f"analysis and the daily briefing for {_e(outlet.subscribe_price or 'a small monthly fee')}.</p>\n"
            f'  <p><a class="button" href="{_e(_base(base_url))}/{outlet.slug}/about/#subscribe">Subscribe now</a> '
            f'Already a subscriber? <a href="{_e(_base(base_url))}/{outlet.slug}/about/#sign-in">Sign in</a></p>\n'
            f'  <div class="paywalled-content" hidden></div>\n'
            f"</div>"
        )
    else:
        parts = []
        for index, paragraph in enumerate(article.body):
            parts.append(f"<p>{_e(paragraph)}</p>")
            if index == 1 and related:
                parts.append(
                    f'<aside class="inline-promo"><strong>Read more:</strong> '
                    f'<a href="{_e(article_url(related[0], base_url))}">{_e(related[0].title)}</a></aside>'
                )
            if index == 3 and len(article.body) >= 6:
                parts.append(_newsletter(outlet))
        body = "\n".join(parts)

    updated = ""
    if modified != article.published:
        updated = f' · Updated {_time(modified, lang)}'
    minutes = max(1, round(sum(len(p.split()) for p in article.body) / 230))
    tags = "".join(
        f'<a href="{_e(_base(base_url))}/{outlet.slug}/topic/{_slugify(t)}/">{_e(t)}</a>' for t in article.tags
    )
    main = f"""<div class="layout">
<main id="main">
<article class="story">
  <header>
    <p class="kicker"><a href="{_e(_base(base_url))}/{outlet.slug}/section/{_slugify(article.section)}/">{_e(article.section)}</a></p>
    <h1>{_e(article.title)}</h1>
    <p class="dek">{_e(article.summary)}</p>
    <p class="byline">By <span class="author">{_e(article.author)}</span> · {_time(article.published, lang)}{updated} · {minutes} min read</p>
  </header>
  <div class="share" aria-label="Share this article"><a href="#share-x">Share on X</a><a href="#share-linkedin">LinkedIn</a><a href="#share-email">Email</a><a href="#copy">Copy link</a></div>
  <div class="article-body">
{body}
  </div>
  <footer class="article-tags">Topics: {tags}</footer>
</article>
</main>
<aside class="sidebar" aria-label="More from {_e(outlet.name)}">
  <div class="ad">Advertisement</div>
  <section class="related"><h2>Related</h2><ul>{_teaser_list(related, base_url, lang)}</ul></section>
  <section class="latest"><h2>Latest from {_e(outlet.name)}</h2><ul>{_teaser_list(latest, base_url, lang)}</ul></section>
  {_newsletter(outlet)}
</aside>
</div>"""
    return _page(outlet, title=f"{article.title} | {outlet.name}", description=article.summary,
                 canonical=url, base_url=base_url, main=main, head_extra=head, body_class="article-page")


def _json_in_html(value: object) -> str:
    """JSON for a <script> element: no "</" that could close it early."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _newsletter(outlet: Outlet) -> str:
    return (
        f'<div class="newsletter" id="newsletter"><strong>Get the {_e(outlet.name)} briefing</strong>'
        f"<p>The day's most important AI stories, in your inbox every morning. Free.</p>"
        f'<form action="#subscribe" method="post"><input type="email" name="email" placeholder="you@example.org" '
        f'aria-label="Email address"> <button type="submit">Sign up</button></form></div>'
    )


def render_outlet_page(outlet_slug: str, base_url: str, as_of: datetime | None = None, section: str | None = None,
                       topic: str | None = None, data: SampleData | None = None) -> bytes:
    """An outlet's front page, or one section or topic of it (by slug): teasers, newest first."""
    data = data or load_data()
    outlet = data.outlet(outlet_slug)
    if outlet is None:
        raise KeyError(outlet_slug)
    items = data.articles_of(outlet.slug, as_of)
    heading = "Latest"
    canonical = _base(base_url) + outlet.home_path
    if section is not None:
        match = next((s for s in (*outlet.sections, *(a.section for a in data.articles_of(outlet.slug)))
                      if _slugify(s) == section), None)
        if match is None:
            raise KeyError(f"{outlet_slug}/section/{section}")
        items = [a for a in items if a.section == match]
        heading = match
        canonical += f"section/{section}/"
    elif topic is not None:
        match = next((t for a in data.articles_of(outlet.slug) for t in a.tags if _slugify(t) == topic), None)
        if match is None:
            raise KeyError(f"{outlet_slug}/topic/{topic}")
        items = [a for a in items if any(_slugify(t) == topic for t in a.tags)]
        heading = match
        canonical += f"topic/{topic}/"
    teasers = "".join(
        f'<article><p class="kicker">{_e(a.section)}</p><h2><a href="{_e(article_url(a, base_url))}">{_e(a.title)}</a></h2>'
        f'<p>{_e(a.summary)}</p><p class="meta">By {_e(a.author)} · {_time(a.published, outlet.language)}</p></article>'
        for a in items
    ) or "<p>Nothing here yet.</p>"
    main = f"""<div class="layout">
<main id="main"><h1>{_e(heading)}</h1><div class="teasers">{teasers}</div></main>
<aside class="sidebar"><div class="ad">Advertisement</div>{_newsletter(outlet)}</aside>
</div>"""
    return _page(outlet, title=f"{heading} | {outlet.name}" if section or topic else f"{outlet.name}: {outlet.tagline}",
                 description=outlet.description, canonical=canonical, base_url=base_url, main=main,
                 body_class="front-page")


def render_about(outlet_slug: str, base_url: str, data: SampleData | None = None) -> bytes:
    """The boilerplate page the footer links point to."""
    data = data or load_data()
    outlet = data.outlet(outlet_slug)
    if outlet is None:
        raise KeyError(outlet_slug)
    main = f"""<div class="layout"><main id="main">
<h1>About {_e(outlet.name)}</h1>
<p>{_e(outlet.description)}</p>
<p><strong>{_e(outlet.disclaimer)}</strong> It is served by the aggregator's sample web so that the demo works offline.</p>
<h2 id="contact">Contact</h2><p>This outlet does not exist, so there is nobody to contact.</p>
<h2 id="subscribe">Subscribe</h2><p>There is nothing to buy. {_e(outlet.subscribe_price or '')}</p>
<h2 id="sign-in">Sign in</h2><p>There are no accounts.</p>
<h2 id="privacy">Privacy policy</h2><p>The sample web keeps no logs and sets no cookies.</p>
<h2 id="terms">Terms of use</h2><p>The sample text was written for the aggregator project and is distributed with it.</p>
</main></div>"""
    return _page(outlet, title=f"About | {outlet.name}", description=outlet.description,
                 canonical=_base(base_url) + f"/{outlet.slug}/about/", base_url=base_url, main=main,
                 body_class="about-page")


def render_index(base_url: str, as_of: datetime | None = None, data: SampleData | None = None) -> bytes:
    """``/``: what this web is, and each outlet with its feed."""
    data = data or load_data()
    base = _base(base_url)
    rows = "".join(
        f"<tr><td><a href=\"{_e(base + o.home_path)}\">{_e(o.name)}</a><br><small>{_e(o.tagline)}</small></td>"
        f"<td>{FORMAT_NAMES[o.feed_format]}</td>"
        f"<td><a href=\"{_e(feed_url(o, base_url))}\">{_e(feed_url(o, base_url))}</a></td>"
        f"<td>{len(data.articles_of(o.slug, as_of))}</td><td>{_e(', '.join(o.tags))}</td></tr>"
        for o in data.outlets
    )
    as_of_note = f"<p>Showing articles published by {_e(_rfc3339(as_of))}.</p>" if as_of else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sample news web</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:960px;margin:40px auto;padding:0 24px}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:8px;text-align:left;vertical-align:top}}</style>
</head>
<body>
<h1>Sample news web</h1>
<p>A handful of <strong>fictional</strong> AI-news outlets, bundled with the aggregator for <code>aggregator demo</code>.
The companies, people, products and events in these articles are invented; none of it is real news.</p>
{as_of_note}<table class="outlets">
<thead><tr><th>Outlet</th><th>Format</th><th>Feed</th><th>Articles</th><th>Tags</th></tr></thead>
<tbody>{rows}</tbody>
</table>
<p>All feeds as OPML: <a href="{_e(base)}/feeds.opml">{_e(base)}/feeds.opml</a></p>
</body>
</html>
""".encode("utf-8")


def render_not_found(path: str) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head>
<body><h1>Page not found</h1><p>Nothing lives at <code>{_e(path)}</code> on the sample news web.</p>
<p><a href="/">All sample outlets</a></p></body></html>
""".encode("utf-8")


# --------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class Resource:
    """One answer of the sample web: a body with its type and modification time, or a redirect."""

    body: bytes
    content_type: str
    last_modified: datetime
    status: int = 200
    location: str | None = None
    is_feed: bool = False

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:24] + '"'


def _redirect(location: str) -> Resource:
    return Resource(body=b"", content_type=CONTENT_TYPES["html"], last_modified=EPOCH, status=301, location=location)


def resolve(path: str, base_url: str, as_of: datetime | None = None, data: SampleData | None = None) -> Resource | None:
    """The resource at ``path`` (query and fragment ignored), or None for a 404."""
    data = data or load_data()
    path = unquote(urlsplit(path).path) or "/"
    base = _base(base_url)
    latest = max((a.modified(as_of) for a in data.articles if _visible(a, as_of)), default=EPOCH)
    if path == "/":
        return Resource(render_index(base_url, as_of, data), CONTENT_TYPES["html"], latest)
    if path == "/feeds.opml":
        return Resource(render_opml(base_url, data), CONTENT_TYPES["opml"], latest)
    parts = [p for p in path.split("/") if p]
    outlet = data.outlet(parts[0]) if parts else None
    if outlet is None:
        return None
    items = data.articles_of(outlet.slug, as_of)
    outlet_modified = _feed_updated(items, as_of)
    slash = path.endswith("/")
    if len(parts) == 1:
        if not slash:
            return _redirect(base + outlet.home_path)
        return Resource(render_outlet_page(outlet.slug, base_url, as_of, data=data), CONTENT_TYPES["html"], outlet_modified)
    if len(parts) == 2 and parts[1] == FEED_FILES[outlet.feed_format]:
        return Resource(render_feed(outlet.slug, base_url, as_of, data), CONTENT_TYPES[outlet.feed_format],
                        outlet_modified, is_feed=True)
    if len(parts) == 2 and parts[1] == "about":
        if not slash:
            return _redirect(f"{base}/{outlet.slug}/about/")
        return Resource(render_about(outlet.slug, base_url, data), CONTENT_TYPES["html"], EPOCH)
    if len(parts) == 3 and parts[1] in ("section", "topic"):
        if not slash:
            return _redirect(f"{base}/{outlet.slug}/{parts[1]}/{parts[2]}/")
        try:
            body = render_outlet_page(outlet.slug, base_url, as_of, data=data, **{parts[1]: parts[2]})
        except KeyError:
            return None
        return Resource(body, CONTENT_TYPES["html"], outlet_modified)
    if len(parts) == 4:
        article = data.article(outlet.slug, parts[3])
        if article is None or not _visible(article, as_of) or article.path.strip("/").split("/")[1:3] != parts[1:3]:
            return None
        if not slash:
            return _redirect(article_url(article, base_url))
        return Resource(render_article(outlet.slug, article.slug, base_url, as_of, data), CONTENT_TYPES["html"],
                        article.modified(as_of))
    return None


def paths(as_of: datetime | None = None, data: SampleData | None = None) -> list[str]:
    """Every path the sample web answers with 200 at ``as_of`` (for static export and tests)."""
    data = data or load_data()
    found = ["/", "/feeds.opml"]
    for outlet in data.outlets:
        found += [outlet.home_path, outlet.feed_path, f"/{outlet.slug}/about/"]
        every = data.articles_of(outlet.slug)
        sections = dict.fromkeys(_slugify(s) for s in (*outlet.sections, *(a.section for a in every)))
        topics = dict.fromkeys(_slugify(t) for a in every for t in a.tags)
        found += [f"/{outlet.slug}/section/{s}/" for s in sections]
        found += [f"/{outlet.slug}/topic/{t}/" for t in topics]
        found += [a.path for a in data.articles_of(outlet.slug, as_of)]
    return found
