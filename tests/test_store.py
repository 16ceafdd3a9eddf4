"""The SQLite store: pragmas, write locking, migrations that upgrade old databases."""

import sqlite3
import threading
import time

from aggregator.store import open_store
from aggregator.store.migrations import MIGRATIONS, applied


def test_pragmas(tmp_path):
    with open_store(tmp_path / "a.db", busy_timeout_seconds=7) as store:
        assert store.scalar("pragma journal_mode") == "wal"
        assert store.scalar("pragma busy_timeout") == 7000
        assert store.scalar("pragma foreign_keys") == 1
        assert applied(store) == [name for name, _ in MIGRATIONS]


def test_old_database_upgrades_itself_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    with open_store(path, migrations=MIGRATIONS[:1]) as old:
        assert "fetches" not in old.db.table_names()
        with old.write() as db:
            db["feeds"].insert({"url": "http://example.org/feed", "created_at": "2026-01-01T00:00:00+00:00"})
    with open_store(path) as new:
        assert applied(new) == [name for name, _ in MIGRATIONS]
        assert "fetches" in new.db.table_names()
        assert new.scalar("select url from feeds") == "http://example.org/feed"
    with open_store(path) as again:  # idempotent
        assert again.scalar("select count(*) from _migrations") == len(MIGRATIONS)


def test_failed_write_rolls_back(tmp_path):
    with open_store(tmp_path / "a.db") as store:
        try:
            with store.write() as db:
                db["feeds"].insert({"url": "http://x/", "created_at": "2026-01-01T00:00:00+00:00"})
                raise RuntimeError("crash mid-transaction")
        except RuntimeError:
            pass
        assert store.scalar("select count(*) from feeds") == 0


def test_second_writer_waits_instead_of_failing(tmp_path):
    path = tmp_path / "a.db"
    first = open_store(path)
    second = open_store(path, busy_timeout_seconds=10)
    released = threading.Event()

    def hold_lock():
        with first.write() as db:
            db["feeds"].insert({"url": "http://one/", "created_at": "2026-01-01T00:00:00+00:00"})
            time.sleep(0.5)
        released.set()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    time.sleep(0.1)
    started = time.monotonic()
    with second.write() as db:  # BEGIN IMMEDIATE queues behind the holder
        assert released.is_set()
        db["feeds"].insert({"url": "http://two/", "created_at": "2026-01-01T00:00:00+00:00"})
    holder.join()
    assert time.monotonic() - started >= 0.3
    assert second.scalar("select count(*) from feeds") == 2
    first.close()
    second.close()


def test_integrity(tmp_path):
    with open_store(tmp_path / "a.db") as store:
        assert store.scalar("pragma integrity_check") == "ok"
        assert isinstance(store.conn, sqlite3.Connection)


def test_reading_commands_work_while_another_process_writes(tmp_path):
    path = tmp_path / "a.db"
    open_store(path).close()
    writer = open_store(path)
    writer.conn.execute("BEGIN IMMEDIATE")
    writer.conn.execute("insert into feeds (url, created_at) values ('http://w/', '2026-01-01T00:00:00+00:00')")
    try:
        with open_store(path, busy_timeout_seconds=0.2) as reader:  # no migration needed: no write lock taken
            assert reader.scalar("select count(*) from feeds") == 0
    finally:
        writer.conn.execute("ROLLBACK")
        writer.close()
