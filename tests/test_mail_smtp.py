"""The SMTP connection itself, against a real SMTP server (aiosmtpd on 127.0.0.1, tests/smtpserver.py):
an idle connection reopened, drops before and after the message, SMTPUTF8, the login from the
environment, TLS and STARTTLS certificates, and configuration problems as one clear line.

Helpers are in tests/mail_helpers.py; the ``smtp`` and ``data`` fixtures in conftest.py.
"""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
from collections import Counter

import pytest

from conftest import FakeClock
from mail_helpers import NOW, WEEK, factory, nothing_happened, states, subscriber, with_email
from smtpserver import SmtpServer, free_port

from aggregator.errors import InvalidAddressError, MailError, MailSetupError
from aggregator.mail.outbox import deliver, enqueue_digest

# the login tests run AUTH without TLS on 127.0.0.1 on purpose (aiosmtpd warns about it)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


# -- drops and SMTPUTF8 -----------------------------------------------------------------------

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
