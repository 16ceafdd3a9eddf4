"""Entry rows, and the writes that record the outcome of one feed fetch.

Each fetch outcome is one write transaction: the entries, the feed's caching and
scheduling state and the fetch-log row commit together, so a crash never leaves
entries stored under an old ETag (which would re-download them) or an ETag stored
without its entries (which would lose them).

An entry is never deleted when it drops out of its feed, and never duplicated: its
identity is (feed, key). A known entry whose content hash changed is updated and
marked changed (``changed_at``, ``change_count``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..clock import iso, parse_iso
from ..parse import ParsedEntry, ParsedFeed
from .db import Store


@dataclass(frozen=True)
class FetchRecord:
    """What the fetcher learnt about a feed, to be stored with its entries."""

    feed_id: int
    started_at: datetime
    duration_ms: int
    outcome: str  # new | updated | not_modified | unchanged | error
    http_status: int | None = None
    bytes: int = 0
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    permanent_url: str | None = None
    next_check_at: datetime | None = None
    interval_seconds: float | None = None
    error: str | None = None
    error_count: int = 0
    disable: bool = False


def save_fetch(store: Store, record: FetchRecord, parsed: ParsedFeed | None, now: datetime) -> tuple[int, int]:
    """Store entries (if any) and the fetch outcome atomically; return (new, updated)."""
    new = updated = 0
    with store.write() as db:
        if parsed is not None:
            new, updated = _upsert_entries(store, record.feed_id, parsed.entries, now)
        feed: dict[str, Any] = {
            "last_fetched_at": iso(now),
            "last_status": record.http_status,
            "next_check_at": iso(record.next_check_at),
            "interval_seconds": record.interval_seconds,
            "error_count": record.error_count,
        }
        if record.outcome == "error":
            feed["last_error"] = record.error
            if record.disable:
                feed["disabled_at"] = iso(now)
        else:
            feed.update(last_error=None, last_success_at=iso(now))
            if record.etag is not None or record.outcome != "not_modified":
                feed["etag"] = record.etag
            if record.last_modified is not None or record.outcome != "not_modified":
                feed["last_modified"] = record.last_modified
            if record.body_sha256:
                feed["body_sha256"] = record.body_sha256
            if record.permanent_url:
                feed["effective_url"] = record.permanent_url
            if parsed is not None:
                feed["feed_title"] = parsed.title or None
                if parsed.site_url:
                    feed["site_url"] = parsed.site_url
        db["feeds"].update(record.feed_id, feed)
        outcome = record.outcome
        if parsed is not None:
            outcome = "new" if new else ("updated" if updated else "unchanged")
        db["fetches"].insert({
            "feed_id": record.feed_id, "started_at": iso(record.started_at),
            "duration_ms": record.duration_ms, "outcome": outcome, "http_status": record.http_status,
            "bytes": record.bytes, "new_entries": new, "updated_entries": updated, "error": record.error,
        })
    return new, updated


def _upsert_entries(store: Store, feed_id: int, entries: list[ParsedEntry], now: datetime) -> tuple[int, int]:
    if not entries:
        return 0, 0
    known: dict[str, dict] = {}
    keys = [e.key for e in entries]
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in store.query(
            f"select id, key, content_hash from entries where feed_id = ? and key in ({marks})",
            (feed_id, *chunk),
        ):
            known[row["key"]] = row
    new_rows = []
    updated = 0
    stamp = iso(now)
    for entry in entries:
        row = known.get(entry.key)
        fields = {
            "guid": entry.guid, "url": entry.url, "link": entry.link, "title": entry.title,
            "author": entry.author, "summary_html": entry.summary_html, "content_html": entry.content_html,
            "updated_at": iso(entry.updated_at), "content_hash": entry.content_hash, "last_seen_at": stamp,
        }
        if row is None:
            published = entry.published_at or entry.updated_at
            new_rows.append({
                "feed_id": feed_id, "key": entry.key, **fields,
                "published_at": iso(published or now),
                "date_origin": "feed" if published else "first_seen",
                "first_seen_at": stamp,
            })
        elif row["content_hash"] != entry.content_hash:
            if entry.published_at:
                fields["published_at"] = iso(entry.published_at)
            store.db["entries"].update(row["id"], {**fields, "changed_at": stamp})
            store.conn.execute("update entries set change_count = change_count + 1 where id = ?", (row["id"],))
            updated += 1
    if new_rows:
        store.db["entries"].insert_all(new_rows)
    return len(new_rows), updated


def recent_publish_times(store: Store, feed_id: int, since: datetime) -> list[datetime]:
    """Publication times of the feed's entries since ``since`` (for the adaptive interval)."""
    return [
        parse_iso(r["published_at"])
        for r in store.query(
            "select published_at from entries where feed_id = ? and published_at >= ? and date_origin = 'feed'",
            (feed_id, iso(since)),
        )
    ]


def list_entries(store: Store, feed_id: int | None = None, limit: int = 100) -> list[dict]:
    sql = """select e.id, e.feed_id, e.url, e.title, e.published_at, e.first_seen_at, e.changed_at,
                    coalesce(f.title, f.feed_title, f.url) as feed
             from entries e join feeds f on f.id = e.feed_id"""
    params: tuple = ()
    if feed_id is not None:
        sql += " where e.feed_id = ?"
        params = (feed_id,)
    sql += " order by e.published_at desc, e.id desc limit ?"
    return store.query(sql, (*params, limit))


def get_entry(store: Store, entry_id: int) -> dict | None:
    rows = store.query("select * from entries where id = ?", (entry_id,))
    return rows[0] if rows else None

