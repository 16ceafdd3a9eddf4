"""Poll a batch of feeds: conditional GET, skip unchanged bodies, parse, store.

Cost of a feed that has not changed: one request answered 304, or one 200 whose
body hashes to the stored SHA-256; in neither case is the body parsed. Changed
bodies are parsed in worker processes when the batch is large enough to pay for
them (feedparser is CPU-bound, ~0.8 MB/s per core), so both cores parse while the
event loop keeps the network busy.

A failing feed never stops the batch: every exception the fetcher raises on purpose
becomes an ``error`` outcome with a one-line reason, a backoff and, after too many
in a row, a disabled feed.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Callable

from ..clock import Clock, iso
from ..config import Settings
from ..errors import FetchError, HTTPStatusError, ParseError, StoreError
from ..parse import parse_feed
from ..store import Store
from ..workers import worker_context
from ..store.entries import FetchRecord, recent_publish_times, save_fetch
from ..store.feeds import FeedState
from . import policy
from .http import HttpClient, Response

#: below this many feeds to fetch, parsing inline is cheaper than starting workers
PROCESS_POOL_THRESHOLD = 40

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
               "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5")


@dataclass
class FeedOutcome:
    feed_id: int
    url: str
    outcome: str
    http_status: int | None = None
    new_entries: int = 0
    updated_entries: int = 0
    error: str | None = None
    disabled: bool = False
    next_check_at: str | None = None


@dataclass
class FetchReport:
    feeds_checked: int = 0
    not_modified: int = 0
    unchanged: int = 0
    new_entries: int = 0
    updated_entries: int = 0
    errors: int = 0
    disabled: int = 0
    outcomes: list[FeedOutcome] = field(default_factory=list)

    def add(self, result: FeedOutcome) -> None:
        self.outcomes.append(result)
        self.feeds_checked += 1
        self.new_entries += result.new_entries
        self.updated_entries += result.updated_entries
        if result.outcome == "not_modified":
            self.not_modified += 1
        elif result.outcome == "unchanged":
            self.unchanged += 1
        elif result.outcome == "error":
            self.errors += 1
            self.disabled += int(result.disabled)

    def as_dict(self) -> dict:
        return asdict(self)


class FeedFetcher:
    """Fetches feeds under one :class:`HttpClient`, writing outcomes to the store."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, client: HttpClient,
                 executor: Executor):
        self.settings = settings
        self.store = store
        self.clock = clock
        self.client = client
        self.executor = executor

    async def fetch_one(self, feed: FeedState) -> FeedOutcome:
        started = self.clock()
        t0 = time.monotonic()
        headers = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        try:
            response = await self.client.get(feed.fetch_url, headers, accept=FEED_ACCEPT)
            return await self._handle(feed, response, started, t0)
        except (FetchError, ParseError) as exc:
            error: Exception = exc
        except StoreError as exc:
            error = exc
        except Exception as exc:  # a bug or a broken worker must cost one feed, not the batch
            error = RuntimeError(f"internal error: {type(exc).__name__}: {exc}")
        try:
            return self._record_error(feed, error, started, t0)
        except Exception as exc:  # not even the error could be stored (database locked, disk full)
            return FeedOutcome(feed.id, feed.url, "error", error=f"{error} (not recorded: {exc})")

    async def _handle(self, feed: FeedState, response: Response, started, t0) -> FeedOutcome:
        now = self.clock()
        parsed = None
        body_hash = None
        if response.status == 304:
            outcome = "not_modified"
        else:
            body_hash = hashlib.sha256(response.body).hexdigest()
            if body_hash == feed.body_sha256:
                outcome = "unchanged"
            else:
                parsed = await self._parse(response, now)
                outcome = "updated"
        ttl = parsed.ttl_minutes if parsed else feed.ttl_minutes
        published = recent_publish_times(self.store, feed.id, now - policy.ADAPTIVE_WINDOW)
        if parsed is not None:
            published.update((e.key, e.published_at) for e in parsed.entries if e.published_at)
        decision = policy.after_success(now, response.headers, ttl, published.values(), self.settings.fetch)
        record = FetchRecord(
            feed_id=feed.id, started_at=started, duration_ms=int((time.monotonic() - t0) * 1000),
            outcome=outcome, http_status=response.status, bytes=response.raw_bytes,
            etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
            body_sha256=body_hash, permanent_url=response.permanent_url,
            next_check_at=decision.next_check_at, interval_seconds=decision.interval.total_seconds(),
        )
        new, updated = save_fetch(self.store, record, parsed, now)
        if parsed is not None:
            outcome = "new" if new else ("updated" if updated else "unchanged")
        return FeedOutcome(feed.id, feed.url, outcome, response.status, new, updated,
                           next_check_at=iso(decision.next_check_at))

    async def _parse(self, response: Response, now):
        """Parse off the event loop, so a big feed never stalls other requests' deadlines."""
        args = (response.body, response.headers, response.final_url, now)
        return await asyncio.get_running_loop().run_in_executor(self.executor, parse_feed, *args)

    def _record_error(self, feed: FeedState, exc: Exception, started, t0) -> FeedOutcome:
        now = self.clock()
        status = exc.status if isinstance(exc, HTTPStatusError) else None
        retry_after = exc.retry_after if isinstance(exc, HTTPStatusError) else None
        count = feed.error_count + 1
        disable = False
        if policy.counts_towards_disabling(status, retry_after):
            disable = policy.should_disable(count, self.settings.fetch)
        decision = policy.after_error(now, count, retry_after, self.settings.fetch)
        message = str(exc) or type(exc).__name__
        record = FetchRecord(
            feed_id=feed.id, started_at=started, duration_ms=int((time.monotonic() - t0) * 1000),
            outcome="error", http_status=status, next_check_at=decision.next_check_at,
            interval_seconds=decision.interval.total_seconds(), error=message, error_count=count,
            disable=disable,
        )
        save_fetch(self.store, record, None, now)
        return FeedOutcome(feed.id, feed.url, "error", status, error=message, disabled=disable,
                           next_check_at=iso(decision.next_check_at))


def parse_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes for parsing (see aggregator.workers for why a forkserver)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=worker_context())


async def fetch_feeds(settings: Settings, store: Store, clock: Clock, feeds: list[FeedState],
                      on_done: Callable[[FeedOutcome], None] | None = None) -> FetchReport:
    """Fetch ``feeds`` concurrently; a failure of one never affects the others."""
    report = FetchReport()
    if not feeds:
        return report
    workers = settings.fetch.parse_workers
    if workers > 1 and len(feeds) >= PROCESS_POOL_THRESHOLD:
        executor: Executor = parse_pool(workers)
    else:  # a thread: feedparser holds the GIL, but the loop still gets its turns
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")
    try:
        async with HttpClient(settings.network, clock) as client:
            fetcher = FeedFetcher(settings, store, clock, client, executor)
            for task in asyncio.as_completed([fetcher.fetch_one(f) for f in feeds]):
                result = await task
                report.add(result)
                if on_done:
                    on_done(result)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return report
