"""Grounding: evidence quotes, and claims kept or dropped by their evidence."""

from __future__ import annotations

import pytest

from aggregator.summarize.card import Claim, TimelineEvent
from aggregator.summarize.grounding import ground, quote_found
from grounding_helpers import EVIDENCE_RAISE, EVIDENCE_SHARE, EVIDENCE_USERS, FULL, draft, one_claim


def test_quote_found_is_tolerant_of_style_not_of_words():
    assert quote_found("\"We're not in a hurry - the product pays for itself,\" Takahashi said", FULL)
    assert quote_found("we’re NOT in a hurry -- the product", FULL)
    assert not quote_found("We're not in a rush - the product pays for itself", FULL)


def test_quote_with_elisions_matches_fragments_in_order():
    assert quote_found("Lumen Forge, the company behind ... has passed $90 million in annualised", FULL)
    assert quote_found("Lumen Forge, the company behind [...] has passed $90 million", FULL)
    assert not quote_found("has passed $90 million in annualised ... Lumen Forge, the company behind", FULL)
    assert not quote_found("Lumen Forge, the company behind ... has passed $95 million in annualised", FULL)
    # short fragments are ignored when a long one is there
    assert quote_found("It has ... 210 employees and opened a London office", FULL)


def test_short_quotes_are_never_evidence():
    assert not quote_found("Takahashi", FULL)
    assert not quote_found("40% ... revenue", FULL)  # 10 characters in all
    assert quote_found("About 40% of ... revenue comes", FULL)  # all short: all must be found, in order


def test_every_fragment_of_an_elided_quote_must_be_found_in_order():
    assert not quote_found("The company last raised $420M ... 2031 ... on November 10, 2025", FULL)
    assert not quote_found("The company last raised $420M ... 2025 ... in a Series B", FULL)  # out of order
    assert not quote_found("The company last raised ... 20 ... valuation of $2.5 billion", FULL)  # not a word
    assert quote_found("The company last raised $420M ... Series B ... November 10, 2025", FULL)
    assert quote_found("The company last raised ... 2025 ... valuation of $2.5 billion", FULL)


def test_a_quote_of_short_fragments_only_is_rejected():
    assert not quote_found("About 40% ... of revenue", FULL)  # both found, in order, but both short
    kept, dropped = one_claim("About 40% of revenue comes from business plans.", "About 40% ... of revenue")
    assert kept == [] and dropped[0].reason == "evidence quote too short to verify"
    kept, dropped = one_claim("Lumen Forge raised money in 2031.",
                              "The company last raised $420M ... 2031 ... on November 10, 2025")
    assert kept == [] and "evidence not found in the source" in dropped[0].reason


@pytest.mark.parametrize("text,evidence", [
    ("About 40 percent of revenue comes from business plans.", EVIDENCE_SHARE),
    ("The company raised $420 million in a Series B.", EVIDENCE_RAISE),
    ("The Series B closed on 10 November 2025.", EVIDENCE_RAISE),
    ("Lumen Forge opened a London office 8 months ago.", "opened a London office eight months ago"),
    ("Lumen Forge’s margins are squeezed by model costs.", "Lumen Forge's margins are squeezed"),
    ("The margins of Lumen Forge are squeezed by model costs.", "Lumen Forge’s margins are squeezed"),
    ("SEATTLE-based lumen forge has 4200 paying business customers.", EVIDENCE_USERS),
    ("It has 1,100,000 weekly active users.", EVIDENCE_USERS),
    ("Takahashi says the product pays for itself.", "“We’re not in a hurry — the product pays for itself,”"),
    ("Takahashi says the product pays for itself.", "\"We're not in a hurry -- the product pays for itself,\""),
    ("Its first developer conference is in Lisbon on June 12, 2026.", "conference in Lisbon on 12 June 2026"),
])
def test_true_claims_are_kept_however_worded(text, evidence):
    kept, dropped = one_claim(text, evidence)
    assert [c.text for c in kept] == [text], dropped


@pytest.mark.parametrize("text,evidence,reason", [
    ("The Series B closed on November 12, 2025.", EVIDENCE_RAISE, "date 12 November 2025 not in the source"),
    ("The Series B closed in December 2025.", EVIDENCE_RAISE, "date December 2025 not in the source"),
    ("The company raised $42 million in a Series B.", EVIDENCE_RAISE, "number $42 million not in the source"),
    ("The company raised $420 billion in a Series B.", EVIDENCE_RAISE,
     "number $420 billion not in the source"),
    ("About 45% of revenue comes from business plans.", EVIDENCE_SHARE, "number 45% not in the source"),
    ("Halcyon Labs has 4,200 paying business customers.", EVIDENCE_USERS, "name Halcyon Labs not in the source"),
    ("Lumen Forge has 4,200 paying business customers.",
     "Lumen Forge has 4,200 paying business customers", "evidence not found in the source"),
    ("Lumen Forge has 4,200 paying business customers.",
     "The Seattle-based company has 4,200 paying enterprise customers", "evidence not found in the source"),
    ("Lumen Forge has 4,200 paying business customers.", "has 4,200", "evidence quote too short to verify"),
])
def test_false_claims_are_dropped_with_a_reason(text, evidence, reason):
    kept, dropped = one_claim(text, evidence)
    assert kept == []
    assert len(dropped) == 1 and dropped[0].field == "what_changed"
    assert reason in dropped[0].reason
    assert dropped[0].text == text and dropped[0].evidence == evidence


def test_the_title_is_part_of_the_source():
    kept, _ = one_claim("Lumen Forge eyes a 2027 raise.", "Lumen Forge tops $90 million in annualised revenue")
    assert len(kept) == 1


# a claim's numbers and dates must be in its evidence, not anywhere in the article
ORBIT = """Orbit Labs was founded in 2019 in Oslo. Revenue reached $420 million last year, and Google is a customer.

In 2024 the company grew quickly. It shipped Orbit 2 on March 14, after a long beta. Orbit Labs has 40 employees."""


def orbit_card(**fields):
    fields.setdefault("what_changed", [Claim(text="Orbit Labs shipped Orbit 2.",
                                             evidence="It shipped Orbit 2 on March 14")])
    return ground(draft(**fields), "Orbit Labs ships Orbit 2", ORBIT, writer="llm")


def test_facts_from_elsewhere_in_the_article_are_not_evidence():
    card = orbit_card(what_changed=[Claim(
        text="Orbit Labs shipped Orbit 2 with $420 million in revenue from Google, founded in 2019.",
        evidence="It shipped Orbit 2 on March 14")])
    assert card.what_changed == []
    reason = card.dropped[0].reason
    assert "number $420 million not in the evidence" in reason and "date 2019 not in the evidence" in reason
    assert "Google" not in reason  # names may come from anywhere in the article


@pytest.mark.parametrize("text", [
    "Orbit Labs shipped Orbit 2 on March 14.",
    "Orbit Labs shipped Orbit 2 on 14 March after a long beta.",  # the rest of the quoted sentence counts
    "Orbit 2 shipped on March 14 from Oslo.",  # a name of the article, outside the evidence
])
def test_facts_of_the_quoted_sentence_are_kept(text):
    card = orbit_card(what_changed=[Claim(text=text, evidence="It shipped Orbit 2 on March")])
    assert [c.text for c in card.what_changed] == [text], card.dropped


def test_a_claimed_year_must_be_in_the_evidence_sentence():
    card = orbit_card(what_changed=[Claim(text="Orbit 2 shipped on March 14, 2019.",
                                          evidence="It shipped Orbit 2 on March 14")])
    assert card.what_changed == [] and "date 14 March 2019 not in the evidence" in card.dropped[0].reason


def test_a_timeline_year_must_be_near_its_evidence():
    card = orbit_card(timeline=[
        TimelineEvent(date="2024-03-14", event="Orbit 2 shipped.", evidence="It shipped Orbit 2 on March 14"),
        TimelineEvent(date="2019-03-14", event="Orbit 2 shipped.", evidence="It shipped Orbit 2 on March 14"),
        TimelineEvent(date="2019", event="Orbit Labs was founded.", evidence="Orbit Labs was founded in 2019"),
    ])
    assert [e.date for e in card.timeline] == ["2019", "2024-03-14"]
    assert [(d.field, d.reason) for d in card.dropped] == [("timeline", "year 2019 not in the evidence's paragraph")]
