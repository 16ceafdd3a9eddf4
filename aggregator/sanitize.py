"""HTML from feeds and pages made safe: the only module that imports nh3.

Feed content is hostile until cleaned. :func:`clean_html` keeps the structure a
reader needs (paragraphs, lists, links, images, code) and removes everything that
runs or restyles (script, style, iframes, event handlers, ``javascript:`` URLs).
:func:`plain_text` turns a title or fragment into text that templates escape.
"""

from __future__ import annotations

import html
import re

import nh3

_URL_SCHEMES = {"http", "https", "mailto"}
_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
_SPACE = re.compile(r"\s+")


def clean_html(fragment: str | None) -> str:
    """Sanitized HTML: safe to embed in a page as it is."""
    if not fragment:
        return ""
    return nh3.clean(
        fragment,
        tags=_TAGS,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(fragment: str | None) -> str:
    """Text with tags removed and entities decoded, whitespace collapsed.

    The result is *text*: it must still be escaped when put into HTML.
    """
    if not fragment:
        return ""
    if "<" in fragment or "&" in fragment:
        fragment = html.unescape(nh3.clean(fragment, tags=set(), strip_comments=True))
    return _SPACE.sub(" ", fragment).strip()
