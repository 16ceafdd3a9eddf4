"""The subscription endpoints on a real uvicorn server on 127.0.0.1, driven with httpx."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn

from aggregator.store import open_store
from aggregator.store import subscribers as subs
from aggregator.web import create_app
from tests.conftest import FakeClock


class Served:
    def __init__(self, app):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def web(make_settings, tmp_path):
    """The app with its confirmation sender recorded (the SMTP side is tested in test_mail_send)."""
    settings = make_settings(email={"smtp_host": "127.0.0.1", "smtp_port": 2525, "security": "none",
                                    "subscribes_per_client_per_hour": 1000},
                             web={"public_url": "http://127.0.0.1/"},
                             site={"output_dir": str(tmp_path / "site"), "title": "Test Recap"})
    clock = FakeClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    sent: list[int] = []
    store = open_store(settings.database_path)
    with Served(create_app(settings, clock, sent.append)) as client:
        yield client, store, clock, sent, settings
    store.close()


def _wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_subscribe_answers_the_same_for_new_pending_confirmed_and_honeypot(web):
    client, store, clock, sent, _ = web
    first = client.post("/subscribe", data={"email": "Reader@Example.org", "website": ""})
    assert first.status_code == 200 and "Check your inbox" in first.text
    _wait_for(lambda: sent)
    reader = subs.by_address(store, "reader@example.org")
    assert reader["status"] == "pending" and sent == [reader["id"]]
    again = client.post("/subscribe", data={"email": "Reader@Example.org"})
    _wait_for(lambda: len(sent) == 2)  # a pending reader may ask again: the work happens after the answer
    subs.confirm(store, reader["id"], clock())
    confirmed = client.post("/subscribe", data={"email": "Reader@Example.org"})
    bot = client.post("/subscribe", data={"email": "bot@example.org", "website": "http://spam.example/"})
    assert first.text == again.text == confirmed.text == bot.text  # nothing to tell the four apart
    time.sleep(0.2)
    assert len(sent) == 2 and subs.by_address(store, "bot@example.org") is None  # the confirmed one gets nothing
    assert first.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_hundred_requests_for_one_address_send_at_most_the_configured_confirmations(web):
    """Ten at a time: the answers go out before the work, so the limit must hold when the
    work of many requests overlaps."""
    from concurrent.futures import ThreadPoolExecutor

    client, store, _, sent, settings = web
    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda _: client.post("/subscribe", data={"email": "flood@example.org"}).status_code,
                              range(100)))
    assert codes == [200] * 100
    _wait_for(lambda: len(sent) >= settings.email.confirmations_per_address_per_day)
    time.sleep(0.3)
    assert len(sent) == settings.email.confirmations_per_address_per_day == 3


def test_letter_case_does_not_make_a_second_reader_or_more_confirmations(web):
    client, store, _, sent, _ = web
    for variant in ("victim@example.org", "Victim@example.org", "VICTIM@Example.ORG", "vIcTiM@example.org"):
        client.post("/subscribe", data={"email": variant})
    time.sleep(0.3)
    assert store.scalar("select count(*) from subscribers") == 1 and len(sent) == 3


def test_an_oversized_body_is_refused_before_it_is_read(web):
    client, store, _, sent, _ = web
    answer = client.post("/subscribe", content=b"email=a%40example.org&pad=" + b"x" * 200_000,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and store.scalar("select count(*) from subscribers") == 0 and not sent


def test_hostile_addresses_get_a_plain_error_and_nothing_is_stored(web):
    client, store, _, sent, _ = web
    for bad in ("victim@example.org\r\nBcc: other@example.org", "Name <a@example.org>", "no-at-sign",
                "a@b@example.org", "x" * 300 + "@example.org", ""):
        answer = client.post("/subscribe", data={"email": bad})
        assert answer.status_code == 400 and "does not look right" in answer.text, bad
    assert store.scalar("select count(*) from subscribers") == 0 and not sent


def test_confirm_and_unsubscribe_act_only_on_post_and_unknown_tokens_look_alike(web):
    client, store, clock, _, _ = web
    reader = subs.add_pending(store, "reader@example.org", clock())
    token = subs.new_token(store, reader["id"], "confirm", clock(), subs.CONFIRM_TOKEN_LIFETIME)
    page = client.get(f"/confirm/{token}")  # a mail scanner prefetching the link
    assert page.status_code == 200 and "<form method=\"post\"" in page.text
    assert subs.by_id(store, reader["id"])["status"] == "pending"
    assert "You are subscribed" in client.post(f"/confirm/{token}").text
    assert "You are subscribed" in client.post(f"/confirm/{token}").text  # idempotent
    assert subs.by_id(store, reader["id"])["status"] == "confirmed"
    assert client.post("/confirm/not-a-token").status_code == 410

    manage = subs.new_token(store, reader["id"], "manage", clock())
    client.get(f"/unsubscribe/{manage}")
    assert subs.by_id(store, reader["id"])["status"] == "confirmed"
    one_click = client.post(f"/unsubscribe/{manage}", content="List-Unsubscribe=One-Click",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    unknown = client.post("/unsubscribe/forged-token-000", content="List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == unknown.status_code == 200 and one_click.text == unknown.text
    assert subs.by_id(store, reader["id"])["status"] == "unsubscribed"


def test_expired_confirmation_links_and_preferences(web):
    client, store, clock, _, _ = web
    reader = subs.add_pending(store, "reader@example.org", clock())
    token = subs.new_token(store, reader["id"], "confirm", clock(), subs.CONFIRM_TOKEN_LIFETIME)
    clock.advance(days=8)
    assert client.post(f"/confirm/{token}").status_code == 410
    subs.confirm(store, reader["id"], clock())
    manage = subs.new_token(store, reader["id"], "manage", clock())
    assert "Your preferences" in client.get(f"/preferences/{manage}").text
    saved = client.post(f"/preferences/{manage}", data={"frequency": "daily", "topics": ["nonexistent"]})
    assert saved.status_code == 200
    row = subs.by_id(store, reader["id"])
    assert row["frequency"] == "weekly" and row["topics"] == []  # daily is off; unknown topics are ignored
    assert client.get("/preferences/unknown").status_code == 404


def test_client_rate_limit_and_health(make_settings, tmp_path):
    settings = make_settings(email={"subscribes_per_client_per_hour": 5}, site={"output_dir": str(tmp_path / "s")})
    clock = FakeClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    with Served(create_app(settings, clock, lambda _id: None)) as client:
        codes = [client.post("/subscribe", data={"email": f"r{i}@example.org"}).status_code for i in range(8)]
        assert codes == [200] * 5 + [429] * 3
        clock.advance(hours=1, seconds=1)
        assert client.post("/subscribe", data={"email": "later@example.org"}).status_code == 200
        assert client.get("/healthz").json() == {"ok": True}


def test_a_readers_own_topics_stay_on_the_preferences_form_and_survive_a_save(web):
    client, store, clock, _, _ = web
    reader = subs.add_pending(store, "reader@example.org", clock())
    subs.confirm(store, reader["id"], clock())
    subs.set_preferences(store, reader["id"], "weekly", ["zzz rare topic"])
    manage = subs.new_token(store, reader["id"], "manage", clock())
    form = client.get(f"/preferences/{manage}").text
    assert 'value="zzz rare topic" checked' in form
    client.post(f"/preferences/{manage}", data={"frequency": "weekly", "topics": ["zzz rare topic"]})
    assert subs.by_id(store, reader["id"])["topics"] == ["zzz rare topic"]
