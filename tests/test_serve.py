"""`aggregator serve` as a real process: health, the scheduled pipeline, the instance lock,
CLI writes while it runs, and a clean stop on SIGTERM."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from smtpserver import free_port

REPO = Path(__file__).resolve().parents[1]
_RUNS = itertools.count()


def aggregator(config: Path, *args: str, **kwargs) -> subprocess.Popen:
    """The CLI in a process of its own; output goes to files (a long run would fill a pipe)."""
    name = f"{args[0]}-{next(_RUNS)}"
    out, err = (open(config.parent / f"{name}.{stream}", "w+") for stream in ("out", "err"))
    process = subprocess.Popen([sys.executable, "-m", "aggregator.cli", "--config", str(config), *args],
                               stdout=out, stderr=err, text=True, cwd=config.parent, **kwargs)
    process.output = lambda: (out.seek(0) or out.read(), err.seek(0) or err.read())
    return process


def finish(process: subprocess.Popen, timeout: float) -> tuple[str, str]:
    process.wait(timeout=timeout)
    return process.output()


def wait_until(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (httpx.HTTPError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def instance(tmp_path):
    from aggregator.demo.server import SampleWeb

    with SampleWeb() as web:
        port = free_port()
        feeds = "\n".join(f'[[feeds]]\nurl = "{f["url"]}"\n' for f in web.feed_urls())
        config = tmp_path / "config.toml"
        config.write_text(f"""
[site]
title = "Served"
base_url = "http://127.0.0.1:{port}/"
output_dir = "site"
[database]
path = "served.db"
[network]
allow_private_networks = true
[extract]
per_host_delay_seconds = 0
[web]
host = "127.0.0.1"
port = {port}
public_url = "http://127.0.0.1:{port}/"
[schedule]
fetch_every_minutes = 0.05
{feeds}
""")
        yield config, port


def test_serve_answers_runs_the_pipeline_refuses_a_twin_and_stops_cleanly(instance):
    config, port = instance
    server = aggregator(config, "serve")
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: httpx.get(f"{base}/healthz").json()["ok"], 30, "/healthz")
        home = wait_until(lambda: (r := httpx.get(f"{base}/")).status_code == 200 and r.text, 120, "the built site")
        assert "Latest stories" in home
        story = wait_until(lambda: (r := httpx.get(f"{base}/status")).status_code == 200 and r.json(), 10, "status")
        assert story["feeds"]["ok"] >= 1

        twin = aggregator(config, "serve", "--port", str(free_port()))
        out, err = finish(twin, 30)
        assert twin.returncode != 0 and "another `aggregator serve`" in err and "\n" not in err.strip()

        added = aggregator(config, "feeds", "add", "http://127.0.0.1:9/extra.xml")  # a write while serve runs
        out, err = finish(added, 60)
        assert added.returncode == 0, err
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = finish(server, 120)
    assert server.returncode == 0, err
    assert "stopped after" in out and "Traceback" not in err, err[-3000:]
    print(err[-3000:])
    with sqlite3.connect(config.parent / "served.db") as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert db.execute("select count(*) from cards").fetchone()[0] > 10
    assert not os.path.exists(f"{config.parent / 'served.db'}.serve.lock") or _unlocked(config)


def _unlocked(config: Path) -> bool:
    """The lock file may stay; what matters is that nobody holds it."""
    import fcntl

    with open(f"{config.parent / 'served.db'}.serve.lock") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return True


def test_after_downtime_across_the_digest_time_exactly_one_digest_goes_out(instance):
    """Whenever it runs, the latest Monday 08:00 has passed: the first start sends that moment's
    digest (of the week before) to each confirmed reader once; a restart sends nothing more."""
    from smtpserver import SmtpServer

    from aggregator.store import open_store
    from aggregator.store import subscribers as subs

    config, port = instance
    with SmtpServer() as smtp:
        config.write_text(config.read_text() + f"""
[email]
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
security = "none"
from = "Served <recap@example.org>"
messages_per_second = 50
""")
        store = open_store(config.parent / "served.db")
        now = datetime.now(UTC)
        for address in ("one@example.org", "two@example.org"):
            subs.confirm(store, subs.add_pending(store, address, now)["id"], now)
        store.close()
        for start in range(2):
            server = aggregator(config, "serve")
            try:
                wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200, 30, "serve")
                if start == 0:
                    wait_until(lambda: len(smtp.handler.received) >= 2, 120, "the catch-up digest")
                else:
                    time.sleep(8)  # passes run every 3 s: each ends with a digest check
            finally:
                server.send_signal(signal.SIGTERM)
                out, err = finish(server, 120)
            assert server.returncode == 0, err
            runs = re.search(r"stopped after (\d+) pipeline runs and (\d+) digest checks", out)
            assert runs and int(runs.group(1)) >= 1 and int(runs.group(2)) >= 1, out
        received = sorted(m.to for m in smtp.handler.received)
    assert received == ["one@example.org", "two@example.org"]  # once each, across both starts
    from aggregator.clock import week_bounds
    from aggregator.schedule import due_digest_week, parse_weekly

    monday = week_bounds(due_digest_week(now, parse_weekly("mon 08:00"), "UTC"), "UTC")[0]
    assert all(f"{monday.day} {monday:%B}" in m.message["Subject"] for m in smtp.handler.received)



def test_a_port_in_use_stops_serve_with_one_line_before_any_job_runs(instance):
    config, port = instance
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        server = aggregator(config, "serve")
        out, err = finish(server, 60)
    assert server.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
    with sqlite3.connect(config.parent / "served.db") as db:
        assert db.execute("select count(*) from runs").fetchone()[0] == 0
