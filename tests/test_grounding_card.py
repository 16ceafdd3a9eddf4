"""Grounding a whole card: ground(), its fields, publishability, and odd or huge input."""

from __future__ import annotations

import json
import random

import pytest

from aggregator.summarize.card import CardDraft, Claim, TimelineEvent
from aggregator.summarize.grounding import (
    GroundingRules,
    facts,
    ground,
    is_publishable,
    normalize,
    plain,
    quote_found,
    unsupported,
)
from grounding_helpers import EVIDENCE_RAISE, EVIDENCE_SHARE, EVIDENCE_USERS, SOURCE, TITLE, card_for, draft


def test_counts_and_dropped_record():
    card = card_for(
        what_changed=[Claim(text="Lumen Forge raised $420M.", evidence=EVIDENCE_RAISE),
                      Claim(text="Lumen Forge raised $430M.", evidence=EVIDENCE_RAISE)],
        key_takeaways=[Claim(text="About 40 percent of revenue comes from business plans.", evidence=EVIDENCE_SHARE),
                       Claim(text="It has 11 million weekly users.", evidence=EVIDENCE_USERS)],
    )
    assert card.claims_total == 4 and card.claims_verified == 2
    assert card.verified_label == "2 of 4 claims verified"
    assert [(d.field, d.reason) for d in card.dropped] == [
        ("what_changed", "number $430M not in the source"),
        ("key_takeaways", "number 11 million not in the source"),
    ]
    assert card.writer == "llm"


def test_timeline_is_sorted_and_checked():
    card = card_for(timeline=[
        TimelineEvent(date="06-12", event="First developer conference.",
                      evidence="conference in Lisbon on 12 June 2026"),
        TimelineEvent(date="2026-03-02", event="Lumen Pilot 3 ships.", evidence="release ships on 2026-03-02"),
        TimelineEvent(date="2025-11-10", event="Series B raised.", evidence=EVIDENCE_RAISE),
        TimelineEvent(date="2025", event="Series B raised.", evidence="The company last raised $420M in a Series B"),
        TimelineEvent(date="2026-06", event="Conference in Lisbon.", evidence="conference in Lisbon on 12 June 2026"),
    ])
    assert [e.date for e in card.timeline] == ["2025", "2025-11-10", "2026-03-02", "2026-06", "06-12"]
    assert card.claims_verified == 5 + 1 and card.dropped == []


@pytest.mark.parametrize("date,evidence,reason", [
    ("2024-11-10", EVIDENCE_RAISE, "year 2024 not in the source"),
    ("2025-11-12", EVIDENCE_RAISE, "date 12 November not in the evidence"),
    ("2025-11-10", "The company last raised $420M in a Series B", "date 10 November not in the evidence"),
    ("2026-11-10", EVIDENCE_RAISE, "date 10 November 2026 not in the evidence"),
    ("2025-12", EVIDENCE_RAISE, "date December not in the evidence"),
    ("11-12", EVIDENCE_RAISE, "date 12 November not in the evidence"),
    ("next spring", EVIDENCE_RAISE, "is not YYYY-MM-DD, YYYY-MM, YYYY or MM-DD"),
    ("2025-02-30", EVIDENCE_RAISE, "is not YYYY-MM-DD"),
])
def test_timeline_date_rules(date, evidence, reason):
    card = card_for(timeline=[TimelineEvent(date=date, event="Series B raised.", evidence=evidence)])
    assert card.timeline == []
    assert len(card.dropped) == 1 and card.dropped[0].field == "timeline"
    assert reason in card.dropped[0].reason


def test_timeline_event_text_is_checked_too():
    card = card_for(timeline=[TimelineEvent(date="2025-11-10", event="Halcyon raised $420M.", evidence=EVIDENCE_RAISE)])
    assert card.timeline == [] and "name Halcyon not in the source" in card.dropped[0].reason


def test_interpretive_fields_may_not_add_facts():
    card = card_for(
        why_it_matters=("Coding assistants now make real money. Revenue grew 300% since Dr. Reyes joined. "
                        "Lumen Forge is preparing for a 2027 raise."),
        what_to_do_next=["Compare Lumen Pilot with your current assistant.", "Ask Halcyon for a quote."],
        future_implications=["Expect a raise in 2028.", "Margins will depend on model costs."],
    )
    assert card.why_it_matters == "Coding assistants now make real money. Lumen Forge is preparing for a 2027 raise."
    assert card.what_to_do_next == ["Compare Lumen Pilot with your current assistant."]
    assert card.future_implications == ["Margins will depend on model costs."]
    assert [(d.field, d.evidence) for d in card.dropped] == [
        ("why_it_matters", None), ("what_to_do_next", None), ("future_implications", None)]
    assert "number 300% not in the source" in card.dropped[0].reason
    assert "name Reyes not in the source" in card.dropped[0].reason
    assert card.dropped[2].reason == "date 2028 not in the source"
    assert card.claims_total == 1 and card.claims_verified == 1


def test_audiences_topics_and_entities():
    d = draft(topics=["Coding tools", "coding tools", "**Funding**"],
              entities=["Lumen Forge", "lumen forge", "Owen Takahashi", "Halcyon AI"])
    d.who_should_care = ["developers", "investors", "developers", "aliens"]  # as if unvalidated
    card = ground(d, TITLE, SOURCE, writer="offline")
    assert card.who_should_care == ["developers", "investors"]
    assert card.topics == ["Coding tools", "Funding"]
    assert card.entities == ["Lumen Forge", "Owen Takahashi"]
    assert [(x.field, x.text) for x in card.dropped] == [("entities", "Halcyon AI")]


@pytest.mark.parametrize("topic,reason", [
    ("GPT-7 launch by OpenAI on 2031-01-01 for $9 trillion", "longer than 40 characters"),
    ("GPT-7 launch by OpenAI on 2031-01-01 for $9 trillion", "name OpenAI not in the source"),
    ("GPT-7 launch by OpenAI on 2031-01-01 for $9 trillion", "date 1 January 2031 not in the source"),
    ("GPT-7 launch by OpenAI on 2031-01-01 for $9 trillion", "number $9 trillion not in the source"),
    ("GPT-7 launch", "name GPT-7 not in the source"),
    ("Deals with OpenAI", "name OpenAI not in the source"),
    ("2031 outlook", "date 2031 not in the source"),
    ("$9 trillion market", "number $9 trillion not in the source"),
    ("funding " * 625, "longer than 40 characters"),
])
def test_topics_are_fact_checked_and_capped(topic, reason):
    card = card_for(topics=[topic, "Funding", "Coding tools"])
    assert card.topics == ["Funding", "Coding tools"]
    assert len(card.dropped) == 1 and card.dropped[0].field == "topics"
    assert reason in card.dropped[0].reason
    assert len(card.dropped[0].text) <= 43


def test_a_topic_naming_what_the_writer_calls_a_name_is_checked_as_one():
    card = card_for(topics=["Halcyon", "Seattle"], why_it_matters="Rivals such as Halcyon are close behind.")
    assert card.topics == ["Seattle"]
    assert ("topics", "name Halcyon not in the source") in [(d.field, d.reason) for d in card.dropped]


def test_entities_are_fact_checked_case_insensitively_and_capped():
    long_name = "Lumen Forge " * 7  # 84 characters, every word in the source
    card = card_for(entities=["LUMEN FORGE", "owen takahashi", "Lumen Forge 2031", "Lumen Pilot 4", long_name])
    assert card.entities == ["LUMEN FORGE", "owen takahashi"]
    reasons = {d.text: d.reason for d in card.dropped if d.field == "entities"}
    assert "date 2031 not in the source" in reasons["Lumen Forge 2031"]
    assert "number 4 not in the source" in reasons["Lumen Pilot 4"]
    assert reasons[long_name.strip()[:80] + "..."] == "longer than 80 characters"
    # and the other way round: a lowercase name in the source matches a capitalized entity
    card = ground(draft(entities=["Lumen Forge", "Halcyon"]), "", "we met lumen forge staff in the office.",
                  writer="llm")
    assert card.entities == ["Lumen Forge"]


def _card(verified_what: int, failed_what: int, verified_other: int = 0, failed_other: int = 0):
    good = Claim(text="Lumen Forge raised $420M.", evidence=EVIDENCE_RAISE)
    bad = Claim(text="Lumen Forge raised $430M.", evidence=EVIDENCE_RAISE)
    return card_for(what_changed=[good] * verified_what + [bad] * failed_what,
                    key_takeaways=[good] * verified_other + [bad] * failed_other)


@pytest.mark.parametrize("counts,publishable", [
    ((2, 0), True),
    ((1, 0, 1, 0), True),
    ((2, 1), True),  # 2 of 3
    ((1, 1, 1, 0), True),  # 2 of 4 = 0.5
    ((1, 0), False),  # fewer than 2 verified
    ((2, 1, 0, 2), False),  # 2 of 5 < 0.5
    ((0, 1, 3, 0), False),  # no what_changed claim kept
])
def test_is_publishable_thresholds(counts, publishable):
    assert is_publishable(_card(*counts)) is publishable


def test_is_publishable_takes_rules():
    card = _card(1, 0)
    assert is_publishable(card, GroundingRules(min_verified_claims=1))
    assert not is_publishable(_card(2, 1), GroundingRules(min_verified_share=0.9))


ODD = ["", " ", "\n\n", "\u200b", "\ud800", "\udfff", "\x00", "\x7f", "\uffff", "\U0010ffff", "e\u0301", "ﬁ", "İ",
       "ß", "\u202e", "\u2028", "<", ">", "&", "&#0;", "&#xD800;", "&amp;lt;", "[", "](", "![", "`", "*", "_", "~", "#",
       "...", "…", "-", "—", "http://", "www.", "mailto:", "2025", "14", "1,000", "0.5", "March", "may", "april 31", "%", "$",
       "½", "٣", "²", "𝟙", "Ⅻ", "\t", "'", "’", "Mr.", "None", "null", "GPT-4o", "30/02/2025", "99/99/9999",
       "twenty-first of", "half a", "dozen", "Lumen Forge", "<script>", "</p>", "\r\n"]


def _odd_text(rng) -> str:
    return "".join(rng.choice(ODD) + rng.choice(["", " ", "\n"]) for _ in range(rng.randint(0, 12)))


def test_grounding_never_raises_on_odd_input():
    rng = random.Random(20261126)
    for _ in range(300):
        t = [_odd_text(rng) for _ in range(12)]
        d = CardDraft.model_construct(
            what_changed=[Claim(text=t[0], evidence=t[1]), Claim(text=t[2], evidence=SOURCE[:60] + t[3])],
            why_it_matters=t[4], what_to_do_next=[t[5]], who_should_care=["developers"],
            key_takeaways=[Claim(text=t[6], evidence=t[7])], future_implications=[t[8]],
            timeline=[TimelineEvent(date=t[9], event=t[10], evidence=t[11])], topics=[t[3]], entities=[t[5]])
        card = ground(d, t[2], SOURCE + t[4], writer="llm")
        published = json.dumps(card.published())
        assert "://" not in published and "<script" not in published
        for text in t:
            plain(text), normalize(text), facts(text), quote_found(text, t[0]), unsupported(text, t[1])


@pytest.mark.parametrize("big", ["a" * 100_000, "[" * 100_000, "1 " * 50_000, "Lumen Forge " * 8_000,
                                 "\u200b" * 100_000, "h`ttps://" * 10_000, "March 14, 2025 40% " * 5_000])
def test_huge_fields_are_handled(big):
    card = card_for(what_changed=[Claim(text=big, evidence=big)], why_it_matters=big, topics=[big], entities=[big])
    assert card.what_changed == [] and card.topics == [] and card.entities == []
    assert all(len(d.text) <= 83 for d in card.dropped if d.field in ("topics", "entities"))
