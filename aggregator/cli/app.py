"""The `aggregator` command group, and what every command shares. Thin by design.

Commands parse arguments, call the pipeline or the store, and print; they decide
nothing. Errors the program raises on purpose (:class:`AggregatorError`) become one
line on stderr and exit code 1; bad usage is click's exit code 2. ``--json`` prints
machine-readable output on stdout and nothing else.

    app.py      the group, App (settings, store, clock), progress bars, `init`
    feeds.py    feeds add/remove/enable/list/import/export
    stages.py   fetch, extract, cluster, summarize, run, build, export, status, demo
    entries.py  entries list/show
    digest.py   digest preview/send (the weekly email)
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..clock import system_clock
from ..config import Settings, default_config_path, load_settings
from ..errors import AggregatorError
from ..pipeline import open_settings_store

STARTER_CONFIG = Path(__file__).parents[1] / "templates" / "config.toml"


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
def progress_bar(label: str, *, quiet: bool):
    """A progress bar on stderr when it is a terminal; yields (on_start, on_done) callbacks."""
    console = Console(stderr=True)
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, disable=quiet or not console.is_terminal, transient=True)
    with bar:
        task = bar.add_task(label, total=None)
        yield (lambda total: bar.update(task, total=total)), (lambda _outcome: bar.advance(task))


def emit_json(data) -> None:
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

