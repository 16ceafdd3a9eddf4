"""The offline card writer: an extractive, deterministic :class:`CardDraft`. Pure.

Used when no LLM is configured, and as the fallback when an LLM card fails
verification. Every claim is a sentence copied verbatim from the article (its text and
its evidence are the same string, an exact substring of the text), so the card is
grounded by construction. The interpretive fields (``why_it_matters``,
``what_to_do_next``, ``future_implications``) stay empty: only an LLM writes those.

- sentences come from :mod:`~aggregator.summarize.sentences` (:func:`split_sentences`).
- ``what_changed``: the first one or two sentences of the lead paragraph (bylines,
  datelines and sentences under 40 characters skipped); the title when there is no text.
- ``key_takeaways``: the three best other sentences by word frequency, with bonuses for
  numbers, names and early paragraphs, in document order.
- ``timeline``: sentences with an explicit date (:func:`find_date`, in
  :mod:`~aggregator.summarize.timeline_dates`), in date order.
- ``who_should_care`` and ``topics``: keyword rules kept as data in ``rules.toml``
  (:func:`load_rules`, in :mod:`~aggregator.summarize.keywords`).
- ``entities``: capitalized names that occur at least twice in the text.
- :func:`offline_version`: a hash of this module, the modules above and the rules, for
  card cache keys.

Same input, same output: no randomness, no clock, no dependence on set order.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from .card import CardDraft, Claim, TimelineEvent
from .keywords import RULES_PATH, KeywordRule, KeywordRules, load_rules, ranked
from .sentences import OPENING, STOPWORDS, Sentence, article_sentences, is_claim, split_sentences
from .timeline_dates import MONTHS, WEEKDAYS, Date, find_date

__all__ = ["KeywordRule", "KeywordRules", "find_date", "load_rules", "offline_draft", "offline_version",
           "split_sentences"]

MAX_WHAT_CHANGED = 2
MAX_TAKEAWAYS = 3
MAX_TIMELINE = 6
MAX_ENTITIES = 8
# Everything that decides what offline_draft() writes: editing any of it changes offline_version().
VERSIONED_FILES = tuple(Path(__file__).with_name(name) for name in (
    "offline.py", "sentences.py", "timeline_dates.py", "keywords.py")) + (RULES_PATH,)


@lru_cache(maxsize=1)
def offline_version() -> str:
    """The offline writer's version for card cache keys: a hash of this module, the
    modules it depends on and the default rules (:data:`VERSIONED_FILES`), so editing
    any of them invalidates the cards it wrote."""
    digest = hashlib.sha256(b"\0".join(path.read_bytes() for path in VERSIONED_FILES)).hexdigest()[:8]
    return f"offline.v1-{digest}"


# ----------------------------------------------------------------------- scoring

_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def _content(words: list[str]) -> list[str]:
    return [w for w in words if w not in STOPWORDS and len(w) > 2]


def _takeaways(sentences: list[Sentence], title: str, chosen: set[int], entities: list[str]) -> list[Sentence]:
    frequency = Counter(w for s in sentences for w in _content(_words(s.text)))
    for word in _content(_words(title)):  # words of the headline count double
        frequency[word] += 2
    candidates = [s for s in sentences if s.index not in chosen and is_claim(s) and not s.is_quote]
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


def _timeline(sentences: list[Sentence]) -> list[TimelineEvent]:
    dated: list[tuple[Sentence, Date]] = []
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


def _entities(sentences: list[Sentence], ignore: frozenset[str], generic: frozenset[str]) -> list[str]:
    """Names written with capitals that occur at least twice, most frequent first.

    Candidates are runs of capitalized words ("Northwind Labs", "Marlow & Finch",
    "Eastvale Institute of Technology", "Kite 2"), without dates, a leading "The"/"If",
    or a lone common word that only opens a sentence. Each is then counted wherever it
    occurs as a whole word, so "Northwind" also counts the mentions of "Northwind Labs".
    A short name first written in full ("Kestrel Security ... Kestrel") is reported once,
    by its full name."""
    lower_words = {w.lower() for s in sentences for w in _WORD.findall(s.text) if w[0].islower()}
    never = set(MONTHS) | set(WEEKDAYS)
    first_seen: dict[str, int] = {}
    for s in sentences:
        opening = len(s.text) - len(s.text.lstrip(OPENING + " "))
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
        if before and before.group(1).rstrip(".").lower() not in STOPWORDS:
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
        if not pieces[-1] and (bare.lower() in STOPWORDS or bare[:1].isdigit() or bare in ("of", "&")):
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
    sentences = article_sentences(text)

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
    audiences = ranked(rules.audiences, source, cap, rules.max_audiences) or ["general readers"]
    return CardDraft(
        what_changed=what_changed,
        why_it_matters="",
        what_to_do_next=[],
        who_should_care=audiences,
        key_takeaways=[Claim(text=s.text, evidence=s.text) for s in takeaways],
        future_implications=[],
        timeline=_timeline(sentences),
        topics=ranked(rules.topics, source, cap, rules.max_topics),
        entities=entities,
    )


def _lead(sentences: list[Sentence]) -> list[Sentence]:
    """The first one or two claim sentences of the first paragraph that has any."""
    claims = [s for s in sentences if is_claim(s)]
    if not claims:
        return []
    paragraph = claims[0].paragraph
    in_lead = [s for s in claims if s.paragraph == paragraph]
    chosen = [s for s in in_lead if not s.is_quote][:MAX_WHAT_CHANGED] or in_lead[:1]
    return chosen
