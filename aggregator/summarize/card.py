"""The card: what the LLM must return (a strict schema), and what we publish. Pure.

Two shapes, on purpose:

- :class:`CardDraft` is the *untrusted* output of a writer (the LLM, or the offline
  summarizer): every factual claim carries the ``evidence`` quote it rests on. It is
  validated with pydantic (types, list lengths, the fixed audience list) and its JSON
  schema is sent to the server as ``response_format``.
- :class:`Card` is what survives grounding: the claims whose quotes and facts were
  found in the source, the interpretive fields that introduced nothing new, and the
  counts behind "N of M claims verified". Dropped claims are kept apart
  (:class:`DroppedClaim`) for `export --json`, never inside the card.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AUDIENCES = (
    "developers",
    "researchers",
    "enterprise & security teams",
    "product leaders",
    "policy & legal",
    "investors",
    "general readers",
)
Audience = Literal[
    "developers", "researchers", "enterprise & security teams", "product leaders", "policy & legal",
    "investors", "general readers",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Claim(_Strict):
    text: str = Field(description="one factual sentence, plain text")
    evidence: str = Field(description="a verbatim quote from the article that states this fact")


class TimelineEvent(_Strict):
    date: str = Field(description="the date as written in the article: YYYY-MM-DD, YYYY-MM, YYYY, or MM-DD when it gives no year")
    event: str = Field(description="what happened on that date, one plain sentence")
    evidence: str = Field(description="a verbatim quote from the article containing this date")


class CardDraft(_Strict):
    what_changed: list[Claim] = Field(min_length=1, max_length=3)
    why_it_matters: str
    what_to_do_next: list[str] = Field(max_length=4)
    who_should_care: list[Audience] = Field(min_length=1, max_length=4)
    key_takeaways: list[Claim] = Field(max_length=5)
    future_implications: list[str] = Field(max_length=3)
    timeline: list[TimelineEvent] = Field(max_length=8)
    topics: list[str] = Field(max_length=5)
    entities: list[str] = Field(max_length=12)


_UNSUPPORTED_IN_STRICT = {"minItems", "maxItems", "minLength", "maxLength", "title", "default"}


def draft_json_schema() -> dict:
    """The schema for ``response_format``.

    Strict mode wants every property required and no additional properties (pydantic
    already says both) and rejects some keywords; those are removed here. Lengths are
    still enforced, locally, when the answer is validated.
    """
    return _strip(CardDraft.model_json_schema())


def _strip(node):
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if k not in _UNSUPPORTED_IN_STRICT or not isinstance(v, (int, str))}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


@dataclass
class VerifiedClaim:
    text: str
    evidence: str


@dataclass
class VerifiedEvent:
    date: str
    event: str
    evidence: str


@dataclass
class DroppedClaim:
    field: str  # what_changed | key_takeaways | timeline | why_it_matters | ...
    text: str
    evidence: str | None
    reason: str  # e.g. "evidence not found in the source", "number 42 not in the source"


@dataclass
class Card:
    what_changed: list[VerifiedClaim]
    why_it_matters: str
    what_to_do_next: list[str]
    who_should_care: list[str]
    key_takeaways: list[VerifiedClaim]
    future_implications: list[str]
    timeline: list[VerifiedEvent]
    topics: list[str]
    entities: list[str]
    claims_total: int  # factual claims the writer made (what changed, takeaways, timeline)
    claims_verified: int
    writer: str  # "llm" or "offline"
    dropped: list[DroppedClaim] = field(default_factory=list)

    @property
    def verified_label(self) -> str:
        return f"{self.claims_verified} of {self.claims_total} claims verified"

    def published(self) -> dict:
        """The fields a reader sees (no dropped claims)."""
        data = asdict(self)
        data.pop("dropped")
        return data
