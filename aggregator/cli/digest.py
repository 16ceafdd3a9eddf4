"""`aggregator digest preview | send | unknown | settle`: the weekly email, looked at, sent, and
the emails whose fate is unknown settled by a person.

The week defaults to the last complete one in the site's time zone (what a Monday
morning run mails). Sending goes through the outbox (``mail.outbox``), so running
`send` again after a crash or a partial run mails only who has not had the issue yet.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import MailError
from .app import App, cli, emit_json

PREVIEW_TOKEN = "PREVIEW-example-token"


def _week(app: App, week: str | None) -> str:
    from ..mail.digest import check_week, previous_week

    return check_week(week) if week else previous_week(app.clock(), app.settings.site.timezone)


@cli.group()
def digest() -> None:
    """The weekly digest email: preview it, send it, settle emails whose fate is unknown."""


@digest.command()
@click.option("--week", default=None, help="ISO week such as 2026-W47 (default: the last complete week)")
@click.option("--to", "address", default="reader@example.com", show_default=True,
              help="the address the preview is made out to")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="where to write digest-<week>.eml and .html")
@click.pass_obj
def preview(app: App, week: str | None, address: str, out_dir: Path) -> None:
    """Write the week's email as .eml and .html files to look at; sends nothing, queues nothing."""
    from ..mail import Recipient, compose, digest_for_week
    from ..mail.outbox import message_id_domain

    week = _week(app, week)
    now = app.clock()
    base = app.settings.web.public_url
    recipient = Recipient(address=address, topics=(), unsubscribe_url=f"{base}unsubscribe/{PREVIEW_TOKEN}",
                          preferences_url=f"{base}preferences/{PREVIEW_TOKEN}")
    domain = message_id_domain(app.settings) if app.settings.email else "example.org"
    message = compose(app.settings, digest_for_week(app.settings, app.store, week, now), recipient,
                      message_id_domain=domain, now=now)
    out_dir.mkdir(parents=True, exist_ok=True)
    eml, html = out_dir / f"digest-{week}.eml", out_dir / f"digest-{week}.html"
    eml.write_bytes(message.as_bytes())
    html.write_text(message.get_body(("html",)).get_content(), encoding="utf-8")
    click.echo(f"wrote {eml} and {html} (to {recipient.address}; links use the placeholder token {PREVIEW_TOKEN})")


@digest.command()
@click.option("--week", default=None, help="ISO week such as 2026-W47 (default: the last complete week)")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def send(app: App, week: str | None, as_json: bool) -> None:
    """Queue the week's digest for every confirmed subscriber and send what is due.

    Exit code 1 if an email failed, an outcome is unknown (a crashed earlier run), or
    the run stopped early.
    """
    from ..mail.outbox import deliver, digest_issue, enqueue_digest
    from ..mail.smtp import require_email

    require_email(app.settings)
    week = _week(app, week)
    issue = digest_issue(week)
    queued = enqueue_digest(app.settings, app.store, week, app.clock())
    report = deliver(app.settings, app.store, app.clock, issue=issue)
    if as_json:
        emit_json({"issue": issue, "queued": queued, **report.as_dict()})
    else:
        click.echo(f"{issue}: {queued} newly queued; {report.sent} sent, {report.retry} to retry, "
                   f"{report.failed} failed, {report.bounced} bounced, {report.skipped} skipped, "
                   f"{report.unknown} unknown")
        for outcome in report.outcomes:
            if outcome.state == "retry":
                click.echo(f"  retry   {outcome.address} after {outcome.next_attempt_at}: {outcome.error}", err=True)
            elif outcome.state in ("failed", "bounced", "unknown"):
                click.echo(f"  {outcome.state:<7} {outcome.address}: {outcome.error}", err=True)
        if report.retry:
            click.echo("run `aggregator digest send` again later to retry (the same week is never sent twice)")
        if report.unknown:
            click.echo("emails of unknown fate are not resent: see `aggregator digest unknown`, then settle them",
                       err=True)
    if report.stopped:
        raise MailError(f"stopped: {report.stopped}")
    if not report.ok:
        sys.exit(1)


@digest.command()
@click.option("--week", default=None, help="only this ISO week's digest (default: every issue)")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def unknown(app: App, week: str | None, as_json: bool) -> None:
    """List the emails whose fate is unknown: claimed by a sender that died, or handed to the
    server without an answer. They are never resent on their own; check the mail server's
    log, then `aggregator digest settle`. Exit code 1 while there are any."""
    from ..mail.outbox import digest_issue
    from ..store.outbox import in_state

    rows = in_state(app.store, "unknown", digest_issue(_week(app, week)) if week else None)
    if as_json:
        emit_json({"unknown": [{k: r[k] for k in ("id", "issue", "address", "claimed_at", "claimed_by", "error")}
                               for r in rows]})
        sys.exit(1 if rows else 0)
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['issue']}  {row['address']}  claimed {row['claimed_at'] or '?'}: "
                   f"{row['error'] or ''}")
    click.echo(f"{len(rows)} email(s) of unknown fate" + (
        "; settle them with `aggregator digest settle --delivered ID ...` or `--resend ID ...`" if rows else ""))
    if rows:
        sys.exit(1)


@digest.command()
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--delivered", is_flag=True, help="the mail server accepted them (its log says so): mark them sent")
@click.option("--resend", is_flag=True, help="they never arrived: send them again now")
@click.pass_obj
def settle(app: App, ids: tuple[int, ...], delivered: bool, resend: bool) -> None:
    """Settle emails of unknown fate (ids from `aggregator digest unknown`).

    --resend queues each again and sends it at once, with the rest of its issue that is
    due (never a new copy of a week's digest to readers who joined later). Exit code 1
    if an id was not of unknown fate, or a resent email failed."""
    from ..mail.outbox import deliver
    from ..store.outbox import settle as settle_rows

    if delivered == resend:
        raise click.UsageError("say what happened: --delivered or --resend (one of them)")
    issues = {r["id"]: r["issue"] for r in app.store.query(
        "select id, issue from outbox where id in (select value from json_each(?))", (json.dumps(ids),))}
    done = settle_rows(app.store, list(ids), delivered, app.clock())
    left = [i for i in ids if i not in done]
    click.echo(f"{len(done)} settled as {'sent' if delivered else 'queued'}"
               + (f"; not of unknown fate, left alone: {' '.join(map(str, left))}" if left else ""))
    failed = False
    for issue in sorted({issues[i] for i in done}) if resend else ():
        report = deliver(app.settings, app.store, app.clock, issue=issue)
        click.echo(f"{issue}: {report.sent} sent, {report.retry} to retry, {report.failed} failed, "
                   f"{report.bounced} bounced, {report.skipped} skipped")
        failed = failed or not report.ok
    if left or failed:
        sys.exit(1)
