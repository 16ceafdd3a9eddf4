"""The explicit date a sentence states, labelled for the offline card's timeline. Pure.

The offline writer (:mod:`~aggregator.summarize.offline`) dates a timeline event only by
a date written out in its sentence ("November 10, 2026", "on March 3", "2026-11-10",
"in March 2025"), labelled ``YYYY-MM-DD``, ``YYYY-MM`` or ``MM-DD`` (a month and day
without a year: the year is never guessed). The sentence splitter
(:mod:`~aggregator.summarize.sentences`) uses the same finder to tell a dateline
("Oakland, Calif., Nov. 9 —") from a sentence's own aside.

This is not how grounding reads dates (:mod:`~aggregator.summarize.date_mentions`
reads every mention, however written, to check it); it is deliberately strict, since a
timeline entry must be a date a reader sees in the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6, "July": 7,
    "August": 8, "September": 9, "October": 10, "November": 11, "December": 12,
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9,
    "Sept": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH = "(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d{2})(?![\d,.]\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:,.]\d)(?!\s*(?:%|per\b|million|billion|thousand))"
_DATE_PATTERNS = (
    # ISO 8601: 2026-11-10
    re.compile(r"(?<![\w\-])(?P<year>(?:19|20)\d{2})-(?P<mon>0[1-9]|1[0-2])-(?P<day>[0-3]\d)(?![\w\-])"),
    # November 10, 2026 / Nov. 10 / March 3rd
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"),
    # 10 November 2026 / 3 March
    re.compile(rf"(?<![\w.,]){_DAY}\s+{_MONTH}(?:,?\s+{_YEAR})?\b"),
    # March 2025 / in Sept. 2025
    re.compile(rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}"),
)


@dataclass(frozen=True)
class Date:
    year: int | None
    month: int
    day: int | None

    @property
    def label(self) -> str:
        if self.year is None:
            return f"{self.month:02d}-{self.day:02d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if day is None:
        return 1 <= month <= 12
    try:
        date(year if year is not None else 2000, month, day)  # 2000: a leap year, so Feb 29 passes
    except ValueError:
        return False
    return True


def find_date(sentence: str) -> Date | None:
    """The first explicit date in ``sentence`` (a month with a day or a year, or an ISO date)."""
    found = []
    for rank, pattern in enumerate(_DATE_PATTERNS):
        for match in pattern.finditer(sentence):
            groups = match.groupdict()
            mon = groups["mon"]
            month = int(mon) if mon.isdigit() else MONTHS[mon]
            year = int(groups["year"]) if groups.get("year") else None
            day = int(groups["day"]) if groups.get("day") else None
            if _valid(year, month, day):
                found.append((match.start(), rank, Date(year, month, day)))
    if not found:
        return None
    found.sort(key=lambda t: (t[0], t[1]))
    return found[0][2]
