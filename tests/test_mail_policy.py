"""The mail decisions, without a server (backoff, what each failure means for the outbox row,
orphaned claims, the throttle), and one delivery run that turns dead claims into 'unknown'.

Helpers are in tests/mail_helpers.py; the ``data`` fixture in conftest.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

from conftest import FakeClock
from mail_helpers import NOW, WEEK, factory, states, subscriber, with_email
from smtpserver import free_port

from aggregator.clock import iso
from aggregator.errors import (InvalidAddressError, MailError, PermanentMailError, TemporaryMailError,
                               UncertainDeliveryError)
from aggregator.mail.outbox import deliver
from aggregator.mail.policy import backoff, claim_is_orphaned, state_after
from aggregator.mail.smtp import Throttle


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


def test_one_throttle_spaces_the_messages_of_every_sender_and_thread_it_serves():
    """serve's digest, mail job and confirmations send through one factory: their messages
    together keep to messages_per_second, not each on its own."""
    import threading
    import time

    throttle = Throttle(50)  # 20 ms apart
    moments: list[float] = []
    lock = threading.Lock()

    def sender():
        for _ in range(5):
            throttle.wait()
            with lock:
                moments.append(time.monotonic())

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    moments.sort()
    # 15 messages at 50 a second take at least 14 intervals in all, whichever thread sends
    # them (three throttles of their own would take about 4); a busy machine only adds time
    assert len(moments) == 15 and moments[-1] - moments[0] >= 14 * 0.02 * 0.95, moments


def test_the_senders_of_one_factory_share_its_throttle(tmp_path):
    from aggregator.config import settings_from_dict
    from aggregator.mail.smtp import smtp_factory

    settings = settings_from_dict({"email": {"smtp_host": "127.0.0.1", "from": "Recap <recap@example.org>"}},
                                  base_dir=tmp_path)
    make = smtp_factory(settings)
    assert make()._throttle is make()._throttle
