"""The schema, as an ordered list of migrations recorded in the database.

Each migration is a function of the database, named once and never edited after it
has shipped: a database made by an older version runs only the ones it lacks, each
in its own write transaction together with the row that records it, so a crash
mid-upgrade leaves the database at the previous version, never half-way.
New schema changes are appended to :data:`MIGRATIONS`.
"""

from __future__ import annotations

from typing import Callable, TYPE_CHECKING

import sqlite_utils

if TYPE_CHECKING:
    from .db import Store

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]


def m001_feeds_and_entries(db: sqlite_utils.Database) -> None:
    db["feeds"].create(
        {
            "id": int,
            "url": str,  # as configured by the user; the identity of the feed
            "title": str,  # the user's title, if any
            "feed_title": str,  # the title the feed gives itself
            "site_url": str,
            "tags": str,  # JSON list
            "weight": float,
            "origin": str,  # config | cli | opml
            "created_at": str,
            "removed_at": str,
            "disabled_at": str,
            "etag": str,
            "last_modified": str,
            "body_sha256": str,
            "effective_url": str,  # after permanent redirects
            "last_fetched_at": str,
            "last_success_at": str,
            "next_check_at": str,
            "last_status": int,
            "last_error": str,
            "error_count": int,
            "interval_seconds": float,
        },
        pk="id",
        not_null={"url", "created_at"},
        defaults={"error_count": 0, "weight": 1.0, "tags": "[]"},
    )
    db["feeds"].create_index(["url"], unique=True)
    db["entries"].create(
        {
            "id": int,
            "feed_id": int,
            "key": str,  # stable identity inside the feed (see parse.entry_key)
            "guid": str,
            "url": str,  # canonical: tracking parameters and fragment removed
            "link": str,  # absolute link as the feed gave it
            "title": str,
            "author": str,
            "summary_html": str,  # sanitized
            "content_html": str,  # sanitized
            "published_at": str,
            "updated_at": str,
            "date_origin": str,  # feed | first_seen
            "first_seen_at": str,
            "last_seen_at": str,
            "content_hash": str,
            "changed_at": str,
            "change_count": int,
        },
        pk="id",
        foreign_keys=[("feed_id", "feeds", "id")],
        not_null={"feed_id", "key", "first_seen_at"},
        defaults={"change_count": 0},
    )
    db["entries"].create_index(["feed_id", "key"], unique=True)
    db["entries"].create_index(["url"])


def m002_fetch_log(db: sqlite_utils.Database) -> None:
    """One row per fetch attempt: what `status` and a feed's health page show."""
    db["fetches"].create(
        {
            "id": int,
            "feed_id": int,
            "started_at": str,
            "duration_ms": int,
            "outcome": str,  # new | updated | not_modified | unchanged | error
            "http_status": int,
            "bytes": int,
            "new_entries": int,
            "updated_entries": int,
            "error": str,
        },
        pk="id",
        foreign_keys=[("feed_id", "feeds", "id")],
    )
    db["fetches"].create_index(["feed_id", "started_at"])
    db["entries"].create_index(["published_at"])


def m003_feed_ttl(db: sqlite_utils.Database) -> None:
    """RSS <ttl> is remembered: a 304 carries no body to read it from."""
    db["feeds"].add_column("ttl_minutes", int)


def m004_extractions(db: sqlite_utils.Database) -> None:
    """The text each entry's card is written from, where it came from, and why."""
    db["extractions"].create(
        {
            "entry_id": int,
            "status": str,  # ok | fallback | failed (failed: retried at next_attempt_at)
            "text": str,  # plain text, paragraphs separated by blank lines
            "text_origin": str,  # article | feed | none
            "reason": str,  # why the feed text was used, or what failed
            "entry_hash": str,  # entries.content_hash when extracted: a changed entry is redone
            "page_url": str,  # after redirects
            "http_status": int,
            "title": str,
            "author": str,
            "published": str,  # as found on the page (YYYY-MM-DD)
            "sitename": str,
            "image_url": str,
            "language": str,
            "encoding": str,
            "text_chars": int,
            "attempts": int,
            "last_attempt_at": str,
            "next_attempt_at": str,
            "extracted_at": str,
        },
        pk="entry_id",
        foreign_keys=[("entry_id", "entries", "id")],
        defaults={"attempts": 0},
    )
    db["extractions"].create_index(["status", "next_attempt_at"])


def m005_stories_cards_and_llm_log(db: sqlite_utils.Database) -> None:
    """Stories (one event, many sources), their cards (only complete, verified ones),
    card failures, and every LLM call."""
    db["stories"].create(
        {
            "id": int,
            "slug": str,  # permanent: the story's URL never changes
            "title": str,  # the title of its first entry
            "created_at": str,
            "first_published_at": str,
            "last_published_at": str,
            "sources": int,  # entries in the story
        },
        pk="id",
        not_null={"slug", "created_at"},
    )
    db["stories"].create_index(["slug"], unique=True)
    db["stories"].create_index(["first_published_at"])
    db["entries"].add_column("story_id", int, fk="stories", fk_col="id")
    db["entries"].create_index(["story_id"])
    db["cards"].create(
        {
            "story_id": int,
            "entry_id": int,  # the source the card was written from (the richest text)
            "cache_key": str,  # sha256 of (source text hash, prompt version, model)
            "source_hash": str,
            "prompt_version": str,
            "model": str,  # the LLM model, or "offline"
            "writer": str,  # llm | offline
            "card_json": str,  # the published fields (summarize.card.Card.published())
            "dropped_json": str,  # claims that failed verification, kept apart
            "claims_total": int,
            "claims_verified": int,
            "text_origin": str,  # article | feed: "based on the publisher's excerpt"
            "fallback_reason": str,  # why an LLM card was replaced by the offline one
            "created_at": str,
        },
        pk="story_id",
        foreign_keys=[("story_id", "stories", "id"), ("entry_id", "entries", "id")],
    )
    db["cards"].create_index(["cache_key"])
    db["card_failures"].create(
        {"story_id": int, "cache_key": str, "attempts": int, "error": str, "last_attempt_at": str,
         "next_attempt_at": str},
        pk="story_id",
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["llm_calls"].create(
        {"id": int, "at": str, "model": str, "prompt_name": str, "prompt_version": str, "mode": str,
         "subject": str, "tokens_in": int, "tokens_out": int, "latency_ms": int, "outcome": str, "error": str},
        pk="id",
    )
    db["llm_calls"].create_index(["at"])
    db["kv"].create({"key": str, "value": str, "updated_at": str}, pk="key")


def m006_recaps(db: sqlite_utils.Database) -> None:
    """The LLM-written introduction of each week's recap, and what it was written from."""
    db["recaps"].create(
        {
            "week": str,  # 2026-W48
            "input_hash": str,  # of the stories and cards it was written from: changed input, new intro
            "model": str,
            "intro_json": str,  # [{"text", "story_id"}]: only the sentences that passed verification
            "sentences_total": int,
            "sentences_verified": int,
            "created_at": str,
        },
        pk="week",
    )


def m007_subscribers_tokens_outbox(db: sqlite_utils.Database) -> None:
    """Digest subscribers, their link tokens (hashed), rate-limit events, and the outbox."""
    db["subscribers"].create(
        {
            "id": int,
            "address": str,  # normalized (email-validator); unique
            "status": str,  # pending | confirmed | unsubscribed | bounced
            "frequency": str,  # weekly | daily
            "topics": str,  # JSON list; empty: every topic
            "created_at": str,
            "confirmed_at": str,
            "unsubscribed_at": str,
            "bounced_at": str,
            "bounce_reason": str,
        },
        pk="id",
        not_null={"address", "status", "created_at"},
        defaults={"status": "pending", "frequency": "weekly", "topics": "[]"},
    )
    db["subscribers"].create_index(["address"], unique=True)
    db["tokens"].create(
        {
            "token_hash": str,  # sha256 of the random token; the token itself is only ever in the email
            "subscriber_id": int,
            "purpose": str,  # confirm | manage (preferences and unsubscribe links)
            "created_at": str,
            "expires_at": str,
            "used_at": str,
        },
        pk="token_hash",
        foreign_keys=[("subscriber_id", "subscribers", "id")],
    )
    db["tokens"].create_index(["subscriber_id"])
    db["rate_events"].create({"id": int, "key": str, "at": str}, pk="id")
    db["rate_events"].create_index(["key", "at"])
    db["outbox"].create(
        {
            "id": int,
            "issue": str,  # what is sent: "digest:2026-W47", "confirm:<subscriber id>:<n>"
            "subscriber_id": int,
            "address": str,
            "state": str,  # queued | sending | sent | retry | unknown | bounced | skipped | failed
            "attempts": int,
            "next_attempt_at": str,
            "claimed_at": str,
            "sent_at": str,
            "message_id": str,
            "error": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("subscriber_id", "subscribers", "id")],
        defaults={"state": "queued", "attempts": 0},
    )
    db["outbox"].create_index(["issue", "subscriber_id"], unique=True)  # never two of one issue to one reader
    db["outbox"].create_index(["state", "next_attempt_at"])


def m008_outbox_claimed_by(db: sqlite_utils.Database) -> None:
    """Which process claimed an outbox row ("host:pid"), so that a sender starting up turns
    only the claims of dead processes into 'unknown', never the row another live sender
    (the web app's confirmation, a second `digest send`) is sending right now."""
    db["outbox"].add_column("claimed_by", str)


def m009_runs(db: sqlite_utils.Database) -> None:
    """One row per stage run: what `status` shows as the last runs."""
    db["runs"].create({"id": int, "stage": str, "started_at": str, "finished_at": str, "outcome": str,
                       "summary": str, "error": str}, pk="id")
    db["runs"].create_index(["stage", "started_at"])


def m010_extraction_words(db: sqlite_utils.Database) -> None:
    """Each extraction's word count, stored once: the weekly recap's "reading time saved"
    summed them from the text at every site build (0.3 s of SQLite at 19,000 articles)."""
    db["extractions"].add_column("words", int)
    db.execute("update extractions set words = length(text) - length(replace(text, ' ', '')) + 1 "
               "where text is not null")


MIGRATIONS: list[Migration] = [
    ("001_feeds_and_entries", m001_feeds_and_entries),
    ("002_fetch_log", m002_fetch_log),
    ("003_feed_ttl", m003_feed_ttl),
    ("004_extractions", m004_extractions),
    ("005_stories_cards_and_llm_log", m005_stories_cards_and_llm_log),
    ("006_recaps", m006_recaps),
    ("007_subscribers_tokens_outbox", m007_subscribers_tokens_outbox),
    ("008_outbox_claimed_by", m008_outbox_claimed_by),
    ("009_runs", m009_runs),
    ("010_extraction_words", m010_extraction_words),
]


def applied(store: "Store") -> list[str]:
    if "_migrations" not in store.db.table_names():
        return []
    return [row["name"] for row in store.db.query("select name from _migrations order by id")]


def migrate(store: "Store", migrations: list[Migration] | None = None) -> list[str]:
    """Apply the migrations this database lacks; return their names."""
    migrations = MIGRATIONS if migrations is None else migrations
    done = set(applied(store))
    if all(name in done for name, _ in migrations):
        return []  # the common case takes no write lock: commands run while `serve` writes
    with store.write() as db:
        if "_migrations" not in db.table_names():
            db["_migrations"].create({"id": int, "name": str, "applied_at": str}, pk="id")
    ran: list[str] = []
    for name, func in migrations:
        if name in done:
            continue
        with store.write() as db:
            # re-check under the write lock: another process may have just run it
            if db.execute("select 1 from _migrations where name = ?", [name]).fetchone():
                continue
            func(db)
            db.execute(
                "insert into _migrations (name, applied_at) values (?, strftime('%Y-%m-%dT%H:%M:%S+00:00','now'))",
                [name],
            )
        ran.append(name)
    return ran
