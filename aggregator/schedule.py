"""When things are due: the weekly digest moment and catch-up after downtime. Pure.

The scheduler (apscheduler, in ``serve``) only wakes us; what is *due* is decided here
from the clock and the store's record of what was sent, so a restart, a stopped
laptop or a missed wake-up never skips a digest or sends one twice: at start-up, and
at every wake-up, the digest of :func:`due_digest_week` goes out unless the outbox
already holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .clock import iso_week

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Weekly:
    weekday: int  # 0 = Monday
    at: time

    @property
    def cron(self) -> dict:
        """apscheduler CronTrigger fields."""
        return {"day_of_week": DAYS[self.weekday], "hour": self.at.hour, "minute": self.at.minute}


def parse_weekly(spec: str) -> Weekly:
    """ "mon 08:00" -> Weekly(0, 08:00); a clear ValueError otherwise."""
    match = re.fullmatch(r"\s*([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*", spec.lower())
    if not match or match.group(1) not in DAYS or int(match.group(2)) > 23 or int(match.group(3)) > 59:
        raise ValueError(f"schedule {spec!r} should look like 'mon 08:00' (a weekday and a 24-hour time)")
    return Weekly(DAYS.index(match.group(1)), time(int(match.group(2)), int(match.group(3))))


def last_occurrence(now: datetime, weekly: Weekly, zone: str) -> datetime:
    """The latest scheduled moment at or before ``now``, in the site's time zone."""
    local = now.astimezone(ZoneInfo(zone))
    day = local.date() - timedelta(days=(local.weekday() - weekly.weekday) % 7)
    moment = datetime.combine(day, weekly.at, tzinfo=ZoneInfo(zone))
    if moment > local:
        moment -= timedelta(days=7)
    return moment


def due_digest_week(now: datetime, weekly: Weekly, zone: str) -> str:
    """The week whose digest should have gone out by ``now``: the week before the latest
    scheduled moment (Monday 08:00 sends last week's recap)."""
    moment = last_occurrence(now, weekly, zone)
    return iso_week(moment - timedelta(days=7), zone)
