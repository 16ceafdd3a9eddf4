"""One summarize run: stories -> grounded cards in the store, one call per story.

A story's card is written from its richest source (the longest article text). Its
cache key is (source text hash, prompt version, model): a story whose card already
has that key costs nothing, and a card written for the same text under another story
is reused without a call. When a richer source joins a story, its card is refreshed,
at most once per ``refresh_interval_hours``. Otherwise:

1. with an LLM: the prompt is built from the versioned templates, the answer is
   validated (pydantic) and repaired once if needed, then grounded; a card with too
   few verified claims is replaced by the offline card, and the replacement is
   recorded (``fallback_reason``); an LLM failure leaves no card and a
   ``card_failures`` row, retried with backoff;
2. without one: the offline extractive card, grounded like any other.

A token budget caps each run: a story whose estimated cost would overrun it waits
for the next run (nothing is lost). ``dry_run`` plans without calling anything.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from ..clock import Clock, parse_iso
from ..config import Settings, secret
from ..errors import LLMError, LLMOutputError, LLMRequestError
from ..store import Store
from ..store.cards import (
    CardSubject, card_by_key, card_subjects, kv_get, kv_set, log_call, save_card, save_failure,
)
from .card import Card, CardDraft, DroppedClaim, VerifiedClaim, VerifiedEvent, draft_json_schema
from .grounding import GroundingRules, ground, is_publishable
from .llm import FATAL_STATUSES, CallLog, LLMClient, SkippedCall
from .offline import offline_draft, offline_version
from .prompts import Prompt, card_prompt, estimate_tokens, repair_messages, versioned


@dataclass
class CardOutcome:
    story_id: int
    result: str  # llm | offline | fallback | reused | failed | waiting
    label: str = ""  # "N of M claims verified"
    error: str | None = None


@dataclass
class SummarizeReport:
    writer: str  # llm model name or "offline"
    planned: int = 0
    llm_cards: int = 0
    offline_cards: int = 0
    fallbacks: int = 0  # LLM card rejected by verification, offline card published instead
    reused: int = 0
    failed: int = 0
    waiting: int = 0  # token budget spent; next run
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    aborted: str | None = None
    dry_run: bool = False
    estimated_tokens_in: int = 0
    estimated_tokens_out: int = 0
    estimated_cost: float | None = None
    outcomes: list[CardOutcome] = field(default_factory=list)

    def add(self, outcome: CardOutcome) -> None:
        self.outcomes.append(outcome)
        attribute = {"llm": "llm_cards", "offline": "offline_cards", "fallback": "fallbacks", "reused": "reused",
                     "failed": "failed", "waiting": "waiting"}[outcome.result]
        setattr(self, attribute, getattr(self, attribute) + 1)

    def as_dict(self) -> dict:
        return asdict(self)


# Every module whose code decides what grounding keeps: grounding.py and all it imports, here and
# in aggregator/ (sanitize.py cleans HTML for plaintext.py). A new dependency of grounding goes here.
GROUNDING_FILES = ("card.py", "grounding.py", "evidence.py", "plaintext.py", "facts.py", "date_mentions.py",
                   "number_mentions.py", "names.py", "textnorm.py", "../sanitize.py")


@lru_cache(maxsize=None)
def grounding_version() -> str:
    here = Path(__file__).parent
    files = [here / name for name in GROUNDING_FILES]
    return "g-" + hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:8]


def source_hash(subject: CardSubject) -> str:
    return hashlib.sha256(f"{subject.title}\n\n{subject.text}".encode()).hexdigest()


def cache_key(source: str, version: str, model: str) -> str:
    return hashlib.sha256(f"{source}|{version}|{model}".encode()).hexdigest()


def parse_draft(text: str) -> CardDraft:
    """The model's answer as a CardDraft; LLMOutputError says what is wrong with it."""
    body = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", text.strip())
    try:
        return CardDraft.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()[:5])
        raise LLMOutputError(f"invalid card: {problems}") from None


def price(settings: Settings, tokens_in: int, tokens_out: int) -> float | None:
    if settings.llm is None or settings.llm.model not in settings.llm.prices:
        return None
    p = settings.llm.prices[settings.llm.model]
    return (tokens_in * p.input_per_million + tokens_out * p.output_per_million) / 1_000_000


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(minutes=15) * (2 ** min(attempts - 1, 8)), timedelta(days=1))


class BudgetSpent(Exception):
    """The next call would overrun this run's token budget; the story waits for the next run."""


class Summarizer:
    def __init__(self, settings: Settings, store: Store, clock: Clock, client: LLMClient | None):
        self.settings = settings
        self.store = store
        self.clock = clock
        self.client = client
        self.rules = GroundingRules(settings.summarize.min_verified_claims, settings.summarize.min_verified_share)
        self.model = settings.llm.model if settings.llm else "offline"
        writer_version = versioned(settings.llm.max_input_tokens) if settings.llm else offline_version()
        # the verifier's version too: a fix to grounding re-checks every card
        self.version = f"{writer_version}+{grounding_version()}"
        self.budget = settings.llm.token_budget_per_run if settings.llm else 0
        self.spent = 0  # tokens used by finished calls of this run
        self.in_flight = 0  # estimated tokens of calls under way
        self.abort: str | None = None

    # -- planning -------------------------------------------------------------
    def plan(self, now: datetime, limit: int | None) -> list[tuple[CardSubject, str, str]]:
        """Stories whose card is missing or stale, and not waiting for a retry or refresh."""
        refresh = timedelta(hours=self.settings.summarize.refresh_interval_hours)
        todo = []
        for subject, state in card_subjects(self.store):
            source = source_hash(subject)
            key = cache_key(source, self.version, self.model)
            if state.key == key:
                continue
            if state.failed_key == key and state.retry_at and parse_iso(state.retry_at) > now:
                continue
            same_writer = state.model == self.model and state.prompt_version == self.version
            if state.key and same_writer and parse_iso(state.created_at) + refresh > now:
                continue  # a richer source arrived: refresh the card, but at most once per interval
            todo.append((subject, source, key))
        return todo[:limit] if limit else todo

    def prompt_for(self, subject: CardSubject) -> Prompt:
        assert self.settings.llm is not None
        return card_prompt(title=subject.title, publisher=subject.publisher, published=subject.published_at or "",
                           text=subject.text, max_input_tokens=self.settings.llm.max_input_tokens)

    # -- one subject ----------------------------------------------------------
    async def write(self, subject: CardSubject, source: str, key: str) -> CardOutcome:
        """Never raises: an unexpected error costs this story a failure row, not the run."""
        try:
            return await self._write(subject, source, key)
        except Exception as exc:  # a bug, or the store refusing a write
            message = f"internal error: {type(exc).__name__}: {exc}"
            try:
                save_failure(self.store, subject.story_id, key, message, self.clock(), retry_delay)
            except Exception:
                pass
            return CardOutcome(subject.story_id, "failed", error=message)

    async def _write(self, subject: CardSubject, source: str, key: str) -> CardOutcome:
        now = self.clock()
        existing = card_by_key(self.store, key)
        if existing is not None:
            card = Card(**_card_fields(existing))
            self._save(subject, card, source, key, existing["fallback_reason"], now)
            return CardOutcome(subject.story_id, "reused", card.verified_label)
        if self.client is None:
            card = self._offline(subject)
            self._save(subject, card, source, key, None, now)
            return CardOutcome(subject.story_id, "offline", card.verified_label)
        if self.abort:
            return CardOutcome(subject.story_id, "waiting", error=self.abort)
        prompt = self.prompt_for(subject)
        estimate = prompt.estimated_input_tokens + self.settings.llm.max_output_tokens
        if self.spent + self.in_flight + estimate > self.budget:
            return CardOutcome(subject.story_id, "waiting", error="token budget of this run spent")
        self.in_flight += estimate
        try:
            draft = await self._ask(subject, prompt)
        except (SkippedCall, BudgetSpent) as exc:
            return CardOutcome(subject.story_id, "waiting", error=str(exc))
        except LLMError as exc:
            if isinstance(exc, LLMRequestError) and exc.status in FATAL_STATUSES:
                self.abort = str(exc)
            save_failure(self.store, subject.story_id, key, str(exc), now, retry_delay)
            return CardOutcome(subject.story_id, "failed", error=str(exc))
        finally:
            self.in_flight -= estimate
        card = ground(draft, subject.title, subject.text, writer="llm")
        if is_publishable(card, self.rules):
            self._save(subject, card, source, key, None, now)
            return CardOutcome(subject.story_id, "llm", card.verified_label)
        reason = f"LLM card rejected: only {card.verified_label}"
        fallback = self._offline(subject)
        fallback.dropped = card.dropped + fallback.dropped
        self._save(subject, fallback, source, key, reason, now)
        return CardOutcome(subject.story_id, "fallback", fallback.verified_label, reason)

    async def _ask(self, subject: CardSubject, prompt: Prompt) -> CardDraft:
        schema = draft_json_schema()
        answer = await self.client.complete(prompt.messages, schema, prompt_name=prompt.name,
                                            prompt_version=prompt.version, subject=f"story:{subject.story_id}")
        # servers that report no usage are charged the estimate
        self._spend(answer.tokens_in + answer.tokens_out
                    or prompt.estimated_input_tokens + self.settings.llm.max_output_tokens)
        try:
            return parse_draft(answer.text)
        except LLMOutputError as exc:
            messages = repair_messages(prompt, answer.text, str(exc))
            needed = sum(estimate_tokens(m["content"]) for m in messages) + self.settings.llm.max_output_tokens
            if self.spent + self.in_flight + needed > self.budget:
                raise BudgetSpent("token budget of this run spent before the repair attempt") from None
            self.in_flight += needed
            try:
                    repaired = await self.client.complete(messages, schema, prompt_name=f"{prompt.name}-repair",
                                                      prompt_version=prompt.version,
                                                      subject=f"story:{subject.story_id}")
            finally:
                self.in_flight -= needed
            self._spend(repaired.tokens_in + repaired.tokens_out or needed)
            try:
                return parse_draft(repaired.text)
            except LLMOutputError as again:
                raise LLMOutputError(f"{again} (after one repair attempt)") from None

    def _spend(self, tokens: int) -> None:
        self.spent += tokens

    def _offline(self, subject: CardSubject) -> Card:
        return ground(offline_draft(subject.title, subject.text), subject.title, subject.text, writer="offline")

    def _save(self, subject: CardSubject, card: Card, source: str, key: str, reason: str | None,
              now: datetime) -> None:
        save_card(self.store, subject, card=card, cache_key=key, source_hash=source,
                  prompt_version=self.version, model=self.model, fallback_reason=reason, now=now)


def _card_fields(row: dict) -> dict:
    data = json.loads(row["card_json"])
    data.pop("verified_label", None)
    data["what_changed"] = [VerifiedClaim(**c) for c in data["what_changed"]]
    data["key_takeaways"] = [VerifiedClaim(**c) for c in data["key_takeaways"]]
    data["timeline"] = [VerifiedEvent(**e) for e in data["timeline"]]
    data["dropped"] = [DroppedClaim(**d) for d in json.loads(row["dropped_json"])]
    return data


def make_client(settings: Settings, store: Store, clock: Clock, report: SummarizeReport,
                environ=None) -> LLMClient | None:
    llm = settings.llm
    if llm is None:
        return None
    mode_key = f"llm.mode:{llm.base_url}|{llm.model}"

    def log(call: CallLog) -> None:
        report.calls += 1
        report.tokens_in += call.tokens_in
        report.tokens_out += call.tokens_out
        log_call(store, call, clock())

    return LLMClient(llm, secret(llm.api_key_env, environ), log=log, known_mode=kv_get(store, mode_key),
                     remember_mode=lambda mode: kv_set(store, mode_key, mode, clock()))


async def summarize(settings: Settings, store: Store, clock: Clock, *, limit: int | None = None,
                    dry_run: bool = False, environ=None,
                    on_start: Callable[[int], None] | None = None,
                    on_done: Callable[[CardOutcome], None] | None = None) -> SummarizeReport:
    report = SummarizeReport(writer=settings.llm.model if settings.llm else "offline", dry_run=dry_run)
    planner = Summarizer(settings, store, clock, None)
    todo = planner.plan(clock(), limit)
    report.planned = len(todo)
    if on_start:
        on_start(len(todo))
    if dry_run:
        _estimate(settings, planner, todo, report)
        return report
    client = make_client(settings, store, clock, report, environ)
    summarizer = Summarizer(settings, store, clock, client)
    first, repeats, keys = [], [], set()
    for item in todo:  # the same text twice in one run is written once, then reused
        (repeats if item[2] in keys else first).append(item)
        keys.add(item[2])
    try:
        for wave in (first, repeats):
            for task in asyncio.as_completed([summarizer.write(*item) for item in wave]):
                outcome = await task
                report.add(outcome)
                if on_done:
                    on_done(outcome)
    finally:
        if client is not None:
            await client.aclose()
    report.aborted = summarizer.abort
    return report


def _estimate(settings: Settings, planner: Summarizer, todo, report: SummarizeReport) -> None:
    seen_keys: set[str] = set()
    for subject, _source, key in todo:
        if key in seen_keys or card_by_key(planner.store, key) is not None or settings.llm is None:
            seen_keys.add(key)
            continue
        seen_keys.add(key)
        prompt = planner.prompt_for(subject)
        report.calls += 1
        report.estimated_tokens_in += prompt.estimated_input_tokens
        report.estimated_tokens_out += settings.llm.max_output_tokens
    report.estimated_cost = price(settings, report.estimated_tokens_in, report.estimated_tokens_out)
