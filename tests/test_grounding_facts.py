"""Grounding: spotting numbers, dates and names, and what the source does not support."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aggregator.summarize.card import Claim
from aggregator.summarize.grounding import facts, normalize, unsupported
from grounding_helpers import EVIDENCE_SHARE, EVIDENCE_USERS, FULL, card_for, one_claim


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


def test_format_characters_do_not_split_a_number():
    assert normalize("4\u200b2%\u2060") == "42%"
    assert [(n.value, n.percent) for n in facts("Revenue rose 4\u200b2%").numbers] == [(Decimal(42), True)]
    assert unsupported("Revenue rose 4\u200b2%.", FULL) == ["number 42% not in the source"]
    kept, dropped = one_claim("About 4\u200b5% of revenue comes from business plans.", EVIDENCE_SHARE)
    assert kept == [] and "number 45% not in the source" in dropped[0].reason


def test_a_lowercase_name_the_writer_capitalizes_elsewhere_is_a_name():
    card = card_for(what_changed=[Claim(text="Lumen Forge hired elon musk.", evidence=EVIDENCE_USERS)],
                    why_it_matters="Elon Musk may join.")
    assert card.what_changed == []
    assert [(d.field, d.reason) for d in card.dropped] == [
        ("what_changed", "name elon musk not in the source"), ("why_it_matters", "name Elon Musk not in the source")]
    card = card_for(key_takeaways=[Claim(text="The company has 4,200 customers, says elon musk.",
                                         evidence=EVIDENCE_USERS)], entities=["Elon Musk"])
    assert card.key_takeaways == [] and "name elon musk not in the source" in card.dropped[0].reason
    # a lowercase word of the source is not a name, however the writer capitalizes it
    card = card_for(key_takeaways=[Claim(text="The seattle-based company has 4,200 customers.",
                                         evidence=EVIDENCE_USERS)],
                    why_it_matters="Seattle startups are growing.")
    assert len(card.key_takeaways) == 1


@pytest.mark.parametrize("text,expected", [
    ("on april 14", (None, 4, 14)),
    ("on 14 april 2025", (2025, 4, 14)),
    ("on 4/14/2025", (2025, 4, 14)),
    ("on 14.04.2025", (2025, 4, 14)),
    ("on 2025/04/14", (2025, 4, 14)),
    ("on 2025.04.14", (2025, 4, 14)),
    ("on 14/4/2025", (2025, 4, 14)),
    ("on March fourteenth", (None, 3, 14)),
    ("on the twenty-first of March, 2025", (2025, 3, 21)),
])
def test_more_date_forms(text, expected):
    assert [(d.year, d.month, d.day) for d in facts(text).dates] == [expected]
    assert not facts(text).numbers


def test_may_and_march_alone_are_verbs():
    assert facts("Prices may rise; workers march on; the top 5 may change.").dates == ()


def test_a_shifted_numeric_or_lowercase_date_is_caught():
    assert unsupported("The Series B closed on 11/10/2025.", FULL) == []
    assert unsupported("The Series B closed on 10.11.2025.", FULL) == []
    assert unsupported("The Series B closed on 11/12/2025.", FULL) == ["date 12 November 2025 not in the source"]
    assert unsupported("The Series B closed on november 12.", FULL) == ["date 12 November not in the source"]


def test_kinds_of_numbers_must_match():
    assert unsupported("40% of staff left.", "It has 40 employees.") == ["number 40% not in the source"]
    assert unsupported("It has 40 employees.", "About 40% of revenue.") == ["number 40 not in the source"]
    assert unsupported("It released 14 models.", "It shipped on March 14.") == ["number 14 not in the source"]
    assert unsupported("It costs $2025.", "It shipped in 2025.") == ["number $2025 not in the source"]
    assert unsupported("It shipped on the 14th.", "It shipped on March 14.") == []
    assert unsupported("Up forty percent.", "Up 40%.") == []


@pytest.mark.parametrize("text,value", [
    ("two dozen models", Decimal(24)),
    ("a dozen models", Decimal(12)),
    ("3 dozen models", Decimal(36)),
    ("half a dozen models", Decimal(6)),
    ("half a million users", Decimal(500_000)),
    ("a half-billion dollars", Decimal(500_000_000)),
])
def test_dozens_and_halves(text, value):
    assert [n.value for n in facts(text).numbers] == [value]


def test_dozens_and_halves_are_checked_like_numerals():
    assert unsupported("It has 24 models.", "It has two dozen models.") == []
    assert unsupported("It has 500,000 users.", "It has half a million users.") == []
    assert unsupported("It has half a million users.", "It has 500,000 users.") == []
    assert unsupported("It has three dozen models.", "It has two dozen models.") == [
        "number three dozen not in the source"]
    assert "dozens" not in str(facts("dozens of models").numbers)
