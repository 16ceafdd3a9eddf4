"""The double opt-in email: a short text + HTML message carrying one confirm link.

It is built like the digest (``mail.compose``): every header from ``mail.headers``,
the HTML from an autoescaped template with the digest's CSS inlined. It has no
List-Unsubscribe header: the reader is not on the list yet, and ignoring the email
is how they say no. The link leads to a page with a button, so a mail scanner that
fetches it confirms nothing (the web app's job). Sending goes through the outbox
(:func:`mail.outbox.send_confirmation`), so a confirmation is logged, retried and
crash-safe like a digest.
"""

from __future__ import annotations

import email.policy
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ..config import EmailSettings, Settings
from ..errors import MailError
from ..export import safe_url
from ..templating import render
from .compose import _inline
from .headers import address_header, check_domain, normalize_address, one_line, split_from, text_header


def compose_confirmation(settings: Settings, address: str, confirm_url: str, *, message_id_domain: str,
                         now: datetime, lifetime: timedelta) -> EmailMessage:
    """The confirmation email to ``address`` with ``confirm_url`` (public_url + "confirm/<token>")."""
    if now.tzinfo is None:
        raise MailError("the Date of a message needs a timezone-aware time")
    to = normalize_address(address)
    display_name, sender = split_from((settings.email or EmailSettings()).from_)
    link = safe_url(confirm_url)
    if link is None:
        raise MailError(f"confirm URL: {confirm_url!r} is not an http(s) URL")
    site_url = safe_url(settings.site.base_url) or link
    title = one_line(settings.site.title) or "the digest"
    subject = f"Confirm your subscription to {title}"
    context = {"subject": subject, "site_title": title, "site_url": site_url, "address": to, "confirm_url": link,
               "lifetime_days": max(1, lifetime.days)}
    utf8 = not (to.isascii() and sender.isascii())
    message = EmailMessage(policy=email.policy.SMTPUTF8 if utf8 else email.policy.SMTP)
    message["From"] = address_header(display_name, sender)
    message["To"] = to
    message["Subject"] = text_header("Subject", subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=check_domain(message_id_domain))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a confirmation
    message.set_content(render("email/confirm.txt", **context), subtype="plain", charset="utf-8",
                        cte="quoted-printable")
    message.add_alternative(_inline(render("email/confirm.html", **context)), subtype="html", charset="utf-8",
                            cte="quoted-printable")
    return message
