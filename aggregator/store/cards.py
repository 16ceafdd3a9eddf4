"""Cards, card failures, the LLM call log and small remembered settings.

A story has at most one card, written complete in one transaction: the
schema-valid, grounded card or nothing. It is written from the story's richest source. Failures live in their own table so that an entry whose
card could not be written stays queued with its error, and is retried with backoff.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Callable

from ..clock import iso
from ..summarize.card import Card
from .db import Store


@dataclass(frozen=True)
class CardSubject:
    """A story that needs a card, with the source text to write it from."""

    story_id: int
    entry_id: int  # the richest source: longest article text (feed excerpts only when nothing better)
    title: str
    text: str
    text_origin: str
    publisher: str
    published_at: str | None
    url: str | None


@dataclass(frozen=True)
class CardState:
    """What the store holds for a story's card now."""

    key: str | None
    model: str | None
    prompt_version: str | None
    created_at: str | None
    failed_key: str | None
    retry_at: str | None


SUBJECTS_SQL = """
    with ranked as (
        select e.story_id, e.id as entry_id, e.title, e.url, e.published_at, x.text, x.text_origin,
               coalesce(f.title, f.feed_title, f.url) as publisher,
               row_number() over (partition by e.story_id
                                  order by x.text_origin = 'article' desc, length(x.text) desc, e.published_at, e.id)
                   as rank
        from entries e
        join extractions x on x.entry_id = e.id and x.status in ('ok', 'fallback') and x.entry_hash = e.content_hash
        join feeds f on f.id = e.feed_id
        where e.story_id is not null and length(coalesce(x.text, '')) + length(e.title) > 0
    )
    select r.*, c.cache_key as card_key, c.model as card_model, c.prompt_version as card_version,
           c.created_at as card_created_at, k.next_attempt_at as retry_at, k.cache_key as failed_key
    from ranked r
    left join cards c on c.story_id = r.story_id
    left join card_failures k on k.story_id = r.story_id
    where r.rank = 1
    order by r.published_at desc, r.story_id
"""


def card_subjects(store: Store) -> list[tuple[CardSubject, CardState]]:
    """Every story with final text, its richest source, and its card's current state."""
    out = []
    for r in store.query(SUBJECTS_SQL):
        subject = CardSubject(r["story_id"], r["entry_id"], r["title"] or "", r["text"] or "", r["text_origin"],
                              r["publisher"], r["published_at"], r["url"])
        out.append((subject, CardState(r["card_key"], r["card_model"], r["card_version"], r["card_created_at"],
                                       r["failed_key"], r["retry_at"])))
    return out


def card_by_key(store: Store, cache_key: str) -> dict | None:
    rows = store.query("select * from cards where cache_key = ? limit 1", (cache_key,))
    return rows[0] if rows else None


def save_card(store: Store, subject: CardSubject, *, card: Card, cache_key: str, source_hash: str,
              prompt_version: str, model: str, fallback_reason: str | None, now: datetime) -> None:
    with store.write():
        store.conn.execute(
            """insert or replace into cards (story_id, entry_id, cache_key, source_hash, prompt_version, model, writer,
                   card_json, dropped_json, claims_total, claims_verified, text_origin, fallback_reason, created_at)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (subject.story_id, subject.entry_id, cache_key, source_hash, prompt_version, model, card.writer,
             json.dumps(card.published(), ensure_ascii=False), json.dumps([asdict(d) for d in card.dropped],
                                                                         ensure_ascii=False),
             card.claims_total, card.claims_verified, subject.text_origin, fallback_reason, iso(now)),
        )
        store.conn.execute("delete from card_failures where story_id = ?", (subject.story_id,))


def save_failure(store: Store, story_id: int, cache_key: str, error: str, now: datetime,
                 backoff: Callable[[int], timedelta]) -> int:
    """Record a failed attempt; the next one waits ``backoff(attempts)``. Returns attempts."""
    with store.write():
        row = store.conn.execute("select attempts, cache_key from card_failures where story_id = ?",
                                 (story_id,)).fetchone()
        attempts = (row[0] if row and row[1] == cache_key else 0) + 1
        store.conn.execute(
            """insert or replace into card_failures (story_id, cache_key, attempts, error, last_attempt_at,
                   next_attempt_at) values (?, ?, ?, ?, ?, ?)""",
            (story_id, cache_key, attempts, error, iso(now), iso(now + backoff(attempts))),
        )
    return attempts


def get_card(store: Store, story_id: int) -> dict | None:
    rows = store.query("select * from cards where story_id = ?", (story_id,))
    if not rows:
        return None
    row = rows[0]
    row["card"] = json.loads(row.pop("card_json"))
    row["dropped_claims"] = json.loads(row.pop("dropped_json"))
    return row


def get_failure(store: Store, story_id: int) -> dict | None:
    rows = store.query("select * from card_failures where story_id = ?", (story_id,))
    return rows[0] if rows else None


def log_call(store: Store, call, now: datetime) -> None:
    with store.write():
        store.conn.execute(
            """insert into llm_calls (at, model, prompt_name, prompt_version, mode, subject, tokens_in, tokens_out,
                   latency_ms, outcome, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (iso(now), call.model, call.prompt_name, call.prompt_version, call.mode, call.subject, call.tokens_in,
             call.tokens_out, call.latency_ms, call.outcome, call.error),
        )


def usage_since(store: Store, since: datetime) -> list[dict]:
    return store.query(
        """select model, count(*) as calls, sum(tokens_in) as tokens_in, sum(tokens_out) as tokens_out,
                  sum(outcome = 'ok') as ok, sum(outcome != 'ok') as failed
           from llm_calls where at >= ? group by model order by model""", (iso(since),))


def kv_get(store: Store, key: str) -> str | None:
    return store.scalar("select value from kv where key = ?", (key,))


def kv_set(store: Store, key: str, value: str, now: datetime) -> None:
    with store.write():
        store.conn.execute("insert or replace into kv (key, value, updated_at) values (?, ?, ?)",
                           (key, value, iso(now)))
