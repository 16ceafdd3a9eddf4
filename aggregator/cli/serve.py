"""`aggregator serve`: the site, the subscription endpoints and the scheduler, until SIGTERM."""

from __future__ import annotations

import click

from .app import App, cli


@cli.command()
@click.option("--host", default=None, help="address to listen on (default [web] host)")
@click.option("--port", type=int, default=None, help="port (default [web] port)")
@click.pass_obj
def serve(app: App, host: str | None, port: int | None) -> None:
    """Serve the site and the subscription endpoints; fetch, build and send the digest on schedule."""
    from ..serve import serve as run

    settings = app.settings
    app.store  # opens and migrates the database before anything else starts (a clear error if it cannot)
    where = f"http://{host or settings.web.host}:{port or settings.web.port}/"
    jobs = run(settings, app.clock, host=host, port=port,
               on_started=lambda: click.echo(f"serving {settings.output_dir} and the subscription endpoints at "
                                             f"{where}; pipeline every {settings.schedule.fetch_every_minutes:g} "
                                             f"minutes, digest {settings.schedule.recap} ({settings.site.timezone})"))
    click.echo(f"stopped after {jobs.runs['pipeline']} pipeline runs and {jobs.runs['digest']} digest checks")
