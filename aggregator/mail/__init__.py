"""The weekly digest email.

- ``digest``: what the email says: :func:`digest_for_week` (once per week) and
  :func:`filter_for` (per recipient's topics);
- ``compose``: one recipient's ``EmailMessage`` (text + inlined-CSS HTML, one-click
  unsubscribe headers);
- ``headers``: header values from untrusted text, and address validation.

Sending (SMTP) and the outbox build on these; nothing here sends or writes.
"""

from .compose import compose
from .digest import Digest, DigestStory, IntroSentence, Recipient, digest_for_week, filter_for, previous_week
from .headers import normalize_address

__all__ = ["Digest", "DigestStory", "IntroSentence", "Recipient", "compose", "digest_for_week", "filter_for",
           "normalize_address", "previous_week"]
