"""`aggregator demo` ingests the bundled sample news web, offline, and is repeatable."""

import socket
import subprocess
import sys

from aggregator.store import open_store


def test_demo_ingests_the_sample_web_and_a_rerun_costs_only_304s(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "aggregator.cli", "demo", "--dir", str(tmp_path / "run"), "--port", str(port)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "6 feeds: 40 new entries" in first.stdout.replace("\n", " ")
    second = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "0 new entries, 0 updated, 6 not modified" in second.stdout.replace("\n", " ")
    with open_store(tmp_path / "run" / "aggregator.db") as store:
        assert store.scalar("select count(*) from entries") == 40
        assert store.scalar("select count(*) from feeds where last_error is not null") == 0
        outcomes = [r["outcome"] for r in store.query("select outcome from fetches order by id")]
        assert outcomes == ["new"] * 6 + ["not_modified"] * 6
        # the feed item without a date takes the date its article page states
        undated = store.query("select date_origin, published_at from entries where url like '%port-calder-311-ai-triage%'")
        assert undated == [{"date_origin": "page", "published_at": "2026-11-09T00:00:00+00:00"}]
        origins = dict(store.db.execute("select text_origin, count(*) from extractions group by text_origin").fetchall())
        assert origins == {"article": 39, "feed": 1}
        paywalled = store.query("select x.reason from extractions x join entries e on e.id = x.entry_id "
                                "where e.url like '%halcyon-ai-series-c-granite-peak%'")
        assert paywalled[0]["reason"].startswith("paywalled")
        # tracking parameters in the sample outlet's links are gone from canonical URLs
        assert store.scalar("select count(*) from entries where url like '%utm_%'") == 0
