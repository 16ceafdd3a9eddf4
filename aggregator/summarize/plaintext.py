"""Writer output as plain text: no markup, no links, no hidden characters. Pure.

A writer (the LLM above all) may answer with HTML, markdown links and images, bare
URLs or format characters. Before grounding (:mod:`~aggregator.summarize.grounding`)
checks a field, it is reduced to plain text (:func:`plain`): no HTML, no markdown links
or images, no URLs, no format characters. :func:`has_link` says whether a link still
shows once the text is read as a browser or linkifier might (a full-width
"ｈｔｔｐｓ：／／", say), so that grounding drops that field; :func:`redacted` is a
dropped field as recorded, its links replaced. Still text: templates escape it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from aggregator.sanitize import plain_text

from .textnorm import normalize, strip_format

_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]\((?:[^()]|\([^()]*\))*\)")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_EMPHASIS = re.compile(r"(?<!\w)[*_~]{1,3}(?=\S)|(?<=\S)[*_~]{1,3}(?!\w)")
_TOKEN = re.compile(r"\S+")
_LINK_MARKERS = ("://", "www.", "mailto:")
_TRAILING = ".,;:!?)]\"'”’"
_SPACE = re.compile(r"\s+")
_HTML_ELEMENTS = set("""
a abbr acronym address applet area article aside audio b base basefont bdi bdo big blink blockquote body br
button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em
embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i
iframe img input ins kbd label legend li link main map mark marquee math menu meta meter nav noembed noframes
noscript object ol optgroup option output p param picture plaintext portal pre progress q rp rt ruby s samp
script search section select slot small source span strike strong style sub summary sup svg table tbody td
template textarea tfoot th thead time title tr track tt u ul var video wbr xmp
""".split())
_BRACKETED = re.compile(r"<([A-Za-z][\w-]*)([^<>=\"'/]*)>")


def _protect_prose(text: str) -> str:
    """``<The Palace: Tale of Jang Noksu>`` is a title in brackets, not a tag: keep it
    as text (escaped, so the cleaner leaves it). Anything with attributes, a known
    element name or a custom-element hyphen stays a tag and is removed."""
    def escape(match: re.Match) -> str:
        name, rest = match.group(1), match.group(2)
        if name.casefold() in _HTML_ELEMENTS or "-" in name or not rest.strip():
            return match.group(0)
        return "&lt;" + match.group(0)[1:]
    return _BRACKETED.sub(escape, text)


def _without_url(match: re.Match) -> str:
    """A word with a link in it goes, whatever is glued to it ("_https://x", "(www.x");
    the punctuation after it stays."""
    token = match.group(0)
    if not any(marker in token.casefold() for marker in _LINK_MARKERS):
        return token
    return " " + token[len(token.rstrip(_TRAILING)):]


@lru_cache(maxsize=256)
def plain(text: str) -> str:
    """Writer output as plain text: format characters removed, tags (and script/style
    content) removed, markdown images removed, links reduced to their text, backticks,
    emphasis and heading markers removed, then every word holding a URL removed; again
    until nothing changes; whitespace collapsed. Still text: templates escape it."""
    if not text:
        return ""
    text = _MD_HEADING.sub("", strip_format(text))
    for _ in range(3):  # entity-escaped tags become tags once decoded: clean again
        cleaned = strip_format(plain_text(_protect_prose(text)))
        if cleaned == text:
            break
        text = cleaned
    for _ in range(8):
        before = text
        text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub(" ", strip_format(text)))
        text = _EMPHASIS.sub("", text.replace("`", ""))
        text = _TOKEN.sub(_without_url, text)
        if text == before:
            break
    text = _MD_HEADING.sub("", text)
    return _SPACE.sub(" ", text).strip()


def has_link(text: str) -> bool:
    """Whether a link still shows once the text is read as a browser or linkifier might
    (NFKC: "ｗｗｗ．" is "www.")."""
    folded = normalize(text)
    return any(marker in folded for marker in _LINK_MARKERS)


def redacted(text: str | None) -> str | None:
    """A dropped field as recorded: words with a link in them replaced."""
    return _TOKEN.sub(lambda m: "[link]" if has_link(m.group(0)) else m.group(0), text) if text else text
