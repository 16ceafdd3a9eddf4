"""`aggregator demo` ingests the bundled sample news web, offline, and is repeatable."""

import re
import socket
import subprocess
import sys

from aggregator.store import open_store


def test_demo_ingests_the_sample_web_and_a_rerun_costs_only_304s(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "aggregator.cli", "demo", "--dir", str(tmp_path / "run"), "--port", str(port),
               "--no-serve"]
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


def test_the_demo_serves_its_site_with_working_subscriptions(tmp_path, browser):
    """`aggregator demo` as `make demo` runs it: the site served, the form subscribing, the
    confirmation email written to the demo's mail folder, the pages clean in chromium."""
    import signal
    import time

    import httpx

    from browser_helpers import follow, open_page, shot

    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    log = open(tmp_path / "demo.out", "w+")
    demo = subprocess.Popen([sys.executable, "-m", "aggregator.cli", "demo", "--dir", str(tmp_path / "run"),
                             "--port", str(ports[0]), "--web-port", str(ports[1])],
                            stdout=log, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 180
        while "open:" not in (tmp_path / "demo.out").read_text() and time.monotonic() < deadline:
            assert demo.poll() is None, (tmp_path / "demo.out").read_text()
            time.sleep(0.2)
        site = f"http://127.0.0.1:{ports[1]}/"
        assert site in (tmp_path / "demo.out").read_text()
        context, page, watch = open_page(browser)
        try:
            page.goto(site)
            follow(page, page.locator("ul.stories a").first)
            assert "30-second TL;DR" in page.content()
            shot(page, "demo-story.png")
            page.goto(site)
            follow(page, page.locator("nav a", has_text="This week"))
            page.wait_for_url(re.compile(r"/weekly/\d{4}-W\d\d/$"))  # it moves on to the current recap
            assert "The week in numbers" in page.content()
            page.goto(site + "search/?q=Calder")  # Pagefind through serve (its bundle is a shared symlink)
            page.wait_for_selector(".pagefind-ui__result-link", timeout=10_000)
            assert "Port Calder" in page.locator(".pagefind-ui__result-link").first.inner_text()
            page.goto(site)
            page.fill("#subscribe-email", "demo-reader@example.org")
            with page.expect_navigation():
                page.click("form.subscribe button[type=submit]")
            assert "Check your inbox" in page.content()
            watch.assert_clean()
        finally:
            context.close()
        mail = tmp_path / "run" / "mail"
        deadline = time.monotonic() + 30
        while not list(mail.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.2)
        message = next(mail.glob("*.eml")).read_text()
        link = re.search(r"http://127\.0\.0\.1:\d+/confirm/[\w-]+", message.replace("=\n", "")).group(0)
        assert httpx.post(link).status_code == 200
        with open_store(tmp_path / "run" / "aggregator.db") as store:
            assert store.scalar("select status from subscribers") == "confirmed"
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=120)
    assert demo.returncode == 0, (tmp_path / "demo.out").read_text()[-3000:]
