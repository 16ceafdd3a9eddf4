"""`aggregator status`: what the instance is doing, from the store alone.

"This week" is the ISO week in the site's time zone, as the weekly recap counts it.
"""

from __future__ import annotations

from datetime import datetime

from .clock import iso_week, week_bounds
from .config import Settings
from .store import Store
from .store.cards import usage_since
from .store.feeds import FEED_STATUSES, list_feeds
from .summarize.batch import Summarizer


def collect_status(settings: Settings, store: Store, now: datetime) -> dict:
    feeds = list_feeds(store)
    counts = {status: sum(1 for f in feeds if f["status"] == status) for status in FEED_STATUSES}
    start, _ = week_bounds(iso_week(now, settings.site.timezone), settings.site.timezone)
    usage = usage_since(store, start)
    tokens_in = sum(u["tokens_in"] or 0 for u in usage)
    tokens_out = sum(u["tokens_out"] or 0 for u in usage)
    costs = [price_for(settings, u) for u in usage]
    return {
        "feeds": counts,
        "failing_feeds": [{k: f[k] for k in ("id", "url", "status", "last_error")} for f in feeds
                          if f["status"] in ("error", "disabled")],
        "entries": store.scalar("select count(*) from entries"),
        "cards": store.scalar("select count(*) from cards"),
        "queues": {
            "extract": store.scalar("""select count(*) from entries e left join extractions x on x.entry_id = e.id
                                       where x.entry_id is null or x.entry_hash is not e.content_hash"""),
            "extract_retry": store.scalar("select count(*) from extractions where status = 'failed'"),
            "cluster": store.scalar("""select count(*) from entries e join extractions x on x.entry_id = e.id
                                       where e.story_id is null and x.status in ('ok', 'fallback')"""),
            # cards missing or out of date (changed text, prompt, model or verifier), as the next run sees them
            "summarize": len(Summarizer(settings, store, lambda: now, None).plan(now, None)),
            "summarize_retry": store.scalar("select count(*) from card_failures"),
        },
        "week_start": start.isoformat(),
        "llm_this_week": {
            "calls": sum(u["calls"] for u in usage),
            "failed_calls": sum(u["failed"] or 0 for u in usage),
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "cost": None if any(c is None for c in costs) and usage else sum(c or 0 for c in costs),
            "by_model": usage,
        },
        "last_fetch": store.scalar("select max(started_at) from fetches"),
        "last_runs": {row["stage"]: {k: row[k] for k in ("started_at", "finished_at", "outcome", "error")}
                      for row in store.query("""select r.* from runs r join (select stage, max(id) as id from runs
                                                 group by stage) last on last.id = r.id order by r.stage""")},
        "stories_this_week": store.scalar("select count(*) from stories where first_published_at >= ?",
                                          (start.isoformat(),)),
        "subscribers": {row["status"]: row["n"] for row in store.query(
            "select status, count(*) as n from subscribers group by status")},
        "outbox": {row["state"]: row["n"] for row in store.query(
            "select state, count(*) as n from outbox group by state")},
    }


def price_for(settings: Settings, usage: dict) -> float | None:
    if settings.llm is None:
        return None
    p = settings.llm.prices.get(usage["model"])
    if p is None:
        return None
    return ((usage["tokens_in"] or 0) * p.input_per_million + (usage["tokens_out"] or 0) * p.output_per_million) / 1e6
