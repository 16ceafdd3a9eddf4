"""Story rows: which entries are one event, and the queries around them.

An entry is clustered once its text is final (extracted, or the feed's own content
for good), and joins a story for life: ``entries.story_id`` is written once. A story
keeps its id and slug forever, so its URL never changes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime

from ..clock import iso, parse_iso
from ..cluster import ClusterItem
from .db import Store

LEAD_CHARS = 600

_ITEM_SQL = """
    select e.id, e.title, e.url, e.published_at, e.story_id, coalesce(f.title, f.feed_title, f.url) as feed,
           substr(coalesce(nullif(x.text, ''), e.summary_html, ''), 1, ?) as lead
    from entries e
    join feeds f on f.id = e.feed_id
    join extractions x on x.entry_id = e.id and x.status in ('ok', 'fallback')
"""


def _item(row: dict) -> ClusterItem:
    return ClusterItem(row["id"], row["title"] or "", row["lead"] or "", row["url"],
                       parse_iso(row["published_at"]), row["feed"])


def unclustered(store: Store, limit: int | None = None) -> list[ClusterItem]:
    sql = _ITEM_SQL + " where e.story_id is null order by e.published_at, e.id" + (" limit ?" if limit else "")
    return [_item(r) for r in store.query(sql, (LEAD_CHARS, limit) if limit else (LEAD_CHARS,))]


def clustered_since(store: Store, since: datetime) -> list[tuple[ClusterItem, int]]:
    rows = store.query(_ITEM_SQL + " where e.story_id is not null and e.published_at >= ?", (LEAD_CHARS, iso(since)))
    return [(_item(r), r["story_id"]) for r in rows]


def slugify(text: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "story"


def save_assignments(store: Store, items: list[ClusterItem], assigned: dict[int, int], now: datetime) -> dict[int, int]:
    """Create the new stories (placeholder ids < 0) and attach every item; one transaction.

    Returns item id -> real story id.
    """
    by_id = {item.id: item for item in items}
    real: dict[int, int] = {}
    result: dict[int, int] = {}
    with store.write():
        for item_id in sorted(assigned, key=lambda i: (by_id[i].published, i)):
            story = assigned[item_id]
            item = by_id[item_id]
            if story < 0 and story not in real:
                cursor = store.conn.execute(
                    "insert into stories (slug, title, created_at, first_published_at, last_published_at, sources) "
                    "values (?, ?, ?, ?, ?, 0)",
                    (f"pending-{item_id}", item.title, iso(now), iso(item.published), iso(item.published)))
                story_id = cursor.lastrowid
                store.conn.execute("update stories set slug = ? where id = ?",
                                   (f"{slugify(item.title)}-{story_id}", story_id))
                real[story] = story_id
            story_id = real.get(story, story)
            store.conn.execute("update entries set story_id = ? where id = ? and story_id is null", (story_id, item_id))
            store.conn.execute(
                """update stories set sources = (select count(*) from entries where story_id = ?),
                       first_published_at = min(first_published_at, ?), last_published_at = max(last_published_at, ?)
                   where id = ?""", (story_id, iso(item.published), iso(item.published), story_id))
            result[item_id] = story_id
    return result


def story_rows(store: Store, since: datetime | None = None) -> list[dict]:
    sql = "select * from stories"
    params: tuple = ()
    if since is not None:
        sql += " where last_published_at >= ?"
        params = (iso(since),)
    return store.query(sql + " order by first_published_at desc, id desc", params)


def story_sources(store: Store, story_ids: list[int] | None = None) -> dict[int, list[dict]]:
    """Every source of each story: url, publisher, published_at, feed weight and text facts."""
    sql = """select e.story_id, e.id as entry_id, e.url, e.title, e.published_at, e.feed_id,
                    coalesce(f.title, f.feed_title, f.url) as publisher, f.weight, f.site_url,
                    x.text_origin, x.text_chars, e.first_seen_at
             from entries e join feeds f on f.id = e.feed_id
             left join extractions x on x.entry_id = e.id
             where e.story_id is not null"""
    params: tuple = ()
    if story_ids is not None:
        sql += f" and e.story_id in ({','.join('?' * len(story_ids))})"
        params = tuple(story_ids)
    out: dict[int, list[dict]] = {}
    for row in store.query(sql + " order by e.published_at, e.id", params):
        out.setdefault(row["story_id"], []).append(row)
    return out




def card_digests(store: Store) -> dict[int, dict]:
    """Every card's identity, without reading the card texts.

    ``cards`` rows are only ever written whole (``insert or replace``, with a new
    ``created_at``), so the identity columns and the texts' lengths say whether a card changed."""
    return {r["story_id"]: r for r in store.query(
        """select story_id, entry_id, cache_key, model, writer, claims_total, claims_verified, text_origin,
                  fallback_reason, created_at, length(card_json) as card_chars, length(dropped_json) as dropped_chars
           from cards""")}


def card_rows(store: Store, story_ids=None) -> dict[int, dict]:
    """The full card rows of some stories (any number of them: the ids travel as one JSON array),
    or of all, each with its card parsed once under ``card`` (None when the stored text is
    not a JSON object: a row written by hand, or by a broken older version)."""
    if story_ids is None:
        rows = store.query("select * from cards")
    else:
        rows = store.query("select * from cards where story_id in (select value from json_each(?))",
                           (json.dumps(sorted(story_ids)),))
    for row in rows:
        try:
            card = json.loads(row["card_json"]) if row["card_json"] else None
        except ValueError:
            card = None
        row["card"] = card if isinstance(card, dict) else None
    return {row["story_id"]: row for row in rows}
