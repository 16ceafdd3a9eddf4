"""Date mentions: the dates a text states, however written. Pure.

:func:`spot_dates` reads "10 November", "November 10", "Nov. 10th", "the tenth of
November", "11/10/2025", "2025-11-10", "March 2025" and a bare year as
:class:`DateMention` values; a lowercase "may" or "march" is a date only with a numeral
day or a year next to it. A numeric date that may be read day-first is marked
``swappable`` (:func:`readings`). The spans it reads are returned too, so that their
digits are not also taken for numbers (:mod:`~aggregator.summarize.number_mentions`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _date

from .number_mentions import FIRSTS, ORDINAL_WORDS, SCALE_AFTER, Spans

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DateMention:
    """``swappable``: a numeric date such as 4/5/2025 that may be read day-first."""

    year: int | None
    month: int | None
    day: int | None
    text: str
    swappable: bool = False

    def label(self) -> str:
        parts = [str(self.day)] if self.day is not None else []
        parts += [MONTH_NAMES[self.month - 1]] if self.month is not None else []
        parts += [str(self.year)] if self.year is not None else []
        return " ".join(parts)


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
MONTHS = {name.casefold(): i + 1 for i, name in enumerate(MONTH_NAMES)}
MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "nov": 11, "dec": 12})
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_DAY_WORDS = {w: v for w, v in ORDINAL_WORDS.items() if v <= 30} | {
    f"{tens}-{unit}": base + i + 1 for tens, base in (("twenty", 20), ("thirty", 30))
    for i, unit in enumerate(FIRSTS[:9 if base == 20 else 1])}
_MONTH = (r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?")
_YEAR = r"(?P<year>(?:19|20)\d\d|2100)\b"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
_DAY_WORD = (r"(?P<dword>" + "|".join(w.replace("-", r"[\s-]") for w in sorted(_DAY_WORDS, key=len, reverse=True))
             + r")\b")
_NOT_AFTER_NUMERIC = r"(?![\w/]|[.-]\d)"
_DATE_PATTERNS = [
    re.compile(r"(?<![\w./-])(?P<year>\d{4})(?P<sep>[-/.])(?P<mnum>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
               + _NOT_AFTER_NUMERIC),
    re.compile(r"(?<![\w./-])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4})" + _NOT_AFTER_NUMERIC),
    re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?", re.I),
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?![,.]?\d)(?!\s*(?:%|percent|per cent|million|billion|thousand))"
               rf"(?:,?\s+{_YEAR})?", re.I),
    re.compile(rf"\b{_MONTH}\s+(?:the\s+)?{_DAY_WORD}(?:,?\s+{_YEAR})?", re.I),
    re.compile(rf"\b(?:the\s+)?{_DAY_WORD}\s+of\s+{_MONTH}(?:,?\s+{_YEAR})?", re.I),
    re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}", re.I),
    re.compile(r"\b(?P<mon>January|February|March|April|June|July|August|September|October|November|December)\b"),
]
_BARE_YEAR = re.compile(r"(?<![\w$€£¥.,/])(?P<year>(?:19|20)\d\d|2100)(?:s|'s)?(?![\w%/]|[.,]\d)")


def _date_parts(match: re.Match) -> tuple[int | None, int | None, int | None, bool] | None:
    """(year, month, day, swappable), or None when the match is no date ("may", "march":
    verbs, unless a day or year is next to them; "5 may": a number and a verb)."""
    groups = match.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    if groups.get("a"):  # 4/14/2025, 14.04.2025: month first after a slash, day first after a dot
        a, b = int(groups["a"]), int(groups["b"])
        day_first = a > 12 or (b <= 12 and groups["sep"] == ".")
        month, day = (b, a) if day_first else (a, b)
        return year, month, day, a <= 12 and b <= 12 and a != b
    day = int(groups["day"]) if groups.get("day") else None
    if groups.get("dword"):
        day = _DAY_WORDS[_SPACE.sub("-", groups["dword"].casefold())]
    if groups.get("mnum"):
        return year, int(groups["mnum"]), day, False
    mon = groups["mon"]
    if not mon[0].isupper():  # lowercase: a month only with a numeral day or a year, and not "the top 5 may"
        day_first = bool(groups.get("day")) and match.start("day") < match.start("mon")
        if groups.get("dword") or (day is None and year is None) or (day_first and mon.casefold() in ("may", "march")):
            return None
    return year, MONTHS[mon.rstrip(".").casefold()], day, False


def valid_date(year: int | None, month: int | None, day: int | None) -> bool:
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None:
        if month is None or not 1 <= day <= 31:
            return False
        try:
            _date(year or 2000, month, day)
        except ValueError:
            return False
    return True


def spot_dates(text: str) -> tuple[list[DateMention], Spans]:
    """Date mentions and the spans they use (their digits are not numbers)."""
    mentions: list[DateMention] = []
    spans = Spans()
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if spans.overlaps(match.span()):
                continue
            parts = _date_parts(match)
            if parts is None or not valid_date(*parts[:3]) or parts[1] is None:
                continue
            mentions.append(DateMention(parts[0], parts[1], parts[2], match.group(0), parts[3]))
            spans.add(match.span())
    for match in _BARE_YEAR.finditer(text):
        if not spans.overlaps(match.span()) and not SCALE_AFTER.match(text, match.end()):
            mentions.append(DateMention(int(match.group("year")), None, None, match.group(0)))
            spans.add(match.span())
    return mentions, spans


def readings(mention: DateMention, with_day: bool) -> list[tuple[int | None, int | None]]:
    """(month, day) as a date may be read: 4/5/2025 is April 5 or 4 May."""
    both = [(mention.month, mention.day)] + ([(mention.day, mention.month)] if mention.swappable else [])
    return [(month, day if with_day else None) for month, day in both]

