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
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # never text; invalid in XML


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
    return _SPACE.sub(" ", _CONTROL.sub("", fragment)).strip()


_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
               "pre", "tr", "table", "section", "article", "figure", "figcaption", "hr", "dd", "dt"}
_BLOCK = re.compile(r"</?(?:%s)\b[^>]*>" % "|".join(sorted(_BLOCK_TAGS)), re.I)


def html_to_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment with its paragraphs kept, separated by blank lines."""
    if not fragment:
        return ""
    blocks = _BLOCK.sub("\n\n", nh3.clean(fragment, tags=_BLOCK_TAGS, attributes={}, strip_comments=True))
    return "\n\n".join(p for p in (plain_text(chunk) for chunk in blocks.split("\n\n")) if p)
