"""`aggregator feeds …`: the sources an instance follows."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..console import cell as _cell
from ..errors import AggregatorError
from ..fetch.guard import AddressPolicy, check_url
from ..opml import export_opml, parse_opml
from ..store import feeds as feed_store
from .app import App, cli, emit_json


@cli.group()
def feeds() -> None:
    """Manage the feeds you follow."""


@feeds.command("add")
@click.argument("url")
@click.option("--title", default=None)
@click.option("--tag", "tags", multiple=True, help="repeatable")
@click.pass_obj
def feeds_add(app: App, url: str, title: str | None, tags: tuple[str, ...]) -> None:
    """Subscribe to the feed at URL."""
    check_url(url, AddressPolicy(allow_private=True))  # scheme and host now; addresses when fetched
    feed_id, created = feed_store.add_feed(app.store, url, app.clock(), title=title, tags=tags)
    click.echo(f"{'added' if created else 'restored'} feed {feed_id}: {url}")


@feeds.command("remove")
@click.argument("feed_id", type=int)
@click.pass_obj
def feeds_remove(app: App, feed_id: int) -> None:
    """Stop following a feed (its entries are kept)."""
    row = feed_store.remove_feed(app.store, feed_id, app.clock())
    click.echo(f"removed feed {feed_id}: {row['url']}")


@feeds.command("enable")
@click.argument("feed_id", type=int)
@click.pass_obj
def feeds_enable(app: App, feed_id: int) -> None:
    """Re-enable a feed disabled after repeated errors; it is fetched on the next run."""
    row = feed_store.enable_feed(app.store, feed_id)
    click.echo(f"enabled feed {feed_id}: {row['url']}")


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def feeds_list(app: App, as_json: bool) -> None:
    """One row per feed with its health."""
    rows = feed_store.list_feeds(app.store)
    if as_json:
        keys = ["id", "url", "title", "feed_title", "tags", "status", "last_error", "entries",
                "last_fetched_at", "next_check_at", "error_count", "effective_url", "origin"]
        emit_json([{k: r.get(k) for k in keys} for r in rows])
        return
    table = Table(box=None)
    for column in ("id", "status", "entries", "title", "url", "last fetched", "next check", "last error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(*map(_cell, (r["id"], r["status"], r["entries"], r["title"] or r["feed_title"], r["url"],
                                   r["last_fetched_at"] or "-", r["next_check_at"] or "-", r["last_error"])))
    Console().print(table)


@feeds.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def feeds_import(app: App, path: Path) -> None:
    """Subscribe to every feed in an OPML file (broken real-world OPML included)."""
    found = parse_opml(path.read_bytes())
    added = skipped = 0
    now = app.clock()
    for feed in found:
        try:
            feed_store.add_feed(app.store, feed.url, now, title=feed.title, tags=feed.tags, origin="opml")
            added += 1
        except AggregatorError:
            skipped += 1
    click.echo(f"imported {added} feeds from {path} ({skipped} already followed)")


@feeds.command("export")
@click.pass_obj
def feeds_export(app: App) -> None:
    """Print the feeds as OPML 2.0."""
    click.echo(export_opml(feed_store.list_feeds(app.store), app.settings.site.title), nl=False)

