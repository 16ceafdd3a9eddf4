"""`aggregator entries …`: what was stored for an entry, from feed fields to its story's card."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from ..console import cell as _cell
from ..store import entries as entry_store
from ..store.cards import get_card, get_failure
from ..store.extractions import get_extraction
from .app import App, cli, emit_json


@cli.group()
def entries() -> None:
    """What was stored for each entry."""


@entries.command("list")
@click.option("--feed", "feed_id", type=int, default=None)
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def entries_list(app: App, feed_id: int | None, limit: int, as_json: bool) -> None:
    rows = entry_store.list_entries(app.store, feed_id, limit)
    if as_json:
        emit_json(rows)
        return
    table = Table(box=None)
    for column in ("id", "feed", "published", "title"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(*map(_cell, (r["id"], r["feed"], r["published_at"], r["title"])))
    Console().print(table)


@entries.command("show")
@click.argument("entry_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def entries_show(app: App, entry_id: int, as_json: bool) -> None:
    row = entry_store.get_entry(app.store, entry_id)
    if row is None:
        raise click.ClickException(f"no entry with id {entry_id}")
    extraction = get_extraction(app.store, entry_id) or {}
    row.update(
        text=extraction.get("text"),
        text_origin=extraction.get("text_origin"),
        extraction={k: v for k, v in extraction.items() if k not in ("text", "text_origin", "entry_id")} or None,
        errors=[extraction["reason"]] if extraction.get("status") == "failed" else [],
    )
    card = get_card(app.store, row["story_id"]) if row["story_id"] else None
    failure = get_failure(app.store, row["story_id"]) if row["story_id"] else None
    if failure:
        row["errors"].append(f"card: {failure['error']} (attempt {failure['attempts']}, "
                             f"next at {failure['next_attempt_at']})")
    row["card"] = card["card"] if card else None
    row["dropped_claims"] = card["dropped_claims"] if card else []
    row["card_meta"] = {k: card[k] for k in ("entry_id", "writer", "model", "prompt_version", "claims_total",
                                             "claims_verified", "fallback_reason", "created_at")} if card else None
    if as_json:
        emit_json(row)
        return
    text = row.pop("text")
    card = row.pop("card")
    row.pop("dropped_claims")
    for key, value in row.items():
        if key == "extraction" and value:
            for k, v in value.items():
                click.echo(f"{'extraction.' + k:>26}: {_cell(v).plain}")
        else:
            click.echo(f"{key:>26}: {_cell(value).plain}")
    click.echo("")
    click.echo(text or "(no text extracted yet: run `aggregator extract`)")
    if card:
        click.echo("")
        click.echo(json.dumps(card, indent=2, ensure_ascii=False))

