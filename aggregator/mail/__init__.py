"""The weekly digest email, the confirmation email, and sending them.

- ``digest``: what the email says: :func:`digest_for_week` (once per week) and
  :func:`filter_for` (per recipient's topics);
- ``compose``: one recipient's ``EmailMessage`` (text + inlined-CSS HTML, one-click
  unsubscribe headers); ``confirm``: the double opt-in email;
- ``headers``: header values from untrusted text, and address validation;
- ``smtp``: one SMTP connection, throttled, whose failures say whether a retry is safe
  (the only smtplib importer);
- ``outbox``: one row per (issue, subscriber), claimed, sent, then marked:
  :func:`enqueue_digest`, :func:`deliver`, :func:`send_confirmation`; ``policy``: what
  a failure means for the row (retry, bounce, unknown) and when a claim is abandoned.

Only ``outbox`` writes to the store, and only ``smtp`` talks to a server.
"""

from .compose import compose
from .digest import Digest, DigestStory, IntroSentence, Recipient, digest_for_week, filter_for, previous_week
from .headers import normalize_address
from .outbox import DeliveryReport, Outcome, deliver, enqueue_digest, send_confirmation
from .smtp import MailSender, SenderFactory, SmtpSender, smtp_factory

__all__ = ["DeliveryReport", "Digest", "DigestStory", "IntroSentence", "MailSender", "Outcome", "Recipient",
           "SenderFactory", "SmtpSender", "compose", "deliver", "digest_for_week", "enqueue_digest", "filter_for",
           "normalize_address", "previous_week", "send_confirmation", "smtp_factory"]
