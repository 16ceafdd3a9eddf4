"""The `aggregator` command line. See app.py for the shape of every command."""

from .app import cli
from . import digest, entries, feeds, serve, stages  # noqa: F401  (they register their commands on `cli`)


def main() -> None:
    cli(prog_name="aggregator")
