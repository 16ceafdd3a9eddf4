"""The orchestrator: the only module that knows the order of the stages.

Stages read their input from the store and write their output to it, so each can be
re-run alone and a run that dies half-way resumes where it stopped. Today the
pipeline has four stages: fetch (which includes parsing), extract, cluster and
summarize; recap, render and send are appended here as they arrive.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Callable

from typing import TYPE_CHECKING

from .clock import Clock
from .cluster import ClusterRules, assign_stories
from .config import Settings
from .fetch.feeds import FeedOutcome, FetchReport, fetch_feeds
from .store import Store, open_store
from .store.extractions import pending
from .store.feeds import due_feeds, sync_config_feeds
from .store.stories import clustered_since, save_assignments, unclustered

if TYPE_CHECKING:  # imported when their stage runs: `aggregator fetch` needs neither trafilatura nor openai
    from .extract.batch import EntryOutcome, ExtractReport
    from .summarize.batch import CardOutcome, SummarizeReport


@dataclass
class ClusterReport:
    entries: int = 0  # entries clustered in this run
    stories: int = 0  # stories they ended up in
    new_stories: int = 0
    joined_existing: int = 0  # entries that joined a story from an earlier run

    def as_dict(self) -> dict:
        return asdict(self)


def open_settings_store(settings: Settings, clock: Clock) -> Store:
    """Open the database and bring its feeds in line with config.toml."""
    store = open_store(settings.database_path, settings.database.busy_timeout_seconds)
    sync_config_feeds(store, settings.feeds, clock())
    return store


def run_fetch(settings: Settings, store: Store, clock: Clock, *, everything: bool = False,
              on_start: Callable[[int], None] | None = None,
              on_done: Callable[[FeedOutcome], None] | None = None) -> FetchReport:
    """Poll the feeds that are due (every enabled feed with ``everything``)."""
    feeds = due_feeds(store, clock(), everything=everything)
    if on_start:
        on_start(len(feeds))
    return asyncio.run(fetch_feeds(settings, store, clock, feeds, on_done))


def run_extract(settings: Settings, store: Store, clock: Clock, *, limit: int | None = None,
                on_start: Callable[[int], None] | None = None,
                on_done: Callable[[EntryOutcome], None] | None = None) -> ExtractReport:
    """Give every new, changed or due-for-retry entry its full text."""
    from .extract.batch import extract_entries

    entries = pending(store, clock(), limit)
    if on_start:
        on_start(len(entries))
    return asyncio.run(extract_entries(settings, store, clock, entries, on_done))


def run_cluster(settings: Settings, store: Store, clock: Clock, *, rules: ClusterRules = ClusterRules()) -> ClusterReport:
    """Attach every entry with final text to a story: an existing one about the same event, or a new one."""
    new = unclustered(store)
    report = ClusterReport(entries=len(new))
    if not new:
        return report
    known = clustered_since(store, min(item.published for item in new) - rules.window)
    assigned = assign_stories(new, known, rules)
    stories = save_assignments(store, new, assigned, clock())
    report.new_stories = len({s for s in assigned.values() if s < 0})
    report.joined_existing = sum(1 for s in assigned.values() if s >= 0)
    report.stories = len(set(stories.values()))
    return report


def run_summarize(settings: Settings, store: Store, clock: Clock, *, limit: int | None = None,
                  dry_run: bool = False, environ=None,
                  on_start: Callable[[int], None] | None = None,
                  on_done: Callable[[CardOutcome], None] | None = None) -> SummarizeReport:
    """Write a grounded card for every story whose card is missing or stale."""
    from .summarize.batch import summarize

    return asyncio.run(summarize(settings, store, clock, limit=limit, dry_run=dry_run, environ=environ,
                                 on_start=on_start, on_done=on_done))


def run_recap(settings: Settings, store: Store, clock: Clock, *, environ=None):
    """Write the LLM introduction of each recent week's recap whose stories changed."""
    from .summarize.recap import run_recap as write

    return write(settings, store, clock, environ=environ)


def run_build(settings: Settings, store: Store, clock: Clock, *, full: bool = False):
    """Render and publish the static site (only the changed pages, unless ``full``)."""
    from .site.render import build_site

    return build_site(settings, store, clock(), full=full)


def run_once(settings: Settings, store: Store, clock: Clock) -> dict:
    """One full pass of every stage: fetch, extract, cluster, summarize, recap, build."""
    return {
        "fetch": run_fetch(settings, store, clock).as_dict(),
        "extract": run_extract(settings, store, clock).as_dict(),
        "cluster": run_cluster(settings, store, clock).as_dict(),
        "summarize": run_summarize(settings, store, clock).as_dict(),
        "recap": run_recap(settings, store, clock).as_dict(),
        "build": run_build(settings, store, clock).__dict__,
    }
