"""Grounding: what a writer's card may say, checked against the article. Pure.

The product promise is that **we never publish a date, number or name that is not in
the source; every claim carries an evidence quote that we verify before publishing**.
A writer (the LLM above all) is untrusted: it paraphrases, and sometimes it invents a
figure, shifts a date, swaps a name or makes up a quote. This module is the gate
between a :class:`~aggregator.summarize.card.CardDraft` and a published
:class:`~aggregator.summarize.card.Card`:

- every text field is reduced to plain text first (:func:`plain`, in
  :mod:`~aggregator.summarize.plaintext`): no HTML, no markdown links or images, no
  URLs, no format characters; a field in which a link still shows (a full-width
  "ｈｔｔｐｓ：／／", say) is dropped;
- a factual claim survives only if its evidence quote is in the source
  (:func:`quote_found`, in :mod:`~aggregator.summarize.evidence`: tolerant of
  quote/dash style, case and ``...`` elisions, every fragment found in order) *and*
  every number and date it states is in the sentences that quote was found in, every
  name anywhere in the source (facts read by :mod:`~aggregator.summarize.facts`,
  however written: "40%" is "40 percent", "$420M" is "$420 million", "10 November" is
  "November 10", "8" is "eight"; a percentage is not a count, nor a day of the month
  a count);
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
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

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
from aggregator.summarize.date_mentions import DateMention, readings, valid_date
from aggregator.summarize.evidence import (
    Source,
    locate,
    long_enough,
    near_index,
    quote_found,
    quote_fragments,
    read_source,
    region_index,
    sentences_in,
)
from aggregator.summarize.facts import check, facts, name_supported, unsupported
from aggregator.summarize.names import WORD, is_name, name_words
from aggregator.summarize.plaintext import has_link, plain, redacted
from aggregator.summarize.textnorm import fold, normalize

__all__ = ["GroundingRules", "facts", "ground", "is_publishable", "normalize", "plain", "quote_found",
           "unsupported"]

MAX_TOPIC_CHARS = 40
MAX_ENTITY_CHARS = 80
MAX_FIELD_CHARS = 5_000  # a longer claim, quote or sentence is no card text: dropped unread


@dataclass(frozen=True)
class GroundingRules:
    min_verified_claims: int = 2  # an LLM card with fewer verified claims is not published
    min_verified_share: float = 0.5  # nor one where less than this share of its claims survived


# ------------------------------------------------------------------ claims

_TIMELINE_DATE = re.compile(r"^(?:(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?"
                            r"|(?P<md_month>\d{1,2})-(?P<md_day>\d{1,2}))$")
_LINK_REASON = "a link is left after cleaning"


def _evidence_reasons(evidence: str, region: frozenset[int] | None) -> list[str]:
    if not long_enough(quote_fragments(evidence)):
        return ["evidence quote too short to verify"]
    return ["evidence not found in the source"] if region is None else []


def _claim_reasons(text: str, evidence: str, source: Source, known: frozenset[str]
                   ) -> tuple[list[str], frozenset[int] | None]:
    if max(len(text), len(evidence)) > MAX_FIELD_CHARS:
        return [f"longer than {MAX_FIELD_CHARS} characters"], None
    region = locate(evidence, source)
    reasons = [_LINK_REASON] if has_link(text) or has_link(evidence) else []
    reasons += ["empty after cleaning"] if not text else []
    reasons += _evidence_reasons(evidence, region)
    reasons += check(text, source.index, region_index(region, source) if region else None, known)
    return reasons, region


def _dropped(field_name: str, text: str, evidence: str | None, reasons: list[str]) -> DroppedClaim:
    return DroppedClaim(field_name, redacted(text), redacted(evidence), "; ".join(dict.fromkeys(reasons)))


def _check_claim(claim: Claim, field_name: str, source: Source, known: frozenset[str]
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
                           region: frozenset[int] | None, source: Source) -> list[str]:
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
    if near_needed and region and year not in near_index(region, source).years:
        reasons.append(f"year {year} not in the evidence's paragraph")
    return reasons


def _check_event(event: TimelineEvent, source: Source, known: frozenset[str]) -> VerifiedEvent | DroppedClaim:
    text, evidence, raw_date = plain(event.event), plain(event.evidence), plain(event.date)
    parsed = _parse_timeline_date(raw_date)
    reasons, region = _claim_reasons(text, evidence, source, known)
    if has_link(raw_date):
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

def _check_free_text(items: Iterable[str], field_name: str, source: Source, known: frozenset[str],
                     dropped: list[DroppedClaim]) -> list[str]:
    kept = []
    for item in items:
        text = plain(item)
        if not text:
            continue
        if len(text) > MAX_FIELD_CHARS:
            reasons = [f"longer than {MAX_FIELD_CHARS} characters"]
        else:
            reasons = ([_LINK_REASON] if has_link(text) else []) + check(text, source.index, None, known)
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


def _label_reasons(item: str, field_name: str, source: Source, known: frozenset[str]) -> list[str]:
    if field_name == "topics":
        return check(_as_label(item, known), source.index, None, known)
    reasons = check(item, source.index, None, known)
    if not any(r.startswith("name ") for r in reasons) and not (re.search(r"\w", item)
                                                               and name_supported(item, source.index)):
        reasons.append(f"name {item[:MAX_ENTITY_CHARS]} not in the source")
    return reasons


def _labels(items: Iterable[str], field_name: str, source: Source, known: frozenset[str],
            dropped: list[DroppedClaim]) -> list[str]:
    """Topics and entities: short, no link, every fact in the source; an entity is a name,
    so each of its words must be in the source."""
    limit = MAX_TOPIC_CHARS if field_name == "topics" else MAX_ENTITY_CHARS
    kept = []
    for item in _unique(plain(i) for i in items):
        reasons = [_LINK_REASON] if has_link(item) else []
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
    source = read_source(title or "", source_text or "")
    known = _known_names(draft)
    dropped: list[DroppedClaim] = []
    what_changed = _kept((_check_claim(c, "what_changed", source, known) for c in draft.what_changed), dropped)
    key_takeaways = _kept((_check_claim(c, "key_takeaways", source, known) for c in draft.key_takeaways), dropped)
    timeline = sorted(_kept((_check_event(e, source, known) for e in draft.timeline), dropped), key=_event_key)
    why = _check_free_text(sentences_in(plain(draft.why_it_matters)), "why_it_matters", source, known, dropped)
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
