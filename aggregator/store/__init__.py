"""The one SQLite file: connection handling, migrations and the queries of each stage."""

from .db import Store, open_store

__all__ = ["Store", "open_store"]
