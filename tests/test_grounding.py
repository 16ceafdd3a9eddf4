"""Grounding: true claims survive however they are worded; invented facts never do."""

from __future__ import annotations

import json
import random
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


# ---------------------------------------------------------------- regressions from the security review
# 1. URLs hidden by backticks, emphasis or format characters


@pytest.mark.parametrize("text", [
    "h`ttps://evil.com/login", "_https://evil.com/x", "*https://evil.com/x*", "__www.evil.com__",
    "h\u200bttps://evil.com/x", "ht\u200dtp://evil.com", "`https://evil.com`", "h``ttps://evil.com",
    "(www.evil.com)", "mailto:boss@evil.com", "HTTPS://EVIL.COM", "see:https://evil.com.", "x_https://evil.com",
    "ftp://evil.com", "h&#x200b;ttps://evil.com", "h<b></b>ttps://evil.com", "[a](h`ttps://evil.com)",
])
def test_no_url_survives_plain_however_it_is_disguised(text):
    cleaned = plain(f"Read {text} now")
    assert "evil" not in cleaned.casefold() and "://" not in cleaned and "www." not in cleaned.casefold()
    assert cleaned.startswith("Read") and cleaned.endswith("now")


def test_a_disguised_url_never_reaches_the_card():
    link = " h`ttps://evil.com/login _https://evil.com/x h\u200bttps://evil.com/y"
    card = card_for(
        what_changed=[Claim(text="Lumen Forge raised $420M." + link, evidence=EVIDENCE_RAISE + link)],
        why_it_matters="Coding assistants are a business." + link,
        what_to_do_next=["Try Lumen Pilot." + link],
        topics=["funding" + link],
        entities=["Lumen Forge" + link],
    )
    published = json.dumps(card.published()) + json.dumps([d.__dict__ for d in card.dropped])
    assert "evil" not in published and "://" not in published
    assert card.what_changed[0].text == "Lumen Forge raised $420M."
    assert card.topics == ["funding"] and card.entities == ["Lumen Forge"]


def test_a_field_that_still_shows_a_link_is_dropped_and_recorded():
    wide = "ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｏｍ"  # full-width: no URL to plain(), one once NFKC-normalized
    card = card_for(
        what_changed=[Claim(text="Lumen Forge has passed $90 million in annualised recurring revenue.",
                            evidence="has passed $90 million in annualised recurring revenue"),
                      Claim(text=f"Lumen Forge raised $420M, see {wide}", evidence=EVIDENCE_RAISE)],
        why_it_matters=f"Coding assistants are a business. Read {wide} for more.",
        what_to_do_next=["Visit ｗｗｗ．ｅｖｉｌ．ｃｏｍ today."],
        timeline=[TimelineEvent(date="2025-11-10", event=f"Series B raised {wide}", evidence=EVIDENCE_RAISE)],
        topics=[f"funding {wide}"],
        entities=[f"Lumen Forge {wide}"],
    )
    published = json.dumps(card.published(), ensure_ascii=False)
    assert "ｅｖｉｌ" not in published
    assert card.why_it_matters == "Coding assistants are a business."
    assert card.what_to_do_next == [] and card.timeline == [] and card.topics == [] and card.entities == []
    assert [c.text for c in card.what_changed] == [
        "Lumen Forge has passed $90 million in annualised recurring revenue."]
    links = [d for d in card.dropped if "a link is left after cleaning" in d.reason]
    assert sorted(d.field for d in links) == ["entities", "timeline", "topics", "what_changed", "what_to_do_next",
                                              "why_it_matters"]
    assert all("ｅｖｉｌ" not in d.text and "[link]" in d.text for d in links)


# 2. topics and entities are fact-checked and short


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


# 3. a claim's numbers and dates must be in its evidence, not anywhere in the article

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


# 4. facts written in ways that used to slip through


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


# 5. every fragment of an elided quote is checked


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


# ---------------------------------------------------------------- odd input never raises

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
