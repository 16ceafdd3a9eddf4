"""The orchestrator: the only module that knows the order of the stages.

Stages read their input from the store and write their output to it, so each can be
re-run alone and a run that dies half-way resumes where it stopped: fetch (which
includes parsing), extract, cluster, summarize, recap and build (sending the digest is
`serve`'s, on its own schedule). Every stage run is recorded in ``runs`` (start, end,
outcome, its report), which is what `status` shows as the last runs.
"""

from __future__ import annotations

import asyncio
import functools
import json
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


def _summary(report) -> dict:
    """A stage report's counts, for the runs log (its per-item outcomes stay out)."""
    return {k: v for k, v in report.as_dict().items() if isinstance(v, (int, float, str, bool)) or v is None}


def logged(stage: str):
    """Record each run of the decorated stage in ``runs``; a failing stage is recorded and re-raised."""
    def decorate(function):
        @functools.wraps(function)
        def run(settings: Settings, store: Store, clock: Clock, *args, **kwargs):
            if kwargs.get("dry_run"):
                return function(settings, store, clock, *args, **kwargs)
            started = clock()
            row = {"stage": stage, "started_at": started.isoformat()}
            try:
                report = function(settings, store, clock, *args, **kwargs)
            except Exception as error:
                _record(store, {**row, "finished_at": clock().isoformat(), "outcome": "error",
                                "error": str(error)[:1000]})
                raise
            _record(store, {**row, "finished_at": clock().isoformat(), "outcome": "ok",
                            "summary": json.dumps(_summary(report))})
            return report
        return run
    return decorate


def _record(store: Store, row: dict) -> None:
    try:
        with store.write() as db:
            db["runs"].insert(row)
    except Exception:  # the log must never turn a finished stage into a failure
        pass


def open_settings_store(settings: Settings, clock: Clock) -> Store:
    """Open the database and bring its feeds in line with config.toml."""
    store = open_store(settings.database_path, settings.database.busy_timeout_seconds)
    sync_config_feeds(store, settings.feeds, clock())
    return store


@logged("fetch")
def run_fetch(settings: Settings, store: Store, clock: Clock, *, everything: bool = False,
              on_start: Callable[[int], None] | None = None,
              on_done: Callable[[FeedOutcome], None] | None = None) -> FetchReport:
    """Poll the feeds that are due (every enabled feed with ``everything``)."""
    feeds = due_feeds(store, clock(), everything=everything)
    if on_start:
        on_start(len(feeds))
    return asyncio.run(fetch_feeds(settings, store, clock, feeds, on_done))


@logged("extract")
def run_extract(settings: Settings, store: Store, clock: Clock, *, limit: int | None = None,
                on_start: Callable[[int], None] | None = None,
                on_done: Callable[[EntryOutcome], None] | None = None) -> ExtractReport:
    """Give every new, changed or due-for-retry entry its full text."""
    from .extract.batch import extract_entries

    entries = pending(store, clock(), limit)
    if on_start:
        on_start(len(entries))
    return asyncio.run(extract_entries(settings, store, clock, entries, on_done))


@logged("cluster")
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


@logged("summarize")
def run_summarize(settings: Settings, store: Store, clock: Clock, *, limit: int | None = None,
                  dry_run: bool = False, environ=None,
                  on_start: Callable[[int], None] | None = None,
                  on_done: Callable[[CardOutcome], None] | None = None) -> SummarizeReport:
    """Write a grounded card for every story whose card is missing or stale."""
    from .summarize.batch import summarize

    return asyncio.run(summarize(settings, store, clock, limit=limit, dry_run=dry_run, environ=environ,
                                 on_start=on_start, on_done=on_done))


@logged("recap")
def run_recap(settings: Settings, store: Store, clock: Clock, *, environ=None):
    """Write the LLM introduction of each recent week's recap whose stories changed."""
    from .summarize.recap import run_recap as write

    return write(settings, store, clock, environ=environ)


@logged("build")
def run_build(settings: Settings, store: Store, clock: Clock, *, full: bool = False):
    """Render and publish the static site (only the changed pages, unless ``full``)."""
    from .site.render import build_site

    return build_site(settings, store, clock(), full=full)


#: Every stage, in the order a pass runs them (``run_once``, and ``serve``'s scheduled pass).
STAGES: dict[str, Callable] = {"fetch": run_fetch, "extract": run_extract, "cluster": run_cluster,
                               "summarize": run_summarize, "recap": run_recap, "build": run_build}


def run_once(settings: Settings, store: Store, clock: Clock, *,
             on_stage: Callable[[str], None] | None = None) -> dict:
    """One full pass of every stage, in order; ``on_stage(name)`` is told as each begins."""
    results = {}
    for name, stage in STAGES.items():
        if on_stage:
            on_stage(name)
        report = stage(settings, store, clock)
        results[name] = report.as_dict()
    return results
