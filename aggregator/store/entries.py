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


ENTRY_FIELDS = ("guid", "url", "link", "title", "author", "summary_html", "content_html", "updated_at",
                "content_hash", "last_seen_at")


def save_fetch(store: Store, record: FetchRecord, parsed: ParsedFeed | None, now: datetime) -> tuple[int, int]:
    """Store entries (if any) and the fetch outcome atomically; return (new, updated).

    Plain parameterised SQL: this runs once per feed per poll, and sqlite-utils'
    conveniences (schema look-ups, savepoints, re-reading rows) cost ten statements
    for every useful one here.
    """
    new = updated = 0
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
        if record.outcome != "not_modified" or record.etag is not None:
            feed["etag"] = record.etag
        if record.outcome != "not_modified" or record.last_modified is not None:
            feed["last_modified"] = record.last_modified
        if record.body_sha256:
            feed["body_sha256"] = record.body_sha256
        if record.permanent_url:
            feed["effective_url"] = record.permanent_url
        if parsed is not None:
            feed["ttl_minutes"] = parsed.ttl_minutes
            feed["feed_title"] = parsed.title or None
            if parsed.site_url:
                feed["site_url"] = parsed.site_url
    with store.write():
        conn = store.conn
        if parsed is not None:
            new, updated = _upsert_entries(store, record.feed_id, parsed.entries, now)
        assignments = ", ".join(f"{column} = ?" for column in feed)
        conn.execute(f"update feeds set {assignments} where id = ?", (*feed.values(), record.feed_id))
        outcome = record.outcome
        if parsed is not None:
            outcome = "new" if new else ("updated" if updated else "unchanged")
        conn.execute(
            """insert into fetches (feed_id, started_at, duration_ms, outcome, http_status, bytes,
                                    new_entries, updated_entries, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (record.feed_id, iso(record.started_at), record.duration_ms, outcome, record.http_status,
             record.bytes, new, updated, record.error),
        )
    return new, updated


def _upsert_entries(store: Store, feed_id: int, entries: list[ParsedEntry], now: datetime) -> tuple[int, int]:
    if not entries:
        return 0, 0
    conn = store.conn
    known: dict[str, tuple[int, str, str | None]] = {}
    keys = [e.key for e in entries] + [e.alt_key for e in entries if e.alt_key]
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for entry_id, key, content_hash, url in conn.execute(
            f"select id, key, content_hash, url from entries where feed_id = ? and key in ({marks})",
            (feed_id, *chunk),
        ):
            known[key] = (entry_id, content_hash, url)
    stamp = iso(now)
    inserts, updates = [], []
    for entry in entries:
        values = (entry.guid, entry.url, entry.link, entry.title, entry.author, entry.summary_html,
                  entry.content_html, iso(entry.updated_at), entry.content_hash, stamp)
        row = known.get(entry.key)
        if row is None and entry.alt_key in known:
            alt = known[entry.alt_key]
            # "guid:G|link" already names the link; a bare "guid:G" row must have the same one
            if "|" in entry.alt_key or alt[2] == entry.url:
                row = alt
        if row is None:
            published = entry.published_at or entry.updated_at
            inserts.append((feed_id, entry.key, *values, iso(published or now),
                            "feed" if published else "first_seen", stamp))
        elif row[1] != entry.content_hash:
            updates.append((*values, iso(entry.published_at), stamp, row[0]))
    if inserts:
        columns = ("feed_id", "key", *ENTRY_FIELDS, "published_at", "date_origin", "first_seen_at")
        conn.executemany(
            f"insert into entries ({', '.join(columns)}) values ({', '.join('?' * len(columns))})", inserts)
    if updates:
        assignments = ", ".join(f"{column} = ?" for column in ENTRY_FIELDS)
        conn.executemany(
            f"""update entries set {assignments}, published_at = coalesce(?, published_at),
                   changed_at = ?, change_count = change_count + 1 where id = ?""", updates)
    return len(inserts), len(updates)


def recent_publish_times(store: Store, feed_id: int, since: datetime) -> dict[str, datetime]:
    """Publication time of each of the feed's entries since ``since``, by entry key."""
    return {
        r["key"]: parse_iso(r["published_at"])
        for r in store.query(
            "select key, published_at from entries where feed_id = ? and published_at >= ? and date_origin = 'feed'",
            (feed_id, iso(since)),
        )
    }


def list_entries(store: Store, feed_id: int | None = None, limit: int = 100) -> list[dict]:
    sql = """select e.id, e.feed_id, e.url, e.title, e.published_at, e.first_seen_at, e.changed_at, e.story_id,
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

