"""The bundled sample news web: ``demo/data/*.json`` -> feeds, article pages and an index, as bytes.

What lives where (imports only go down this list; :mod:`aggregator.demo.server` only
routes requests to :func:`resolve`):

- :mod:`.data` - the dataclasses, loading and checking the JSON, URL helpers, shared constants;
- :mod:`.feeds` - ``render_feed`` (RSS 2.0 / Atom 1.0 / JSON Feed 1.1) and ``render_opml``;
- :mod:`.pages` - the HTML: articles, outlet/section/topic pages, about pages, the index, 404;
- this module - routing: :class:`Resource`, :func:`resolve` and :func:`paths`, and the
  names other code imports from ``site``.

Everything is pure and standard-library only: a function of the data, the base URL the
web is served from and, optionally, an ``as_of`` moment (articles published later are
not in the feeds yet and their pages do not exist), so a demo can replay the two weeks
of news step by step.

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
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from .data import EPOCH, FEED_FILES, SampleData, _base, _visible, article_url, load_data
from .feeds import _feed_updated, render_feed, render_opml
from .pages import _slugify, render_about, render_article, render_index, render_outlet_page

# Re-exported: aggregator.demo.server imports only ``site`` and uses these besides the routing.
from .data import feed_urls  # noqa: F401
from .pages import render_not_found  # noqa: F401

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "opml": "text/x-opml; charset=utf-8",
}


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
