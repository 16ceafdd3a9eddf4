"""One recipient's digest as an email message: text and HTML alternatives, safe headers.

The HTML comes from ``templates/email/digest.html`` (autoescaped) with
``digest.css`` inlined into ``style`` attributes by css-inline, because most mail
clients drop or mangle ``<style>`` and never load a ``<link>``; only the dark-mode
``@media`` rules stay in a ``<style>`` block (they cannot be inlined, and clients
that ignore them still get the readable light layout). The text part comes from
``digest.txt``, which is not autoescaped (``templating`` escapes .html/.xml only).

Headers are set on an ``EmailMessage`` under ``email.policy.SMTP`` (SMTPUTF8 when an
address needs it); everything from content goes through ``mail.headers``, which
explains why stripping CR/LF alone would not be enough.
"""

from __future__ import annotations

import email.policy
from datetime import datetime
from functools import lru_cache
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import css_inline

from ..config import EmailSettings, Settings
from ..errors import MailError
from ..export import safe_url
from ..templating import render, source
from .digest import Digest, Recipient, filter_for
from .headers import (address_header, check_domain, header_url, normalize_address, one_line, phrase_header,
                      split_from, text_header)

LIST_LABEL = "weekly-digest"


def compose(settings: Settings, digest: Digest, recipient: Recipient, *, message_id_domain: str,
            now: datetime) -> EmailMessage:
    """The email for ``recipient``: the digest filtered for their topics, with one-click unsubscribe.

    Filters with :func:`filter_for` itself (it is idempotent), so no caller can send
    someone the topics they opted out of. Raises InvalidAddressError for an address
    we will not send to, and MailError for unusable URLs, domain or From.
    """
    if now.tzinfo is None:
        raise MailError("the Date of a message needs a timezone-aware time")
    to = normalize_address(recipient.address)
    display_name, sender = split_from((settings.email or EmailSettings()).from_)
    unsubscribe = header_url(recipient.unsubscribe_url, "unsubscribe URL")
    preferences = safe_url(recipient.preferences_url)
    if preferences is None:
        raise MailError(f"preferences URL: {recipient.preferences_url!r} is not an http(s) URL")
    domain = check_domain(message_id_domain)
    mine = filter_for(digest, recipient)
    context = {"digest": mine, "preheader": _preheader(mine), "unsubscribe_url": unsubscribe,
               "preferences_url": preferences, "address": to}
    html = _inline(render("email/digest.html", **context))
    text = render("email/digest.txt", **context)

    utf8 = not (to.isascii() and sender.isascii())
    message = EmailMessage(policy=email.policy.SMTPUTF8 if utf8 else email.policy.SMTP)
    message["From"] = address_header(display_name, sender)
    message["To"] = to
    message["Subject"] = text_header("Subject", mine.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=domain)  # short enough not to fold
    message["List-Id"] = phrase_header("List-Id", f"{mine.site_title} weekly digest", f"<{LIST_LABEL}.{domain}>")
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def _preheader(digest: Digest) -> str:
    """The line inboxes show after the subject: the first intro sentence, else the top titles."""
    if digest.intro:
        return one_line(digest.intro[0].text, 140)
    return one_line(" · ".join(s.title for s in digest.stories[:3]), 140)


@lru_cache(maxsize=1)
def _css() -> str:
    return source("email/digest.css")


def _inline(html: str) -> str:
    return css_inline.inline(html, extra_css=_css(), keep_at_rules=True,
                             load_remote_stylesheets=False, keep_link_tags=False, keep_style_tags=False)
