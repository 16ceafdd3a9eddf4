"""Evidence quotes: whether, and where, a quote is in the article. Pure.

Every claim of a card carries an evidence quote. :func:`quote_found` says whether it is
in the source, tolerant of quote/dash style, case and ``...`` elisions: every fragment
must be found, in order, a short one as whole words, and at least one fragment must
have :data:`MIN_QUOTE_CHARS` characters or more. Grounding
(:mod:`~aggregator.summarize.grounding`) also needs *where*: :func:`read_source` reads
the article (title and text, as plain text) by sentence and paragraph,
:func:`locate` gives the sentences a quote was found in, and :func:`region_index` and
:func:`near_index` the facts of those sentences and of the paragraph around them, in
which a claim's numbers and dates must be.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .facts import Index, index_of
from .plaintext import plain
from .textnorm import normalize

MIN_QUOTE_CHARS = 12  # a quote needs a fragment this long; shorter ones prove nothing on their own
NEAR_SENTENCES = 3  # "the paragraph around the evidence": its sentences at most this far away


# ------------------------------------------------------------------ matching quotes

_DASH_RUN = re.compile(r"\s*-+\s*")
_BRACKETED_ELISION = re.compile(r"[\[(]\s*\.\.\.\s*[\])]")
_ELISION = re.compile(r"\.{3,}")
_EDGE = " \"'.,;:!?"


def _match_key(text: str) -> str:
    """normalize(), and a dash is a dash however it is spaced or repeated."""
    return _DASH_RUN.sub("-", normalize(text))


def quote_fragments(quote: str) -> list[str]:
    key = _BRACKETED_ELISION.sub("...", _match_key(quote))
    return [f for f in (part.strip(_EDGE) for part in _ELISION.split(key)) if f]


def long_enough(fragments: list[str]) -> bool:
    return any(len(f) >= MIN_QUOTE_CHARS for f in fragments)


def _find(fragment: str, haystack: str, at: int) -> int:
    """Where a fragment is, from ``at``; a short one only as whole words ("3" is not the
    3 of "2023")."""
    while (found := haystack.find(fragment, at)) >= 0 and len(fragment) < MIN_QUOTE_CHARS:
        end = found + len(fragment)
        glued_before = found > 0 and fragment[0].isalnum() and haystack[found - 1].isalnum()
        glued_after = end < len(haystack) and fragment[-1].isalnum() and haystack[end].isalnum()
        if not (glued_before or glued_after):
            break
        at = found + 1
    return found


def _spans(fragments: list[str], haystack: str, at: int = 0) -> list[tuple[int, int]] | None:
    """Where each fragment is, in order, each after the one before; None if one is not."""
    spans = []
    for fragment in fragments:
        found = _find(fragment, haystack, at)
        if found < 0:
            return None
        at = found + len(fragment)
        spans.append((found, at))
    return spans


def quote_found(quote: str, source: str) -> bool:
    """Whether an evidence quote is in the source (after :func:`normalize`). With
    ``...`` elisions, every fragment must be found, in order, a short one as whole
    words; at least one fragment must have 12 characters or more."""
    fragments = quote_fragments(quote)
    return long_enough(fragments) and _spans(fragments, _source_key(source)) is not None


@lru_cache(maxsize=16)
def _source_key(source: str) -> str:
    return _match_key(source)


# ------------------------------------------------------------------ the source, by sentence

_PARAGRAPH_MARK, _LINE_MARK = "\ue000", "\ue001"  # private-use characters: plain() keeps them
_MARKS = re.compile("[\ue000\ue001]")
_WRAP_ENDS = set("abcdefghijklmnopqrstuvwxyz0123456789,;-")  # a line ending so goes on
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_SENTENCE_END_AT = re.compile(r"(?<=[.!?])[\"')\]\u201d\u2019]*(?=\s+\S)")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "vs", "jr", "sr", "no", "inc", "co", "corp", "ltd",
                  "e.g", "i.e", "etc", "approx", "gen", "gov", "sen", "rep", "u.s", "u.k", "jan", "feb", "mar",
                  "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}


@dataclass(frozen=True)
class Source:
    """The article as plain text, and by sentence: ``key`` is the sentences' match keys
    joined by a space, ``starts`` where each begins in it, ``paragraphs`` the paragraph
    each belongs to (the title is paragraph 0)."""

    text: str
    index: Index
    sentences: tuple[str, ...]
    paragraphs: tuple[int, ...]
    key: str
    starts: tuple[int, ...]


def sentences_in(text: str) -> list[str]:
    """Sentences, not split after "Dr." or "U.S." or an initial."""
    sentences, start = [], 0
    for match in _SENTENCE_END_AT.finditer(text):
        before = re.search(r"([\w.]+)[.!?]$", text[max(start, match.start() - 40):match.start()])
        word = before.group(1).casefold() if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _lines(block: str) -> str:
    """A paragraph's lines (list items, a tour's dates) are apart as sentences are, but a
    wrapped line ("on November 10,\n2025") goes on the line before it."""
    lines: list[str] = []
    for line in block.split("\n"):
        first = line.lstrip()[:1]
        if lines and lines[-1].rstrip()[-1:] in _WRAP_ENDS and (first.islower() or first.isdigit()):
            lines[-1] += "\n" + line
        else:
            lines.append(line)
    return f"\n{_LINE_MARK}\n".join(lines)


@lru_cache(maxsize=8)
def read_source(title: str, source_text: str) -> Source:
    title, body = (_MARKS.sub(" ", text).replace("\r\n", "\n") for text in (title, source_text))
    blocks = [title] + (_BLANK_LINE.split(body) if _BLANK_LINE.search(body) else body.split("\n"))
    paragraphs = plain(f"\n{_PARAGRAPH_MARK}\n".join(_lines(b) for b in blocks)).split(_PARAGRAPH_MARK)
    sentences, numbers, key, starts = [], [], "", []
    for number, paragraph in enumerate(paragraphs):
        for sentence in (s for line in paragraph.split(_LINE_MARK) for s in sentences_in(line.strip())):
            part = _match_key(sentence)
            if key and not (key.endswith("-") or part.startswith("-")):  # "said. - Next" keys as "said.-next"
                key += " "
            sentences.append(sentence)
            numbers.append(number)
            starts.append(len(key))
            key += part
    text = " ".join(sentences)
    return Source(text, index_of(text), tuple(sentences), tuple(numbers), key, tuple(starts))


def locate(evidence: str, source: Source) -> frozenset[int] | None:
    """The sentences the evidence quote was found in (its fragments, not what an
    elision skips; every place the quote is found), None if it is not found."""
    fragments = quote_fragments(evidence)
    if not long_enough(fragments):
        return None
    found: set[int] = set()
    at = 0
    for _ in range(20):
        spans = _spans(fragments, source.key, at)
        if spans is None:
            break
        for start, end in spans:
            i = max(0, bisect_right(source.starts, start) - 1)
            while i < len(source.starts) and source.starts[i] < end:
                found.add(i)
                i += 1
        at = spans[0][0] + 1
    return frozenset(found) or None


def region_index(sentences: Iterable[int], source: Source) -> Index:
    return index_of(" ".join(source.sentences[i] for i in sorted(sentences)))


def near_index(sentences: frozenset[int], source: Source) -> Index:
    """The paragraph around the evidence: its sentences, at most NEAR_SENTENCES away."""
    near = {j for i in sentences for j in range(max(0, i - NEAR_SENTENCES), i + NEAR_SENTENCES + 1)
            if j < len(source.sentences) and source.paragraphs[j] == source.paragraphs[i]}
    return region_index(near, source)

