"""Facts: the numbers, dates and proper names a text states, and whether another text
states them too. Pure.

:func:`facts` reads them however they are written ("40%" is "40 percent", "$420M" is
"$420 million", "two dozen" is 24, "10 November" is "November 10" and "11/10/2025",
"8" is "eight", "4\u200b2" is 42), keeping kinds apart: a percentage is not a count,
nor a day of the month or a year. :func:`check` says which of them another text
(:func:`index_of`) lacks; :mod:`aggregator.summarize.grounding` decides which text that
must be: the whole article, or the sentences of a claim's evidence.

The reading is done by :mod:`~aggregator.summarize.date_mentions` (first, so that the
digits of a date are not numbers), :mod:`~aggregator.summarize.number_mentions` and
:mod:`~aggregator.summarize.names`, on text in the normal form of
:mod:`~aggregator.summarize.textnorm`; this module puts their findings together and
looks them up in another text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .date_mentions import DateMention, readings, spot_dates
from .names import POSSESSIVE, WORD, identifiers, spot_names
from .number_mentions import Number, spot_numbers
from .textnorm import canonical, fold, strip_format


@dataclass(frozen=True)
class Facts:
    numbers: tuple[Number, ...]
    dates: tuple[DateMention, ...]
    names: tuple[str, ...]


def facts(text: str) -> Facts:
    """The checkable facts of a text: numbers, dates and proper names."""
    text = canonical(text or "")
    dates, spans = spot_dates(text)
    names = list(dict.fromkeys(spot_names(text) + identifiers(text)))
    return Facts(tuple(spot_numbers(text, spans)), tuple(dates), tuple(names))


# ------------------------------------------------------------------ support: facts in another text

@dataclass(frozen=True)
class Index:
    """The facts of a text (an article, or the sentences of an evidence quote), by kind,
    for lookups."""

    values: frozenset[Decimal]  # canonical cardinal numbers (no percentages, days or years)
    loose: frozenset[Decimal]  # + numerals without their scale word
    percents: frozenset[Decimal]
    ordinals: frozenset[Decimal]  # + days of the month: "the 14th" is March 14
    dates: dict[tuple[int, int | None], frozenset[int | None]]  # (month, day or None) -> the years stated with it
    years: frozenset[int]
    tokens: frozenset[str]
    folded: str


@lru_cache(maxsize=256)
def index_of(text: str) -> Index:
    found = facts(text)
    counts = [n for n in found.numbers if not n.ordinal and not n.percent]
    values = frozenset(n.value for n in counts)
    days = {Decimal(d.day) for d in found.dates if d.day is not None}
    ordinals = frozenset({n.value for n in found.numbers if n.ordinal} | days)
    dates: dict[tuple[int, int | None], set[int | None]] = {}
    for mention in found.dates:
        for month, day in readings(mention, True) if mention.month is not None else ():
            dates.setdefault((month, day), set()).add(mention.year)
            dates.setdefault((month, None), set()).add(mention.year)
    folded = fold(text)
    return Index(values, values | {n.raw for n in counts}, frozenset(n.value for n in found.numbers if n.percent),
                 ordinals, {k: frozenset(v) for k, v in dates.items()},
                 frozenset(d.year for d in found.dates if d.year is not None), frozenset(re.findall(r"\w+", folded)),
                 folded)


def _number_supported(number: Number, index: Index) -> bool:
    """"third" is supported by "3" or "3rd"; "3" is not supported by "third"; "40%" only
    by a percentage, "40" not by one."""
    if number.ordinal:
        return number.value in index.ordinals or number.value in index.loose
    if number.percent:
        return number.value in index.percents
    return number.value in (index.values if number.scaled else index.loose)


def _date_supported(mention: DateMention, index: Index) -> bool:
    if mention.month is None:
        return mention.year in index.years or Decimal(mention.year) in index.loose
    for reading in readings(mention, True):
        years = index.dates.get(reading)
        if years is not None and (mention.year is None or mention.year in ((years - {None}) or index.years)):
            return True
    return False


def name_supported(name: str, index: Index) -> bool:
    if any(c.isdigit() for c in name):
        if len(name) > 80:  # no identifier is that long: no pattern for it
            return fold(name) in index.folded
        return _identifier_pattern(name).search(index.folded) is not None
    return all(token in index.tokens for token in re.findall(r"\w+", fold(name)))


def _missing_part(name: str, index: Index) -> str:
    """"Lumen Forge ARR" -> "ARR": the words of a name the source lacks."""
    if any(c.isdigit() for c in name):
        return name
    missing = [w for w in re.split(r"[\s-]+", name) if not name_supported(w, index)]
    return " ".join(missing) or name


@lru_cache(maxsize=1024)
def _identifier_pattern(name: str) -> re.Pattern:
    """"VS-9" as it may be written: "VS 9", "vs9", "VS-9s"; never "VS-90" or "VS-1"."""
    runs = re.findall(r"[^\W\d_]+|\d+", POSSESSIVE.sub("", fold(name)).replace(",", ""))
    if len(runs) > 1 and runs[-1] == "s" and runs[-2].isdigit():
        runs = runs[:-1]
    body = r"[\s.\-_]?".join(",?".join(run) if run.isdigit() else re.escape(run) for run in runs)
    return re.compile(rf"(?<![^\W_]){body}(?:'?s)?(?![^\W_])")


def _known_names_missing(text: str, index: Index, known: frozenset[str], reported: set[str]) -> list[str]:
    """Runs of words the writer capitalizes as names elsewhere ("elon musk" where it wrote
    "Elon Musk") that the source lacks."""
    runs: list[list[str]] = []
    last_end = -2
    for match in WORD.finditer(strip_format(text)):
        word = POSSESSIVE.sub("", match.group(0))
        if any(t in known and t not in index.tokens and t not in reported for t in re.findall(r"\w+", fold(word))):
            if runs and match.start() - last_end <= 1:
                runs[-1].append(word)
            else:
                runs.append([word])
            last_end = match.start() + len(word)
    return [" ".join(run) for run in runs]


def check(text: str, index: Index, region: Index | None = None, known: frozenset[str] = frozenset()) -> list[str]:
    """Why a text states what the source (``index``) does not; with a ``region``, its
    numbers and dates must be in the region too (the sentences of its evidence quote);
    ``known``: words the writer capitalizes as names elsewhere, names here too."""
    found = facts(text)
    reasons = []
    for label, supported, items in (("number", _number_supported, [(n, n.text) for n in found.numbers]),
                                    ("date", _date_supported, [(d, d.label()) for d in found.dates])):
        for item, shown in items:
            if not supported(item, index):
                reasons.append(f"{label} {shown} not in the source")
            elif region is not None and not supported(item, region):
                reasons.append(f"{label} {shown} not in the evidence")
    missing = [n for n in found.names if not name_supported(n, index)]
    reasons += [f"name {_missing_part(n, index)} not in the source" for n in missing]
    reported = {t for n in missing for t in re.findall(r"\w+", fold(n))}
    reasons += [f"name {run} not in the source" for run in _known_names_missing(text, index, known, reported)]
    return list(dict.fromkeys(reasons))


def unsupported(text: str, source: str) -> list[str]:
    """Why a text states something the source does not (empty if it does not): each
    number, date and name of the text must occur in the source, however written."""
    return check(text, index_of(source))
