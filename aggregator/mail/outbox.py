"""The outbox: one row per (issue, subscriber), claimed, sent, then marked, so a crash never mails anyone twice.

Why a table and not a loop over subscribers: the unique (issue, subscriber_id) index
makes enqueueing idempotent (running `digest send` twice queues nobody twice), and the
row's state says, after any crash, what is known about that one email:

    queued ──claim──▶ sending ──▶ sent
    retry  ──claim──▶ sending ──▶ retry (4xx, drop before the end of DATA; backoff)
                              ├─▶ failed (retries used up, or an address we cannot send to)
                              ├─▶ bounced (5xx: the subscriber is marked bounced, suppressed)
                              └─▶ unknown (sent, but the server's answer never came)
    sending ──(the claiming process died)──▶ unknown
    queued/retry ──(unsubscribed, bounced meanwhile)──▶ skipped

The crash rule: a row is claimed (state 'sending', in a write transaction) *before*
its message goes out and marked after. A sender killed in between leaves 'sending';
nobody can know whether the server got the message, so the next run turns it into
'unknown' and reports it instead of sending it again. Only claims of dead processes
are turned (``claimed_by`` is "host:pid", checked with ``kill(pid, 0)``; any claim
older than ``policy.stale_after``, about an hour, counts as dead, which is the only
test for another host's), so the web app can send a confirmation while `digest send`
runs. Everything slow (the throttle's wait, building the week's digest) happens before
the claim, so the window in which a kill leaves 'sending' is one SMTP transaction.

Issues: ``digest:<week>`` (the weekly digest, to confirmed subscribers) and
``confirm:<subscriber id>:<utc timestamp>`` (the double opt-in email, to pending ones).
A row is composed when it is claimed: the subscriber is read again right then (an
unsubscribe during a send is honoured for every row not yet sent), and each email gets
a fresh link token (only its hash is stored, so a retry cannot reuse the old one).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Callable

from ..clock import Clock, iso
from ..config import EmailSettings, Settings
from ..errors import InvalidAddressError, MailError
from ..store import Store
from ..store import outbox as rows
from ..store import subscribers as subs
from .compose import compose
from .confirm import compose_confirmation
from .digest import Digest, Recipient, check_week, digest_for_week
from .headers import check_domain, header_url, split_from
from .policy import backoff, claim_is_orphaned, claimant, process_alive, stale_after, state_after, stops_the_run
from .smtp import SenderFactory, require_email, smtp_factory

DIGEST = "digest"
CONFIRM = "confirm"
#: who may receive each kind of issue, by subscriber status
ELIGIBLE = {DIGEST: "confirmed", CONFIRM: "pending"}


def digest_issue(week: str) -> str:
    return f"{DIGEST}:{check_week(week)}"


def confirm_issue(subscriber_id: int, now: datetime) -> str:
    """``confirm:12:20261120T120000Z``: a confirmation is its own issue, one row per request."""
    stamp = iso(now).replace("-", "").replace(":", "").replace("+0000", "Z")
    return f"{CONFIRM}:{subscriber_id}:{stamp}"


# -- the report ------------------------------------------------------------------------------

@dataclass
class Outcome:
    row_id: int
    issue: str
    subscriber_id: int
    address: str
    state: str  # sent | retry | failed | bounced | skipped | unknown
    error: str | None = None
    message_id: str | None = None
    next_attempt_at: str | None = None


@dataclass
class DeliveryReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    bounced: int = 0
    skipped: int = 0
    unknown: int = 0  # claimed by a sender that died, or sent without an answer: not resent
    stopped: str | None = None  # why the run ended early (login refused, server unreachable, ...)
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome.state, getattr(self, outcome.state) + 1)
        self.outcomes.append(outcome)

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing unknown, nothing stopped (retries and bounces are not our failures)."""
        return not (self.failed or self.unknown or self.stopped)

    def as_dict(self) -> dict:
        return asdict(self)


# -- enqueueing ------------------------------------------------------------------------------

def enqueue_digest(settings: Settings, store: Store, week: str, now: datetime) -> int:
    """Queue ``week``'s digest for every confirmed subscriber who has no row for it yet; return how many."""
    issue = digest_issue(week)
    with store.write() as db:
        return sum(rows.insert(db, issue, subscriber, now) for subscriber in subs.confirmed(store))


def enqueue(store: Store, issue: str, subscriber: dict, now: datetime) -> bool:
    """Queue one email; False when this subscriber already has a row for ``issue``."""
    with store.write() as db:
        return bool(rows.insert(db, issue, subscriber, now))


# -- delivering ------------------------------------------------------------------------------

class _Links:
    """The links every email carries: [web] public_url + "unsubscribe/<token>" and friends."""

    def __init__(self, settings: Settings) -> None:
        self.base = settings.web.public_url
        header_url(self.base + "unsubscribe/token", "[web] public_url")  # fail once, before any claim

    def __call__(self, kind: str, token: str) -> str:
        return f"{self.base}{kind}/{token}"


def message_id_domain(settings: Settings) -> str:
    """The From address's domain (ASCII): Message-IDs and List-Id name the sender's own domain."""
    _, sender = split_from(require_email(settings).from_)
    domain = sender.rpartition("@")[2]
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return check_domain(domain)


def deliver(settings: Settings, store: Store, clock: Clock, sender_factory: SenderFactory | None = None, *,
            issue: str | None = None, on_outcome: Callable[[Outcome], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> DeliveryReport:
    """Send every due row (of ``issue``, or of every issue) and report what became of each.

    First, rows whose claiming process died become 'unknown' (reported, never resent).
    Then one row at a time: claim, re-read the subscriber, compose, send, mark. The
    connection opens only when something is due. Raises MailError before claiming
    anything when [email], [web] public_url or the From address cannot work; a setup
    problem met later (login refused on a reconnect, the server gone) ends the run
    with ``report.stopped`` set and the rest still queued, as does ``should_stop()``
    turning true (checked before each claim: `serve` stopping on SIGTERM).
    """
    email = require_email(settings)
    links = _Links(settings)
    domain = message_id_domain(settings)
    factory = sender_factory or smtp_factory(settings)
    report = DeliveryReport()
    for outcome in _recover(store, clock(), email, issue):
        _note(report, outcome, on_outcome)
    digests: dict[str, Digest] = {}
    with ExitStack() as stack:
        sender = _LazySender(factory, stack)
        while True:
            if should_stop is not None and should_stop():  # SIGTERM: the rest stays queued for the next start
                report.stopped = "stopped on request"
                break
            upcoming = rows.next_issue(store, clock(), issue)
            if upcoming is None:
                break
            # everything slow happens before the claim, so a kill while it runs leaves no 'sending' row:
            # building the week's digest (composing one copy takes milliseconds), opening the
            # connection, and the throttle's wait (shared with the process's other senders)
            try:
                _digest_of(settings, store, upcoming, clock(), digests)
                sender.pace()
            except MailError as exc:  # [site] base_url unusable, the server unreachable: nothing can go out
                report.stopped = str(exc)
                break
            claimed = rows.claim(store, clock(), issue, ":".join(map(str, claimant())), ELIGIBLE)
            if claimed is None:
                break
            row, status = claimed
            if status != "claimed":
                _note(report, _outcome(row, "skipped", f"the subscriber is {status}"), on_outcome)
                continue
            try:
                outcome = _send_one(settings, store, email, row, clock(), links, domain, digests, sender)
            except _Stop as stop:
                report.stopped = str(stop)
                break
            _note(report, outcome, on_outcome)
    return report


class _Stop(Exception):
    """Nothing more can be sent this run; the claimed row was put back as it was."""


class _LazySender:
    """The sender, opened when the first message is due (no connection when nothing is)."""

    def __init__(self, factory: SenderFactory, stack: ExitStack) -> None:
        self._factory = factory
        self._stack = stack
        self._sender = None

    def pace(self) -> None:
        """Open the connection if needed and wait for the throttle: called when a message is due,
        before its row is claimed."""
        self.get().pace()

    def get(self):
        if self._sender is None:
            self._sender = self._stack.enter_context(self._factory())
        return self._sender


def _send_one(settings: Settings, store: Store, email: EmailSettings, row: dict, now: datetime, links: _Links,
              domain: str, digests: dict[str, Digest], sender: _LazySender) -> Outcome:
    """Compose, send and mark one claimed row; raise _Stop (row released) when the run cannot go on."""
    try:
        message = _compose(settings, store, row, now, links, domain, digests)
    except (InvalidAddressError, _Unsendable) as exc:
        return _finish(store, row, "failed", now, error=str(exc))
    except BaseException as exc:
        rows.release(store, row)
        if isinstance(exc, MailError):  # [site] base_url, [web] public_url: no other copy would compose either
            raise _Stop(str(exc)) from None
        raise
    connection = sender.get()  # opened by pace() before the claim
    try:
        message_id = connection.send(message)
    except MailError as exc:
        if stops_the_run(exc):
            rows.release(store, row)
            raise _Stop(str(exc)) from None
        return _failed(store, email, row, exc, now)
    except BaseException as exc:  # a bug or an interrupt mid-send: the message may be out
        _finish(store, row, "unknown", now, error=f"interrupted while sending: {type(exc).__name__}")
        raise
    return _finish(store, row, "sent", now, message_id=message_id)


def send_confirmation(settings: Settings, store: Store, subscriber: dict, now: datetime,
                      sender_factory: SenderFactory | None = None) -> DeliveryReport:
    """Mail ``subscriber`` (a pending row from ``store.subscribers``) their confirm link, through the outbox.

    Queued as issue ``confirm:<id>:<utc timestamp>`` and delivered at once; the report's
    one outcome says what happened ('sent', 'retry' on a 4xx, 'bounced', 'skipped' when
    the subscriber is no longer pending). Raises MailError when [email] or [web]
    public_url cannot work. Rate limits are the caller's: this sends whenever called.
    """
    issue = confirm_issue(subscriber["id"], now)
    enqueue(store, issue, subscriber, now)
    return deliver(settings, store, lambda: now, sender_factory, issue=issue)


def _note(report: DeliveryReport, outcome: Outcome, callback: Callable[[Outcome], None] | None) -> None:
    report.add(outcome)
    if callback:
        callback(outcome)


def _outcome(row: dict, state: str, error: str | None = None, **extra) -> Outcome:
    return Outcome(row_id=row["id"], issue=row["issue"], subscriber_id=row["subscriber_id"], address=row["address"],
                   state=state, error=error, **extra)


def _recover(store: Store, now: datetime, email: EmailSettings, issue: str | None) -> list[Outcome]:
    host, pid = claimant()
    found = []
    for row in rows.in_state(store, "sending", issue):
        if not claim_is_orphaned(row["claimed_by"], row["claimed_at"], now, stale_after(email), host=host, pid=pid,
                                 alive=process_alive):
            continue
        error = (f"the sender ({row['claimed_by'] or 'unknown process'}) stopped after claiming this email at "
                 f"{row['claimed_at']}; it may or may not have been sent, so it is not sent again")
        if rows.mark_unknown(store, row, error):
            found.append(_outcome(row, "unknown", error))
    return found


def _digest_of(settings: Settings, store: Store, issue: str, now: datetime, digests: dict[str, Digest]) -> None:
    """Build a digest issue's content once per run (the only slow part of composing)."""
    kind, _, week = issue.partition(":")
    if kind == DIGEST and issue not in digests:
        digests[issue] = digest_for_week(settings, store, week, now)


def _finish(store: Store, row: dict, state: str, now: datetime, *, error: str | None = None,
            message_id: str | None = None, next_attempt_at: datetime | None = None) -> Outcome:
    rows.finish(store, row, state, now, error=error, message_id=message_id, next_attempt_at=next_attempt_at)
    return _outcome(row, state, error, message_id=message_id, next_attempt_at=iso(next_attempt_at))


def _failed(store: Store, email: EmailSettings, row: dict, error: MailError, now: datetime) -> Outcome:
    state = state_after(error, row["attempts"], email.max_attempts)
    if state == "bounced":
        subs.mark_bounced(store, row["subscriber_id"], str(error), now)
    retry_at = now + backoff(row["attempts"]) if state == "retry" else None
    return _finish(store, row, state, now, error=str(error), next_attempt_at=retry_at)


def _compose(settings: Settings, store: Store, row: dict, now: datetime, links: _Links, domain: str,
             digests: dict[str, Digest]):
    kind = row["issue"].partition(":")[0]
    subscriber = subs.by_id(store, row["subscriber_id"])
    if kind == DIGEST:
        _digest_of(settings, store, row["issue"], now, digests)  # built before the claim, unless another run raced us
        token = subs.new_token(store, subscriber["id"], "manage", now)
        recipient = Recipient(address=subscriber["address"], topics=tuple(subscriber["topics"]),
                              unsubscribe_url=links("unsubscribe", token), preferences_url=links("preferences", token))
        return compose(settings, digests[row["issue"]], recipient, message_id_domain=domain, now=now)
    if kind == CONFIRM:
        token = subs.new_token(store, subscriber["id"], "confirm", now, subs.CONFIRM_TOKEN_LIFETIME)
        return compose_confirmation(settings, subscriber["address"], links("confirm", token),
                                    message_id_domain=domain, now=now, lifetime=subs.CONFIRM_TOKEN_LIFETIME)
    raise _Unsendable(f"outbox row {row['id']}: unknown kind of issue {row['issue']!r}")


class _Unsendable(MailError):
    """A row no code knows how to compose: failed, the run goes on."""
