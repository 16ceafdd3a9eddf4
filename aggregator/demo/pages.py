"""The sample news web's HTML: article pages, outlet front/section/topic pages, about pages and the index.

Why it exists: ``aggregator demo`` has to show boilerplate removal and a paywall on
realistic news pages - site chrome, cookie banner, share buttons, ads, newsletter
boxes, related links, OpenGraph and JSON-LD - without reproducing anyone's real
journalism. The outlets, companies, people and numbers are invented; every page says
so in its footer. Pages are a pure function of the data, the base URL and, optionally,
an ``as_of`` moment (articles published later do not exist yet). Built on :mod:`.data` only.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

from .data import (
    GENERATOR,
    UTC,
    Article,
    Outlet,
    SampleData,
    _base,
    _rfc3339,
    _visible,
    article_url,
    feed_url,
    load_data,
)

FORMAT_NAMES = {"rss": "RSS 2.0", "atom": "Atom 1.0", "json": "JSON Feed 1.1"}
FEED_MIME = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}

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
