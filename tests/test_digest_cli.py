"""`aggregator digest preview` and `digest send` as real processes, and a sender killed
half-way (SIGKILL) and restarted against a real SMTP server (tests/smtpserver.py).

Helpers shared with the other mail tests are in tests/mail_helpers.py.
"""

from __future__ import annotations

import email
import email.policy
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from mail_helpers import FROM, PUBLIC, WEEK, states, subscriber
from site_helpers import site_from
from smtpserver import SmtpServer


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
        listed = json.loads(aggregator(config, "digest", "unknown", "--json").stdout)["unknown"]
        assert [r["address"] for r in listed] == unknown
        settled = aggregator(config, "digest", "settle", "--delivered", str(listed[0]["id"]))  # the server got it
        assert settled.returncode == 0 and settled.stdout.startswith("1 settled as sent")
        assert states(store)["reader10@example.com"] == "sent"
        assert "settled by hand" in store.scalar("select error from outbox where id = ?", (listed[0]["id"],))
        assert aggregator(config, "digest", "unknown").stdout.startswith("0 email(s) of unknown fate")
    print(f"{moment}: {holds}; {sum(received.values())} messages for {len(addresses)} readers")
    assert restart.stdout.startswith(f"digest:{WEEK}: 0 newly queued; {30 - at_kill['sent'] - len(unknown)} sent")
    assert again.returncode == 0 and again.stdout.startswith(f"digest:{WEEK}: 0 newly queued; 0 sent")
    store.close()


def test_an_email_of_unknown_fate_is_resent_only_when_a_person_says_so(demo_pipeline, tmp_path):
    settings, store = site_from(demo_pipeline, tmp_path / "site")
    try:
        for address in ("lost@example.com", "fine@example.com"):
            subscriber(store, address)
        with SmtpServer() as smtp:
            config = write_config(tmp_path, demo_pipeline, settings.database_path, smtp_port=smtp.port)
            assert aggregator(config, "digest", "send", "--week", WEEK).returncode == 0
            with store.write() as db:  # what a sender killed between handing it over and the answer leaves
                db.execute("update outbox set state = 'unknown', error = 'interrupted' where address = ?",
                           ("lost@example.com",))
            [row] = store.query("select id from outbox where address = 'lost@example.com'")
            again = aggregator(config, "digest", "send", "--week", WEEK)
            assert again.returncode == 0 and Counter(smtp.handler.recipients())["lost@example.com"] == 1  # not resent
            listed = aggregator(config, "digest", "unknown")
            assert listed.returncode == 1 and "lost@example.com" in listed.stdout
            assert "1 email(s) of unknown fate wait for a person" in aggregator(config, "status").stdout
            for flags in ((), ("--delivered", "--resend")):
                no_choice = aggregator(config, "digest", "settle", *flags, str(row["id"]))
                assert no_choice.returncode == 2 and "--delivered or --resend" in no_choice.stderr
            subscriber(store, "late@example.com")  # joined after the week went out: not mailed by a resend
            resend = aggregator(config, "digest", "settle", "--resend", str(row["id"]), "999999")
            assert resend.returncode == 1 and "1 settled as queued" in resend.stdout and "999999" in resend.stdout
            assert f"digest:{WEEK}: 1 sent" in resend.stdout
            assert Counter(smtp.handler.recipients()) == {"lost@example.com": 2, "fine@example.com": 1}
            assert aggregator(config, "digest", "unknown").returncode == 0
            assert states(store) == {"lost@example.com": "sent", "fine@example.com": "sent"}
    finally:
        store.close()
