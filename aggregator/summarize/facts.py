"""Facts: the numbers, dates and proper names a text states, and whether another text
states them too. Pure.

:func:`facts` reads them however they are written ("40%" is "40 percent", "$420M" is
"$420 million", "two dozen" is 24, "10 November" is "November 10" and "11/10/2025",
"8" is "eight", "4\u200b2" is 42), keeping kinds apart: a percentage is not a count,
nor a day of the month or a year. :func:`check` says which of them another text
(:func:`index_of`) lacks; :mod:`aggregator.summarize.grounding` decides which text that
must be: the whole article, or the sentences of a claim's evidence.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as _date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u0060": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-", "\u2043": "-",
    "\u2026": "...",
})
_SPACE = re.compile(r"\s+")


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_INVISIBLE = {"Cf", "Cs"}


def strip_format(text: str) -> str:
    """Without Unicode format characters (zero-width spaces and joiners, bidi marks, soft
    hyphens...), lone surrogates and control characters other than whitespace: "4\u200b2"
    is 42, "h\u200dttps" is "https"."""
    if not text:
        return ""
    if text.isascii():
        return _ASCII_CONTROL.sub("", text)
    return "".join(c for c in text if (kind := unicodedata.category(c)) not in _INVISIBLE
                   and (kind != "Cc" or c.isspace()))


def _canonical(text: str) -> str:
    return unicodedata.normalize("NFKC", strip_format(text)).translate(_QUOTES)


def normalize(text: str) -> str:
    """Text as compared: no format characters, NFKC, straight quotes, one dash, '...' for
    the ellipsis, whitespace collapsed, casefolded."""
    return _SPACE.sub(" ", _canonical(text)).strip().casefold()


def fold(text: str) -> str:
    """normalize(), accents removed: 'José' and 'Jose' are one name."""
    decomposed = unicodedata.normalize("NFKD", normalize(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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


@dataclass(frozen=True)
class Facts:
    numbers: tuple[Number, ...]
    dates: tuple[DateMention, ...]
    names: tuple[str, ...]


def facts(text: str) -> Facts:
    """The checkable facts of a text: numbers, dates and proper names."""
    text = _canonical(text or "")
    dates, spans = _dates(text)
    names = list(dict.fromkeys(_names(text) + identifiers(text)))
    return Facts(tuple(_numbers(text, spans)), tuple(dates), tuple(names))


# ------------------------------------------------------------------ dates

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
MONTHS = {name.casefold(): i + 1 for i, name in enumerate(MONTH_NAMES)}
MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "nov": 11, "dec": 12})
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
WORD_VALUES = {w: i + 1 for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_FIRSTS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
ORDINAL_WORDS = {w: i + 1 for i, w in enumerate(_FIRSTS)} | {
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
    "fortieth": 40, "fiftieth": 50, "hundredth": 100}
_DAY_WORDS = {w: v for w, v in ORDINAL_WORDS.items() if v <= 30} | {
    f"{tens}-{unit}": base + i + 1 for tens, base in (("twenty", 20), ("thirty", 30))
    for i, unit in enumerate(_FIRSTS[:9 if base == 20 else 1])}
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


def _dates(text: str) -> tuple[list[DateMention], _Spans]:
    """Date mentions and the spans they use (their digits are not numbers)."""
    mentions: list[DateMention] = []
    spans = _Spans()
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
        if not spans.overlaps(match.span()) and not _SCALE_AFTER.match(text, match.end()):
            mentions.append(DateMention(int(match.group("year")), None, None, match.group(0)))
            spans.add(match.span())
    return mentions, spans


class _Spans:
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


# ------------------------------------------------------------------ numbers

SCALES = {"thousand": 3, "k": 3, "million": 6, "m": 6, "mn": 6, "mln": 6, "billion": 9, "b": 9, "bn": 9,
          "trillion": 12, "tn": 12, "t": 12}
_NUMERAL = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<suffix>[^\W\d_]+)?(?!\w)")
_SCALE_AFTER = re.compile(r"[\s-]*(?P<scale>thousand|million|billion|trillion|bn|mn|mln|tn)\b", re.I)
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


def _digit_numbers(text: str, taken: _Spans) -> list[Number]:
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
            after = _SCALE_AFTER.match(text, end)
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


def _dozens(text: str, taken: _Spans) -> list[Number]:
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


def _word_numbers(text: str, taken: _Spans) -> list[Number]:
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


def _numbers(text: str, taken: _Spans) -> list[Number]:
    numbers = _dozens(text, taken)
    numbers += _digit_numbers(text, taken)
    return numbers + _word_numbers(text, taken)


# ------------------------------------------------------------------ names

_GENERIC = {"AI", "ML", "API", "APIs", "LLM", "LLMs", "GPU", "GPUs", "CPU", "CPUs", "CEO", "CEOs", "CTO", "CFO",
            "PDF", "URL", "URLs", "FAQ", "ARR", "IPO", "SDK", "SDKs", "SaaS", "UI", "UX", "OS", "HR", "VC", "VCs",
            "TPU", "TPUs", "RAM", "GB", "TB", "MB"}
_STOP = set("""
the a an in on at it its this that these those we they he she i if but and or nor so yet for of to by as from
with into onto via per our their his her my your you me us him them what which who whom whose why how where when
there here then than not no yes all any some each every both either neither such only also just even still
mr mrs ms dr prof st sr jr inc ltd llc corp co plc vs etc
""".split())
_STARTERS = set("""
after again against ago ahead albeit along already although among amid another anyone anything around
because before behind below beneath besides between beyond can could despite did do does during earlier
early else elsewhere ever everyone everything except far few following further furthermore given had has
have having hence however initially instead later lastly last less let like likewise many may meanwhile
might more moreover most much must near nearly never nevertheless new next nobody none nothing now
nowadays often once one other others otherwise over overall perhaps previously rather recently regardless
same several shall should similarly since soon still subsequently thanks therefore though through
throughout thus today tomorrow together too toward towards under unless unlike until up upon usually was
were whatever whenever whereas whether while will within without would yesterday according based
currently additionally ultimately specifically notably importantly finally first second third
expect watch try compare ask check consider review evaluate test audit monitor update read follow track plan
prepare look use start keep make build budget benchmark assess revisit verify validate talk reach contact
sign subscribe apply document map identify inventory patch upgrade migrate rotate enable disable limit
restrict require add remove set run measure share train educate brief inform engage explore investigate
wait hold avoid stop get give take find join register download install replace switch move lock schedule
flag note remember ensure confirm treat think see pay factor weigh reconsider rethink prioritize prioritise
focus begin continue learn bookmark experiment pilot trial negotiate demand push lobby file comment respond
people officials researchers experts analysts critics users customers companies company government teams
developers engineers enterprises businesses organizations organisations buyers sellers investors regulators
lawmakers startups vendors readers anyone everybody someone somebody open cheaper smaller larger faster better
bigger stronger weaker lower higher greater fewer longer shorter newer older easier harder key big small
large long short good bad real true false clear unclear important interesting possible likely unlikely
even though what's that's it's there's here's who's let's don't doesn't isn't aren't won't can't
""".split())
_SUFFIXES = ("tion", "tions", "sion", "sions", "ment", "ments", "ness", "ity", "ities", "ingly", "ically",
             "ously", "ively", "izes", "ises", "ized", "ised", "izing", "ising")
WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_AFTER_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n])[\s\"'\u201c\u201d\u2018\u2019(\[*-]*$")
POSSESSIVE = re.compile(r"['\u2019]s$|(?<=s)['\u2019]$", re.I)


def is_name(word: str, sentence_start: bool) -> bool:
    if len(word) < 2 or any(c.isdigit() for c in word) or word in _GENERIC:
        return False
    if not any(c.isupper() for c in word) or not any(c.isalpha() for c in word):
        return False
    folded = word.casefold()
    if folded in _STOP or folded in MONTHS or folded in _WEEKDAYS or folded in WORD_VALUES:
        return False
    if folded in ORDINAL_WORDS or folded in ("hundred", "dozen", "half"):
        return False
    return not (sentence_start and (folded in _STARTERS or folded.endswith(_SUFFIXES)))


def _words(text: str) -> Iterable[tuple[int, str, bool, bool]]:
    """(start, word without possessive, whether it had one, whether it starts a sentence)."""
    for match in WORD.finditer(text):
        word = POSSESSIVE.sub("", match.group(0))
        start = match.start()
        yield start, word, word != match.group(0), start == 0 or bool(
            _AFTER_SENTENCE_END.search(text[max(0, start - 8):start]))


def _names(text: str) -> list[str]:
    names: list[str] = []
    current: tuple[int, int] | None = None
    joinable = False
    for start, word, possessive, sentence_start in _words(text):
        if is_name(word, sentence_start):
            end = start + len(word)
            if current and joinable and text[current[1]:start] in (" ", "-"):
                current = (current[0], end)
            else:
                if current:
                    names.append(text[current[0]:current[1]])
                current = (start, end)
            joinable = not possessive  # "Forge's Takahashi" is two names
        else:
            if current:
                names.append(text[current[0]:current[1]])
            current, joinable = None, False
    if current:
        names.append(text[current[0]:current[1]])
    return list(dict.fromkeys(names))


def name_words(text: str) -> set[str]:
    """The folded words a text capitalizes as names away from a sentence start: where a
    writer wrote "Elon Musk", its "elon musk" elsewhere is a name too."""
    text = _canonical(text or "")
    words = [word for _, word, _, sentence_start in _words(text) if not sentence_start and is_name(word, False)]
    words += [name for name in _names(text) if " " in name or "-" in name]  # "Elon Musk" starting a sentence
    return {token for word in words for token in re.findall(r"\w\w+", fold(word))}


_COMPOUND = re.compile(r"(?<![\w.,-])(?:\d{1,3}(?:,\d{3})+|\w+)(?:[-.]\w+)*")
_NUMBER_WITH_UNIT = re.compile(r"\d[\d,.]*(?:[a-z]*|[kKMBT]|BN|MN|TN|Bn|Mn|Tn)")


def identifiers(text: str) -> list[str]:
    """Names with digits in them, which must be found as written: "VS-9", "GPT-4o",
    "H100", "Q3", "2A". Not numbers with a unit ("30fps", "420M") nor "mid-2019"."""
    found = []
    for match in _COMPOUND.finditer(text):
        token = POSSESSIVE.sub("", match.group(0))
        if not any(c.isdigit() for c in token) or not any(c.isalpha() for c in token):
            continue
        if _NUMBER_WITH_UNIT.fullmatch(token):
            continue
        if any(c.isupper() for c in token) or re.search(r"[^\W\d_]\d", token):
            found.append(token)
    return found


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


def readings(mention: DateMention, with_day: bool) -> list[tuple[int | None, int | None]]:
    """(month, day) as a date may be read: 4/5/2025 is April 5 or 4 May."""
    both = [(mention.month, mention.day)] + ([(mention.day, mention.month)] if mention.swappable else [])
    return [(month, day if with_day else None) for month, day in both]


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
