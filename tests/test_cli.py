"""The command line as a user drives it: real processes, real server, JSON shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from httpserver import Reply, rss

ITEMS = [{"title": "Release notes", "link": "http://example.org/r", "guid": "r", "description": "Text",
          "pubDate": "Thu, 19 Nov 2026 10:00:00 GMT"}]


def aggregator(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "300"}  # wide enough that table cells are not wrapped
    proc = subprocess.run([sys.executable, "-m", "aggregator.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def workdir(tmp_path, server):
    server.static("/feed", rss(ITEMS))
    (tmp_path / "config.toml").write_text(
        "[network]\nallow_private_networks = true\nrequest_timeout_seconds = 5\n\n"
        f'[[feeds]]\nurl = "{server.url("/feed")}"\ntitle = "Configured"\ntags = ["labs"]\n'
    )
    return tmp_path


def test_feed_management_round_trip(workdir, server):
    aggregator(workdir, "feeds", "add", server.url("/other"), "--title", "Other", "--tag", "press")
    dup = aggregator(workdir, "feeds", "add", server.url("/other"), check=False)
    assert dup.returncode == 1 and "already subscribed" in dup.stderr
    rows = json.loads(aggregator(workdir, "feeds", "list", "--json").stdout)
    assert [(r["id"], r["title"], r["status"], r["entries"]) for r in rows] == [
        (1, "Configured", "new", 0), (2, "Other", "new", 0)]
    for key in ("id", "url", "title", "status", "last_error", "entries", "last_fetched_at", "next_check_at"):
        assert key in rows[0]
    refused = aggregator(workdir, "feeds", "remove", "1", check=False)
    assert refused.returncode == 1 and "config.toml" in refused.stderr
    aggregator(workdir, "feeds", "remove", "2")
    assert [r["id"] for r in json.loads(aggregator(workdir, "feeds", "list", "--json").stdout)] == [1]
    missing = aggregator(workdir, "feeds", "remove", "99", check=False)
    assert missing.returncode == 1 and "no feed with id 99" in missing.stderr
    bad = aggregator(workdir, "feeds", "add", "ftp://example.org/x", check=False)
    assert bad.returncode == 1 and "only http and https" in bad.stderr


def test_hostile_feed_titles_are_printed_literally(workdir, server):
    evil = "Evil [/b] [link=file:///etc/passwd]x[/link]"
    server.static("/evil", rss([dict(ITEMS[0], title=evil)], title=evil))
    aggregator(workdir, "feeds", "add", server.url("/evil"))
    aggregator(workdir, "fetch")
    listing = aggregator(workdir, "feeds", "list").stdout
    assert evil in listing
    assert evil in aggregator(workdir, "entries", "list").stdout


def test_config_feeds_are_synced(workdir, server):
    aggregator(workdir, "feeds", "list")
    (workdir / "config.toml").write_text(
        "[network]\nallow_private_networks = true\n\n"
        f'[[feeds]]\nurl = "{server.url("/renamed")}"\ntitle = "Second"\n'
    )
    rows = json.loads(aggregator(workdir, "feeds", "list", "--json").stdout)
    assert [(r["url"], r["title"]) for r in rows] == [(server.url("/renamed"), "Second")]


def test_fetch_then_inspect_entries(workdir, server):
    first = json.loads(aggregator(workdir, "fetch", "--json").stdout)
    assert (first["feeds_checked"], first["new_entries"], first["errors"]) == (1, 1, 0)
    # nothing is due right after a successful fetch; --all ignores the schedule
    assert json.loads(aggregator(workdir, "fetch", "--json").stdout)["feeds_checked"] == 0
    again = json.loads(aggregator(workdir, "fetch", "--all", "--json").stdout)
    assert again["feeds_checked"] == 1 and again["unchanged"] == 1
    rows = json.loads(aggregator(workdir, "entries", "list", "--json").stdout)
    assert [(r["feed_id"], r["title"], r["url"]) for r in rows] == [(1, "Release notes", "http://example.org/r")]
    assert rows[0]["published_at"] == "2026-11-19T10:00:00+00:00"
    shown = json.loads(aggregator(workdir, "entries", "show", str(rows[0]["id"]), "--json").stdout)
    assert shown["summary_html"] == "Text"
    plain = aggregator(workdir, "fetch", "--all")
    assert "1 feeds checked" in plain.stdout


def test_fetch_exit_code_reports_failures_and_summary(workdir, server):
    server.routes["/feed"] = lambda req: Reply(503, b"down")
    proc = aggregator(workdir, "fetch", check=False)
    assert proc.returncode == 1
    assert "1 errors" in proc.stdout and "HTTP 503" in proc.stderr
    rows = json.loads(aggregator(workdir, "feeds", "list", "--json").stdout)
    assert rows[0]["status"] == "error" and rows[0]["last_error"].startswith("HTTP 503")


def test_opml_import_and_export(workdir, tmp_path):
    opml = tmp_path / "subs.opml"
    opml.write_text('<opml version="1.0"><body><outline text="News & AI">'
                    '<outline text="A & B" xmlUrl="https://a.example/feed?x=1&y=2"/></outline></body></opml>')
    out = aggregator(workdir, "feeds", "import", str(opml))
    assert "imported 1 feeds" in out.stdout
    again = aggregator(workdir, "feeds", "import", str(opml))
    assert "imported 0 feeds" in again.stdout and "1 already followed" in again.stdout
    exported = aggregator(workdir, "feeds", "export").stdout
    assert 'xmlUrl="https://a.example/feed?x=1&amp;y=2"' in exported
    assert 'category="News &amp; AI"' in exported


def test_init_writes_a_loadable_config(tmp_path):
    aggregator(tmp_path, "init", "site1")
    text = (tmp_path / "site1" / "config.toml").read_text()
    assert "[[feeds]]" in text
    proc = aggregator(tmp_path, "--config", "site1/config.toml", "feeds", "list", "--json")
    assert len(json.loads(proc.stdout)) >= 20
    assert aggregator(tmp_path, "init", "site1", check=False).returncode == 1


def test_missing_config_is_one_clear_line(tmp_path):
    proc = aggregator(tmp_path, "fetch", check=False)
    assert proc.returncode == 1 and "aggregator init" in proc.stderr


def test_extract_command_and_entry_show_json(tmp_path, server):
    page = ("<html lang='en'><head><title>Launch</title></head><body><article><h1>Launch</h1>"
            + "".join(f"<p>Paragraph {i} of the article says something specific about the launch.</p>" for i in range(8))
            + "</article></body></html>").encode()
    server.static("/story", page, "text/html; charset=utf-8")
    server.static("/gone-feed", rss([{"title": "Launch", "link": server.url("/story"), "guid": "s1",
                                      "description": "Short summary."},
                                     {"title": "Missing", "link": server.url("/missing"), "guid": "s2",
                                      "description": "Only the summary exists."}]))
    (tmp_path / "config.toml").write_text(
        "[network]\nallow_private_networks = true\n\n[extract]\nper_host_delay_seconds = 0\n\n"
        f'[[feeds]]\nurl = "{server.url("/gone-feed")}"\n')
    aggregator(tmp_path, "fetch")
    out = aggregator(tmp_path, "extract")
    assert "2 entries: 1 from the article page, 1 from the feed's content, 0 failed" in out.stdout
    assert "HTTP 404" in out.stdout
    rows = {r["title"]: r for r in json.loads(aggregator(tmp_path, "entries", "list", "--json").stdout)}
    shown = json.loads(aggregator(tmp_path, "entries", "show", str(rows["Launch"]["id"]), "--json").stdout)
    assert shown["text_origin"] == "article" and shown["text"].startswith("Paragraph 0 of the article")
    assert "<p>" not in shown["text"] and shown["story_id"] is None and shown["errors"] == []
    assert shown["extraction"]["language"] == "en"
    missing = json.loads(aggregator(tmp_path, "entries", "show", str(rows["Missing"]["id"]), "--json").stdout)
    assert missing["text_origin"] == "feed" and missing["text"] == "Only the summary exists."
    assert missing["extraction"]["reason"] == "HTTP 404 Not Found"
    human = aggregator(tmp_path, "entries", "show", str(rows["Launch"]["id"])).stdout
    assert "text_origin: article" in human and "Paragraph 7" in human
    assert "0 entries" in aggregator(tmp_path, "extract").stdout


def test_summarize_dry_run_then_run_and_status(tmp_path, server):
    from llmserver import LLMServer

    page = ("<html lang='en'><body><article><h1>Launch</h1>"
            + "".join(f"<p>Paragraph {i}: Northwind Labs said the Meridian-3 model handles {i + 2} long documents "
                      f"at once during the pilot.</p>" for i in range(6))
            + "</article></body></html>").encode()
    server.static("/story", page, "text/html; charset=utf-8")
    server.static("/f", rss([{"title": "Launch", "link": server.url("/story"), "guid": "s1", "description": "x"}]))
    with LLMServer() as llm:
        (tmp_path / "config.toml").write_text(
            "[network]\nallow_private_networks = true\n\n[extract]\nper_host_delay_seconds = 0\n\n"
            f'[llm]\nbase_url = "{llm.base_url}"\nmodel = "m1"\napi_key_env = "NO_SUCH_KEY_VAR"\n'
            '[llm.prices.m1]\ninput_per_million = 3.0\noutput_per_million = 15.0\n\n'
            f'[[feeds]]\nurl = "{server.url("/f")}"\n')
        aggregator(tmp_path, "fetch")
        aggregator(tmp_path, "extract")
        hint = aggregator(tmp_path, "summarize", "--dry-run").stdout
        assert "1 entries are not in a story yet" in hint
        assert "1 entries clustered into 1 stories" in aggregator(tmp_path, "cluster").stdout
        dry = aggregator(tmp_path, "summarize", "--dry-run").stdout
        assert "1 cards to write with m1: 1 LLM calls" in dry and "estimated cost $0.0" in dry
        assert llm.requests == []
        out = aggregator(tmp_path, "summarize").stdout
        assert "1 written by the LLM" in out and "1 LLM calls" in out
        assert "0 cards" in aggregator(tmp_path, "summarize").stdout and len(llm.requests) == 1
        status = json.loads(aggregator(tmp_path, "status", "--json").stdout)
        week = status["llm_this_week"]
        assert (week["calls"], week["tokens_in"], week["tokens_out"]) == (1, 900, 300)
        assert week["cost"] == pytest.approx((900 * 3 + 300 * 15) / 1e6)
        assert "LLM this week" in aggregator(tmp_path, "status").stdout
        entry = json.loads(aggregator(tmp_path, "entries", "list", "--json").stdout)[0]
        shown = json.loads(aggregator(tmp_path, "entries", "show", str(entry["id"]), "--json").stdout)
        assert shown["card"]["writer"] == "llm" and shown["card_meta"]["model"] == "m1"
        assert "dropped" not in shown["card"] and isinstance(shown["dropped_claims"], list)
        # one full pass: nothing new anywhere, no calls
        full = aggregator(tmp_path, "run", "--json")
        passes = json.loads(full.stdout)
        assert passes["summarize"]["calls"] == 0 and passes["cluster"]["entries"] == 0
        assert list(passes) == ["fetch", "extract", "cluster", "summarize", "recap", "build"]
        assert passes["build"]["pages"] > 5 and (tmp_path / "site" / "index.html").is_file()
        after = json.loads(aggregator(tmp_path, "status", "--json").stdout)
        assert set(after["last_runs"]) == {"fetch", "extract", "cluster", "summarize", "recap", "build"}
        assert all(run["outcome"] == "ok" for run in after["last_runs"].values())
        assert after["queues"]["cluster"] == 0 and after["stories_this_week"] >= 0
        assert "last build:" in aggregator(tmp_path, "status").stdout


def test_export_json_shape_on_the_demo(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    aggregator(tmp_path, "demo", "--dir", "run", "--port", str(port), "--no-serve")
    data = json.loads(aggregator(tmp_path, "--config", "run/config.toml", "export", "--json").stdout)
    stories = data["stories"]
    assert 20 <= len(stories) < 40
    for story in stories:
        for key in ("id", "slug", "title", "sources", "card", "dropped_claims", "related", "thread", "rank"):
            assert key in story
        assert story["card"] is not None and "dropped" not in story["card"] and "dropped_claims" not in story["card"]
        assert all({"url", "publisher", "published_at"} <= set(s) for s in story["sources"])
        assert story["id"] not in [r["id"] for r in story["related"]]
        assert story["path"] == f"stories/{story['slug']}/"
    multi = [s for s in stories if len(s["sources"]) >= 3]
    assert multi and max(stories, key=lambda s: s["rank"]["score"])["rank"]["parts"]["independent_sources"] >= 3
