"""Grounding: what a writer's card may say, checked against the article. Pure.

The product promise is that **we never publish a date, number or name that is not in
the source; every claim carries an evidence quote that we verify before publishing**.
A writer (the LLM above all) is untrusted: it paraphrases, and sometimes it invents a
figure, shifts a date, swaps a name or makes up a quote. This module is the gate
between a :class:`~aggregator.summarize.card.CardDraft` and a published
:class:`~aggregator.summarize.card.Card`:

- every text field is reduced to plain text first (:func:`plain`): no HTML, no
  markdown links or images, no URLs, no format characters; a field in which a link
  still shows (a full-width "ｈｔｔｐｓ：／／", say) is dropped;
- a factual claim survives only if its evidence quote is in the source
  (:func:`quote_found`, tolerant of quote/dash style, case and ``...`` elisions, every
  fragment found in order) *and* every number and date it states is in the sentences
  that quote was found in, every name anywhere in the source (facts read by
  :mod:`~aggregator.summarize.facts`, however written: "40%" is "40 percent", "$420M"
  is "$420 million", "10 November" is "November 10", "8" is "eight"; a percentage
  is not a count, nor a day of the month a count);
- interpretive fields, topics and entities carry no evidence, so they may only reuse
  facts of the source; topics and entities are short, or dropped;
- every drop is recorded with its reason, and :func:`is_publishable` refuses a card
  when too little of it survived, since what is left of it no longer says what the
  writer meant.

The checks are deliberately about *facts*, not meaning: a claim that rewords the
article but misstates no figure, date or name is kept; an evidence quote is the
reader's means to judge the rest.

No I/O, no clock, no configuration: the caller passes the rules.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from aggregator.sanitize import plain_text
from aggregator.summarize.card import (
    AUDIENCES,
    Card,
    CardDraft,
    Claim,
    DroppedClaim,
    TimelineEvent,
    VerifiedClaim,
    VerifiedEvent,
)
from aggregator.summarize.facts import (
    WORD,
    DateMention,
    Index,
    check,
    facts,
    fold,
    index_of,
    is_name,
    name_supported,
    name_words,
    normalize,
    readings,
    strip_format,
    unsupported,
    valid_date,
)

__all__ = ["GroundingRules", "facts", "ground", "is_publishable", "normalize", "plain", "quote_found",
           "unsupported"]

MIN_QUOTE_CHARS = 12  # a quote needs a fragment this long; shorter ones prove nothing on their own
MAX_TOPIC_CHARS = 40
MAX_ENTITY_CHARS = 80
MAX_FIELD_CHARS = 5_000  # a longer claim, quote or sentence is no card text: dropped unread
NEAR_SENTENCES = 3  # "the paragraph around the evidence": its sentences at most this far away


@dataclass(frozen=True)
class GroundingRules:
    min_verified_claims: int = 2  # an LLM card with fewer verified claims is not published
    min_verified_share: float = 0.5  # nor one where less than this share of its claims survived


# ------------------------------------------------------------------ plain text

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


def _has_link(text: str) -> bool:
    """Whether a link still shows once the text is read as a browser or linkifier might
    (NFKC: "ｗｗｗ．" is "www.")."""
    folded = normalize(text)
    return any(marker in folded for marker in _LINK_MARKERS)


def _redacted(text: str | None) -> str | None:
    """A dropped field as recorded: words with a link in them replaced."""
    return _TOKEN.sub(lambda m: "[link]" if _has_link(m.group(0)) else m.group(0), text) if text else text


# ------------------------------------------------------------------ matching quotes

_DASH_RUN = re.compile(r"\s*-+\s*")
_BRACKETED_ELISION = re.compile(r"[\[(]\s*\.\.\.\s*[\])]")
_ELISION = re.compile(r"\.{3,}")
_EDGE = " \"'.,;:!?"


def _match_key(text: str) -> str:
    """normalize(), and a dash is a dash however it is spaced or repeated."""
    return _DASH_RUN.sub("-", normalize(text))


def _fragments(quote: str) -> list[str]:
    key = _BRACKETED_ELISION.sub("...", _match_key(quote))
    return [f for f in (part.strip(_EDGE) for part in _ELISION.split(key)) if f]


def _long_enough(fragments: list[str]) -> bool:
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
    fragments = _fragments(quote)
    return _long_enough(fragments) and _spans(fragments, _source_key(source)) is not None


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
class _Source:
    """The article as plain text, and by sentence: ``key`` is the sentences' match keys
    joined by a space, ``starts`` where each begins in it, ``paragraphs`` the paragraph
    each belongs to (the title is paragraph 0)."""

    text: str
    index: Index
    sentences: tuple[str, ...]
    paragraphs: tuple[int, ...]
    key: str
    starts: tuple[int, ...]


def _sentences(text: str) -> list[str]:
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
def _source(title: str, source_text: str) -> _Source:
    title, body = (_MARKS.sub(" ", text).replace("\r\n", "\n") for text in (title, source_text))
    blocks = [title] + (_BLANK_LINE.split(body) if _BLANK_LINE.search(body) else body.split("\n"))
    paragraphs = plain(f"\n{_PARAGRAPH_MARK}\n".join(_lines(b) for b in blocks)).split(_PARAGRAPH_MARK)
    sentences, numbers, key, starts = [], [], "", []
    for number, paragraph in enumerate(paragraphs):
        for sentence in (s for line in paragraph.split(_LINE_MARK) for s in _sentences(line.strip())):
            part = _match_key(sentence)
            if key and not (key.endswith("-") or part.startswith("-")):  # "said. - Next" keys as "said.-next"
                key += " "
            sentences.append(sentence)
            numbers.append(number)
            starts.append(len(key))
            key += part
    text = " ".join(sentences)
    return _Source(text, index_of(text), tuple(sentences), tuple(numbers), key, tuple(starts))


def _locate(evidence: str, source: _Source) -> frozenset[int] | None:
    """The sentences the evidence quote was found in (its fragments, not what an
    elision skips; every place the quote is found), None if it is not found."""
    fragments = _fragments(evidence)
    if not _long_enough(fragments):
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


def _region(sentences: Iterable[int], source: _Source) -> Index:
    return index_of(" ".join(source.sentences[i] for i in sorted(sentences)))


def _near(sentences: frozenset[int], source: _Source) -> Index:
    """The paragraph around the evidence: its sentences, at most NEAR_SENTENCES away."""
    near = {j for i in sentences for j in range(max(0, i - NEAR_SENTENCES), i + NEAR_SENTENCES + 1)
            if j < len(source.sentences) and source.paragraphs[j] == source.paragraphs[i]}
    return _region(near, source)


# ------------------------------------------------------------------ claims

_TIMELINE_DATE = re.compile(r"^(?:(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?"
                            r"|(?P<md_month>\d{1,2})-(?P<md_day>\d{1,2}))$")
_LINK_REASON = "a link is left after cleaning"


def _evidence_reasons(evidence: str, region: frozenset[int] | None) -> list[str]:
    if not _long_enough(_fragments(evidence)):
        return ["evidence quote too short to verify"]
    return ["evidence not found in the source"] if region is None else []


def _claim_reasons(text: str, evidence: str, source: _Source, known: frozenset[str]
                   ) -> tuple[list[str], frozenset[int] | None]:
    if max(len(text), len(evidence)) > MAX_FIELD_CHARS:
        return [f"longer than {MAX_FIELD_CHARS} characters"], None
    region = _locate(evidence, source)
    reasons = [_LINK_REASON] if _has_link(text) or _has_link(evidence) else []
    reasons += ["empty after cleaning"] if not text else []
    reasons += _evidence_reasons(evidence, region)
    reasons += check(text, source.index, _region(region, source) if region else None, known)
    return reasons, region


def _dropped(field_name: str, text: str, evidence: str | None, reasons: list[str]) -> DroppedClaim:
    return DroppedClaim(field_name, _redacted(text), _redacted(evidence), "; ".join(dict.fromkeys(reasons)))


def _check_claim(claim: Claim, field_name: str, source: _Source, known: frozenset[str]
                 ) -> VerifiedClaim | DroppedClaim:
    text, evidence = plain(claim.text), plain(claim.evidence)
    reasons, _ = _claim_reasons(text, evidence, source, known)
    return _dropped(field_name, text, evidence, reasons) if reasons else VerifiedClaim(text, evidence)


def _parse_timeline_date(raw: str) -> tuple[int | None, int | None, int | None] | None:
    if len(raw) > 40:
        return None
    match = _TIMELINE_DATE.match(raw.strip())
    if match:
        groups = match.groupdict()
        month = groups["month"] or groups["md_month"]
        day = groups["day"] or groups["md_day"]
        parsed = (int(groups["year"]) if groups["year"] else None, int(month) if month else None,
                  int(day) if day else None)
    else:  # a writer that ignored the format: accept one plain date mention
        mentions = facts(raw).dates
        if len(mentions) != 1 or mentions[0].text.strip() != raw.strip().rstrip("."):
            return None
        parsed = (mentions[0].year, mentions[0].month, mentions[0].day)
    return parsed if valid_date(*parsed) else None


def _format_date(year: int | None, month: int | None, day: int | None) -> str:
    parts = ([f"{year:04d}"] if year is not None else []) + [f"{p:02d}" for p in (month, day) if p is not None]
    return "-".join(parts)


def _timeline_date_reasons(parsed: tuple[int | None, int | None, int | None], evidence: str,
                           region: frozenset[int] | None, source: _Source) -> list[str]:
    """The month and day must be in the evidence quote; the year with them, or else in
    the paragraph around the evidence."""
    year, month, day = parsed
    reasons = []
    near_needed = year is not None
    if year is not None and year not in source.index.years and Decimal(year) not in source.index.loose:
        reasons.append(f"year {year} not in the source")
        near_needed = False
    if month is not None:
        quoted = [d for d in facts(evidence).dates if (month, day) in readings(d, day is not None)]
        label = DateMention(None, month, day, "").label()
        years = {d.year for d in quoted if d.year is not None}
        if not quoted:
            reasons.append(f"date {label} not in the evidence")
            near_needed = False
        elif year is not None and years:
            near_needed = False
            if year not in years:
                reasons.append(f"date {label} {year} not in the evidence")
    if near_needed and region and year not in _near(region, source).years:
        reasons.append(f"year {year} not in the evidence's paragraph")
    return reasons


def _check_event(event: TimelineEvent, source: _Source, known: frozenset[str]) -> VerifiedEvent | DroppedClaim:
    text, evidence, raw_date = plain(event.event), plain(event.evidence), plain(event.date)
    parsed = _parse_timeline_date(raw_date)
    reasons, region = _claim_reasons(text, evidence, source, known)
    if _has_link(raw_date):
        reasons.insert(0, _LINK_REASON)
    if parsed is None:
        reasons.append(f"date {raw_date[:40]!r} is not YYYY-MM-DD, YYYY-MM, YYYY or MM-DD")
    else:
        reasons += _timeline_date_reasons(parsed, evidence, region, source)
    if reasons:
        return _dropped("timeline", f"{raw_date[:40]}: {text}", evidence, reasons)
    return VerifiedEvent(_format_date(*parsed), text, evidence)


def _event_key(event: VerifiedEvent) -> tuple:
    year, month, day = _parse_timeline_date(event.date) or (None, None, None)
    return (year is None, year or 0, month or 0, day or 0)


def _kept(results: Iterable, dropped: list[DroppedClaim]) -> list:
    kept = []
    for result in results:
        (dropped if isinstance(result, DroppedClaim) else kept).append(result)
    return kept


# ------------------------------------------------------------------ free text, topics, entities

def _check_free_text(items: Iterable[str], field_name: str, source: _Source, known: frozenset[str],
                     dropped: list[DroppedClaim]) -> list[str]:
    kept = []
    for item in items:
        text = plain(item)
        if not text:
            continue
        if len(text) > MAX_FIELD_CHARS:
            reasons = [f"longer than {MAX_FIELD_CHARS} characters"]
        else:
            reasons = ([_LINK_REASON] if _has_link(text) else []) + check(text, source.index, None, known)
        if reasons:
            dropped.append(_dropped(field_name, text, None, reasons))
        else:
            kept.append(text)
    return kept


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        if item and item.casefold() not in seen:
            seen[item.casefold()] = item
    return list(seen.values())


def _as_label(topic: str, known: frozenset[str]) -> str:
    """A topic as checked: its first word is capitalized as a label ("Funding"), not as a
    name, unless it looks like one ("OpenAI", "GPT-7") or the writer names it elsewhere."""
    first = re.match(r"[^\W\d_]+(?=[\s-]|$)", topic)
    if not first or any(c.isupper() for c in first.group(0)[1:]) or fold(first.group(0)) in known:
        return topic
    return topic[0].lower() + topic[1:]


def _label_reasons(item: str, field_name: str, source: _Source, known: frozenset[str]) -> list[str]:
    if field_name == "topics":
        return check(_as_label(item, known), source.index, None, known)
    reasons = check(item, source.index, None, known)
    if not any(r.startswith("name ") for r in reasons) and not (re.search(r"\w", item)
                                                               and name_supported(item, source.index)):
        reasons.append(f"name {item[:MAX_ENTITY_CHARS]} not in the source")
    return reasons


def _labels(items: Iterable[str], field_name: str, source: _Source, known: frozenset[str],
            dropped: list[DroppedClaim]) -> list[str]:
    """Topics and entities: short, no link, every fact in the source; an entity is a name,
    so each of its words must be in the source."""
    limit = MAX_TOPIC_CHARS if field_name == "topics" else MAX_ENTITY_CHARS
    kept = []
    for item in _unique(plain(i) for i in items):
        reasons = [_LINK_REASON] if _has_link(item) else []
        reasons += [f"longer than {limit} characters"] if len(item) > limit else []
        reasons += _label_reasons(item, field_name, source, known) if len(item) <= MAX_FIELD_CHARS else []
        if reasons:
            shown = item if len(item) <= limit else item[:limit] + "..."
            dropped.append(_dropped(field_name, shown, None, reasons[:10]))
        else:
            kept.append(item)
    return kept


def _known_names(draft: CardDraft) -> frozenset[str]:
    """The words the writer capitalizes as names anywhere in the draft."""
    texts = [c.text for c in [*draft.what_changed, *draft.key_takeaways]] + [e.event for e in draft.timeline]
    texts += [draft.why_it_matters, *draft.what_to_do_next, *draft.future_implications, *draft.topics]
    known = set().union(*(name_words(plain(t)[:MAX_FIELD_CHARS]) for t in texts))
    for entity in draft.entities:  # an entity is a name from its first word
        known |= {t for w in WORD.finditer(plain(entity)[:MAX_ENTITY_CHARS]) if is_name(w.group(0), False)
                  for t in re.findall(r"\w\w+", fold(w.group(0)))}
    return frozenset(known)


# ------------------------------------------------------------------ the card

def ground(draft: CardDraft, title: str, source_text: str, *, writer: str) -> Card:
    """The card that may be published from a draft: every claim whose evidence and
    facts are in ``title`` + ``source_text``, the interpretive text, topics and entities
    that add no fact, and a record of everything dropped and why."""
    source = _source(title or "", source_text or "")
    known = _known_names(draft)
    dropped: list[DroppedClaim] = []
    what_changed = _kept((_check_claim(c, "what_changed", source, known) for c in draft.what_changed), dropped)
    key_takeaways = _kept((_check_claim(c, "key_takeaways", source, known) for c in draft.key_takeaways), dropped)
    timeline = sorted(_kept((_check_event(e, source, known) for e in draft.timeline), dropped), key=_event_key)
    why = _check_free_text(_sentences(plain(draft.why_it_matters)), "why_it_matters", source, known, dropped)
    return Card(
        what_changed=what_changed,
        why_it_matters=" ".join(why),
        what_to_do_next=_check_free_text(draft.what_to_do_next, "what_to_do_next", source, known, dropped),
        who_should_care=_unique(a for a in draft.who_should_care if a in AUDIENCES),
        key_takeaways=key_takeaways,
        future_implications=_check_free_text(draft.future_implications, "future_implications", source, known,
                                             dropped),
        timeline=timeline,
        topics=_labels(draft.topics, "topics", source, known, dropped),
        entities=_labels(draft.entities, "entities", source, known, dropped),
        claims_total=len(draft.what_changed) + len(draft.key_takeaways) + len(draft.timeline),
        claims_verified=len(what_changed) + len(key_takeaways) + len(timeline),
        writer=writer,
        dropped=dropped,
    )


def is_publishable(card: Card, rules: GroundingRules = GroundingRules()) -> bool:
    """Enough of the card survived grounding to still say what the writer meant."""
    if card.claims_total <= 0 or not card.what_changed:
        return False
    return (card.claims_verified >= rules.min_verified_claims
            and card.claims_verified / card.claims_total >= rules.min_verified_share)
