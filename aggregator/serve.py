"""`aggregator serve`: the web server and the scheduler in one long-running process.

- **One instance per database**: an exclusive lock on ``<database>.serve.lock``; a
  second ``serve`` stops at once with a message naming the pid that holds it. CLI
  commands stay usable meanwhile: SQLite in WAL mode with ``BEGIN IMMEDIATE`` writes
  and a busy timeout lets them take turns with the scheduler's jobs.
- **The scheduler only wakes us** (apscheduler 3, UTC, in-memory job store, coalescing,
  one instance per job, a generous misfire grace). What is due comes from the store:
  the digest job sends the week :func:`schedule.due_digest_week` names unless the
  outbox already has it, so a start-up after downtime across the digest time sends
  exactly one digest, and a second wake-up sends nothing.
- **Stopping**: SIGTERM or SIGINT stops uvicorn; the jobs see the stop flag between
  stages and return, the scheduler waits for them, the lock is released. Every stage
  commits in transactions of its own, so whatever ran is whole.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .clock import Clock
from .config import Settings
from .errors import AggregatorError, ServeError
from .schedule import due_digest_week, parse_weekly

log = logging.getLogger("aggregator.serve")
MISFIRE_GRACE_SECONDS = 6 * 3600
MAIL_EVERY_MINUTES = 5  # confirmations and digests waiting for a retry


@contextmanager
def instance_lock(database: Path) -> Iterator[Path]:
    path = Path(f"{database}.serve.lock")
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise ServeError(f"another `aggregator serve` (pid {holder}) is running on {database}; "
                         "stop it first (one scheduler per database)") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield path
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


class Jobs:
    """The scheduled work; each run opens its own store (jobs run in scheduler threads).

    The digest check follows every pipeline pass, so at start-up the catch-up digest
    is built from a freshly updated store, and the weekly cron wake-up is just a
    pipeline pass at the digest time. ``lock`` keeps two passes from running at once.
    """

    def __init__(self, settings: Settings, clock: Clock, stopping: threading.Event,
                 sender_factory: Callable | None = None):
        self.settings, self.clock, self.stopping = settings, clock, stopping
        self.sender_factory = sender_factory
        self.lock = threading.Lock()
        self.runs: dict[str, int] = {"pipeline": 0, "digest": 0, "mail": 0}

    def _store(self):
        return _open(self.settings)

    def pipeline(self) -> None:
        """fetch, extract, cluster, summarize, recap, build, then the digest if one is due;
        stopping between stages when asked."""
        from .pipeline import STAGES

        with self.lock:
            store = self._store()
            try:
                for name, stage in STAGES.items():
                    if self.stopping.is_set():
                        return
                    try:
                        stage(self.settings, store, self.clock)
                    except AggregatorError as error:  # one failing stage does not stop the instance
                        log.error("%s: %s", name, error)
                    except Exception:  # nor does a bug in one: the digest below still goes out on time
                        log.exception("%s failed", name)
                self.runs["pipeline"] += 1
                self._digest(store)
            finally:
                store.close()

    def _digest(self, store) -> None:
        """Send the digest that is due, once: the outbox remembers what went out."""
        if self.settings.email is None or self.stopping.is_set():
            return
        from .mail.outbox import deliver, digest_issue, enqueue_digest

        from .store.cards import kv_get, kv_set

        week = due_digest_week(self.clock(), parse_weekly(self.settings.schedule.recap), self.settings.site.timezone)
        try:
            marker = f"digest.enqueued:{week}"  # the readers of that moment, even none: later ones wait a week
            if kv_get(store, marker) is None:
                enqueue_digest(self.settings, store, week, self.clock())
                kv_set(store, marker, str(self.clock()), self.clock())
            _report_unknown(deliver(self.settings, store, self.clock, self.sender_factory, issue=digest_issue(week),
                                    should_stop=self.stopping.is_set))
            self.runs["digest"] += 1
        except AggregatorError as error:
            log.error("digest %s: %s", week, error)

    def mail(self) -> None:
        """Everything due in the outbox: confirmations and digests waiting for a retry."""
        if self.settings.email is None or self.stopping.is_set():
            return
        from .mail.outbox import deliver

        store = self._store()
        try:
            _report_unknown(deliver(self.settings, store, self.clock, self.sender_factory,
                                    should_stop=self.stopping.is_set))
            self.runs["mail"] += 1
        except AggregatorError as error:
            log.error("mail: %s", error)
        finally:
            store.close()


def _report_unknown(report) -> None:
    """A scheduled run that found emails of unknown fate says so where an operator looks: the log."""
    for outcome in report.outcomes:
        if outcome.state == "unknown":
            log.warning("email %s to %s is of unknown fate (%s): see `aggregator digest unknown`",
                        outcome.row_id, outcome.address, outcome.error)


def build_scheduler(settings: Settings, jobs: Jobs, now) -> "object":
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: already running" is coalescing at work
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    scheduler.add_job(jobs.pipeline, IntervalTrigger(minutes=settings.schedule.fetch_every_minutes, timezone="UTC"),
                      id="pipeline", next_run_time=now)  # the first pass at once: it also catches up the digest
    weekly = parse_weekly(settings.schedule.recap)
    scheduler.add_job(jobs.pipeline, CronTrigger(**weekly.cron, timezone=settings.site.timezone), id="digest-time")
    scheduler.add_job(jobs.mail, IntervalTrigger(minutes=MAIL_EVERY_MINUTES, timezone="UTC"), id="mail")
    return scheduler


def serve(settings: Settings, clock: Clock, *, host: str | None = None, port: int | None = None,
          sender_factory: Callable | None = None, on_started: Callable[[], None] | None = None) -> Jobs:
    """Run until SIGTERM/SIGINT; returns the jobs (with their run counts) for the caller's report."""
    import uvicorn

    from .web import create_app

    stopping = threading.Event()
    if sender_factory is None and settings.email is not None:
        from .mail.smtp import smtp_factory

        sender_factory = smtp_factory(settings)  # one factory, so one throttle, for all the process's mail
    with instance_lock(settings.database_path):
        jobs = Jobs(settings, clock, stopping, sender_factory)
        app = create_app(settings, clock, _confirmations(settings, clock, sender_factory),
                         status=lambda: _status(settings, clock))
        address = (host or settings.web.host, port or settings.web.port)
        try:  # bound before anything starts: a taken port stops us with one line, before any job runs
            listener = socket.create_server(address)
        except OSError as error:
            raise ServeError(f"cannot listen on {address[0]}:{address[1]}: {error.strerror or error} "
                             "(is another program using the port? set [web] port or --port)") from None
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        scheduler = build_scheduler(settings, jobs, clock())
        # uvicorn catches SIGTERM/SIGINT while it runs and raises them again when it has
        # stopped: these handlers make that second delivery a no-op, so the scheduler's
        # jobs get to finish their stage below instead of the process dying under them.
        previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
        scheduler.start()
        try:
            if on_started:
                threading.Thread(target=_when_started, args=(server, on_started), daemon=True).start()
            server.run(sockets=[listener])
        finally:
            listener.close()
            stopping.set()
            scheduler.shutdown(wait=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return jobs


def _when_started(server, callback: Callable[[], None]) -> None:
    import time

    while not server.started and not server.should_exit:
        time.sleep(0.05)
    if server.started:
        callback()


def _confirmations(settings: Settings, clock: Clock, sender_factory: Callable | None) -> Callable[[int], None]:
    def send(subscriber_id: int) -> None:
        if settings.email is None:
            return
        from .mail.outbox import send_confirmation
        from .store.subscribers import by_id

        store = _open(settings)
        try:
            subscriber = by_id(store, subscriber_id)
            if subscriber is not None:
                send_confirmation(settings, store, subscriber, clock(), sender_factory)
        except AggregatorError as error:
            log.error("confirmation for subscriber %s: %s", subscriber_id, error)
        finally:
            store.close()
    return send


def _status(settings: Settings, clock: Clock) -> dict:
    from .status import collect_status

    store = _open(settings)
    try:
        return collect_status(settings, store, clock())
    finally:
        store.close()


def _open(settings: Settings):
    """A connection for one job or request. Config feeds were synced once when `serve` started
    (the config cannot change under a running process), so this is a plain open, no write."""
    from .store import open_store

    return open_store(settings.database_path, settings.database.busy_timeout_seconds)
