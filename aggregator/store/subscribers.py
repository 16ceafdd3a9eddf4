"""Digest subscribers, their link tokens and the rate-limit events.

Tokens are random (256 bits from :mod:`secrets`) and only their SHA-256 is stored: a
copy of the database cannot be used to unsubscribe or re-confirm anyone. A confirm
token expires; a *manage* token (preferences and unsubscribe links) is minted for
every email sent, so each email carries links of its own. Unknown, expired and used
tokens all answer ``None``: callers show the same page for each.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta

from ..clock import iso
from .db import Store

CONFIRM_TOKEN_LIFETIME = timedelta(days=7)
STATUSES = ("pending", "confirmed", "unsubscribed", "bounced")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token(store: Store, subscriber_id: int, purpose: str, now: datetime,
              lifetime: timedelta | None = None) -> str:
    token = secrets.token_urlsafe(32)
    with store.write() as db:
        db["tokens"].insert({"token_hash": token_hash(token), "subscriber_id": subscriber_id, "purpose": purpose,
                             "created_at": iso(now), "expires_at": iso(now + lifetime) if lifetime else None})
    return token


def subscriber_for_token(store: Store, token: str, purpose: str, now: datetime) -> dict | None:
    """The subscriber a live token of ``purpose`` belongs to, or None (unknown, expired, wrong kind)."""
    if not token or len(token) > 200:
        return None
    rows = store.query(
        """select s.* from tokens t join subscribers s on s.id = t.subscriber_id
           where t.token_hash = ? and t.purpose = ? and (t.expires_at is null or t.expires_at > ?)""",
        (token_hash(token), purpose, iso(now)))
    return _row(rows[0]) if rows else None


def _row(row: dict) -> dict:
    row = dict(row)
    row["topics"] = json.loads(row.get("topics") or "[]")
    return row


def by_address(store: Store, address: str) -> dict | None:
    rows = store.query("select * from subscribers where address = ?", (address,))
    return _row(rows[0]) if rows else None


def by_id(store: Store, subscriber_id: int) -> dict | None:
    rows = store.query("select * from subscribers where id = ?", (subscriber_id,))
    return _row(rows[0]) if rows else None


def add_pending(store: Store, address: str, now: datetime) -> dict:
    """The subscriber for ``address``, created as pending if new; an unsubscribed reader
    who subscribes again is pending again (and must confirm again). Bounced stays bounced."""
    with store.write() as db:
        db.execute("insert or ignore into subscribers (address, status, created_at) values (?, 'pending', ?)",
                   (address, iso(now)))
        db.execute("update subscribers set status = 'pending', unsubscribed_at = null "
                   "where address = ? and status = 'unsubscribed'", (address,))
    return by_address(store, address)


def confirm(store: Store, subscriber_id: int, now: datetime) -> None:
    """Idempotent: confirming twice keeps the first confirmation time."""
    with store.write() as db:  # a re-subscription's confirmation is the consent on record
        db.execute("update subscribers set confirmed_at = case when status = 'pending' then ? else confirmed_at end, "
                   "status = 'confirmed' where id = ? and status in ('pending', 'confirmed')", (iso(now), subscriber_id))


def unsubscribe(store: Store, subscriber_id: int, now: datetime) -> None:
    with store.write() as db:
        db.execute("update subscribers set status = 'unsubscribed', unsubscribed_at = ? "
                   "where id = ? and status in ('pending', 'confirmed')", (iso(now), subscriber_id))  # bounced stays


def mark_bounced(store: Store, subscriber_id: int, reason: str, now: datetime) -> None:
    with store.write() as db:
        db.execute("update subscribers set status = 'bounced', bounced_at = ?, bounce_reason = ? where id = ?",
                   (iso(now), reason[:500], subscriber_id))


def set_preferences(store: Store, subscriber_id: int, frequency: str, topics: list[str]) -> None:
    with store.write() as db:
        db.execute("update subscribers set frequency = ?, topics = ? where id = ?",
                   (frequency, json.dumps(sorted(set(topics))), subscriber_id))


def confirmed(store: Store) -> list[dict]:
    return [_row(r) for r in store.query("select * from subscribers where status = 'confirmed' order by id")]


def take_event(store: Store, key: str, since: datetime, limit: int, now: datetime, *,
               keep: timedelta = timedelta(days=2)) -> bool:
    """Record an event unless ``limit`` of them already happened since ``since``: True when it was
    recorded. Counting and recording are one write transaction, so concurrent requests (a
    subscription's work runs after its answer) cannot both take the last place."""
    with store.write() as db:
        taken = db.execute("select count(*) from rate_events where key = ? and at > ?", (key, iso(since))).fetchone()
        if taken[0] >= limit:
            return False
        db.execute("insert into rate_events (key, at) values (?, ?)", (key, iso(now)))
        db.execute("delete from rate_events where at < ?", (iso(now - keep),))
        return True
