"""The weekly recap's introduction: the LLM names the week's main threads from the week's cards.

Each sentence must say which story it is about, and it is checked like a card's claim,
against that story's own title and verified facts: every number, date and name in it
must be there, and it must be plain text. Sentences that fail are dropped; an
introduction with fewer than ``MIN_SENTENCES`` left is not published, and the recap page
shows its plain list of the top threads instead (as it does without an LLM).

What the model reads is our own verified card text, but that text came from feeds, so
it still sits in a nonce-marked data block labelled untrusted. An introduction is
written again only when its input changed (the stories, their cards, the prompt or the
model: ``input_hash``), and only for the weeks still moving (``RECENT_WEEKS``); older
weeks keep what they have.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..clock import Clock, iso_week, week_bounds
from ..config import Settings
from ..errors import LLMError
from ..store import Store
from ..templating import render
from .facts import check, index_of
from .plaintext import has_link, plain
from .prompts import defuse_line, template_version

FAMILY = "recap.v1"
FILES = (f"prompts/{FAMILY}.system.j2", f"prompts/{FAMILY}.user.j2")
TOP_STORIES = 8
FACTS_PER_STORY = 4
MAX_SENTENCES = 5
MIN_SENTENCES = 2
MAX_SENTENCE_CHARS = 320
RECENT_WEEKS = 2  # the current week and the one before: the weeks whose stories still change


class _Sentence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    story: int
    text: str


class RecapDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sentences: list[_Sentence] = Field(min_length=1, max_length=12)


@dataclass(frozen=True)
class StoryFacts:
    number: int  # as the prompt lists it: what the model answers with
    story_id: int
    title: str
    facts: tuple[str, ...]


@dataclass
class RecapReport:
    weeks: int = 0  # weeks considered
    written: int = 0
    unchanged: int = 0
    rejected: int = 0  # too few sentences survived verification
    failed: int = 0
    sentences_dropped: int = 0
    errors: list[str] = field(default_factory=list)
    writer: str = "offline"

    def as_dict(self) -> dict:
        return asdict(self)


def prompt_version() -> str:
    return template_version(FAMILY, FILES)


def story_facts(stories: list[dict]) -> list[StoryFacts]:
    """The week's top stories (already ranked) as the prompt lists them."""
    listed = []
    for story in stories:
        card = story.get("card") or {}
        claims = [c["text"] for c in (card.get("what_changed") or []) + (card.get("key_takeaways") or [])]
        if claims:
            listed.append(StoryFacts(len(listed) + 1, story["id"], story["title"] or "",
                                     tuple(claims[:FACTS_PER_STORY])))
        if len(listed) == TOP_STORIES:
            break
    return listed


def input_hash(week: str, stories: list[StoryFacts], model: str) -> str:
    payload = json.dumps([week, model, prompt_version(), [(s.story_id, s.title, s.facts) for s in stories]])
    return hashlib.sha256(payload.encode()).hexdigest()


def recap_messages(week: str, start: str, end: str, stories: list[StoryFacts]) -> list[dict]:
    material = json.dumps([(s.title, s.facts) for s in stories])
    nonce = hashlib.sha256(material.encode()).hexdigest()[:10]
    begin, finish = f"<<<STORIES {nonce}>>>", f"<<<END STORIES {nonce}>>>"
    listed = [{"number": s.number, "title": defuse_line(s.title), "facts": [defuse_line(f) for f in s.facts]}
              for s in stories]
    return [{"role": "system", "content": render(FILES[0], begin=begin, end=finish, max_sentences=MAX_SENTENCES)},
            {"role": "user", "content": render(FILES[1], begin=begin, end=finish, week=week, first_day=start,
                                               last_day=end, stories=listed)}]


def verify(draft: RecapDraft, stories: list[StoryFacts]) -> tuple[list[dict], list[str]]:
    """Pure: the sentences that may be published ([{"story_id", "text"}]) and why the others may not."""
    by_number = {s.number: s for s in stories}
    kept: list[dict] = []
    dropped: list[str] = []
    used: set[int] = set()
    for sentence in draft.sentences:
        text = plain(sentence.text)
        story = by_number.get(sentence.story)
        if story is None:
            dropped.append(f"story {sentence.story} is not in the list")
        elif story.story_id in used:
            dropped.append(f"story {sentence.story} already has a sentence")
        elif not text or len(text) > MAX_SENTENCE_CHARS:
            dropped.append(f"sentence for story {sentence.story} is empty or longer than {MAX_SENTENCE_CHARS}")
        elif has_link(sentence.text):  # a sentence that wanted to carry a link is not repaired, it goes
            dropped.append(f"sentence for story {sentence.story} carries a link")
        elif reasons := check(text, index_of("\n".join((story.title, *story.facts)))):
            dropped.append(f"sentence for story {sentence.story}: " + "; ".join(reasons))
        else:
            kept.append({"story_id": story.story_id, "text": text})
            used.add(story.story_id)
        if len(kept) == MAX_SENTENCES:
            break
    return kept, dropped


def weeks_to_write(stories: list[dict], now, zone: str) -> list[str]:
    current = iso_week(now, zone)
    recent = {current, iso_week(now - timedelta(days=7 * (RECENT_WEEKS - 1)), zone)}
    return sorted({s["week"] for s in stories} & recent)


async def write_recaps(settings: Settings, store: Store, clock: Clock, *, environ=None) -> RecapReport:
    """Write the introduction of each recent week whose input changed (needs an LLM)."""
    from ..export import export_stories
    from ..site.recap import week_stories
    from ..store.recaps import recap_row, save_recap
    from .batch import SummarizeReport, make_client

    report = RecapReport(writer=settings.llm.model if settings.llm else "offline")
    if settings.llm is None:
        return report
    now = clock()
    zone = settings.site.timezone
    oldest = iso_week(now - timedelta(days=7 * (RECENT_WEEKS - 1)), zone)
    stories = export_stories(settings, store, now, since=week_bounds(oldest, zone)[0])["stories"]
    weeks = weeks_to_write(stories, now, zone)
    report.weeks = len(weeks)
    client = make_client(settings, store, clock, SummarizeReport(writer=settings.llm.model), environ)
    try:
        for week in weeks:
            listed = story_facts(week_stories(week, stories))
            key = input_hash(week, listed, settings.llm.model)
            row = recap_row(store, week)
            if len(listed) < MIN_SENTENCES or (row and row["input_hash"] == key):
                report.unchanged += 1
                continue
            start, end = week_bounds(week, zone)
            messages = recap_messages(week, start.date().isoformat(), (end - timedelta(days=1)).date().isoformat(),
                                      listed)
            try:
                answer = await client.complete(messages, RecapDraft.model_json_schema(), prompt_name="recap",
                                               prompt_version=prompt_version(), subject=week)
                draft = RecapDraft.model_validate_json(answer.text)
            except (LLMError, ValidationError, ValueError) as error:
                report.failed += 1
                report.errors.append(f"{week}: {str(error).splitlines()[0][:300]}")
                continue
            kept, dropped = verify(draft, listed)
            report.sentences_dropped += len(dropped)
            if len(kept) < MIN_SENTENCES:
                report.rejected += 1
                kept = []  # the page shows the plain list; the row still records the attempt
            save_recap(store, week, input_hash=key, model=settings.llm.model, sentences=kept,
                       total=len(draft.sentences), now=now)
            report.written += 1 if kept else 0
    finally:
        await client.aclose()
    return report


def run_recap(settings: Settings, store: Store, clock: Clock, *, environ=None) -> RecapReport:
    return asyncio.run(write_recaps(settings, store, clock, environ=environ))


__all__ = ["RecapDraft", "RecapReport", "StoryFacts", "input_hash", "run_recap", "story_facts",
           "verify", "weeks_to_write"]
