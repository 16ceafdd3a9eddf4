"""Sending the digest and the confirmation email through the outbox, to a real SMTP server
(aiosmtpd on 127.0.0.1): what arrives, nothing twice, 4xx retried, 5xx bounced, an unsubscribe
honoured mid-send.

The server (tests/smtpserver.py) records every message and can be told to answer 4xx
or 5xx for a recipient. The store is a private copy of the sample web's database
(``site_from``, the ``data`` fixture in conftest.py), with subscribers added directly through
``store.subscribers``. Helpers are in tests/mail_helpers.py. The SMTP connection itself
(drops, SMTPUTF8, login, TLS) is tested in test_mail_smtp.py; the pure decisions (backoff,
orphaned claims, throttle) in test_mail_policy.py; the CLI in test_digest_cli.py.
Header injection is tested in test_mail_digest.py, on the composed message.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from conftest import FakeClock
from mail_helpers import FROM, NOW, PUBLIC, WEEK, factory, nothing_happened, states, subscriber, with_email
from smtpserver import free_port

from aggregator.clock import iso
from aggregator.mail import Recipient, digest_for_week, filter_for
from aggregator.mail.outbox import deliver, enqueue_digest, send_confirmation
from aggregator.store import open_store
from aggregator.store import subscribers as subs

TOKEN = r"[A-Za-z0-9_-]{43}"


def body(message, kind: str) -> str:
    return message.get_body((kind,)).get_content()


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


# -- 4xx, 5xx, an unsubscribe mid-send ----------------------------------------------------------

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


def test_the_shared_throttle_is_waited_for_before_a_row_is_claimed(make_settings, smtp):
    """Confirmations share the process's throttle: the second one waits for its slot, and a
    kill during that wait must leave its row queued (resent later), not 'sending' (which a
    restart would report as of unknown fate, though nothing went out)."""
    from aggregator.mail.smtp import smtp_factory

    settings = make_settings(email={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "security": "none",
                                    "from": f"Recap <{FROM}>", "messages_per_second": 0.5},
                             web={"public_url": PUBLIC})
    store, spy = open_store(settings.database_path), open_store(settings.database_path)
    waits: list[tuple[float, list[str]]] = []

    def sleep(seconds):  # what the outbox holds while the throttle makes a sender wait
        waits.append((seconds, [r["state"] for r in spy.query("select state from outbox order by id")]))

    make = smtp_factory(settings, sleep=sleep)
    first, second = subs.add_pending(store, "a@example.com", NOW), subs.add_pending(store, "b@example.com", NOW)
    assert send_confirmation(settings, store, first, NOW, make).sent == 1
    assert send_confirmation(settings, store, second, NOW + timedelta(seconds=1), make).sent == 1
    assert waits and all(seconds > 0 for seconds, _ in waits)
    assert all("sending" not in held for _, held in waits), waits
    assert len(waits) == 1  # one wait for the second message; none after the last one
    store.close()
    spy.close()


def test_serves_mail_job_logs_emails_of_unknown_fate(make_settings, smtp, caplog):
    """serve's jobs keep no report a person reads: an email found of unknown fate goes to the log."""
    import logging
    import socket
    import threading

    from aggregator.serve import Jobs

    settings = make_settings(email={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "security": "none",
                                    "from": f"Recap <{FROM}>"}, web={"public_url": PUBLIC})
    store = open_store(settings.database_path)
    reader = subscriber(store, "crashed@example.com")
    enqueue_digest(settings, store, WEEK, NOW)
    with store.write() as db:  # claimed by a sender on this host that no longer runs
        db.execute("update outbox set state = 'sending', claimed_at = ?, claimed_by = ? where subscriber_id = ?",
                   (iso(NOW), f"{socket.gethostname()}:{2 ** 22 + 12345}", reader["id"]))
    with caplog.at_level(logging.WARNING, logger="aggregator.serve"):
        Jobs(settings, FakeClock(NOW), threading.Event()).mail()
    assert states(store) == {"crashed@example.com": "unknown"}
    assert any("crashed@example.com" in r.getMessage() and "aggregator digest unknown" in r.getMessage()
               for r in caplog.records)
    store.close()
