"""Extraction rows: which entries need their text, and what was found.

An entry needs extraction when it has none yet, when its feed content changed
since (``entry_hash`` differs), or when an earlier attempt failed and its retry time
has come. Nothing is ever dropped from this queue silently: a failure stays as a
``failed`` row with its reason until it succeeds or its fallback becomes final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..clock import iso
from .db import Store


@dataclass(frozen=True)
class PendingEntry:
    id: int
    url: str | None
    title: str
    feed_html: str  # the feed's own content (content or summary), sanitized HTML
    content_hash: str
    attempts: int  # earlier attempts for this version of the entry


PENDING_SQL = """
    select e.id, e.url, e.title, e.content_html, e.summary_html, e.content_hash,
           case when x.entry_hash = e.content_hash then coalesce(x.attempts, 0) else 0 end as attempts
    from entries e left join extractions x on x.entry_id = e.id
    where x.entry_id is null
       or x.entry_hash is not e.content_hash
       or (x.status = 'failed' and x.next_attempt_at <= ?)
    order by e.published_at desc, e.id
"""


def pending(store: Store, now: datetime, limit: int | None = None) -> list[PendingEntry]:
    sql = PENDING_SQL + (" limit ?" if limit else "")
    params = (iso(now), limit) if limit else (iso(now),)
    return [
        PendingEntry(r["id"], r["url"], r["title"] or "",
                     r["content_html"] if len(r["content_html"] or "") >= len(r["summary_html"] or "")
                     else r["summary_html"],
                     r["content_hash"], r["attempts"])
        for r in store.query(sql, params)
    ]


def word_count(text: str) -> int:
    """Words as the recap counts them for "reading time saved": spaces plus one."""
    return text.count(" ") + 1


def save_extraction(store: Store, row: dict, page_date: datetime | None = None) -> None:
    """Insert or replace the extraction of one entry (one transaction).

    ``page_date``: the publication date the page states. An entry whose feed gave no
    date (stamped with its first-seen time) takes it instead, marked ``page``.
    """
    if row.get("text") is not None and "words" not in row:
        row = {**row, "words": word_count(row["text"])}
    columns = list(row)
    with store.write():
        store.conn.execute(
            f"insert or replace into extractions ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
            tuple(row.values()),
        )
        if page_date is not None:
            store.conn.execute(
                "update entries set published_at = ?, date_origin = 'page' where id = ? and date_origin = 'first_seen'",
                (iso(page_date), row["entry_id"]),
            )


def get_extraction(store: Store, entry_id: int) -> dict | None:
    rows = store.query("select * from extractions where entry_id = ?", (entry_id,))
    return rows[0] if rows else None


def failures(store: Store) -> list[dict]:
    return store.query(
        """select x.entry_id, e.url, x.reason, x.attempts, x.next_attempt_at
           from extractions x join entries e on e.id = x.entry_id
           where x.status = 'failed' order by x.next_attempt_at""")
