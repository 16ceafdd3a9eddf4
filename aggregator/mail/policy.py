"""What a failed send means for its outbox row, and when a claim counts as abandoned: pure decisions.

Kept apart from ``outbox`` (which does the claiming and marking) so each rule can be
read and tested on its own, without a store or a server.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Callable

from ..clock import parse_iso
from ..config import EmailSettings
from ..errors import (MailConnectionError, MailSetupError, PermanentMailError, TemporaryMailError,
                      UncertainDeliveryError)

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
STALE_CLAIM = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    if attempts < 1:
        return BACKOFF_FIRST
    return min(BACKOFF_FIRST * (2 ** min(attempts - 1, 30)), BACKOFF_CAP)


def state_after(error: BaseException, attempts: int, max_attempts: int) -> str:
    """The row's state after a failed try (``attempts`` counts this one), from what the failure means.

    A 4xx or a drop before the end of DATA is retried until ``max_attempts`` tries were
    made; a 5xx refusing the mailbox bounces (one refusing the message fails it); an unanswered DATA is 'unknown' (the server may have the
    message); anything else about this one email (an address we will not send to, a
    server without SMTPUTF8 for a non-ASCII address) fails it.
    """
    if isinstance(error, TemporaryMailError):
        return "failed" if attempts >= max_attempts else "retry"
    if isinstance(error, PermanentMailError):  # a refused mailbox bounces; a refused message just fails
        return "bounced" if error.mailbox else "failed"
    if isinstance(error, UncertainDeliveryError):
        return "unknown"
    return "failed"


def stops_the_run(error: BaseException) -> bool:
    """Failures no other message can escape: the rest of the batch stays queued."""
    return isinstance(error, (MailSetupError, MailConnectionError))


def stale_after(settings: EmailSettings) -> timedelta:
    """After this long a claim counts as dead whoever made it: no send takes that long."""
    return STALE_CLAIM + timedelta(seconds=4 * settings.timeout_seconds + 2 / settings.messages_per_second)


def claim_is_orphaned(claimed_by: str | None, claimed_at: str | None, now: datetime, stale: timedelta, *,
                      host: str, pid: int, alive: Callable[[int], bool]) -> bool:
    """Whether a 'sending' row was left by a process that can no longer finish it."""
    at = parse_iso(claimed_at)
    if at is None or now - at > stale:
        return True
    owner_host, _, owner_pid = (claimed_by or "").rpartition(":")
    if not owner_pid.isdigit():
        return True
    if owner_host != host:
        return False  # another machine's process: only the age tells
    return int(owner_pid) != pid and not alive(int(owner_pid))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claimant() -> tuple[str, int]:
    return socket.gethostname(), os.getpid()
