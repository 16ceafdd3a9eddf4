"""Grounding: plain text, normalizing, and no markup or link surviving in a card."""

from __future__ import annotations

import json

import pytest

from aggregator.summarize.card import Claim, TimelineEvent
from aggregator.summarize.grounding import normalize, plain
from grounding_helpers import EVIDENCE_RAISE, EVIDENCE_SHARE, card_for


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
