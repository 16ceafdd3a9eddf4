"""Shared by the mail tests (test_mail_send, test_mail_smtp, test_mail_policy, test_digest_cli).

The SMTP server is tests/smtpserver.py: it records every message and can be told to answer
4xx or 5xx for a recipient, drop the connection at a chosen command, or hold back its
answer to DATA. The ``smtp`` and ``data`` fixtures are in conftest.py: ``data`` is a private
copy of the sample web's database (``site_from``), with subscribers added directly through
``store.subscribers`` (``subscriber`` below).
"""

from __future__ import annotations

from datetime import datetime

from aggregator.clock import UTC
from aggregator.config import Settings, settings_from_dict
from aggregator.mail.outbox import DeliveryReport
from aggregator.mail.smtp import smtp_factory
from aggregator.store import subscribers as subs

WEEK = "2026-W47"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PUBLIC = "http://127.0.0.1:8000/"  # one-click unsubscribe needs https, except on loopback
FROM = "recap@news.example.org"


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


def nothing_happened(report: DeliveryReport) -> bool:
    return report == DeliveryReport()
