"""The outbox table's state changes: queue, claim, release, finish, and orphaned claims.

Each change is one write transaction guarded by the state it expects, so two senders
(`digest send` and the web app's confirmations) can never both claim a row, and a
late writer cannot overwrite what another decided. What the states mean, and the
crash rule, are described in :mod:`aggregator.mail.outbox`.
"""

from __future__ import annotations

from datetime import datetime

from ..clock import iso
from .db import Store


def insert(db, issue: str, subscriber: dict, now: datetime) -> int:
    """Queue one email in an open transaction; 0 when the subscriber already has a row for ``issue``."""
    cursor = db.execute("insert or ignore into outbox (issue, subscriber_id, address, state, attempts, created_at) "
                        "values (?, ?, ?, 'queued', 0, ?)", (issue, subscriber["id"], subscriber["address"], iso(now)))
    return cursor.rowcount


def in_state(store: Store, state: str, issue: str | None = None) -> list[dict]:
    """The rows in ``state`` ('sending': claims in flight; 'unknown': waiting for a person)."""
    sql, params = "select * from outbox where state = ?", (state,)
    if issue:
        sql, params = sql + " and issue = ?", params + (issue,)
    return store.query(sql + " order by id", params)


def mark_unknown(store: Store, row: dict, error: str) -> bool:
    """Turn an orphaned claim into 'unknown'; False when someone else settled it first."""
    with store.write() as db:
        return bool(db.execute("update outbox set state = 'unknown', error = ? where id = ? and state = 'sending' "
                               "and claimed_by is ?", (error, row["id"], row["claimed_by"])).rowcount)


def _due(issue: str | None, now: datetime) -> tuple[str, tuple]:
    sql = ("select o.*, s.status as subscriber_status from outbox o left join subscribers s on s.id = o.subscriber_id "
           "where o.state in ('queued', 'retry') and (o.next_attempt_at is null or o.next_attempt_at <= ?)")
    params: tuple = (iso(now),)
    if issue:
        sql, params = sql + " and o.issue = ?", params + (issue,)
    return sql + " order by o.id limit 1", params


def next_issue(store: Store, now: datetime, issue: str | None) -> str | None:
    """The issue of the row :func:`claim` would take next (a read: it claims nothing)."""
    rows = store.query(*_due(issue, now))
    return rows[0]["issue"] if rows else None


def claim(store: Store, now: datetime, issue: str | None, claimed_by: str,
          eligible: dict[str, str]) -> tuple[dict, str] | None:
    """The next due row, claimed ('sending') in one write transaction; or skipped, with the
    subscriber's status, when it is not the one ``eligible`` names for the issue's kind."""
    with store.write() as db:
        cursor = db.execute(*_due(issue, now))
        found = cursor.fetchone()
        if found is None:
            return None
        row = dict(zip([c[0] for c in cursor.description], found))
        wanted = eligible.get(row["issue"].partition(":")[0])
        status = row["subscriber_status"] or "gone"
        if wanted is not None and status != wanted:
            db.execute("update outbox set state = 'skipped', error = ? where id = ?",
                       (f"the subscriber is {status}", row["id"]))
            return row, status
        db.execute("update outbox set state = 'sending', claimed_at = ?, claimed_by = ?, attempts = attempts + 1 "
                   "where id = ?", (iso(now), claimed_by, row["id"]))
        row["attempts"] += 1
        row["claimed_by"] = claimed_by  # row["state"] stays what it was before the claim, for release()
        return row, "claimed"


def release(store: Store, row: dict) -> None:
    """Put a claimed row back as it was: nothing was handed to the server."""
    with store.write() as db:
        db.execute("update outbox set state = ?, attempts = attempts - 1, claimed_by = null where id = ? "
                   "and state = 'sending' and claimed_by is ?", (row["state"], row["id"], row["claimed_by"]))


def finish(store: Store, row: dict, state: str, now: datetime, *, error: str | None = None,
           message_id: str | None = None, next_attempt_at: datetime | None = None) -> None:
    with store.write() as db:
        db.execute("update outbox set state = ?, error = ?, message_id = coalesce(?, message_id), "
                   "sent_at = ?, next_attempt_at = ? where id = ? and state in ('sending', 'unknown') "
                   "and claimed_by is ?",  # our claim still: not a row settled by hand and claimed again since
                   (state, error, message_id, iso(now) if state == "sent" else None, iso(next_attempt_at),
                    row["id"], row["claimed_by"]))


def settle(store: Store, ids: list[int], delivered: bool, now: datetime) -> list[int]:
    """Settle 'unknown' rows by hand: ``delivered`` marks them sent (the mail server's log shows
    them accepted), otherwise they are queued to be sent again. Returns the ids settled; a row
    that is not 'unknown' (any more) is left as it is."""
    note = f"settled by hand at {iso(now)}: " + ("delivered" if delivered else "queued to be sent again")
    settled = []
    with store.write() as db:
        for row_id in ids:
            cursor = db.execute(
                "update outbox set state = ?, sent_at = ?, next_attempt_at = null, claimed_by = null, "
                "error = coalesce(error || '; ', '') || ? where id = ? and state = 'unknown'",
                ("sent" if delivered else "queued", iso(now) if delivered else None, note, row_id))
            if cursor.rowcount:
                settled.append(row_id)
    return settled
