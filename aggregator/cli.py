"""The `aggregator` command. Thin: parse arguments, call pipeline/store, print.

Errors the program raises on purpose (:class:`AggregatorError`) become one line on
stderr and exit code 1; bad usage is click's exit code 2. ``--json`` prints
machine-readable output on stdout and nothing else.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .clock import system_clock
from .console import cell as _cell
from .config import Settings, default_config_path, load_settings
from .errors import AggregatorError
from .export import export_stories
from .fetch.guard import AddressPolicy, check_url
from .opml import export_opml, parse_opml
from .pipeline import open_settings_store, run_cluster, run_extract, run_fetch, run_once, run_summarize
from .store import entries as entry_store
from .store import feeds as feed_store
from .store.cards import get_card, get_failure
from .store.extractions import get_extraction

STARTER_CONFIG = Path(__file__).parent / "templates" / "config.toml"


class _Group(click.Group):
    """Turn deliberate errors into one clear line instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AggregatorError as exc:
            raise click.ClickException(str(exc)) from None


class App:
    """What every command needs: settings, a store and a clock, made on first use."""

    def __init__(self, config_path: Path):
        self.config_path = config_path
        self.clock = system_clock
        self._settings: Settings | None = None
        self._store = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def store(self):
        if self._store is None:
            self._store = open_settings_store(self.settings, self.clock)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


@contextmanager
def _progress(label: str, *, quiet: bool):
    """A progress bar on stderr when it is a terminal; yields (on_start, on_done) callbacks."""
    console = Console(stderr=True)
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, disable=quiet or not console.is_terminal, transient=True)
    with bar:
        task = bar.add_task(label, total=None)
        yield (lambda total: bar.update(task, total=total)), (lambda _outcome: bar.advance(task))


def _emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(cls=_Group)
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="config file (default ./config.toml or $AGGREGATOR_CONFIG)")
@click.version_option(package_name="aggregator")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Self-hosted AI-news aggregator."""
    app = App(config_path or default_config_path(os.environ))
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--force", is_flag=True, help="overwrite an existing config.toml")
def init(directory: Path, force: bool) -> None:
    """Write a commented starter config.toml into DIRECTORY."""
    target = directory / "config.toml"
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists (use --force to overwrite)")
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(STARTER_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"wrote {target}; edit it, then run `aggregator fetch`")


# ---------------------------------------------------------------- feeds

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
        _emit_json([{k: r.get(k) for k in keys} for r in rows])
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


# ---------------------------------------------------------------- fetch

@cli.command()
@click.option("--all", "everything", is_flag=True, help="fetch every enabled feed, due or not")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def fetch(app: App, everything: bool, as_json: bool) -> None:
    """Poll the feeds that are due. Exit code 1 if any feed failed."""
    with _progress("fetching", quiet=as_json) as (on_start, on_done):
        report = run_fetch(app.settings, app.store, app.clock, everything=everything,
                           on_start=on_start, on_done=on_done)
    if as_json:
        _emit_json(report.as_dict())
    else:
        click.echo(
            f"{report.feeds_checked} feeds checked: {report.not_modified} not modified, "
            f"{report.unchanged} unchanged, {report.new_entries} new entries, "
            f"{report.updated_entries} updated, {report.errors} errors"
            + (f" ({report.disabled} feeds disabled)" if report.disabled else "")
        )
        for outcome in report.outcomes:
            if outcome.outcome == "error":
                click.echo(f"  feed {outcome.feed_id} {outcome.url}: {outcome.error}", err=True)
    if report.errors:
        sys.exit(1)


@cli.command()
@click.option("--limit", type=int, default=None, help="at most this many entries")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def extract(app: App, limit: int | None, as_json: bool) -> None:
    """Fetch and extract the full text of new, changed and due-for-retry entries."""
    with _progress("extracting", quiet=as_json) as (on_start, on_done):
        report = run_extract(app.settings, app.store, app.clock, limit=limit, on_start=on_start, on_done=on_done)
    if as_json:
        _emit_json(report.as_dict())
        return
    click.echo(f"{report.processed} entries: {report.from_article} from the article page, "
               f"{report.from_feed} from the feed's content, {report.failed} failed (retried later)")
    for outcome in report.outcomes:
        if outcome.status == "failed":
            click.echo(f"  failed  entry {outcome.entry_id} {outcome.url}: {outcome.reason}", err=True)
        elif outcome.origin != "article":
            click.echo(f"  feed    entry {outcome.entry_id} {outcome.url}: {outcome.reason}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def cluster(app: App, as_json: bool) -> None:
    """Group entries about the same event into stories (ids and URLs never change)."""
    report = run_cluster(app.settings, app.store, app.clock)
    if as_json:
        _emit_json(report.as_dict())
        return
    click.echo(f"{report.entries} entries clustered into {report.stories} stories: {report.new_stories} new, "
               f"{report.joined_existing} entries joined earlier stories")


@cli.command()
@click.option("--limit", type=int, default=None, help="at most this many cards")
@click.option("--dry-run", is_flag=True, help="print the calls, tokens and cost a run would take; call nothing")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def summarize(app: App, limit: int | None, dry_run: bool, as_json: bool) -> None:
    """Write a verified card for every story that has none under the current prompt and model."""
    with _progress("writing cards", quiet=as_json or dry_run) as (on_start, on_done):
        report = run_summarize(app.settings, app.store, app.clock, limit=limit, dry_run=dry_run,
                               on_start=on_start, on_done=on_done)
    if as_json:
        _emit_json(report.as_dict())
    elif dry_run:
        cost = "unknown (no price for this model in [llm.prices])" if report.estimated_cost is None \
            else f"${report.estimated_cost:.4f}"
        click.echo(f"{report.planned} cards to write with {report.writer}: {report.calls} LLM calls, "
                   f"~{report.estimated_tokens_in} input tokens, up to {report.estimated_tokens_out} output tokens, "
                   f"estimated cost {cost}")
    else:
        click.echo(f"{report.planned} cards: {report.llm_cards} written by the LLM, {report.offline_cards} offline, "
                   f"{report.fallbacks} LLM cards replaced by the offline card after verification, "
                   f"{report.reused} reused, {report.failed} failed, {report.waiting} waiting for the next run; "
                   f"{report.calls} LLM calls, {report.tokens_in + report.tokens_out} tokens")
        for outcome in report.outcomes:
            if outcome.result in ("failed", "fallback"):
                click.echo(f"  {outcome.result} story {outcome.story_id}: {outcome.error}", err=True)
    waiting = app.store.scalar("select count(*) from entries where story_id is null")
    if waiting and not as_json:
        click.echo(f"note: {waiting} entries are not in a story yet: run `aggregator cluster` "
                   "(after `aggregator extract`) to give them cards")
    if report.aborted:
        raise click.ClickException(f"stopped: {report.aborted}")
    if report.failed and not dry_run:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """Feeds, queues, and LLM tokens and cost this week."""
    from .status import collect_status

    data = collect_status(app.settings, app.store, app.clock())
    if as_json:
        _emit_json(data)
        return
    feeds, queues = data["feeds"], data["queues"]
    click.echo(f"feeds: {feeds['ok']} ok, {feeds['error']} failing, {feeds['disabled']} disabled, {feeds['new']} new")
    click.echo(f"entries: {data['entries']}; waiting for text: {queues['extract']}, "
               f"extraction retries: {queues['extract_retry']}, waiting for a card: {queues['summarize']}, "
               f"card retries: {queues['summarize_retry']}; cards: {data['cards']}")
    llm = data["llm_this_week"]
    cost = "unknown" if llm["cost"] is None else f"${llm['cost']:.4f}"
    click.echo(f"LLM this week (since {data['week_start']}): {llm['calls']} calls, {llm['tokens_in']} tokens in, "
               f"{llm['tokens_out']} out, estimated cost {cost}")
    for feed in data["failing_feeds"]:
        click.echo(f"  failing feed {feed['id']} {feed['url']}: {feed['last_error']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def run(app: App, as_json: bool) -> None:
    """One full pass of every stage: fetch, extract, cluster, summarize."""
    result = run_once(app.settings, app.store, app.clock)
    if as_json:
        _emit_json(result)
        return
    f, x, c, s = result["fetch"], result["extract"], result["cluster"], result["summarize"]
    click.echo(f"fetch: {f['feeds_checked']} feeds, {f['new_entries']} new entries, {f['errors']} errors")
    click.echo(f"extract: {x['processed']} entries, {x['from_article']} from the page, {x['failed']} failed")
    click.echo(f"cluster: {c['entries']} entries into {c['stories']} stories ({c['new_stories']} new)")
    click.echo(f"summarize: {s['planned']} cards, {s['failed']} failed, {s['waiting']} waiting; {s['calls']} LLM calls")
    if f["errors"] or x["failed"] or s["failed"] or s["aborted"]:
        sys.exit(1)


@cli.command()
@click.pass_obj
def build(app: App) -> None:
    """Render the static site into [site] output_dir, atomically."""
    from .site.render import build_site

    report = build_site(app.settings, app.store, app.clock())
    click.echo(f"built {report.pages} pages for {report.stories} stories into {report.output}")


@cli.command("export")
@click.option("--json", "as_json", is_flag=True, help="JSON (the only format so far)")
@click.pass_obj
def export_command(app: App, as_json: bool) -> None:
    """Stories with their sources, cards, dropped claims, related updates and rank, as JSON."""
    _emit_json(export_stories(app.settings, app.store, app.clock()))


# ---------------------------------------------------------------- entries

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
        _emit_json(rows)
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
        _emit_json(row)
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


# ---------------------------------------------------------------- demo

@cli.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-run"),
              show_default=True, help="where the demo keeps its config and database")
@click.option("--port", type=int, default=8765, show_default=True, help="port of the sample news web")
@click.pass_obj
def demo(app: App, workdir: Path, port: int) -> None:
    """Start the bundled sample news web on 127.0.0.1 and ingest it (offline)."""
    from .demo.runner import run_demo

    run_demo(workdir, port, app.clock, Console())


def main() -> None:
    cli(prog_name="aggregator")


if __name__ == "__main__":
    main()
