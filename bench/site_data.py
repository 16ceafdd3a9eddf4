"""A synthetic store for the static-site benchmark (site_build.py). No network, no LLM.

``SiteData(seed).populate(store, stories)`` fills a database whose schema the project
made itself (``open_settings_store``: the migrations) with what the pipeline would
have left after ~12 weeks of running, and ``add_stories`` appends a few newer ones:

- ~60 feeds (outlets with titles, ``site_url``, weights; three of them failing);
- N stories spread over 12 weeks ending at :data:`NOW` (more on weekdays and in
  daytime), each the cluster of 1-4 entries from distinct feeds published within a
  few hours to three days of each other (headline variants per outlet);
- one extraction per entry: 300-900 words of generated prose (status ``ok``, origin
  ``article``); these words are what "reading time saved" counts;
- one card per story in the published shape (``Card.published()``): 1-3 verified
  ``what_changed`` claims with evidence, why it matters, what to do next, audiences,
  key takeaways, future implications, a dated timeline, 1-3 of 8 topics and 2-4
  entities drawn from a pool of 300 (companies, products, people, organisations,
  benchmarks) with a long-tailed popularity, so related-story and thread lookups
  find the overlap a real archive has; writer ``llm``, every claim verified;
- a fetch log: 6 fetches per feed per week (errors for the failing feeds), for the
  weekly recap's "week in numbers".

Everything depends only on the seed and the story count. The names are invented.
Rows are written with ``executemany`` in one transaction per table group.

This module decides how much there is and writes the rows; what the rows *say*
(name pools, headlines, article prose, card fields) is in site_content.py, which
draws from the same random generator so the split changes no byte of the archive.

Standalone: ``.venv/bin/python bench/site_data.py --stories 1000 --out /tmp/site-bench``
writes ``/tmp/site-bench/site.db`` and a ``config.toml`` beside it, so that
``aggregator --config /tmp/site-bench/config.toml build`` works on it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aggregator.clock import iso  # noqa: E402
from aggregator.store import Store  # noqa: E402
from aggregator.store.extractions import word_count  # noqa: E402
from aggregator.store.stories import slugify  # noqa: E402

from site_content import ArchiveText, Entity  # noqa: E402

UTC = timezone.utc
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # a Friday morning; the builds are run "now"
WEEKS = 12
FEEDS = 60
FAILING_FEEDS = 3
FETCHES_PER_FEED_WEEK = 6
MODEL = "gpt-4o-mini-2024-07-18"
PROMPT_VERSION = "card.v4-3f9a1c2e+g-1f1957cd"

ENTRIES_PER_STORY = {1: 0.45, 2: 0.30, 3: 0.15, 4: 0.10}


@dataclass
class Batch:
    """Counts of what one call wrote."""

    feeds: int = 0
    stories: int = 0
    entries: int = 0
    extractions: int = 0
    cards: int = 0
    fetches: int = 0
    words: int = 0
    story_ids: list[int] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None


class SiteData:
    """Deterministic generator of feeds, stories, entries, extractions, cards and fetches."""

    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.content = ArchiveText(self.rng)  # names, headlines, prose, cards (site_content.py); same generator
        self.feeds: list[dict] = []
        self.feed_weights: list[float] = []

    # ----------------------------------------------------------------------- public

    def populate(self, store: Store, stories: int, now: datetime = NOW) -> Batch:
        """Feeds, ``stories`` stories over the last 12 weeks before ``now``, and the fetch log."""
        start = now - timedelta(weeks=WEEKS)
        batch = Batch()
        feeds = self._feeds(now)
        fetches = self._fetches(start, now)
        with store.write():
            _insert(store, "feeds", feeds)
            _insert(store, "fetches", fetches)
        batch.feeds, batch.fetches = len(feeds), len(fetches)
        times = sorted(self._story_time(start, now - timedelta(minutes=30)) for _ in range(stories))
        self._stories(store, times, now, batch)
        return batch

    def add_stories(self, store: Store, count: int, start: datetime, end: datetime,
                    share_related: float = 0.6) -> Batch:
        """``count`` stories first published in (start, end), newer than everything stored.

        ``share_related`` of them lead with an entity of one of the 100 newest stories, so
        the related lists and threads of existing stories change."""
        if not self.feeds:
            self.feeds = store.query("select * from feeds where removed_at is null order by id")
            self.feed_weights = [f["weight"] for f in self.feeds]
        recent = store.query("select c.card_json from cards c join stories s on s.id = c.story_id "
                             "order by s.first_published_at desc limit 100")
        names = {e.name: e for e in self.content.entities}
        recent_entities = [names[n] for r in recent for n in json.loads(r["card_json"]).get("entities", [])
                           if n in names]
        step = (end - start) / (count + 1)
        times = [start + step * (i + 1) for i in range(count)]
        leads = [self.rng.choice(recent_entities) if recent_entities and self.rng.random() < share_related else None
                 for _ in times]
        batch = Batch()
        self._stories(store, times, end, batch, leads=leads)
        return batch

    # ----------------------------------------------------------------------- rows

    def _feeds(self, now: datetime) -> list[dict]:
        names: list[str] = []
        while len(names) < FEEDS:
            name = self.content.outlet_name()
            if name not in names:
                names.append(name)
        rows = []
        failing = set(self.rng.sample(range(FEEDS), FAILING_FEEDS))
        for i, name in enumerate(names):
            slug = slugify(name)
            weight = 1.5 if i < 4 else 0.6 if i >= FEEDS - 6 else 1.0  # wires first, a few blogs last
            row = {
                "id": i + 1, "url": f"https://{slug}.example/feed.xml", "title": name if i % 3 == 0 else None,
                "feed_title": name, "site_url": f"https://{slug}.example/", "tags": json.dumps(["press"]),
                "weight": weight, "origin": "cli", "created_at": iso(now - timedelta(weeks=WEEKS, days=3)),
                "etag": f'"{hashlib.md5(name.encode()).hexdigest()}"', "last_fetched_at": iso(now - timedelta(minutes=self.rng.randint(1, 30))),
                "last_success_at": iso(now - timedelta(minutes=self.rng.randint(1, 30))),
                "next_check_at": iso(now + timedelta(minutes=30)), "last_status": 200, "last_error": None,
                "error_count": 0, "interval_seconds": 1800.0, "ttl_minutes": None,
            }
            if i in failing:
                row.update(last_status=503, last_error="HTTP 503 Service Unavailable", error_count=3,
                           last_success_at=iso(now - timedelta(days=self.rng.randint(2, 9))))
            rows.append(row)
        self.feeds = rows
        # wires and big outlets publish most: long-tailed, failing feeds still have their history
        self.feed_weights = [1.0 / (i + 1) ** 0.7 for i in range(FEEDS)]
        return rows

    def _fetches(self, start: datetime, now: datetime) -> list[dict]:
        rows = []
        span = (now - start).total_seconds()
        for feed in self.feeds:
            failing = feed["error_count"] > 0
            for week in range(WEEKS):
                for _ in range(FETCHES_PER_FEED_WEEK):
                    at = start + timedelta(seconds=week * 7 * 86400 + self.rng.uniform(0, 7 * 86400))
                    if (at - start).total_seconds() > span:
                        continue
                    error = self.rng.random() < (0.5 if failing and week >= WEEKS - 2 else 0.03)
                    outcome = "error" if error else self.rng.choice(["new", "new", "not_modified", "unchanged"])
                    rows.append({
                        "feed_id": feed["id"], "started_at": iso(at), "duration_ms": self.rng.randint(40, 2500),
                        "outcome": outcome, "http_status": 503 if error else (304 if outcome == "not_modified" else 200),
                        "bytes": 0 if outcome in ("error", "not_modified") else self.rng.randint(8000, 90000),
                        "new_entries": self.rng.randint(1, 6) if outcome == "new" else 0, "updated_entries": 0,
                        "error": "HTTP 503 Service Unavailable" if error else None,
                    })
        rows.sort(key=lambda r: r["started_at"])
        return rows

    def _story_time(self, start: datetime, end: datetime) -> datetime:
        """Uniform over [start, end), thinned at weekends and at night (UTC)."""
        span = (end - start).total_seconds()
        while True:
            moment = start + timedelta(seconds=self.rng.uniform(0, span))
            keep = (0.35 if moment.weekday() >= 5 else 1.0) * (1.0 if 6 <= moment.hour < 21 else 0.3)
            if self.rng.random() < keep:
                return moment

    def _stories(self, store: Store, times: list[datetime], now: datetime, batch: Batch,
                 leads: list[Entity | None] | None = None) -> None:
        story_id = (store.scalar("select max(id) from stories") or 0) + 1
        entry_id = (store.scalar("select max(id) from entries") or 0) + 1
        stories, entries, extractions, cards = [], [], [], []
        content = self.content
        for index, first in enumerate(times):
            rng = self.rng
            topics = content.story_topics()
            ents = content.story_entities(leads[index] if leads else None)
            slots = content.slots(ents)
            title = content.title(topics[0], slots)
            n_entries = rng.choices(list(ENTRIES_PER_STORY), list(ENTRIES_PER_STORY.values()))[0]
            feed_ids = _distinct(rng, len(self.feeds), self.feed_weights, n_entries)
            published = [first] + sorted(min(first + timedelta(hours=min(rng.expovariate(1 / 8), 72)), now - timedelta(minutes=1))
                                         for _ in range(n_entries - 1))
            best = (-1, 0)
            story_entries = []
            for k, (feed_index, at) in enumerate(zip(feed_ids, published)):
                feed = self.feeds[feed_index]
                entry_title = title if k == 0 else content.headline(title)
                slug = slugify(entry_title)
                url = f"{feed['site_url']}{at:%Y/%m}/{slug}-{entry_id}/"
                seen = min(at + timedelta(minutes=rng.randint(2, 40)), now)
                content_hash = hashlib.md5(f"{entry_title}|{url}".encode()).hexdigest()
                text, words = content.article(title, slots)
                entries.append({
                    "id": entry_id, "feed_id": feed["id"], "key": f"guid:{url}", "guid": url, "url": url, "link": url,
                    "title": entry_title, "author": content.author(),
                    "summary_html": f"<p>{text[:280].rsplit(' ', 1)[0]}…</p>", "content_html": None,
                    "published_at": iso(at), "updated_at": None, "date_origin": "feed", "first_seen_at": iso(seen),
                    "last_seen_at": iso(seen), "content_hash": content_hash, "changed_at": None, "change_count": 0,
                    "story_id": story_id,
                })
                extractions.append({
                    "entry_id": entry_id, "status": "ok", "text": text, "text_origin": "article", "reason": None,
                    "entry_hash": content_hash, "page_url": url, "http_status": 200, "title": entry_title,
                    "author": None, "published": f"{at:%Y-%m-%d}", "sitename": feed["feed_title"], "image_url": None,
                    "language": "en", "encoding": "utf-8", "text_chars": len(text), "words": word_count(text),
                    "attempts": 1,
                    "last_attempt_at": iso(seen), "next_attempt_at": None, "extracted_at": iso(seen),
                })
                batch.words += words
                best = max(best, (words, entry_id))
                story_entries.append(entry_id)
                entry_id += 1
            created = min(first + timedelta(minutes=rng.randint(20, 70)), now)
            stories.append({
                "id": story_id, "slug": f"{slugify(title)}-{story_id}", "title": title, "created_at": iso(created),
                "first_published_at": iso(published[0]), "last_published_at": iso(max(published)),
                "sources": n_entries,
            })
            card = content.card(topics, ents, slots, first)
            source_hash = hashlib.sha256(f"{title}|{best[1]}".encode()).hexdigest()
            cards.append({
                "story_id": story_id, "entry_id": best[1], "source_hash": source_hash,
                "cache_key": hashlib.sha256(f"{source_hash}|{PROMPT_VERSION}|{MODEL}".encode()).hexdigest(),
                "prompt_version": PROMPT_VERSION, "model": MODEL, "writer": "llm",
                "card_json": json.dumps(card, ensure_ascii=False), "dropped_json": "[]",
                "claims_total": card["claims_total"], "claims_verified": card["claims_verified"],
                "text_origin": "article", "fallback_reason": None, "created_at": iso(created),
            })
            batch.story_ids.append(story_id)
            story_id += 1
        with store.write():
            _insert(store, "stories", stories)
            _insert(store, "entries", entries)
            _insert(store, "extractions", extractions)
            _insert(store, "cards", cards)
        batch.stories += len(stories)
        batch.entries += len(entries)
        batch.extractions += len(extractions)
        batch.cards += len(cards)
        if times:
            batch.first, batch.last = times[0], times[-1]


def _distinct(rng: random.Random, n: int, weights: list[float], k: int) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < k:
        i = rng.choices(range(n), weights)[0]
        if i not in chosen:
            chosen.append(i)
    return chosen


def _insert(store: Store, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    sql = f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
    store.conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows])


def store_summary(store: Store) -> dict:
    """What the store holds, for the workload lines."""
    one = store.scalar
    return {
        "feeds": one("select count(*) from feeds"),
        "stories": one("select count(*) from stories"),
        "entries": one("select count(*) from entries"),
        "extractions": one("select count(*) from extractions"),
        "cards": one("select count(*) from cards"),
        "fetches": one("select count(*) from fetches"),
        "words": one("select sum(length(text) - length(replace(text, ' ', '')) + 1) from extractions") or 0,
        "card_bytes": one("select sum(length(card_json)) from cards") or 0,
        "first": one("select min(first_published_at) from stories"),
        "last": one("select max(first_published_at) from stories"),
        "topics": len({t for (c,) in store.conn.execute("select card_json from cards")
                       for t in (json.loads(c) or {}).get("topics", [])}),
        "entities": len({t for (c,) in store.conn.execute("select card_json from cards")
                         for t in (json.loads(c) or {}).get("entities", [])}),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    from aggregator.config import settings_from_dict
    from aggregator.pipeline import open_settings_store

    parser = argparse.ArgumentParser(description="Write a synthetic aggregator database for the site benchmark.")
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder for site.db and config.toml (must not hold site.db)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if (args.out / "site.db").exists():
        parser.error(f"{args.out / 'site.db'} exists")
    (args.out / "config.toml").write_text(
        '[site]\ntitle = "Weekly AI Recap"\nbase_url = "https://news.example.org/"\noutput_dir = "site"\n'
        'timezone = "Europe/Copenhagen"\n\n[database]\npath = "site.db"\n')
    settings = settings_from_dict({"database": {"path": "site.db"}}, base_dir=args.out)
    t0 = time.perf_counter()
    with open_settings_store(settings, lambda: NOW) as store:
        SiteData(args.seed).populate(store, args.stories)
        summary = store_summary(store)
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), "database": str(args.out / "site.db"),
                      **summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
