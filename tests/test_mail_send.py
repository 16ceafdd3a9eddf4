"""Sending the digest and the confirmation email through a real SMTP server (aiosmtpd on 127.0.0.1).

The server (tests/smtpserver.py) records every message and can be told to answer 4xx
or 5xx for a recipient, drop the connection at a chosen command, or hold back its
answer to DATA. The store is a private copy of the sample web's database
(``site_from``), with subscribers added directly through ``store.subscribers``.
Header injection is tested in test_mail_digest.py, on the composed message.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import FakeClock
from site_helpers import site_from
from smtpserver import SmtpServer, free_port

from aggregator.clock import UTC, iso
from aggregator.config import Settings, settings_from_dict
from aggregator.errors import (InvalidAddressError, MailError, MailSetupError,
                               PermanentMailError, TemporaryMailError, UncertainDeliveryError)
from aggregator.mail import Recipient, digest_for_week, filter_for
from aggregator.mail.outbox import DeliveryReport, deliver, enqueue_digest, send_confirmation
from aggregator.mail.policy import backoff, claim_is_orphaned, state_after
from aggregator.mail.smtp import Throttle, smtp_factory
from aggregator.store import open_store
from aggregator.store import subscribers as subs

WEEK = "2026-W47"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PUBLIC = "http://127.0.0.1:8000/"  # one-click unsubscribe needs https, except on loopback
FROM = "recap@news.example.org"
TOKEN = r"[A-Za-z0-9_-]{43}"
# the login tests run AUTH without TLS on 127.0.0.1 on purpose (aiosmtpd warns about it)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


# -- helpers ----------------------------------------------------------------------------

@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def data(demo_pipeline, tmp_path):
    settings, store = site_from(demo_pipeline, tmp_path / "site", base_url="https://news.example.org/")
    yield settings, store
    store.close()


def with_email(settings: Settings, port: int, *, public_url: str = PUBLIC, **email) -> Settings:
    base = settings.model_dump(by_alias=True, exclude={"base_dir"})
    section = {"smtp_host": "127.0.0.1", "smtp_port": port, "security": "none", "from": f"Test Recap <{FROM}>",
               "messages_per_second": 1000, "timeout_seconds": 5, **email}
    return settings_from_dict({**base, "email": section, "web": {"public_url": public_url}}, base_dir=settings.base_dir)


def factory(settings: Settings, senders: list | None = None, **kwargs):
    """smtp_factory without real sleeping, remembering each sender it made (to count connections)."""
    inner = smtp_factory(settings, sleep=lambda seconds: None, **kwargs)

    def make():
        sender = inner()
        if senders is not None:
            senders.append(sender)
        return sender

    return make


def subscriber(store, address: str, *, topics: tuple[str, ...] = (), status: str = "confirmed") -> dict:
    row = subs.add_pending(store, address, NOW)
    if topics:
        subs.set_preferences(store, row["id"], "weekly", list(topics))
    if status == "confirmed":
        subs.confirm(store, row["id"], NOW)
    return subs.by_id(store, row["id"])


def states(store, issue: str = f"digest:{WEEK}") -> dict[str, str]:
    return {r["address"]: r["state"] for r in store.query("select address, state from outbox where issue = ?", (issue,))}


def body(message, kind: str) -> str:
    return message.get_body((kind,)).get_content()


def nothing_happened(report: DeliveryReport) -> bool:
    return report == DeliveryReport()


# -- the digest arrives ------------------------------------------------------------------------

def test_the_digest_arrives_as_text_and_html_with_one_click_unsubscribe(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    readers = [subscriber(store, f"reader{n}@example.com") for n in range(3)]
    readers.append(subscriber(store, "security@example.com", topics=("security",)))
    subscriber(store, "pending@example.com", status="pending")  # never confirmed: never mailed
    subs.unsubscribe(store, subscriber(store, "left@example.com")["id"], NOW)

    assert enqueue_digest(settings, store, WEEK, NOW) == 4
    report = deliver(settings, store, FakeClock(NOW), factory(settings))
    assert (report.sent, report.ok) == (4, True) and [o.state for o in report.outcomes] == ["sent"] * 4
    assert sorted(smtp.handler.recipients()) == sorted(r["address"] for r in readers)

    rows = {r["address"]: r for r in store.query("select * from outbox")}
    for received in smtp.handler.received:
        message = received.message
        assert received.mail_from == FROM and str(message["To"]) == received.to
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        text, html = body(message, "plain"), body(message, "html")
        assert "THE WEEK IN NUMBERS" in text and "<h1" in html and 'style="' in html
        assert message["Date"].datetime == NOW and message["Subject"].startswith("Test Recap: the week of")
        row = rows[received.to]
        assert (row["state"], row["message_id"], row["sent_at"]) == ("sent", message["Message-ID"], iso(NOW))
        assert re.fullmatch(r"<[^<>@\s]+@news\.example\.org>", message["Message-ID"])
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        token = re.fullmatch(rf"<{re.escape(PUBLIC)}unsubscribe/({TOKEN})>", message["List-Unsubscribe"]).group(1)
        assert subs.subscriber_for_token(store, token, "manage", NOW)["address"] == received.to  # their own link
        assert f"{PUBLIC}unsubscribe/{token}" in text and f"{PUBLIC}preferences/{token}" in text
        assert f'href="{PUBLIC}preferences/{token}"' in html
    assert len({r.message["Message-ID"] for r in smtp.handler.received}) == 4

    digest = digest_for_week(settings, store, WEEK, NOW)
    mine = filter_for(digest, Recipient("security@example.com", ("security",), PUBLIC, PUBLIC)).stories
    html = body(next(r for r in smtp.handler.received if r.to == "security@example.com").message, "html")
    assert mine and all(f'href="{s.url}"' in html for s in mine)
    assert not any(f'href="{s.url}"' in html for s in digest.ranked if "security" not in s.topics)


def test_sending_again_mails_nobody_twice(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    for n in range(3):
        subscriber(store, f"reader{n}@example.com")
    clock = FakeClock(NOW)
    assert enqueue_digest(settings, store, WEEK, NOW) == 3
    assert deliver(settings, store, clock, factory(settings)).sent == 3
    clock.advance(days=1)
    assert enqueue_digest(settings, store, WEEK, clock()) == 0  # the unique (issue, subscriber) row
    assert nothing_happened(deliver(settings, store, clock, factory(settings)))
    assert len(smtp.handler.received) == 3 and store.scalar("select count(*) from outbox") == 3


def test_the_connection_opens_only_when_something_is_due(data):
    settings, store = data
    settings = with_email(settings, free_port())  # nothing listens there
    assert nothing_happened(deliver(settings, store, FakeClock(NOW), factory(settings)))


# -- 4xx, 5xx, drops -----------------------------------------------------------------------------

def test_a_4xx_is_retried_with_backoff_and_delivered_once(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    for address in ("first@example.com", "slow@example.com", "last@example.com"):
        subscriber(store, address)
    smtp.handler.rcpt_script["slow@example.com"] = ["451 4.7.1 Greylisted, try again later"]
    smtp.handler.data_script["slow@example.com"] = ["452 4.2.2 Mailbox full for now"]
    clock = FakeClock(NOW)
    enqueue_digest(settings, store, WEEK, NOW)

    first = deliver(settings, store, clock, factory(settings))
    assert (first.sent, first.retry, first.ok) == (2, 1, True)
    slow = next(o for o in first.outcomes if o.state == "retry")
    assert "451" in slow.error and slow.next_attempt_at == iso(NOW + timedelta(minutes=1))

    clock.advance(seconds=30)
    assert nothing_happened(deliver(settings, store, clock, factory(settings)))  # not due yet
    clock.advance(seconds=30)
    second = deliver(settings, store, clock, factory(settings))
    assert second.retry == 1 and "452" in second.outcomes[0].error
    assert second.outcomes[0].next_attempt_at == iso(clock() + timedelta(minutes=2))  # 1, 2, 4 ... minutes
    clock.advance(minutes=2)
    third = deliver(settings, store, clock, factory(settings))
    assert (third.sent, third.retry) == (1, 0)
    assert Counter(smtp.handler.recipients()) == {"first@example.com": 1, "slow@example.com": 1,
                                                   "last@example.com": 1}
    row = store.query("select * from outbox where address = 'slow@example.com'")[0]
    assert (row["state"], row["attempts"]) == ("sent", 3)


def test_4xx_replies_give_up_after_max_attempts(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port, max_attempts=2)
    subscriber(store, "busy@example.com")
    smtp.handler.rcpt_script["busy@example.com"] = ["450 4.2.1 try later"] * 5
    clock = FakeClock(NOW)
    enqueue_digest(settings, store, WEEK, NOW)
    assert deliver(settings, store, clock, factory(settings)).retry == 1
    clock.advance(hours=1)
    report = deliver(settings, store, clock, factory(settings))
    assert (report.failed, report.ok) == (1, False) and "450" in report.outcomes[0].error
    assert subs.by_address(store, "busy@example.com")["status"] == "confirmed"  # temporary: not a bounce
    clock.advance(days=1)
    assert nothing_happened(deliver(settings, store, clock, factory(settings)))
    assert smtp.handler.received == []


def test_a_5xx_bounces_the_address_and_suppresses_it_from_later_issues(data, smtp):
    """A refused mailbox (5.1.1 at RCPT) bounces the reader; a refused *message* (a 5.7.1 policy
    answer after DATA, as for a DMARC failure) fails that email but does not suppress anyone."""
    settings, store = data
    settings = with_email(settings, smtp.port)
    for address in ("gone@example.com", "spam@example.com", "fine@example.com"):
        subscriber(store, address)
    smtp.handler.rcpt_script["gone@example.com"] = ["550 5.1.1 No such user"]
    smtp.handler.data_script["spam@example.com"] = ["554 5.7.1 Message rejected"]
    clock = FakeClock(NOW)
    enqueue_digest(settings, store, WEEK, NOW)
    report = deliver(settings, store, clock, factory(settings))
    assert (report.sent, report.bounced, report.failed) == (1, 1, 1) and not report.ok
    assert states(store) == {"gone@example.com": "bounced", "spam@example.com": "failed", "fine@example.com": "sent"}
    gone, spam = subs.by_address(store, "gone@example.com"), subs.by_address(store, "spam@example.com")
    assert gone["status"] == "bounced" and spam["status"] == "confirmed"
    assert "550 5.1.1 No such user" in gone["bounce_reason"]

    clock.advance(days=7)
    assert enqueue_digest(settings, store, "2026-W48", clock()) == 2  # the bounced one is not queued again
    assert deliver(settings, store, clock, factory(settings)).sent == 2
    assert smtp.handler.recipients() == ["fine@example.com", "spam@example.com", "fine@example.com"]
    assert subs.add_pending(store, "gone@example.com", clock())["status"] == "bounced"  # and stays suppressed


def test_an_unsubscribe_before_or_during_the_send_is_honoured(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    first, early, late = (subscriber(store, f"{name}@example.com") for name in ("first", "early", "late"))
    enqueue_digest(settings, store, WEEK, NOW)
    subs.unsubscribe(store, early["id"], NOW)  # between enqueue and delivery
    other = open_store(settings.database_path)

    def leave(received):  # while the first email is being sent, the last reader leaves
        if received.to == "first@example.com":
            subs.unsubscribe(other, late["id"], NOW)

    smtp.handler.on_message = leave
    try:
        report = deliver(settings, store, FakeClock(NOW), factory(settings))
    finally:
        other.close()
    assert (report.sent, report.skipped, report.ok) == (1, 2, True)
    assert smtp.handler.recipients() == ["first@example.com"]
    assert states(store) == {"first@example.com": "sent", "early@example.com": "skipped", "late@example.com": "skipped"}
    assert {o.error for o in report.outcomes if o.state == "skipped"} == {"the subscriber is unsubscribed"}


def test_a_connection_closed_while_idle_is_reopened_without_losing_the_message(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    for n in range(3):
        subscriber(store, f"reader{n}@example.com")
    smtp.handler.mail_script = ["", "DROP"]  # the server hangs up when the second MAIL FROM comes
    senders: list = []
    enqueue_digest(settings, store, WEEK, NOW)
    report = deliver(settings, store, FakeClock(NOW), factory(settings, senders))
    assert report.sent == 3 and len(senders) == 1 and senders[0].connections == 2
    assert Counter(smtp.handler.recipients()) == {f"reader{n}@example.com": 1 for n in range(3)}


def test_a_drop_before_the_message_is_sent_is_retried_on_a_new_connection(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    for n in range(3):
        subscriber(store, f"reader{n}@example.com")
    smtp.handler.rcpt_script["reader1@example.com"] = ["DROP"]
    senders: list = []
    clock = FakeClock(NOW)
    enqueue_digest(settings, store, WEEK, NOW)
    report = deliver(settings, store, clock, factory(settings, senders))
    assert (report.sent, report.retry) == (2, 1) and senders[0].connections == 2
    assert "connection lost before the message was sent" in report.outcomes[1].error
    clock.advance(minutes=1)
    assert deliver(settings, store, clock, factory(settings)).sent == 1
    assert Counter(smtp.handler.recipients()) == {f"reader{n}@example.com": 1 for n in range(3)}


def test_a_message_sent_without_an_answer_is_unknown_and_never_sent_again(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    for n in range(3):
        subscriber(store, f"reader{n}@example.com")
    smtp.handler.data_script["reader1@example.com"] = ["DROP"]  # the server has it, the client never hears
    clock = FakeClock(NOW)
    enqueue_digest(settings, store, WEEK, NOW)
    report = deliver(settings, store, clock, factory(settings))
    assert (report.sent, report.unknown, report.ok) == (2, 1, False)
    assert "it may have arrived" in report.outcomes[1].error
    clock.advance(days=1)
    assert nothing_happened(deliver(settings, store, clock, factory(settings)))
    assert Counter(smtp.handler.recipients()) == {f"reader{n}@example.com": 1 for n in range(3)}
    assert states(store)["reader1@example.com"] == "unknown"


@pytest.mark.parametrize("smtputf8", [True, False])
def test_a_non_ascii_address_needs_a_server_with_smtputf8(data, smtputf8):
    settings, store = data
    with SmtpServer(smtputf8=smtputf8) as smtp:
        settings = with_email(settings, smtp.port)
        subscriber(store, "jörg@example.org")
        subscriber(store, "plain@example.org")
        enqueue_digest(settings, store, WEEK, NOW)
        report = deliver(settings, store, FakeClock(NOW), factory(settings))
        if smtputf8:
            assert report.sent == 2 and smtp.handler.recipients() == ["jörg@example.org", "plain@example.org"]
            assert "SMTPUTF8" in smtp.handler.received[0].mail_options
        else:  # that one email fails; the others go out
            assert (report.sent, report.failed) == (1, 1) and smtp.handler.recipients() == ["plain@example.org"]
            assert "needs SMTPUTF8, which SMTP 127.0.0.1" in report.outcomes[0].error


# -- login, TLS and configuration ------------------------------------------------------------

def test_the_login_comes_from_the_environment_and_a_refusal_stops_the_run(data):
    settings, store = data
    with SmtpServer(credentials=("mailer", "s3cret")) as smtp:
        settings = with_email(settings, smtp.port, username_env="T_SMTP_USER", password_env="T_SMTP_PASSWORD")
        subscriber(store, "reader@example.com")
        clock = FakeClock(NOW)
        enqueue_digest(settings, store, WEEK, NOW)
        good = {"T_SMTP_USER": "mailer", "T_SMTP_PASSWORD": "s3cret"}
        assert deliver(settings, store, clock, factory(settings, environ=good)).sent == 1
        assert smtp.logins == [("mailer", True)]

        subscriber(store, "second@example.com")
        enqueue_digest(settings, store, "2026-W48", NOW)
        for environ, expected in [
            ({**good, "T_SMTP_PASSWORD": "wrong"}, r"refused the login \(535 .*\): check \$T_SMTP_USER and \$T_SMTP_PASSWORD"),
            ({"T_SMTP_USER": "mailer"}, r"password_env names \$T_SMTP_PASSWORD, which is not set in the environment"),
        ]:
            report = deliver(settings, store, clock, factory(settings, environ=environ))
            assert re.search(expected, report.stopped) and not report.ok and report.outcomes == []
            assert "\n" not in report.stopped
        unsent = store.query("select * from outbox where state != 'sent'")
        assert [(r["state"], r["attempts"]) for r in unsent] == [("queued", 0)] * 2  # untouched, sent next time

        anonymous = with_email(settings, smtp.port)  # no login at all: the server refuses our MAIL FROM
        report = deliver(anonymous, store, clock, factory(anonymous))
        assert re.search(r"answered 530 .* to MAIL FROM: the server refuses our sender", report.stopped)
        assert len(smtp.handler.received) == 1


def test_the_password_never_goes_out_unencrypted_to_another_host(data):
    settings, store = data
    with SmtpServer(host="127.0.0.2", credentials=("mailer", "s3cret")) as smtp:
        settings = with_email(settings, smtp.port, smtp_host="127.0.0.2", username_env="U", password_env="P")
        subscriber(store, "reader@example.com")
        enqueue_digest(settings, store, WEEK, NOW)
        report = deliver(settings, store, FakeClock(NOW), factory(settings, environ={"U": "mailer", "P": "s3cret"}))
        assert "refusing to send the SMTP password to 127.0.0.2" in report.stopped and smtp.logins == []


def test_configuration_problems_are_one_clear_line(data, smtp):
    settings, store = data
    subscriber(store, "reader@example.com")
    enqueue_digest(settings, store, WEEK, NOW)
    clock = FakeClock(NOW)
    with pytest.raises(MailSetupError, match=r"no \[email\] section in config.toml: add one with smtp_host"):
        deliver(settings, store, clock, None)
    with pytest.raises(MailError, match=r"\[web\] public_url: .* must be https"):
        deliver(with_email(settings, smtp.port, public_url="http://news.example.org/"), store, clock, None)
    with pytest.raises(InvalidAddressError, match=r"\[email\] from"):
        deliver(with_email(settings, smtp.port, **{"from": "Recap <not an address>"}), store, clock, None)

    nobody = with_email(settings, free_port())
    report = deliver(nobody, store, clock, factory(nobody))
    assert report.stopped.startswith("cannot connect to SMTP 127.0.0.1:") and not report.ok

    starttls = with_email(settings, smtp.port, security="starttls")
    report = deliver(starttls, store, clock, factory(starttls))
    assert "does not offer STARTTLS" in report.stopped
    assert [(r["state"], r["attempts"]) for r in store.query("select * from outbox")] == [("queued", 0)]
    assert smtp.handler.received == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (server context, client context trusting it)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls_verify_the_server_certificate(data, certificate, security):
    settings, store = data
    server_context, trusting = certificate
    tls = {"ssl_context": server_context} if security == "tls" else {"tls_context": server_context,
                                                                       "require_starttls": True}
    with SmtpServer(credentials=("mailer", "s3cret"), **tls) as smtp:
        settings = with_email(settings, smtp.port, security=security, username_env="U", password_env="P")
        environ = {"U": "mailer", "P": "s3cret"}
        subscriber(store, "reader@example.com")
        clock = FakeClock(NOW)
        enqueue_digest(settings, store, WEEK, NOW)
        refused = deliver(settings, store, clock, factory(settings, environ=environ))  # the system's CAs only
        assert re.search(r"TLS failed \(.*certificate verify failed", refused.stopped), refused.stopped
        assert smtp.logins == []
        report = deliver(settings, store, clock, factory(settings, environ=environ, ssl_context=trusting))
        assert report.sent == 1 and smtp.logins == [("mailer", True)]
        assert smtp.handler.recipients() == ["reader@example.com"]


# -- the confirmation email ---------------------------------------------------------------------

def test_the_confirmation_email_carries_a_confirm_link_and_goes_through_the_outbox(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    pending = subs.add_pending(store, "new@example.com", NOW)
    report = send_confirmation(settings, store, pending, NOW, factory(settings))
    assert (report.sent, report.ok) == (1, True)
    assert report.outcomes[0].issue == f"confirm:{pending['id']}:20261130T080000Z"
    [received] = smtp.handler.received
    message = received.message
    assert received.to == "new@example.com" and received.mail_from == FROM
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Confirm your subscription to Test Recap"
    assert message["List-Unsubscribe"] is None and message["Message-ID"] and message["Date"].datetime == NOW
    text, html = body(message, "plain"), body(message, "html")
    token = re.search(rf"{re.escape(PUBLIC)}confirm/({TOKEN})", text).group(1)
    assert f'href="{PUBLIC}confirm/{token}"' in html and "new@example.com" in html
    assert subs.subscriber_for_token(store, token, "confirm", NOW)["id"] == pending["id"]
    assert subs.subscriber_for_token(store, token, "confirm", NOW + timedelta(days=8)) is None  # it expires
    assert subs.subscriber_for_token(store, token, "manage", NOW) is None

    subs.confirm(store, pending["id"], NOW)
    again = send_confirmation(settings, store, subs.by_id(store, pending["id"]), NOW + timedelta(minutes=5),
                              factory(settings))
    assert again.skipped == 1 and again.outcomes[0].error == "the subscriber is confirmed"
    assert len(smtp.handler.received) == 1


def test_a_refused_confirmation_bounces_the_address(data, smtp):
    settings, store = data
    settings = with_email(settings, smtp.port)
    smtp.handler.rcpt_script["typo@example.com"] = ["550 5.1.1 No such user"]
    pending = subs.add_pending(store, "typo@example.com", NOW)
    report = send_confirmation(settings, store, pending, NOW, factory(settings))
    assert report.bounced == 1 and subs.by_id(store, pending["id"])["status"] == "bounced"


# -- the decisions, without a server -----------------------------------------------------------------

def test_backoff_doubles_from_a_minute_up_to_six_hours():
    assert [backoff(n) for n in range(0, 5)] == [timedelta(minutes=m) for m in (1, 1, 2, 4, 8)]
    assert backoff(9) == timedelta(minutes=256) and backoff(10) == backoff(1000) == timedelta(hours=6)


def test_what_each_failure_means_for_the_row():
    assert state_after(TemporaryMailError("451"), 1, 5) == "retry"
    assert state_after(TemporaryMailError("451"), 5, 5) == "failed"
    assert state_after(PermanentMailError("550"), 1, 5) == "bounced"
    assert state_after(UncertainDeliveryError("no answer"), 1, 5) == "unknown"
    assert state_after(InvalidAddressError("bad"), 1, 5) == "failed"
    assert state_after(MailError("no SMTPUTF8"), 1, 5) == "failed"


def test_only_claims_of_dead_or_long_gone_senders_are_orphaned():
    stale = timedelta(hours=1)
    now = NOW
    recent, old = iso(now - timedelta(seconds=5)), iso(now - timedelta(hours=2))

    def orphaned(by, at, alive=lambda pid: pid == 222):
        return claim_is_orphaned(by, at, now, stale, host="here", pid=111, alive=alive)

    assert not orphaned("here:111", recent)  # this process (another thread of the web app)
    assert not orphaned("here:222", recent)  # a live process on this machine
    assert orphaned("here:333", recent)  # dead
    assert not orphaned("there:333", recent)  # another machine: only the age tells
    assert orphaned("there:333", old) and orphaned("here:222", old)
    assert orphaned(None, recent) and orphaned("garbage", recent)


def test_a_run_turns_only_dead_claims_into_unknown(data):
    settings, store = data
    settings = with_email(settings, free_port())  # nothing may be sent: nothing is due
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    claims = {"dead@example.com": (f"{host}:{dead.pid}", NOW), "mine@example.com": (f"{host}:{os.getpid()}", NOW),
              "far@example.com": ("elsewhere:42", NOW - timedelta(minutes=5)),
              "farold@example.com": ("elsewhere:42", NOW - timedelta(hours=3))}
    with store.write() as db:
        for address, (by, at) in claims.items():
            row = subscriber(store, address)
            db.execute("insert into outbox (issue, subscriber_id, address, state, attempts, claimed_at, claimed_by, "
                       "created_at) values (?, ?, ?, 'sending', 1, ?, ?, ?)",
                       (f"digest:{WEEK}", row["id"], address, iso(at), by, iso(NOW)))
    report = deliver(settings, store, FakeClock(NOW), factory(settings))
    assert report.unknown == 2 and {o.address for o in report.outcomes} == {"dead@example.com", "farold@example.com"}
    assert all("it may or may not have been sent, so it is not sent again" in o.error for o in report.outcomes)
    assert states(store) == {"dead@example.com": "unknown", "mine@example.com": "sending",
                             "far@example.com": "sending", "farold@example.com": "unknown"}


def test_the_throttle_spaces_messages_and_waits_only_as_needed():
    clock = {"t": 100.0}
    slept: list[float] = []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        clock["t"] += seconds

    throttle = Throttle(4, sleep=sleep, monotonic=lambda: clock["t"])
    throttle.wait()
    throttle.wait()
    clock["t"] += 0.1
    throttle.wait()
    clock["t"] += 1
    throttle.wait()
    assert slept == [0.25, 0.15]


# -- the command line, and a sender killed half-way ------------------------------------------------

def toml(data: dict) -> str:
    lines = []
    for section, values in data.items():
        for item in values if isinstance(values, list) else [values]:
            lines.append(f"[[{section}]]" if isinstance(values, list) else f"[{section}]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in item.items() if value is not None]
    return "\n".join(lines) + "\n"


def write_config(folder: Path, pipeline, database: Path, **email) -> Path:
    config = {**pipeline.config, "database": {"path": str(database)},
              "site": {**pipeline.config["site"], "output_dir": str(folder / "public")},
              "web": {"public_url": PUBLIC}}
    if email:
        config["email"] = {"smtp_host": "127.0.0.1", "security": "none", "from": f"Test Recap <{FROM}>", **email}
    path = folder / "config.toml"
    path.write_text(toml(config), encoding="utf-8")
    return path


def aggregator(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "aggregator.cli", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=config.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_preview_writes_the_files_and_sends_nothing(demo_pipeline, tmp_path):
    settings, store = site_from(demo_pipeline, tmp_path / "site")
    try:
        subscriber(store, "reader@example.com")
        config = write_config(tmp_path, demo_pipeline, settings.database_path)
        proc = aggregator(config, "digest", "preview", "--week", WEEK, "--to", "me@example.org", "--out", "out")
        assert proc.returncode == 0, proc.stderr
        eml, html = tmp_path / "out" / f"digest-{WEEK}.eml", tmp_path / "out" / f"digest-{WEEK}.html"
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert str(message["To"]) == "me@example.org" and message["List-Unsubscribe-Post"]
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        assert html.read_text().startswith("<!DOCTYPE html>") and f"{PUBLIC}unsubscribe/PREVIEW" in html.read_text()
        assert store.scalar("select count(*) from outbox") == 0 and store.scalar("select count(*) from tokens") == 0

        refused = aggregator(config, "digest", "send", "--week", WEEK)
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
        assert "no [email] section in config.toml" in refused.stderr
        bad = aggregator(config, "digest", "preview", "--week", "2026-W60")
        assert bad.returncode == 1 and "is not a week such as 2026-W48" in bad.stderr
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["answer-held-back", "mid-transfer"])
def test_a_sender_killed_half_way_and_restarted_mails_everyone_exactly_once(demo_pipeline, tmp_path, moment):
    """`aggregator digest send` in a subprocess, SIGKILLed after about 10 of 30 messages, then run again.

    answer-held-back: the server records the 11th message and holds its 250 back; the
    kill lands while that row is 'sending' and the message has arrived. mid-transfer:
    each message takes 30 ms to arrive and the kill lands just after the 10th was
    recorded, usually while the 11th is still on its way. Either way: never two
    messages to one address; every row 'sent', except at most the one row that was
    'sending' at the kill, which the restart reports as 'unknown' and does not resend
    (its reader got the message or not: both are allowed, the test says which).
    """
    settings, store = site_from(demo_pipeline, tmp_path / "site")
    addresses = [f"reader{n:02d}@example.com" for n in range(30)]
    for address in addresses:
        subscriber(store, address)
    with SmtpServer() as smtp:
        config = write_config(tmp_path, demo_pipeline, settings.database_path, smtp_port=smtp.port,
                              messages_per_second=25, timeout_seconds=30)
        if moment == "answer-held-back":
            smtp.handler.stall_at = 11
        else:
            smtp.handler.data_delay = 0.03
        killed = subprocess.Popen([sys.executable, "-m", "aggregator.cli", "--config", str(config), "digest", "send",
                                   "--week", WEEK], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 90
            while len(smtp.handler.received) < (11 if moment == "answer-held-back" else 10):
                assert killed.poll() is None, killed.communicate()
                assert time.monotonic() < deadline, "the sender never got going"
                time.sleep(0.005)
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=10)
        finally:
            if killed.poll() is None:
                killed.kill()
                killed.wait()
            killed.stdout.close()
            killed.stderr.close()
        smtp.handler.release.set()
        at_kill = Counter(states(store).values())
        assert at_kill["sending"] <= 1 and at_kill["sent"] >= 9
        if moment == "answer-held-back":
            assert at_kill == {"sent": 10, "sending": 1, "queued": 19}

        restart = aggregator(config, "digest", "send", "--week", WEEK)
        final = states(store)
        unknown = [address for address, state in final.items() if state == "unknown"]
        again = aggregator(config, "digest", "send", "--week", WEEK)

    received = Counter(smtp.handler.recipients())
    assert max(received.values()) == 1, received  # never two messages to one address
    assert len(unknown) == at_kill["sending"] <= 1
    assert all(state == "sent" for address, state in final.items() if address not in unknown)
    assert set(addresses) - set(unknown) <= set(received) <= set(addresses)
    if unknown:
        [row] = store.query("select * from outbox where address = ?", (unknown[0],))
        assert "may or may not have been sent, so it is not sent again" in row["error"]
        assert restart.returncode == 1 and "1 unknown" in restart.stdout and unknown[0] in restart.stderr
        holds = "received, row unknown" if unknown[0] in received else "not received, row unknown"
    else:
        assert restart.returncode == 0, restart.stderr
        holds = "no row was in flight at the kill: everyone exactly once"
    if moment == "answer-held-back":
        assert unknown == ["reader10@example.com"] and holds == "received, row unknown"
    print(f"{moment}: {holds}; {sum(received.values())} messages for {len(addresses)} readers")
    assert restart.stdout.startswith(f"digest:{WEEK}: 0 newly queued; {30 - at_kill['sent'] - len(unknown)} sent")
    assert again.returncode == 0 and again.stdout.startswith(f"digest:{WEEK}: 0 newly queued; 0 sent")
    store.close()
