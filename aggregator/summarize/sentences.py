"""Splitting an article into sentences, for the offline card writer. Pure.

:func:`split_sentences` cuts a paragraph into sentences with a regex and a few rules
(abbreviations, initials, decimals, closing quotes), returning exact spans, so each
sentence is verbatim: a claim copied from it is an exact substring of the article.
:func:`article_sentences` reads a whole article that way: paragraphs split on blank
lines, bylines and short headings kept apart, a dateline in front of the lead left out
("SAN FRANCISCO (Reuters) - "), and for each sentence the share of it inside quotation
marks (a quote is the speaker's claim, not the article's). :func:`is_claim` says which
sentences may be claims at all: not bylines, fragments under
:data:`MIN_SENTENCE_CHARS` characters or lines in capitals.

Same input, same output: no randomness, no clock, no dependence on set order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .timeline_dates import find_date

MIN_SENTENCE_CHARS = 40  # shorter sentences are not claims (bylines, fragments, "We're sorry.")
QUOTE_ONLY_SHARE = 0.5  # a sentence with at least this share of its letters inside quotes is a quote


# ------------------------------------------------------------------ sentence splitting

# Never end a sentence: titles before names, Latin abbreviations, "approx." and the like.
_HARD_ABBREVIATIONS = frozenset("""
    mr mrs ms mx dr prof sr jr st mt ft gen gov sen rep rev fr hon pres capt col lt sgt cmdr
    e.g i.e cf vs v approx ca fig figs vol pp al
""".split())
# End a sentence only when the next word is a typical sentence opener ("Acme Inc. The ...").
_SOFT_ABBREVIATIONS = frozenset("""
    inc ltd co corp llc plc bros etc jan feb mar apr jun jul aug sep sept oct nov dec
    a.m p.m u.s u.k u.n e.u no est
""".split())
# "No. 5": only before a number.
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "nr"})

STOPWORDS = frozenset("""
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're
    you've your yours yourself yourselves said says say will just now one two three many much
    may might must shall yet still even well per via according since however though although
    whether within without across among around upon like new
""".split())

_BOUNDARY = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s)")
OPENING = "\"“‘'([«"
_TOKEN_BEFORE = re.compile(r"(?<![A-Za-z.])([A-Za-z][A-Za-z.]*)\.$")
_FOLLOWING = re.compile(r"\s*(?=[\"“‘'(\[]*([A-Za-z']+|\d)?)")


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of the sentences of ``paragraph``, whitespace trimmed, so each
    ``paragraph[start:end]`` is a sentence exactly as written."""
    ends = [m.end() for m in _BOUNDARY.finditer(paragraph) if _is_boundary(paragraph, m)]
    ends += _line_ends(paragraph)
    spans = []
    start = 0
    for end in sorted(set(ends)):
        if end > start:
            spans.append((start, end))
            start = end
    spans.append((start, len(paragraph)))
    trimmed = []
    for s, e in spans:
        while s < e and paragraph[s].isspace():
            s += 1
        while e > s and paragraph[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed


def _line_ends(paragraph: str) -> list[int]:
    """Ends of lines that stand alone although unpunctuated: a byline or a short heading
    ("By Jane Doe" on its own line). Other line breaks are spaces (hard-wrapped text)."""
    ends = []
    start = 0
    for newline in re.finditer(r"\n", paragraph):
        line = paragraph[start:newline.start()].strip()
        if line and line[-1] not in ".!?:;,\"”’')]" and (len(line) < MIN_SENTENCE_CHARS or _BYLINE.match(line)):
            ends.append(newline.start())
        start = newline.end()
    return ends


def _is_boundary(text: str, match: re.Match) -> bool:
    following = _FOLLOWING.match(text, match.end())
    if following.end() == len(text):
        return True
    first = text[following.end()]
    if not (first.isupper() or first.isdigit() or first in OPENING):
        return False  # "... said Dr. Zhao", "3 p.m. on Monday", "“Is it?” she asked"
    if match.group(0) != ".":  # "?", "!", "...", or a period followed by a closing quote
        return True
    before = _TOKEN_BEFORE.search(text, max(0, match.start() - 40), match.end())
    if not before:
        return True  # after a number ("version 4.2.4. The fix") or a symbol
    token = before.group(1).lower()
    if token in _NUMBER_ABBREVIATIONS:
        return not first.isdigit()  # "No. 5"
    if token in _HARD_ABBREVIATIONS:
        return False
    initial = len(token) == 1 and before.group(1).isupper()  # "Priya K. Raman"
    dotted = "." in token  # "U.S.", "a.m." and any other "X.Y." acronym
    if token in _SOFT_ABBREVIATIONS or initial or dotted:
        if first.isdigit():
            return False  # "Nov. 10"
        return (following.group(1) or "").lower() in STOPWORDS  # "Acme Inc. The ..." ends; "Acme Inc. Chief" does not
    return True


# --------------------------------------------------------------------- sentences


@dataclass(frozen=True)
class Sentence:
    """A sentence of the article as the offline writer reads it."""

    text: str  # verbatim (a dateline in front, if any, left out)
    paragraph: int
    index: int  # position in the document
    quote_share: float  # share of its letters inside quotation marks
    starts_in_quote: bool  # the rest of a quotation begun in an earlier sentence

    @property
    def is_quote(self) -> bool:
        return self.starts_in_quote or self.quote_share >= QUOTE_ONLY_SHARE


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# "By Jane Doe, Staff Writer", "Published 10 Nov 2026, 14:00", "Photo: Acme" (not "By 2027, ...")
_BYLINE = re.compile(
    r"^(?:(?:By|Written by|Reporting by|Words by)\s+[A-Z][^.!?]{0,60}"
    r"|(?:Updated|Published|Posted|Last updated)\b[^.!?]{0,60}\d[^.!?]{0,40}"
    r"|(?:Photo|Image|Illustration|Credit)s?\s*(?:by\b|:).{0,100})$",
    re.DOTALL,
)
# "SAN FRANCISCO (Reuters) - ", "LONDON — ", "Oakland, Calif., Nov. 9 —"
_DATELINE = re.compile(r"^[A-Z][A-Za-z.,' ]{1,60}?(?P<agency>\s*\([^)]{1,40}\))?\s*(?:—|–|--| - )\s*")


def _paragraphs(text: str) -> list[str]:
    return [p for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()] if text.strip() else []


def _quote_mask(paragraph: str) -> list[bool]:
    """For each character: inside quotation marks? Curly quotes nest by open/close; a
    straight double quote toggles. Single quotes are left alone (they are apostrophes)."""
    inside = False
    mask = []
    for ch in paragraph:
        if ch == "“":
            mask.append(True)
            inside = True
        elif ch == "”":
            mask.append(True)
            inside = False
        elif ch == '"':
            mask.append(True)
            inside = not inside
        else:
            mask.append(inside)
    return mask


def article_sentences(text: str) -> list[Sentence]:
    found: list[Sentence] = []
    for p_index, paragraph in enumerate(_paragraphs(text)):
        mask = _quote_mask(paragraph)
        for start, end in split_sentences(paragraph):
            letters = [i for i in range(start, end) if paragraph[i].isalnum()]
            share = sum(mask[i] for i in letters) / len(letters) if letters else 0.0
            sentence = paragraph[start:end]
            continued = start > 0 and mask[start - 1] and paragraph[start - 1] not in "”\""
            if not any(is_claim(f) for f in found):  # the lead sentence may open with a dateline
                sentence = _strip_dateline(sentence)
            found.append(Sentence(sentence, p_index, len(found), share, continued))
    return found


def _strip_dateline(sentence: str) -> str:
    match = _DATELINE.match(sentence)
    if not match:
        return sentence
    head = match.group(0)
    # A dateline is a place in capitals, a place with a news agency or a place and a date;
    # not the sentence's own aside ("Halcyon AI — the Stockholm start-up — said ...").
    letters = [c for c in head if c.isalpha()]
    capitals = bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.7
    if capitals or match.group("agency") or find_date(head) is not None:
        rest = sentence[match.end():]
        if len(rest) >= MIN_SENTENCE_CHARS:
            return rest
    return sentence


def is_claim(sentence: Sentence) -> bool:
    text = sentence.text
    if len(text) < MIN_SENTENCE_CHARS or _BYLINE.match(text):
        return False
    return any(c.islower() for c in text)  # not a heading or a line in capitals

