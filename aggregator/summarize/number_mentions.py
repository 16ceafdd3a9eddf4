"""Number mentions: the numbers a text states and their canonical values. Pure.

A number counts however it is written: "40%" is "40 percent", "$420M" is "$420
million", "two dozen" is 24, "half a million" is 500000, "8" is "eight", "third" ranks
3. :func:`spot_numbers` reads them as :class:`Number` values, keeping kinds apart: a
percentage is not a count, nor an ordinal. Text already read as another fact (the
digits of a date, :class:`Spans`) is skipped. :mod:`~aggregator.summarize.facts`
calls it after the dates (:mod:`~aggregator.summarize.date_mentions`); the number words
here are also what those modules, and the name reader, take for numbers.

(Not ``numbers.py``: that would shadow the standard library's :mod:`numbers` for
anything run from this directory.)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Number:
    """A number as stated: ``value`` is canonical ("$420M" -> 420000000), ``raw`` the
    numeral without its scale word (420), ``scaled`` whether a scale was given,
    ``ordinal`` whether it ranks ("3rd", "third"), ``percent`` whether it is one."""

    value: Decimal
    raw: Decimal
    scaled: bool
    text: str
    ordinal: bool = False
    percent: bool = False


_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
WORD_VALUES = {w: i + 1 for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
FIRSTS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
ORDINAL_WORDS = {w: i + 1 for i, w in enumerate(FIRSTS)} | {
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
    "fortieth": 40, "fiftieth": 50, "hundredth": 100}


class Spans:
    """The spans of a text already read as a fact, kept sorted: a numeral in a date is no
    number. (A list scanned for each match would make a long text quadratic.)"""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, span: tuple[int, int]) -> bool:
        i = bisect_right(self.starts, span[0])
        return bool(i and self.ends[i - 1] > span[0]) or (i < len(self.starts) and self.starts[i] < span[1])

    def add(self, span: tuple[int, int]) -> None:
        i = bisect_right(self.starts, span[0])
        self.starts.insert(i, span[0])
        self.ends.insert(i, span[1])


SCALES = {"thousand": 3, "k": 3, "million": 6, "m": 6, "mn": 6, "mln": 6, "billion": 9, "b": 9, "bn": 9,
          "trillion": 12, "tn": 12, "t": 12}
_NUMERAL = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<suffix>[^\W\d_]+)?(?!\w)")
SCALE_AFTER = re.compile(r"[\s-]*(?P<scale>thousand|million|billion|trillion|bn|mn|mln|tn)\b", re.I)
_ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
_PERCENT_AFTER = re.compile(r"[\s-]*(?:%|percent\b|per[\s-]cent\b|pct\b)", re.I)
_ORDINAL_WORD = re.compile(r"\b(?:" + "|".join(ORDINAL_WORDS) + r")\b", re.I)
_COUNT = "|".join(sorted(_UNITS[:12], key=len, reverse=True))
_DOZEN = re.compile(rf"\b(?:(?P<count>an?|{_COUNT}|\d+)[\s-]+)?dozen\b(?!s)"
                    r"|\b(?:half[\s-]+an?[\s-]+|an?\s+half[\s-]+|half-)(?P<half>dozen|hundred|thousand|million"
                    r"|billion|trillion)\b", re.I)


def _decimal(numeral: str) -> Decimal | None:
    try:
        return Decimal(numeral.replace(",", ""))
    except InvalidOperation:
        return None


def _digit_numbers(text: str, taken: Spans) -> list[Number]:
    numbers = []
    for match in _NUMERAL.finditer(text):
        if taken.overlaps(match.span()):
            continue
        raw = _decimal(match.group("num"))
        if raw is None:
            continue
        suffix = (match.group("suffix") or "").casefold()
        exponent = SCALES.get(suffix)
        end = match.end()
        if exponent is None and not suffix:
            after = SCALE_AFTER.match(text, end)
            if after:
                exponent, end = SCALES[after.group("scale").casefold()], after.end()
        start = match.start() - 1 if match.start() and text[match.start() - 1] in "$€£¥₹" else match.start()
        scaled = exponent is not None
        percent = _PERCENT_AFTER.match(text, end)
        shown_end = percent.end() if percent else end
        numbers.append(Number(raw.scaleb(exponent) if scaled else raw, raw, scaled, text[start:shown_end],
                              suffix in _ORDINAL_SUFFIXES, bool(percent)))
        taken.add((match.start(), shown_end))
    return numbers


def _dozens(text: str, taken: Spans) -> list[Number]:
    """"two dozen" (24), "a dozen" (12), "half a million" (500000), "half a dozen" (6)."""
    numbers = []
    for match in _DOZEN.finditer(text):
        if taken.overlaps(match.span()):
            continue
        if match.group("half"):
            unit = match.group("half").casefold()
            value = Decimal(6) if unit == "dozen" else Decimal(5).scaleb(SCALES.get(unit, 2) - 1)
            scaled = unit in SCALES
        else:
            count = (match.group("count") or "a").casefold()
            value = 12 * (Decimal(count) if count.isdigit() else Decimal(WORD_VALUES.get(count, 1)))
            scaled = False
        numbers.append(Number(value, value, scaled, match.group(0)))
        taken.add(match.span())
    return numbers


_WORD_NUMBER = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_TENS) + r")(?:[\s-](?P<unit>" + "|".join(_UNITS[:9]) + r"))?"
    r"|(?P<small>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
    r"|(?P<a>a)(?=\s+(?:hundred|thousand|million|billion|trillion)\b))"
    r"(?P<hundred>\s+hundred)?"
    r"(?:[\s-]+(?P<scale>thousand|million|billion|trillion))?\b"
    r"|\b(?P<bare>hundred)\b", re.I)


def _word_value(match: re.Match) -> tuple[int, int] | None:
    groups = {k: (v.casefold() if v else v) for k, v in match.groupdict().items()}
    if groups["bare"]:
        return 100, 0
    if groups["tens"]:
        value = WORD_VALUES[groups["tens"]] + (WORD_VALUES[groups["unit"]] if groups["unit"] else 0)
    else:
        value = WORD_VALUES[groups["small"]] if groups["small"] else 1
    value *= 100 if groups["hundred"] else 1
    exponent = SCALES[groups["scale"]] if groups["scale"] else 0
    if groups["a"] and not (groups["hundred"] or exponent):
        return None
    return value, exponent


def _word_numbers(text: str, taken: Spans) -> list[Number]:
    numbers = []
    for match in _WORD_NUMBER.finditer(text):
        if taken.overlaps(match.span()) or not match.group(0).strip():
            continue
        parsed = _word_value(match)
        if parsed is None:
            continue
        raw, exponent = parsed
        percent = _PERCENT_AFTER.match(text, match.end())
        end = percent.end() if percent else match.end()
        numbers.append(Number(Decimal(raw).scaleb(exponent), Decimal(raw), bool(exponent), text[match.start():end],
                              percent=bool(percent)))
        taken.add((match.start(), end))
    for match in _ORDINAL_WORD.finditer(text):
        if not taken.overlaps(match.span()):
            value = Decimal(ORDINAL_WORDS[match.group(0).casefold()])
            numbers.append(Number(value, value, False, match.group(0), ordinal=True))
            taken.add(match.span())
    return numbers


def spot_numbers(text: str, taken: Spans) -> list[Number]:
    numbers = _dozens(text, taken)
    numbers += _digit_numbers(text, taken)
    return numbers + _word_numbers(text, taken)

