"""Grounding: true claims survive however they are worded; invented facts never do."""

from __future__ import annotations

import json
from decimal import Decimal

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

TITLE = "Lumen Forge tops $90 million in annualised revenue, eyes 2027 raise"
SOURCE = """Lumen Forge, the company behind the Lumen Pilot AI coding assistant, has passed $90 million \
in annualised recurring revenue, up from $38 million in January, chief executive Owen Takahashi told \
Parameter Post.

The Seattle-based company has 4,200 paying business customers and 1.1 million weekly active users, \
Takahashi said. About 40% of revenue comes from business plans, which cost $39 per user per month.

The company last raised $420M in a Series B on November 10, 2025, at a valuation of $2.5 billion. It has \
210 employees and opened a London office eight months ago.

“We’re not in a hurry — the product pays for itself,” Takahashi said. Lumen Forge’s margins are squeezed by \
the cost of the models it relies on.

The new Lumen Pilot 3 release ships on 2026-03-02, and the company will hold its first developer \
conference in Lisbon on 12 June 2026."""
FULL = f"{TITLE}\n\n{SOURCE}"

EVIDENCE_RAISE = "The company last raised $420M in a Series B on November 10, 2025"
EVIDENCE_USERS = "The Seattle-based company has 4,200 paying business customers and 1.1 million weekly active users"
EVIDENCE_SHARE = "About 40% of revenue comes from business plans"


def draft(**fields) -> CardDraft:
    base = dict(
        what_changed=[Claim(text="Lumen Forge has passed $90 million in annualised recurring revenue.",
                            evidence="has passed $90 million in annualised recurring revenue")],
        why_it_matters="",
        what_to_do_next=[],
        who_should_care=["developers"],
        key_takeaways=[],
        future_implications=[],
        timeline=[],
        topics=[],
        entities=[],
    )
    base.update(fields)
    return CardDraft(**base)


def card_for(**fields):
    return ground(draft(**fields), TITLE, SOURCE, writer="llm")


def one_claim(text: str, evidence: str):
    card = card_for(what_changed=[Claim(text=text, evidence=evidence)])
    return card.what_changed, card.dropped


# ---------------------------------------------------------------- plain, normalize, facts


def test_plain_strips_html_markdown_and_urls():
    text = ("# Heading\n<b>Bold</b> **strong** _em_ `code` <script>alert(1)</script>"
            "![x](http://evil/pixel.png) [click](http://evil/a) see https://evil.example/x?a=1. "
            "and www.evil.example &lt;script&gt;alert(2)&lt;/script&gt; snake_case 2*3")
    assert plain(text) == "Heading Bold strong em code click see . and snake_case 2*3"


def test_plain_keeps_a_bracketed_title_as_text():
    assert plain("Watch <The Palace: Tale of Jang Noksu> now") == "Watch <The Palace: Tale of Jang Noksu> now"
    assert plain("a <x onload=alert(1)>b") == "a b"


def test_normalize_quotes_dashes_ellipsis_space_and_case():
    text = "“We’re  here” — ‘Now’ – 3 − 1 …\u00a0OK"
    assert normalize(text) == "\"we're here\" - 'now' - 3 - 1 ... ok"


@pytest.mark.parametrize("text,value", [
    ("1,200 users", Decimal(1200)),
    ("costs $2.50", Decimal("2.5")),
    ("raised $420 million", Decimal(420_000_000)),
    ("raised $420M", Decimal(420_000_000)),
    ("raised $420m", Decimal(420_000_000)),
    ("raised 420 million", Decimal(420_000_000)),
    ("1.2 billion tokens", Decimal(1_200_000_000)),
    ("a 7-billion-parameter model", Decimal(7_000_000_000)),
    ("up 40%", Decimal(40)),
    ("up 40 percent", Decimal(40)),
    ("up 40 per cent", Decimal(40)),
    ("eight months", Decimal(8)),
    ("twenty-five people", Decimal(25)),
    ("the 3rd release", Decimal(3)),
    ("the third release", Decimal(3)),
])
def test_facts_gives_canonical_numbers(text, value):
    assert [n.value for n in facts(text).numbers] == [value]


@pytest.mark.parametrize("text,expected", [
    ("on 10 November 2026", (2026, 11, 10)),
    ("on November 10, 2026", (2026, 11, 10)),
    ("on Nov. 10", (None, 11, 10)),
    ("on 2026-11-10", (2026, 11, 10)),
    ("in March 2027", (2027, 3, None)),
    ("in 2027", (2027, None, None)),
])
def test_facts_finds_dates(text, expected):
    assert [(d.year, d.month, d.day) for d in facts(text).dates] == [expected]
    assert not facts(text).numbers


def test_facts_finds_names_not_common_words():
    found = facts("The company said on Monday that Lumen Forge’s AI and LLMs beat GPT-4o. In May, Owen Takahashi "
                  "met the CEO. It was the first time.").names
    assert found == ("Lumen Forge", "GPT", "Owen Takahashi", "GPT-4o")


def test_unsupported_gives_reasons():
    assert unsupported("Revenue rose 42 percent on 12 November at Halcyon.", FULL) == [
        "number 42 percent not in the source",
        "date 12 November not in the source",
        "name Halcyon not in the source",
    ]


def test_unsupported_accepts_the_same_fact_written_differently():
    text = ("LUMEN FORGE's 40 percent, $420 million round, 10 November 2025, 8 months, 4200 customers, "
            "1,100,000 users, $2.5bn valuation, lumen pilot 3, Takahashi’s firm")
    assert unsupported(text, FULL) == []


def test_model_names_with_numbers_must_match_exactly():
    assert unsupported("Lumen Pilot-3 ships", FULL) == []
    assert unsupported("Lumen Pilot-4 ships", FULL) == ["number 4 not in the source",
                                                          "name Pilot-4 not in the source"]


def test_a_year_shift_is_caught_even_when_the_day_matches():
    assert unsupported("It raised money on November 10, 2026.", FULL) == [
        "date 10 November 2026 not in the source"]


# ---------------------------------------------------------------- quotes


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


# ---------------------------------------------------------------- claims


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


# ---------------------------------------------------------------- hostile markup


def test_no_markup_or_url_survives_in_any_field():
    gone = " <script>alert(1)</script> ![x](http://evil.example/p.png) http://evil.example/y"  # removed entirely
    evil = gone + " [click](http://evil.example)"  # the link keeps its text
    card = card_for(
        what_changed=[Claim(text="Lumen Forge raised $420M." + evil, evidence=EVIDENCE_RAISE + gone)],
        why_it_matters="Coding assistants are a business." + evil,
        what_to_do_next=["Try Lumen Pilot." + evil],
        key_takeaways=[Claim(text="About 40% of revenue comes from business plans." + evil,
                             evidence=EVIDENCE_SHARE + gone)],
        future_implications=["Margins will matter." + evil],
        timeline=[TimelineEvent(date="2025-11-10", event="Series B raised." + evil, evidence=EVIDENCE_RAISE + gone)],
        topics=["funding" + evil],
        entities=["Lumen Forge" + evil],
    )
    published = json.dumps(card.published()) + json.dumps([d.__dict__ for d in card.dropped])
    for bad in ("<script", "alert", "evil", "http", "![", "]("):
        assert bad not in published
    assert card.claims_verified == 3
    assert card.what_changed[0].text == "Lumen Forge raised $420M. click"
    assert card.why_it_matters == "Coding assistants are a business. click"
    assert card.entities == []  # "Lumen Forge click": "click" is not a name of the source


# ---------------------------------------------------------------- timeline


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


# ---------------------------------------------------------------- interpretive fields


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


def test_the_title_is_part_of_the_source():
    kept, _ = one_claim("Lumen Forge eyes a 2027 raise.", "Lumen Forge tops $90 million in annualised revenue")
    assert len(kept) == 1


# ---------------------------------------------------------------- publishing


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
