"""The whole pipeline killed with SIGKILL at 20 random moments, restarted each time: it ends with
every entry processed exactly once, no duplicate stories or cards, an intact database and a
complete site."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import nullcontext as _nothing
from datetime import UTC, datetime

import pytest

pytestmark = pytest.mark.slow

KILLS = 20


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path):
    from aggregator.demo.data import load_data
    from aggregator.demo.server import SampleWeb

    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261126")))
    with SampleWeb() as web:
        feeds = "\n".join(f'[[feeds]]\nurl = "{f["url"]}"\n' for f in web.feed_urls())
        config = tmp_path / "config.toml"
        config.write_text(f"""
[site]
base_url = "https://news.example.org/"
output_dir = "site"
[database]
path = "crash.db"
[network]
allow_private_networks = true
[extract]
per_host_delay_seconds = 0
{feeds}
""")
        command = [sys.executable, "-m", "aggregator.cli", "--config", str(config), "run"]
        killed = 0
        start, end = datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)
        for step in range(KILLS):
            web.as_of = start + (end - start) * (step + 1) / KILLS  # each run has new articles to work on
            with sqlite3.connect(tmp_path / "crash.db") if (tmp_path / "crash.db").exists() else _nothing() as db:
                if db is not None:  # every feed due now, as after its interval
                    db.execute("update feeds set next_check_at = null")
            process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)
            time.sleep(rng.uniform(0.5, 2.5))
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # the run and its worker processes, mid-write
                killed += 1
            process.wait()
        web.as_of = None
        with sqlite3.connect(tmp_path / "crash.db") as db:
            db.execute("update feeds set next_check_at = null")
        final = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert final.returncode == 0, final.stderr[-3000:]
    assert killed >= KILLS // 2, "most kills should land while the pipeline is working"

    with sqlite3.connect(tmp_path / "crash.db") as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        entries = db.execute("select count(*) from entries").fetchone()[0]
        data = load_data()
        assert entries == len(data.articles)  # the sample web's articles, each stored once
        assert db.execute("select count(*) from (select feed_id, key from entries group by 1, 2 "
                          "having count(*) > 1)").fetchone()[0] == 0
        assert db.execute("select count(*) from entries where story_id is null").fetchone()[0] == 0
        assert db.execute("select count(*) from extractions").fetchone()[0] == entries  # one extraction each
        assert db.execute("select count(*) from extractions where status = 'failed'").fetchone()[0] == 0
        stories = db.execute("select count(*) from stories").fetchone()[0]
        in_events = sum(len(event.articles) for event in data.events)
        assert stories == len(data.articles) - in_events + len(data.events)  # one story per event, as a clean run
        assert db.execute("select count(*) from cards").fetchone()[0] == stories  # one card per story
        assert db.execute("select count(*) from (select slug from stories group by slug "
                          "having count(*) > 1)").fetchone()[0] == 0
        assert db.execute("select count(*) from stories s where not exists "
                          "(select 1 from entries e where e.story_id = s.id)").fetchone()[0] == 0
        slugs = [r[0] for r in db.execute("select slug from stories")]
    site = tmp_path / "site"
    assert site.is_symlink() and (site / "index.html").is_file() and (site / "search-bundles.json").is_file()
    for slug in slugs:
        assert (site / "stories" / slug / "index.html").is_file(), slug
    leftovers = [p.name for p in (tmp_path / ".site.builds").iterdir()
                 if p.is_dir() and not p.name.startswith(".") and p.name != "shared"]
    assert len(leftovers) <= 2  # folders of builds killed half-way are cleared by the next build
