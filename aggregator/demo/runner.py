"""`aggregator demo`: the sample news web, ingested end to end, offline.

The demo keeps a real config and database in its folder (``demo-run/`` by default),
so after it the user can explore with the ordinary commands
(``aggregator --config demo-run/config.toml entries list``). The sample web runs on
a fixed port because feed item ids contain its address: a second run then finds the
same entries and shows the cache at work (304s, nothing new) instead of duplicates.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..console import cell as _cell
from ..clock import Clock, parse_iso
from ..config import load_settings
from ..pipeline import open_settings_store, run_cluster, run_extract, run_fetch, run_summarize
from ..site.render import build_site
from ..store.entries import list_entries
from ..store.feeds import list_feeds
from .mailsink import MailSink
from .server import SampleWeb


def demo_config(base_url: str, feeds: list[dict], *, web_port: int = 8000, mail_port: int | None = None) -> str:
    site = f"http://127.0.0.1:{web_port}/"
    lines = [
        "# Written by `aggregator demo`: the sample news web on 127.0.0.1.",
        "[site]", 'title = "Weekly AI Recap (demo)"', 'output_dir = "site"', f'base_url = "{site}"', "",
        "[web]", 'host = "127.0.0.1"', f"port = {web_port}", f'public_url = "{site}"', "",
        "[database]", 'path = "aggregator.db"', "",
        "[network]", "allow_private_networks = true   # the sample web lives on loopback", "",
        "[extract]", "per_host_delay_seconds = 0.05   # every outlet shares one loopback host here", "",
        "[schedule]", "fetch_every_minutes = 5   # the sample web is local: poll it often", "",
    ]
    if mail_port:
        lines += ["[email]   # the demo's local SMTP sink: messages are written to mail/", 'smtp_host = "127.0.0.1"',
                  f"smtp_port = {mail_port}", 'security = "none"', 'from = "Weekly AI Recap (demo) <recap@example.org>"',
                  ""]
    for feed in feeds:
        tags = ", ".join(f'"{t}"' for t in feed.get("tags", []))
        lines += ["[[feeds]]", f'url = "{feed["url"]}"', f'title = "{feed["title"]}"', f"tags = [{tags}]", ""]
    return "\n".join(lines)


def _latest_week(settings, store) -> str:
    from ..clock import iso_week

    latest = store.scalar("select max(first_published_at) from stories")
    return iso_week(parse_iso(latest), settings.site.timezone) if latest else "none"


def run_demo(workdir: Path, port: int, clock: Clock, console: Console, *, serve: bool = False,
             web_port: int = 8000) -> None:
    """Ingest the sample web and build the site; with ``serve``, then run `serve` on it
    (the site, working subscriptions with mail written to ``mail/``) until Ctrl-C."""
    workdir.mkdir(parents=True, exist_ok=True)
    with SampleWeb(port=port) as web, (MailSink(workdir / "mail") if serve else nullcontext()) as sink:
        config_path = workdir / "config.toml"
        config_path.write_text(demo_config(web.base_url, web.feed_urls(), web_port=web_port,
                                           mail_port=sink.port if sink else None), encoding="utf-8")
        settings = load_settings(config_path)
        console.print(f"sample news web at [bold]{web.base_url}/[/bold]; data in {workdir}/")
        with open_settings_store(settings, clock) as store:
            report = run_fetch(settings, store, clock, everything=True)
            console.print(
                f"fetched {report.feeds_checked} feeds: {report.new_entries} new entries, "
                f"{report.updated_entries} updated, {report.not_modified} not modified, "
                f"{report.unchanged} unchanged, {report.errors} errors"
            )
            extracted = run_extract(settings, store, clock)
            console.print(
                f"extracted {extracted.processed} entries: {extracted.from_article} from the article page, "
                f"{extracted.from_feed} from the feed's content, {extracted.failed} failed"
            )
            for outcome in extracted.outcomes:
                if outcome.origin != "article":
                    console.print(_cell(f"  entry {outcome.entry_id}: {outcome.reason}"))
            clustered = run_cluster(settings, store, clock)
            console.print(f"clustered {clustered.entries} entries into {clustered.stories} stories")
            cards = run_summarize(settings, store, clock)
            console.print(
                f"wrote {cards.planned} cards with {cards.writer}: {cards.llm_cards + cards.offline_cards} new, "
                f"{cards.reused} reused, {cards.failed} failed; {cards.calls} LLM calls"
            )
            site = build_site(settings, store, clock())
            latest_week = _latest_week(settings, store)
            console.print(f"built the site: {site.pages} pages in {site.output}/")
            table = Table(title="feeds", box=None)
            for column in ("id", "status", "entries", "title", "url"):
                table.add_column(column)
            for row in list_feeds(store):
                table.add_row(*map(_cell, (row["id"], row["status"], row["entries"],
                                           row["title"] or row["feed_title"], row["url"])))
            console.print(table)
            latest = Table(title="latest entries", box=None)
            for column in ("id", "published (UTC)", "feed", "title"):
                latest.add_column(column)
            for row in list_entries(store, limit=12):
                latest.add_row(*map(_cell, (row["id"], row["published_at"], row["feed"], row["title"])))
            console.print(latest)
        console.print(f"explore: aggregator --config {config_path} entries list | feeds list | entries show ID | status")
        if not serve:
            console.print(f"open: {settings.output_dir.absolute() / 'index.html'}")
            return
        from ..serve import serve as run_serve

        def started() -> None:
            console.print(f"open: [bold]{settings.web.public_url}[/bold]  (the site; subscribe in any page's footer)")
            console.print(f"mail: {sink.folder.absolute()}/  (confirmation emails and digests land here as .eml)")
            console.print(f"digest: after confirming, `aggregator --config {config_path} digest send --week "
                          f"{latest_week}` sends the latest recap to the mail folder")
            console.print("stop: Ctrl-C")

        run_serve(settings, clock, on_started=started)
