"""The site's files for other programs: Atom and JSON Feed (stories and recaps), sitemap, robots.txt.

Pure functions of the exported stories and the site's settings; the Atom feeds are
rendered from templates (autoescaped XML) by the caller.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

FEED_SIZE = 50


def story_summary(story: dict) -> str:
    card = story["card"] or {}
    return " ".join(c["text"] for c in card.get("what_changed", [])) or story["title"] or ""


def feed_item(story: dict) -> dict:
    """What a feed entry needs of a story (kept small: it is also a page fingerprint)."""
    return {"path": story["path"], "title": story["title"] or "", "summary": story_summary(story),
            "first_published_at": story["first_published_at"], "last_published_at": story["last_published_at"],
            "sources": [{"url": s["url"], "publisher": s["publisher"]} for s in story["sources"]]}


def json_feed(site: dict, title: str, feed_path: str, items: list[dict]) -> dict:
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": site["base_url"],
        "feed_url": site["base_url"] + feed_path,
        "items": items,
    }


def json_story(site: dict, item: dict) -> dict:
    entry = {
        "id": site["base_url"] + item["path"],
        "url": site["base_url"] + item["path"],
        "title": item["title"],
        "content_text": item["summary"],
        "date_published": item["first_published_at"],
        "date_modified": item["last_published_at"],
        "authors": [{"name": src["publisher"]} for src in item["sources"][:5] if src["publisher"]],
    }
    external = next((src["url"] for src in item["sources"] if src["url"]), None)
    if external:  # JSON Feed wants strings: leave absent fields out rather than null
        entry["external_url"] = external
    return {k: v for k, v in entry.items() if v is not None}


def json_recap(site: dict, recap: dict) -> dict:
    return {
        "id": site["base_url"] + recap["path"],
        "url": site["base_url"] + recap["path"],
        "title": recap["title"],
        "content_text": recap["summary"],
        "date_published": recap["published_at"],
    }


def sitemap(base: str, paths: list[str]) -> str:
    body = "".join(f"<url><loc>{escape(base + p)}</loc></url>" for p in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n')


def robots(base: str) -> str:
    return f"User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n"
