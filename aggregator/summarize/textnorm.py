"""Text as compared: the one normal form in which facts and quotes are matched. Pure.

A writer's text and the article may differ in ways no reader sees: Unicode format
characters ("4\u200b2" is 42, "h\u200dttps" is "https"), compatibility forms
(full-width letters), curly or straight quotes, the dash used, the ellipsis character,
spacing, case and accents. :func:`strip_format`, :func:`canonical`, :func:`normalize`
and :func:`fold` remove those differences, so that the fact readers
(:mod:`~aggregator.summarize.facts`), the quote matcher
(:mod:`~aggregator.summarize.evidence`) and the plain-text cleaner
(:mod:`~aggregator.summarize.plaintext`) compare like with like.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u0060": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-", "\u2043": "-",
    "\u2026": "...",
})
_SPACE = re.compile(r"\s+")


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_INVISIBLE = {"Cf", "Cs"}


def strip_format(text: str) -> str:
    """Without Unicode format characters (zero-width spaces and joiners, bidi marks, soft
    hyphens...), lone surrogates and control characters other than whitespace: "4\u200b2"
    is 42, "h\u200dttps" is "https"."""
    if not text:
        return ""
    if text.isascii():
        return _ASCII_CONTROL.sub("", text)
    return "".join(c for c in text if (kind := unicodedata.category(c)) not in _INVISIBLE
                   and (kind != "Cc" or c.isspace()))


def canonical(text: str) -> str:
    return unicodedata.normalize("NFKC", strip_format(text)).translate(_QUOTES)


def normalize(text: str) -> str:
    """Text as compared: no format characters, NFKC, straight quotes, one dash, '...' for
    the ellipsis, whitespace collapsed, casefolded."""
    return _SPACE.sub(" ", canonical(text)).strip().casefold()


def fold(text: str) -> str:
    """normalize(), accents removed: 'José' and 'Jose' are one name."""
    decomposed = unicodedata.normalize("NFKD", normalize(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
