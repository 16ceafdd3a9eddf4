"""One extraction run: pending entries -> article pages -> workers -> store.

Pages are fetched concurrently (politely, see fetch.pages) while the worker pool
extracts; each entry's outcome is written in its own transaction as soon as it is
known, so a run killed half-way loses nothing and redoes nothing. No entry leaves
the queue without a row that says what happened to it.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Callable

from ..clock import UTC, Clock, iso, plausible
from ..config import Settings
from ..errors import AggregatorError, NotArticleError, StoreError
from ..fetch.http import HttpClient, Response
from ..fetch.pages import PageFetcher
from ..sanitize import html_to_text
from ..store import Store
from ..store.extractions import PendingEntry, save_extraction
from .choose import Choice, TextRules, choose_text, retry_at
from .page import Extracted
from .pool import ExtractionPool


@dataclass
class EntryOutcome:
    entry_id: int
    url: str | None
    status: str  # ok | fallback | failed
    origin: str
    reason: str | None = None
    chars: int = 0


@dataclass
class ExtractReport:
    processed: int = 0
    from_article: int = 0
    from_feed: int = 0
    failed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    outcomes: list[EntryOutcome] = field(default_factory=list)

    def add(self, outcome: EntryOutcome) -> None:
        self.outcomes.append(outcome)
        self.processed += 1
        if outcome.status == "failed":
            self.failed += 1
        elif outcome.origin == "article":
            self.from_article += 1
        else:
            self.from_feed += 1
        if outcome.reason:
            key = outcome.reason.split(":")[0]
            self.reasons[key] = self.reasons.get(key, 0) + 1

    def as_dict(self) -> dict:
        return asdict(self)


class Extractor:
    def __init__(self, settings: Settings, store: Store, clock: Clock, pages: PageFetcher, pool: ExtractionPool):
        self.settings = settings
        self.store = store
        self.clock = clock
        self.pages = pages
        self.pool = pool
        self.rules = TextRules(settings.extract.min_text_ratio, settings.extract.min_text_chars,
                               settings.extract.max_attempts)

    async def process(self, entry: PendingEntry) -> EntryOutcome:
        feed_text = html_to_text(entry.feed_html)
        attempts = entry.attempts + 1
        response: Response | None = None
        extracted: Extracted | None = None
        error: Exception | None = None
        try:
            if not entry.url:
                raise NotArticleError("the entry has no web link")
            response = await self.pages.fetch(entry.url)
            extracted = await self.pool.extract(response.body, response.headers.get("content-type"),
                                                response.final_url)
        except AggregatorError as exc:
            error = exc
        except Exception as exc:  # a bug must cost one entry, not the batch
            error = RuntimeError(f"internal error: {type(exc).__name__}: {exc}")
        choice = choose_text(extracted, error, feed_text, attempts, self.rules)
        try:
            self._save(entry, choice, response, extracted, error, attempts)
        except StoreError as exc:
            choice = Choice("failed", choice.text, choice.origin, f"{choice.reason or ''} (not recorded: {exc})")
        return EntryOutcome(entry.id, entry.url, choice.status, choice.origin, choice.reason, len(choice.text))

    def _save(self, entry: PendingEntry, choice: Choice, response: Response | None,
              extracted: Extracted | None, error: Exception | None, attempts: int) -> None:
        now = self.clock()
        meta = asdict(extracted) if extracted else {}
        save_extraction(self.store, {
            "entry_id": entry.id,
            "status": choice.status,
            "text": choice.text,
            "text_origin": choice.origin,
            "reason": choice.reason,
            "entry_hash": entry.content_hash,
            "page_url": response.final_url if response else None,
            "http_status": response.status if response else getattr(error, "status", None),
            "title": meta.get("title"),
            "author": meta.get("author"),
            "published": meta.get("published"),
            "sitename": meta.get("sitename"),
            "image_url": meta.get("image_url"),
            "language": meta.get("language"),
            "encoding": meta.get("encoding"),
            "text_chars": len(choice.text),
            "attempts": attempts,
            "last_attempt_at": iso(now),
            "next_attempt_at": iso(retry_at(now, attempts)) if choice.status == "failed" else None,
            "extracted_at": iso(now) if choice.status != "failed" else None,
        }, page_date=page_date(extracted.published if extracted else None, now))


def page_date(value: str | None, now: datetime) -> datetime | None:
    """A page's YYYY-MM-DD as midnight UTC, if plausible (not before 1995, not in the future)."""
    try:
        moment = datetime.strptime((value or "")[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return plausible(moment, now)


async def extract_entries(settings: Settings, store: Store, clock: Clock, entries: list[PendingEntry],
                          on_done: Callable[[EntryOutcome], None] | None = None) -> ExtractReport:
    report = ExtractReport()
    if not entries:
        return report
    cfg = settings.extract
    with ExtractionPool(cfg.workers, cfg.timeout_seconds,
                        max_memory_bytes=cfg.max_worker_memory_mb * 1024 * 1024) as pool:
        async with HttpClient(settings.network, clock) as client:
            pages = PageFetcher(client, per_host_delay=cfg.per_host_delay_seconds,
                                respect_robots=cfg.respect_robots)
            extractor = Extractor(settings, store, clock, pages, pool)
            for task in asyncio.as_completed([extractor.process(e) for e in entries]):
                outcome = await task
                report.add(outcome)
                if on_done:
                    on_done(outcome)
    return report
