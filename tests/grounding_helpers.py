"""Shared source text, evidence quotes and card builders for the grounding tests."""

from __future__ import annotations

from aggregator.summarize.card import CardDraft, Claim
from aggregator.summarize.grounding import ground


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
