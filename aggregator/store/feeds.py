"""Feed rows: subscription management and the fetcher's per-feed state.

Feeds are never deleted: ``feeds remove`` sets ``removed_at`` so that the entries
already collected (and later the stories built from them) keep their source.
Adding a removed URL again revives the row. Feeds listed in config.toml are synced
on every command; those that disappear from the file are removed the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from ..clock import iso
from ..config import FeedConfig
from ..errors import FeedError
from .db import Store

FEED_STATUSES = ("new", "ok", "error", "disabled")


@dataclass(frozen=True)
class FeedState:
    """What the fetcher needs to know about one feed."""

    id: int
    url: str
    fetch_url: str
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    error_count: int
    ttl_minutes: int | None = None


def status_of(row: dict) -> str:
    if row.get("disabled_at"):
        return "disabled"
    if row.get("error_count"):
        return "error"
    if not row.get("last_fetched_at"):
        return "new"
    return "ok"


def get_feed(store: Store, feed_id: int) -> dict:
    rows = store.query("select * from feeds where id = ? and removed_at is null", (feed_id,))
    if not rows:
        raise FeedError(f"no feed with id {feed_id} (see `aggregator feeds list`)")
    return rows[0]


def add_feed(store: Store, url: str, now: datetime, *, title: str | None = None,
             tags: Iterable[str] = (), origin: str = "cli", weight: float = 1.0) -> tuple[int, bool]:
    """Subscribe to ``url``. Returns (id, created); an active duplicate is an error."""
    url = url.strip()
    with store.write() as db:
        existing = store.query("select id, removed_at from feeds where url = ?", (url,))
        if existing and not existing[0]["removed_at"]:
            raise FeedError(f"already subscribed to {url} (feed {existing[0]['id']})")
        values = {
            "title": title, "tags": json.dumps(sorted(set(tags))), "origin": origin, "weight": weight,
            "removed_at": None, "disabled_at": None, "error_count": 0, "next_check_at": None,
        }
        if existing:
            db["feeds"].update(existing[0]["id"], values)
            return existing[0]["id"], False
        db["feeds"].insert({"url": url, "created_at": iso(now), **values})
        return db.execute("select last_insert_rowid()").fetchone()[0], True


def remove_feed(store: Store, feed_id: int, now: datetime) -> dict:
    row = get_feed(store, feed_id)
    if row["origin"] == "config":
        raise FeedError(f"feed {feed_id} is listed in config.toml; remove it there instead")
    with store.write() as db:
        db["feeds"].update(feed_id, {"removed_at": iso(now)})
    return row


def enable_feed(store: Store, feed_id: int) -> dict:
    row = get_feed(store, feed_id)
    with store.write() as db:
        db["feeds"].update(feed_id, {"disabled_at": None, "error_count": 0, "next_check_at": None})
    return row


def sync_config_feeds(store: Store, feeds: Iterable[FeedConfig], now: datetime) -> dict[str, int]:
    """Make the database's config-origin feeds match the [[feeds]] of config.toml.

    Decided on a read first, so the usual case (nothing changed) takes no write lock;
    when something did change it is decided again under the lock, where a
    concurrent `feeds add` cannot slip in between.
    """
    wanted = {f.url.strip(): f for f in feeds}
    if not any(_config_changes(store, wanted, now, apply=False).values()):
        return {"added": 0, "updated": 0, "removed": 0}
    with store.write():
        return _config_changes(store, wanted, now, apply=True)


def _config_changes(store: Store, wanted: dict[str, FeedConfig], now: datetime, *, apply: bool) -> dict[str, int]:
    counts = {"added": 0, "updated": 0, "removed": 0}
    rows = {r["url"]: r for r in store.query("select * from feeds")}
    table = store.db["feeds"]
    for url, cfg in wanted.items():
        row = rows.get(url)
        values = {"title": cfg.title, "tags": json.dumps(sorted(set(cfg.tags))), "weight": cfg.weight,
                  "origin": "config"}
        if row is None:
            counts["added"] += 1
            if apply:
                table.insert({"url": url, "created_at": iso(now), "error_count": 0, **values})
        elif row["removed_at"] or any(row[k] != v for k, v in values.items()):
            counts["updated"] += 1
            if apply:
                table.update(row["id"], {**values, "removed_at": None})
    for url, row in rows.items():
        if row["origin"] == "config" and url not in wanted and not row["removed_at"]:
            counts["removed"] += 1
            if apply:
                table.update(row["id"], {"removed_at": iso(now), "origin": "cli"})
    return counts


def list_feeds(store: Store) -> list[dict]:
    rows = store.query(
        """select f.*, (select count(*) from entries e where e.feed_id = f.id) as entries
           from feeds f where f.removed_at is null order by f.id"""
    )
    for row in rows:
        row["status"] = status_of(row)
        row["tags"] = json.loads(row["tags"] or "[]")
    return rows


def due_feeds(store: Store, now: datetime, *, everything: bool = False) -> list[FeedState]:
    sql = "select * from feeds where removed_at is null and disabled_at is null"
    params: tuple = ()
    if not everything:
        sql += " and (next_check_at is null or next_check_at <= ?)"
        params = (iso(now),)
    return [
        FeedState(r["id"], r["url"], r["effective_url"] or r["url"], r["etag"], r["last_modified"],
                  r["body_sha256"], r["error_count"] or 0, r["ttl_minutes"])
        for r in store.query(sql + " order by id", params)
    ]
