"""Opening the database: pragmas, write transactions, migrations on open.

Why these pragmas: WAL lets `aggregator status` read while `serve` writes; the busy
timeout makes a second writer wait instead of failing with "database is locked";
``BEGIN IMMEDIATE`` takes the write lock at the start of a write transaction, so two
writers queue up instead of deadlocking when both try to upgrade a read lock.

The sqlite3 connection runs in autocommit mode (``isolation_level=None``) and every
write goes through :meth:`Store.write`; sqlite-utils' own ``atomic()`` blocks nest
inside it as savepoints.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

from ..errors import StoreError
from .migrations import migrate


class Store:
    """One connection to the aggregator's database."""

    def __init__(self, conn: sqlite3.Connection, path: str = ""):
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction that holds the write lock from its first statement.

        SQLite errors leave as :class:`StoreError` with the database named, so the
        CLI prints one line ("database is locked" after the busy timeout) and a
        batch can record the failure of one item and go on.
        """
        if self.conn.in_transaction:
            with _store_errors(self.path), self.db.atomic():
                yield self.db
            return
        with _store_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
        try:
            with _store_errors(self.path):
                yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            with _store_errors(self.path):
                self.conn.execute("COMMIT")

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        with _store_errors(self.path):
            return list(self.db.query(sql, params))

    def scalar(self, sql: str, params: tuple | dict = ()):
        with _store_errors(self.path):
            row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextmanager
def _store_errors(path: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(f"database {path}: {exc}") from exc


def connect(path: Path | str, busy_timeout_seconds: float = 30.0) -> sqlite3.Connection:
    try:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=busy_timeout_seconds, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from None
    return conn


def open_store(path: Path | str, busy_timeout_seconds: float = 30.0, *, migrations=None) -> Store:
    """Open (creating if needed) and upgrade the database to the current schema."""
    store = Store(connect(path, busy_timeout_seconds), str(path))
    try:
        migrate(store, migrations)
    except (sqlite3.DatabaseError, StoreError) as exc:
        store.close()
        raise StoreError(f"cannot upgrade database {path}: {exc}") from None
    return store
