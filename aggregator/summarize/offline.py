"""The offline card writer: an extractive, deterministic :class:`CardDraft`. Pure.

Used when no LLM is configured, and as the fallback when an LLM card fails
verification. Every claim is a sentence copied verbatim from the article (its text and
its evidence are the same string, an exact substring of the text), so the card is
grounded by construction. The interpretive fields (``why_it_matters``,
``what_to_do_next``, ``future_implications``) stay empty: only an LLM writes those.

- :func:`split_sentences` cuts a paragraph into sentences with a regex and a few rules
  (abbreviations, initials, decimals, closing quotes), returning exact spans.
- ``what_changed``: the first one or two sentences of the lead paragraph (bylines,
  datelines and sentences under 40 characters skipped); the title when there is no text.
- ``key_takeaways``: the three best other sentences by word frequency, with bonuses for
  numbers, names and early paragraphs, in document order.
- ``timeline``: sentences with an explicit date ("November 10, 2026", "on March 3",
  "2026-11-10", "in March 2025"), dated ``YYYY-MM-DD``, ``YYYY-MM`` or ``MM-DD`` (a month
  and day without a year: the year is never guessed).
- ``who_should_care`` and ``topics``: keyword rules kept as data in ``rules.toml``
  (:func:`load_rules`).
- ``entities``: capitalized names that occur at least twice in the text.
- :func:`offline_version`: a hash of this module and the rules, for card cache keys.

Same input, same output: no randomness, no clock, no dependence on set order.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from .card import AUDIENCES, CardDraft, Claim, TimelineEvent

RULES_PATH = Path(__file__).with_name("rules.toml")

MIN_SENTENCE_CHARS = 40  # shorter sentences are not claims (bylines, fragments, "We're sorry.")
MAX_WHAT_CHANGED = 2
MAX_TAKEAWAYS = 3
MAX_TIMELINE = 6
MAX_ENTITIES = 8
QUOTE_ONLY_SHARE = 0.5  # a sentence with at least this share of its letters inside quotes is a quote

# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class KeywordRule:
    """A named list of keywords and the hits needed for the rule to apply."""

    name: str
    keywords: tuple[str, ...]
    min_hits: int = 1
    _pattern: re.Pattern = field(init=False, repr=False, compare=False)
    _group_keyword: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Longest first, so that at one position "prompt injection" wins over "injection".
        ordered = sorted(dict.fromkeys(self.keywords), key=lambda k: (-len(k), k.lower()))
        alternatives = "|".join(f"({_keyword_regex(k)})" for k in ordered)
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if ordered else re.compile(r"(?!)")
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "_group_keyword", tuple(ordered))

    def hits(self, text: str, cap: int) -> int:
        """Whole-word, case-insensitive keyword occurrences, each keyword counted at most ``cap`` times."""
        counts: Counter[str] = Counter()
        for match in self._pattern.finditer(text):
            counts[self._group_keyword[match.lastindex - 1]] += 1
        return sum(min(n, cap) for n in counts.values())


@dataclass(frozen=True)
class KeywordRules:
    """The audience and topic rules, and the words never taken for names (see ``rules.toml``)."""

    audiences: tuple[KeywordRule, ...]
    topics: tuple[KeywordRule, ...]
    entity_ignore: frozenset[str] = frozenset()
    entity_generic: frozenset[str] = frozenset()
    max_hits_per_keyword: int = 3
    max_audiences: int = 3
    max_topics: int = 3


def _keyword_regex(keyword: str) -> str:
    """A keyword as a regex: spaces and hyphens match any run of either; a plural -s/-es is allowed."""
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", keyword.strip()) if p]
    body = r"[\s\-]+".join(parts)
    if keyword.strip()[-1:].isalpha():
        body += "(?:e?s)?"
    return body


@lru_cache(maxsize=1)
def offline_version() -> str:
    """The offline writer's version for card cache keys: a hash of this module and the
    default rules, so editing either invalidates the cards it wrote."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + b"\0" + RULES_PATH.read_bytes()).hexdigest()[:8]
    return f"offline.v1-{digest}"


def load_rules(path: Path | None = None) -> KeywordRules:
    """Read the keyword rules (``rules.toml`` next to this module by default; that one is cached)."""
    if path is None:
        return _default_rules()
    return _read_rules(Path(path))


@lru_cache(maxsize=1)
def _default_rules() -> KeywordRules:
    return _read_rules(RULES_PATH)


def _read_rules(path: Path) -> KeywordRules:
    with open(path, "rb") as handle:
        raw = tomllib.load(handle)

    def rules(section: str, allowed: tuple[str, ...] | None) -> tuple[KeywordRule, ...]:
        found = []
        for name, spec in raw.get(section, {}).items():
            if allowed is not None and name not in allowed:
                raise ValueError(f"{path}: [{section}] {name!r} is not one of {', '.join(allowed)}")
            keywords = spec.get("keywords", [])
            if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
                raise ValueError(f"{path}: [{section}.{name!r}] keywords must be a list of non-empty strings")
            min_hits = spec.get("min_hits", 1)
            if not isinstance(min_hits, int) or min_hits < 1:
                raise ValueError(f"{path}: [{section}.{name!r}] min_hits must be a positive integer")
            found.append(KeywordRule(name=name, keywords=tuple(keywords), min_hits=min_hits))
        return tuple(found)

    audiences = rules("audiences", AUDIENCES)
    # Ties between audiences go to the order of AUDIENCES, whatever the file's order.
    audiences = tuple(sorted(audiences, key=lambda r: AUDIENCES.index(r.name)))
    return KeywordRules(
        audiences=audiences,
        topics=rules("topics", None),
        entity_ignore=frozenset(raw.get("entities", {}).get("ignore", [])),
        entity_generic=frozenset(raw.get("entities", {}).get("generic", [])),
        max_hits_per_keyword=int(raw.get("max_hits_per_keyword", 3)),
        max_audiences=int(raw.get("max_audiences", 3)),
        max_topics=int(raw.get("max_topics", 3)),
    )


def _ranked(rules: tuple[KeywordRule, ...], text: str, cap: int, limit: int) -> list[str]:
    """Names of the rules that apply, most hits first (ties: rule order), at most ``limit``."""
    scored = [(rule.hits(text, cap), i, rule) for i, rule in enumerate(rules)]
    applying = [(hits, i, rule) for hits, i, rule in scored if hits >= rule.min_hits]
    applying.sort(key=lambda t: (-t[0], t[1]))
    return [rule.name for _, _, rule in applying[:limit]]


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

_STOPWORDS = frozenset("""
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
_OPENING = "\"“‘'([«"
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
    if not (first.isupper() or first.isdigit() or first in _OPENING):
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
        return (following.group(1) or "").lower() in _STOPWORDS  # "Acme Inc. The ..." ends; "Acme Inc. Chief" does not
    return True


# --------------------------------------------------------------------- sentences


@dataclass(frozen=True)
class _Sentence:
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


def _sentences(text: str) -> list[_Sentence]:
    found: list[_Sentence] = []
    for p_index, paragraph in enumerate(_paragraphs(text)):
        mask = _quote_mask(paragraph)
        for start, end in split_sentences(paragraph):
            letters = [i for i in range(start, end) if paragraph[i].isalnum()]
            share = sum(mask[i] for i in letters) / len(letters) if letters else 0.0
            sentence = paragraph[start:end]
            continued = start > 0 and mask[start - 1] and paragraph[start - 1] not in "”\""
            if not any(_is_claim(f) for f in found):  # the lead sentence may open with a dateline
                sentence = _strip_dateline(sentence)
            found.append(_Sentence(sentence, p_index, len(found), share, continued))
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


def _is_claim(sentence: _Sentence) -> bool:
    text = sentence.text
    if len(text) < MIN_SENTENCE_CHARS or _BYLINE.match(text):
        return False
    return any(c.islower() for c in text)  # not a heading or a line in capitals


# ----------------------------------------------------------------------- scoring

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def _content(words: list[str]) -> list[str]:
    return [w for w in words if w not in _STOPWORDS and len(w) > 2]


def _takeaways(sentences: list[_Sentence], title: str, chosen: set[int], entities: list[str]) -> list[_Sentence]:
    frequency = Counter(w for s in sentences for w in _content(_words(s.text)))
    for word in _content(_words(title)):  # words of the headline count double
        frequency[word] += 2
    candidates = [s for s in sentences if s.index not in chosen and _is_claim(s) and not s.is_quote]
    if not candidates:
        return []
    raw = {}
    for s in candidates:
        words = _words(s.text)
        raw[s.index] = sum(frequency[w] for w in _content(words)) / max(len(words), 1)
    top = max(raw.values()) or 1.0
    paragraphs = max(s.paragraph for s in sentences) + 1
    scored = []
    for s in candidates:
        score = raw[s.index] / top
        if re.search(r"\d", s.text):
            score += 0.15
        if any(re.search(rf"(?<!\w){re.escape(e)}(?!\w)", s.text) for e in entities):
            score += 0.1
        score += 0.2 * (1 - s.paragraph / paragraphs)
        scored.append((-round(score, 9), s.index, s))
    scored.sort(key=lambda t: (t[0], t[1]))
    best = [s for _, _, s in scored[:MAX_TAKEAWAYS]]
    return sorted(best, key=lambda s: s.index)


# ----------------------------------------------------------------------- timeline

_MONTHS = {
    "January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6, "July": 7,
    "August": 8, "September": 9, "October": 10, "November": 11, "December": 12,
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9,
    "Sept": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH = "(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d{2})(?![\d,.]\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:,.]\d)(?!\s*(?:%|per\b|million|billion|thousand))"
_DATE_PATTERNS = (
    # ISO 8601: 2026-11-10
    re.compile(r"(?<![\w\-])(?P<year>(?:19|20)\d{2})-(?P<mon>0[1-9]|1[0-2])-(?P<day>[0-3]\d)(?![\w\-])"),
    # November 10, 2026 / Nov. 10 / March 3rd
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"),
    # 10 November 2026 / 3 March
    re.compile(rf"(?<![\w.,]){_DAY}\s+{_MONTH}(?:,?\s+{_YEAR})?\b"),
    # March 2025 / in Sept. 2025
    re.compile(rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}"),
)


@dataclass(frozen=True)
class _Date:
    year: int | None
    month: int
    day: int | None

    @property
    def label(self) -> str:
        if self.year is None:
            return f"{self.month:02d}-{self.day:02d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if day is None:
        return 1 <= month <= 12
    try:
        date(year if year is not None else 2000, month, day)  # 2000: a leap year, so Feb 29 passes
    except ValueError:
        return False
    return True


def find_date(sentence: str) -> _Date | None:
    """The first explicit date in ``sentence`` (a month with a day or a year, or an ISO date)."""
    found = []
    for rank, pattern in enumerate(_DATE_PATTERNS):
        for match in pattern.finditer(sentence):
            groups = match.groupdict()
            mon = groups["mon"]
            month = int(mon) if mon.isdigit() else _MONTHS[mon]
            year = int(groups["year"]) if groups.get("year") else None
            day = int(groups["day"]) if groups.get("day") else None
            if _valid(year, month, day):
                found.append((match.start(), rank, _Date(year, month, day)))
    if not found:
        return None
    found.sort(key=lambda t: (t[0], t[1]))
    return found[0][2]


def _timeline(sentences: list[_Sentence]) -> list[TimelineEvent]:
    dated: list[tuple[_Sentence, _Date]] = []
    seen_labels: set[str] = set()
    seen_text: set[str] = set()
    for s in sentences:
        when = find_date(s.text)
        if when is None or when.label in seen_labels or s.text in seen_text:
            continue
        seen_labels.add(when.label)
        seen_text.add(s.text)
        dated.append((s, when))
        if len(dated) == MAX_TIMELINE:
            break
    # A date without a year sorts in the year of the nearest dated sentence before it (else
    # the first after it): only for ordering, the label never gets a guessed year.
    years = [w.year for _, w in dated]

    def sort_year(i: int) -> int:
        if years[i] is not None:
            return years[i]
        before = [y for y in years[:i] if y is not None]
        after = [y for y in years[i + 1:] if y is not None]
        return before[-1] if before else after[0] if after else 0

    keyed = [((sort_year(i), w.month, w.day or 0, s.index), s, w) for i, (s, w) in enumerate(dated)]
    keyed.sort(key=lambda t: t[0])
    return [TimelineEvent(date=w.label, event=s.text, evidence=s.text) for _, s, w in keyed]


# ----------------------------------------------------------------------- entities

_NAME_TOKEN = r"[A-Z][A-Za-z0-9]*(?:[\-'’.&][A-Z0-9][A-Za-z0-9]*)*"
_NAME_SEQUENCE = re.compile(
    rf"{_NAME_TOKEN}(?:(?:\s(?:of|&|de|la|van|von|der|du)\s|\s){_NAME_TOKEN}|\s\d{{1,3}}(?:\.\d+)?(?![\d,.%]\d|%))*"
)
_SEPARATOR = re.compile(r"\s+")


def _entities(sentences: list[_Sentence], ignore: frozenset[str], generic: frozenset[str]) -> list[str]:
    """Names written with capitals that occur at least twice, most frequent first.

    Candidates are runs of capitalized words ("Northwind Labs", "Marlow & Finch",
    "Eastvale Institute of Technology", "Kite 2"), without dates, a leading "The"/"If",
    or a lone common word that only opens a sentence. Each is then counted wherever it
    occurs as a whole word, so "Northwind" also counts the mentions of "Northwind Labs".
    A short name first written in full ("Kestrel Security ... Kestrel") is reported once,
    by its full name."""
    lower_words = {w.lower() for s in sentences for w in _WORD.findall(s.text) if w[0].islower()}
    never = set(_MONTHS) | set(_WEEKDAYS)
    first_seen: dict[str, int] = {}
    for s in sentences:
        opening = len(s.text) - len(s.text.lstrip(_OPENING + " "))
        for match in _NAME_SEQUENCE.finditer(s.text):
            tokens = _SEPARATOR.split(match.group(0))
            for name in _names_in(tokens, match.start() <= opening, never, ignore, lower_words):
                first_seen.setdefault(name, len(first_seen))
    text = "\n".join(s.text for s in sentences)
    totals = {name: _occurrences(name, text) for name in first_seen}
    kept = {name: n for name, n in totals.items() if n >= 2}
    # Full name on first reference, short name after ("Northwind Labs ... Northwind"):
    # one entity, reported by its full name. Not for variants named later ("Kite 2" then
    # "Kite 2 Small") nor for versions ("Kite" and "Kite 2").
    for short in sorted(kept, key=lambda n: (first_seen[n], n)):
        earlier = [n for n in first_seen if first_seen[n] < first_seen[short] and _full_name_of(short, n, generic)]
        if len(earlier) == 1:
            full = earlier[0]
            kept[full] = max(kept.pop(full, 0), kept.pop(short))
            first_seen[short] = first_seen[full]
    ranked = sorted(kept, key=lambda n: (-kept[n], first_seen[n], n))
    return ranked[:MAX_ENTITIES]


def _full_name_of(short: str, name: str, generic: frozenset[str]) -> bool:
    """``name`` is ``short`` and one more word, as "Northwind Labs" (not "Northwind API", "Kite 2")."""
    if not name.startswith(short + " "):
        return False
    rest = name[len(short) + 1:]
    return " " not in rest and rest not in generic and not any(c.isdigit() for c in rest)


_NAME_BEFORE = re.compile(r"([A-Z][\w\-’'.]*[\w\-’']|[A-Z]|\d[\d.]*\d|\d|&)\s+$")


def _occurrences(name: str, text: str) -> int:
    """Whole-word occurrences of ``name``, not counting those that end a longer name
    ("Pro" in "Meridian-3 Pro") or carry a version ("Kite" in "Kite 2"); those that begin
    a longer name ("Northwind" in "Northwind Labs") count."""
    if text.count(name) < 2:  # cheap: most candidates occur once
        return text.count(name)
    count = 0
    for match in re.finditer(rf"(?<![\w\-]){re.escape(name)}(?![\w\-]|\.\d|\s\d)", text):
        before = _NAME_BEFORE.search(text, max(0, match.start() - 40), match.start())
        if before and before.group(1).rstrip(".").lower() not in _STOPWORDS:
            continue
        count += 1
    return count


def _names_in(tokens: list[str], sentence_initial: bool, never: set[str], ignore: frozenset[str],
              lower_words: set[str]) -> list[str]:
    pieces: list[list[str]] = [[]]
    for token in tokens:
        bare = token.rstrip(".")
        if bare in never:  # a date is not a name: "Monday", "November 10"
            pieces.append([])
            continue
        if not pieces[-1] and (bare.lower() in _STOPWORDS or bare[:1].isdigit() or bare in ("of", "&")):
            continue  # "The Seattle-based", "If Northwind": not part of the name
        pieces[-1].append(token)
    names = []
    for piece in pieces:
        while piece and piece[-1] in ("of", "&", "de", "la", "van", "von", "der", "du"):
            piece.pop()
        if not piece:
            continue
        name = " ".join(piece)
        if len(piece) == 1:
            if name in ignore or name.rstrip(".") in ignore:
                continue
            # A lone capitalized common word opening a sentence ("Benchmarks have a life cycle").
            if sentence_initial and piece is pieces[0] and name.lower() in lower_words:
                continue
        names.append(name)
    return names


# ------------------------------------------------------------------------- card


def offline_draft(title: str, text: str, rules: KeywordRules | None = None) -> CardDraft:
    """An extractive :class:`CardDraft` of an article (``text``: paragraphs separated by blank lines)."""
    rules = rules or load_rules()
    title = (title or "").strip()
    text = text or ""
    sentences = _sentences(text)

    lead = _lead(sentences)
    if lead:
        what_changed = [Claim(text=s.text, evidence=s.text) for s in lead]
    else:
        fallback = title or (sentences[0].text if sentences else "")
        what_changed = [Claim(text=fallback, evidence=fallback)]

    entities = _entities(sentences, rules.entity_ignore, rules.entity_generic)
    takeaways = _takeaways(sentences, title, {s.index for s in lead}, entities)
    source = f"{title}\n\n{text}"
    cap = rules.max_hits_per_keyword
    audiences = _ranked(rules.audiences, source, cap, rules.max_audiences) or ["general readers"]
    return CardDraft(
        what_changed=what_changed,
        why_it_matters="",
        what_to_do_next=[],
        who_should_care=audiences,
        key_takeaways=[Claim(text=s.text, evidence=s.text) for s in takeaways],
        future_implications=[],
        timeline=_timeline(sentences),
        topics=_ranked(rules.topics, source, cap, rules.max_topics),
        entities=entities,
    )


def _lead(sentences: list[_Sentence]) -> list[_Sentence]:
    """The first one or two claim sentences of the first paragraph that has any."""
    claims = [s for s in sentences if _is_claim(s)]
    if not claims:
        return []
    paragraph = claims[0].paragraph
    in_lead = [s for s in claims if s.paragraph == paragraph]
    chosen = [s for s in in_lead if not s.is_quote][:MAX_WHAT_CHANGED] or in_lead[:1]
    return chosen
