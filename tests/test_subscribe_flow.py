"""A reader's whole path, against the app `serve` runs and a real SMTP server: subscribe, confirm by
the emailed link, receive the digest, leave with one click, receive nothing more. And the same
subscription through the form on the built site, in chromium."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
import pytest

from aggregator.clock import system_clock
from aggregator.config import settings_from_dict
from aggregator.mail.outbox import deliver, enqueue_digest
from aggregator.mail.smtp import smtp_factory
from aggregator.serve import _confirmations
from aggregator.site.render import build_site
from aggregator.store import subscribers as subs
from aggregator.web import create_app
from site_helpers import screenshot_dir, site_from
from smtpserver import SmtpServer, free_port
from test_web import Served

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def instance(demo_pipeline, tmp_path):
    port = free_port()
    origin = f"http://127.0.0.1:{port}/"
    _, store = site_from(demo_pipeline, tmp_path, base_url=origin)
    with SmtpServer() as smtp:
        settings = settings_from_dict({
            **demo_pipeline.config,
            "site": {**demo_pipeline.config["site"], "base_url": origin, "output_dir": "public"},
            "database": {"path": str(tmp_path / "d.db")},
            "email": {"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "security": "none",
                      "from": "Test Recap <recap@example.org>", "messages_per_second": 100},
            "web": {"host": "127.0.0.1", "port": port, "public_url": origin}}, base_dir=tmp_path)
        build_site(settings, store, system_clock())
        factory = smtp_factory(settings)
        app = create_app(settings, system_clock, _confirmations(settings, system_clock, factory))
        server = Served(app)
        server.port = port
        server.server.config.port = port
        with server as client:
            yield settings, store, smtp, client, factory


def _wait_for_mail(smtp, count: int, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while len(smtp.handler.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp.handler.received) >= count, f"{len(smtp.handler.received)} messages, expected {count}"
    return smtp.handler.received


def _part(message, subtype: str) -> str:
    return next(p for p in message.walk() if p.get_content_type() == f"text/{subtype}").get_content()


def test_subscribe_confirm_digest_one_click_unsubscribe_then_silence(instance):
    settings, store, smtp, client, factory = instance
    assert client.post("/subscribe", data={"email": "reader@example.org", "website": ""}).status_code == 200
    confirmation = _wait_for_mail(smtp, 1)[0].message
    assert confirmation["To"] == "reader@example.org"
    link = re.search(r"http://127\.0\.0\.1:\d+/confirm/[\w-]+", _part(confirmation, "plain")).group(0)
    path = link.split("/", 3)[3]
    assert client.get("/" + path).status_code == 200  # a scanner's prefetch
    assert subs.by_address(store, "reader@example.org")["status"] == "pending"
    assert "You are subscribed" in client.post("/" + path).text
    assert subs.by_address(store, "reader@example.org")["status"] == "confirmed"

    clock = lambda: NOW  # noqa: E731
    enqueue_digest(settings, store, "2026-W47", NOW)
    report = deliver(settings, store, clock, factory, issue="digest:2026-W47")
    assert report.sent == 1
    digest = _wait_for_mail(smtp, 2)[1].message
    assert digest["To"] == "reader@example.org" and digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Northwind" in _part(digest, "plain") and "<html" in _part(digest, "html").lower()
    unsubscribe = re.search(r"<(http[^>]+)>", digest["List-Unsubscribe"]).group(1)
    # RFC 8058: the mail provider POSTs this body to the URL, with no cookie and no page in between
    answer = httpx.post(unsubscribe, content="List-Unsubscribe=One-Click",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200
    assert subs.by_address(store, "reader@example.org")["status"] == "unsubscribed"

    enqueue_digest(settings, store, "2026-W48", NOW)
    later = deliver(settings, store, clock, factory)
    assert later.sent == 0 and len(smtp.handler.received) == 2  # nothing more to the reader who left


def test_the_form_on_the_built_site_subscribes_in_chromium(instance, browser):
    from browser_helpers import open_page, shot

    settings, store, smtp, client, _ = instance
    context, page, watch = open_page(browser)
    try:
        page.goto(f"{settings.site.base_url}")
        page.fill("#subscribe-email", "browser-reader@example.org")
        with page.expect_navigation():
            page.click("form.subscribe button[type=submit]")
        assert "Check your inbox" in page.content()
        shot(page, "subscribed.png")
        watch.assert_clean()
    finally:
        context.close()
    confirmation = _wait_for_mail(smtp, 1)[0]
    assert confirmation.to == "browser-reader@example.org"
    assert subs.by_address(store, "browser-reader@example.org")["status"] == "pending"
    assert (screenshot_dir() / "subscribed.png").is_file()
