"""The pipeline's stages as commands, and the commands built on their results."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ..export import export_stories
from ..pipeline import run_build, run_cluster, run_extract, run_fetch, run_once, run_recap, run_summarize
from .app import App, cli, emit_json, progress_bar


@cli.command()
@click.option("--all", "everything", is_flag=True, help="fetch every enabled feed, due or not")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def fetch(app: App, everything: bool, as_json: bool) -> None:
    """Poll the feeds that are due. Exit code 1 if any feed failed."""
    with progress_bar("fetching", quiet=as_json) as (on_start, on_done):
        report = run_fetch(app.settings, app.store, app.clock, everything=everything,
                           on_start=on_start, on_done=on_done)
    if as_json:
        emit_json(report.as_dict())
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
    with progress_bar("extracting", quiet=as_json) as (on_start, on_done):
        report = run_extract(app.settings, app.store, app.clock, limit=limit, on_start=on_start, on_done=on_done)
    if as_json:
        emit_json(report.as_dict())
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
        emit_json(report.as_dict())
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
    with progress_bar("writing cards", quiet=as_json or dry_run) as (on_start, on_done):
        report = run_summarize(app.settings, app.store, app.clock, limit=limit, dry_run=dry_run,
                               on_start=on_start, on_done=on_done)
    if as_json:
        emit_json(report.as_dict())
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
    from ..status import collect_status

    data = collect_status(app.settings, app.store, app.clock())
    if as_json:
        emit_json(data)
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
    click.echo(f"stories this week: {data['stories_this_week']}; waiting to be clustered: {queues['cluster']}")
    for stage, run in data["last_runs"].items():
        click.echo(f"  last {stage}: {run['finished_at'] or run['started_at']} {run['outcome']}"
                   + (f" ({run['error']})" if run["error"] else ""))
    if data["subscribers"] or data["outbox"]:
        click.echo("subscribers: " + ", ".join(f"{n} {s}" for s, n in sorted(data["subscribers"].items()))
                   + "; outbox: " + (", ".join(f"{n} {s}" for s, n in sorted(data["outbox"].items())) or "empty"))
        if data["outbox"].get("unknown"):
            click.echo(f"  {data['outbox']['unknown']} email(s) of unknown fate wait for a person: "
                       "`aggregator digest unknown`, then `aggregator digest settle`")
    for feed in data["failing_feeds"]:
        click.echo(f"  failing feed {feed['id']} {feed['url']}: {feed['last_error']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def run(app: App, as_json: bool) -> None:
    """One full pass of every stage: fetch, extract, cluster, summarize, recap, build."""
    if as_json:
        result = run_once(app.settings, app.store, app.clock)
    else:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from ..pipeline import STAGES

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      transient=True) as progress:
            task = progress.add_task("starting", total=len(STAGES))

            def on_stage(name: str) -> None:
                done = list(STAGES).index(name)
                progress.update(task, completed=done, description=f"stage {done + 1}/{len(STAGES)}: {name}")

            result = run_once(app.settings, app.store, app.clock, on_stage=on_stage)
    if as_json:
        emit_json(result)
        return
    f, x, c, s = result["fetch"], result["extract"], result["cluster"], result["summarize"]
    click.echo(f"fetch: {f['feeds_checked']} feeds, {f['new_entries']} new entries, {f['errors']} errors")
    click.echo(f"extract: {x['processed']} entries, {x['from_article']} from the page, {x['failed']} failed")
    click.echo(f"cluster: {c['entries']} entries into {c['stories']} stories ({c['new_stories']} new)")
    click.echo(f"summarize: {s['planned']} cards, {s['failed']} failed, {s['waiting']} waiting; {s['calls']} LLM calls")
    r, b = result["recap"], result["build"]
    click.echo(f"recap: {r['written']} introductions written, {r['unchanged']} unchanged, {r['failed']} failed")
    click.echo(f"build: {b['pages']} pages ({b['rendered']} rendered, {b['reused']} unchanged) in {b['output']}")
    if f["errors"] or x["failed"] or s["failed"] or s["aborted"]:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def recap(app: App, as_json: bool) -> None:
    """Write the LLM introduction of this week's and last week's recap (when their stories changed)."""
    report = run_recap(app.settings, app.store, app.clock)
    if as_json:
        emit_json(report.as_dict())
        return
    if app.settings.llm is None:
        click.echo("no [llm] configured: recap pages list the week's top threads instead of an introduction")
        return
    click.echo(f"{report.weeks} weeks: {report.written} introductions written, {report.unchanged} unchanged, "
               f"{report.rejected} rejected by verification, {report.failed} failed; "
               f"{report.sentences_dropped} sentences dropped")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    if report.failed:
        sys.exit(1)


@cli.command()
@click.option("--full", is_flag=True, help="render every page and rebuild the search index from scratch")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def build(app: App, full: bool, as_json: bool) -> None:
    """Render the static site into [site] output_dir, atomically; unchanged pages are reused."""
    report = run_build(app.settings, app.store, app.clock, full=full)
    if as_json:
        emit_json(report.as_dict())
        return
    click.echo(f"built {report.pages} pages for {report.stories} stories into {report.output}: "
               f"{report.rendered} rendered, {report.reused} unchanged; search index {report.search} "
               f"({report.search_seconds:.1f} s)")


@cli.command("export")
@click.option("--json", "as_json", is_flag=True, help="JSON (the only format so far)")
@click.pass_obj
def export_command(app: App, as_json: bool) -> None:
    """Stories with their sources, cards, dropped claims, related updates and rank, as JSON."""
    emit_json(export_stories(app.settings, app.store, app.clock()))


@cli.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-run"),
              show_default=True, help="where the demo keeps its config and database")
@click.option("--port", type=int, default=8765, show_default=True, help="port of the sample news web")
@click.option("--web-port", type=int, default=8000, show_default=True, help="port the demo site is served on")
@click.option("--serve/--no-serve", "serve_site", default=True, show_default=True,
              help="after building, serve the site with working subscriptions until Ctrl-C")
@click.pass_obj
def demo(app: App, workdir: Path, port: int, web_port: int, serve_site: bool) -> None:
    """Run everything on the bundled sample news web, offline: ingest, cards, site, and serve it."""
    from ..demo.runner import run_demo

    run_demo(workdir, port, app.clock, Console(), serve=serve_site, web_port=web_port)

