"""Grounding: what a writer's card may say, checked against the article. Pure.

The product promise is that **we never publish a date, number or name that is not in
the source; every claim carries an evidence quote that we verify before publishing**.
A writer (the LLM above all) is untrusted: it paraphrases, and sometimes it invents a
figure, shifts a date, swaps a name or makes up a quote. This module is the gate
between a :class:`~aggregator.summarize.card.CardDraft` and a published
:class:`~aggregator.summarize.card.Card`:

- every text field is reduced to plain text first (:func:`plain`): no HTML, no
  markdown links or images, no URLs, so nothing a writer emits can run or link out;
- a factual claim survives only if its evidence quote is in the source
  (:func:`quote_found`, tolerant of quote/dash style, case and ``...`` elisions,
  nothing else) *and* every number, date and name it states is in the source
  (:func:`unsupported`, tolerant of how a fact is written: "40%" is "40 percent",
  "$420M" is "$420 million", "10 November" is "November 10", "8" is "eight");
- interpretive fields carry no evidence, so they may only reuse facts of the source;
- every drop is recorded with its reason, and :func:`is_publishable` refuses a card
  when too little of it survived, since what is left of it no longer says what the
  writer meant.

The checks are deliberately about *facts*, not meaning: a claim that rewords the
article but misstates no figure, date or name is kept; an evidence quote is the
reader's means to judge the rest.

No I/O, no clock, no configuration: the caller passes the rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as _date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from aggregator.sanitize import plain_text
from aggregator.summarize.card import (
    AUDIENCES,
    Card,
    CardDraft,
    Claim,
    DroppedClaim,
    TimelineEvent,
    VerifiedClaim,
    VerifiedEvent,
)

MIN_QUOTE_CHARS = 12  # a shorter quote (or elided fragment) proves nothing


@dataclass(frozen=True)
class GroundingRules:
    min_verified_claims: int = 2  # an LLM card with fewer verified claims is not published
    min_verified_share: float = 0.5  # nor one where less than this share of its claims survived


@dataclass(frozen=True)
class Number:
    """A number as stated: ``value`` is canonical ("$420M" -> 420000000), ``raw`` is the
    numeral without its scale word (420), ``scaled`` says whether a scale was given,
    ``ordinal`` whether it ranks ("3rd", "third")."""

    value: Decimal
    raw: Decimal
    scaled: bool
    text: str
    ordinal: bool = False


@dataclass(frozen=True)
class DateMention:
    year: int | None
    month: int | None
    day: int | None
    text: str

    def label(self) -> str:
        parts = []
        if self.day is not None:
            parts.append(str(self.day))
        if self.month is not None:
            parts.append(_MONTH_NAMES[self.month - 1])
        if self.year is not None:
            parts.append(str(self.year))
        return " ".join(parts)


@dataclass(frozen=True)
class Facts:
    numbers: tuple[Number, ...]
    dates: tuple[DateMention, ...]
    names: tuple[str, ...]


# ------------------------------------------------------------------ plain text

_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\((?:[^()]|\([^()]*\))*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)\S*?(?=[.,;:!?)\]\"'”’]*(?:\s|$))", re.I)
_EMPHASIS = re.compile(r"(?<!\w)[*_~]{1,3}(?=\S)|(?<=\S)[*_~]{1,3}(?!\w)")
_SPACE = re.compile(r"\s+")
_HTML_ELEMENTS = set("""
a abbr acronym address applet area article aside audio b base basefont bdi bdo big blink blockquote body br
button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl dt em
embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i
iframe img input ins kbd label legend li link main map mark marquee math menu meta meter nav noembed noframes
noscript object ol optgroup option output p param picture plaintext portal pre progress q rp rt ruby s samp
script search section select slot small source span strike strong style sub summary sup svg table tbody td
template textarea tfoot th thead time title tr track tt u ul var video wbr xmp
""".split())
_BRACKETED = re.compile(r"<([A-Za-z][\w-]*)([^<>=\"'/]*)>")


def _protect_prose(text: str) -> str:
    """``<The Palace: Tale of Jang Noksu>`` is a title in brackets, not a tag: keep it
    as text (escaped, so the cleaner leaves it). Anything with attributes, a known
    element name or a custom-element hyphen stays a tag and is removed."""
    def escape(match: re.Match) -> str:
        name, rest = match.group(1), match.group(2)
        if name.casefold() in _HTML_ELEMENTS or "-" in name or not rest.strip():
            return match.group(0)
        return "&lt;" + match.group(0)[1:]
    return _BRACKETED.sub(escape, text)


def plain(text: str) -> str:
    """Writer output as plain text: tags (and script/style content) removed, markdown
    images removed, links reduced to their text, bare URLs removed, emphasis, backticks
    and heading markers removed, whitespace collapsed. Still text: templates escape it."""
    if not text:
        return ""
    text = _MD_HEADING.sub("", text)
    for _ in range(3):  # entity-escaped tags become tags once decoded: clean again
        cleaned = plain_text(_protect_prose(text))
        if cleaned == text:
            break
        text = cleaned
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = text.replace("`", "")
    text = _EMPHASIS.sub("", text)
    text = _MD_HEADING.sub("", text)
    return _SPACE.sub(" ", text).strip()


# ------------------------------------------------------------------ matching

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u0060": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-", "\u2043": "-",
    "\u2026": "...", "\u00ad": None,
})


def normalize(text: str) -> str:
    """Text as compared: NFKC, straight quotes, one dash, '...' for the ellipsis,
    whitespace collapsed, casefolded."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return _SPACE.sub(" ", text).strip().casefold()


_DASH_RUN = re.compile(r"\s*-+\s*")
_BRACKETED_ELISION = re.compile(r"[\[(]\s*\.\.\.\s*[\])]")
_ELISION = re.compile(r"\.{3,}")
_EDGE = " \"'.,;:!?"


def _match_key(text: str) -> str:
    """normalize(), and a dash is a dash however it is spaced or repeated."""
    return _DASH_RUN.sub("-", normalize(text))


def _fragments(quote: str) -> list[str]:
    key = _BRACKETED_ELISION.sub("...", _match_key(quote))
    return [f for f in (part.strip(_EDGE) for part in _ELISION.split(key)) if f]


def quote_found(quote: str, source: str) -> bool:
    """Whether an evidence quote is in the source (after :func:`normalize`). With
    ``...`` elisions, each fragment of at least 12 characters must be found, in order
    (shorter ones are ignored unless all are short). A quote under 12 characters in
    all is never evidence."""
    fragments = _fragments(quote)
    if sum(len(f) for f in fragments) < MIN_QUOTE_CHARS:
        return False
    long_ones = [f for f in fragments if len(f) >= MIN_QUOTE_CHARS]
    return _found_in_order(long_ones or fragments, _source_key(source))


@lru_cache(maxsize=16)
def _source_key(source: str) -> str:
    """A card's claims are all matched against one source: key it once."""
    return _match_key(source)


def _found_in_order(fragments: list[str], haystack: str) -> bool:
    at = 0
    for fragment in fragments:
        found = haystack.find(fragment, at)
        if found < 0:
            return False
        at = found + len(fragment)
    return True


# ------------------------------------------------------------------ facts: dates

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")
_MONTHS = {name.casefold(): i + 1 for i, name in enumerate(_MONTH_NAMES)}
_MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
                "oct": 10, "nov": 11, "dec": 12})
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_MONTH = (r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?")
_YEAR = r"(?P<year>(?:19|20)\d\d|2100)\b"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?", re.I),
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?![,.]?\d)(?!\s*(?:%|percent|per cent|million|billion|thousand))"
               rf"(?:,?\s+{_YEAR})?", re.I),
    re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}", re.I),
    re.compile(r"\b(?P<mon>January|February|March|April|June|July|August|September|October|November|December)\b"),
]
_BARE_YEAR = re.compile(r"(?<![\w$€£¥.,])(?P<year>(?:19|20)\d\d|2100)(?:s|'s)?(?![\w%]|[.,]\d)")


def _month_of(match: re.Match) -> int | None:
    groups = match.groupdict()
    if groups.get("mnum"):
        return int(groups["mnum"])
    mon = groups.get("mon")
    if not mon or not mon[0].isupper():  # "may", "march": verbs, not months
        return None
    return _MONTHS.get(mon.rstrip(".").casefold())


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
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


def _dates(text: str) -> tuple[list[DateMention], list[tuple[int, int]]]:
    """Date mentions and the spans they use (their digits are not numbers)."""
    mentions: list[DateMention] = []
    spans: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if _overlaps(match.span(), spans):
                continue
            month = _month_of(match)
            groups = match.groupdict()
            day = int(groups["day"]) if groups.get("day") else None
            year = int(groups["year"]) if groups.get("year") else None
            if month is None or not _valid(year, month, day):
                continue
            mentions.append(DateMention(year, month, day, match.group(0)))
            spans.append(match.span())
    for match in _BARE_YEAR.finditer(text):
        if not _overlaps(match.span(), spans) and not _scaled_after(text, match.end()):
            mentions.append(DateMention(int(match.group("year")), None, None, match.group(0)))
            spans.append(match.span())
    return mentions, spans


def _overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


# ------------------------------------------------------------------ facts: numbers

_SCALES = {"thousand": 3, "k": 3, "million": 6, "m": 6, "mn": 6, "mln": 6, "billion": 9, "b": 9, "bn": 9,
           "trillion": 12, "tn": 12, "t": 12}
_NUMERAL = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<suffix>[^\W\d_]+)?(?!\w)")
_SCALE_AFTER = re.compile(r"[\s-]*(?P<scale>thousand|million|billion|trillion|bn|mn|mln|tn)\b", re.I)
_ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
_PERCENT_AFTER = re.compile(r"\s*(?:%|percent\b|per cent\b|pct\b)", re.I)
_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = {w: i + 1 for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "hundredth": 100,
}
_ORDINAL_WORD = re.compile(r"\b(?:" + "|".join(_ORDINAL_WORDS) + r")\b", re.I)


def _scaled_after(text: str, end: int) -> bool:
    return bool(_SCALE_AFTER.match(text, end))


def _decimal(numeral: str) -> Decimal | None:
    try:
        return Decimal(numeral.replace(",", ""))
    except InvalidOperation:
        return None


def _digit_numbers(text: str, taken: list[tuple[int, int]]) -> list[Number]:
    numbers = []
    for match in _NUMERAL.finditer(text):
        if _overlaps(match.span(), taken):
            continue
        raw = _decimal(match.group("num"))
        if raw is None:
            continue
        suffix = (match.group("suffix") or "").casefold()
        exponent = _SCALES.get(suffix)
        end = match.end()
        if exponent is None and not suffix:
            after = _SCALE_AFTER.match(text, end)
            if after:
                exponent, end = _SCALES[after.group("scale").casefold()], after.end()
        start = match.start() - 1 if match.start() and text[match.start() - 1] in "$€£¥₹" else match.start()
        scaled = exponent is not None
        value = raw.scaleb(exponent) if scaled else raw
        percent = _PERCENT_AFTER.match(text, end)
        shown_end = percent.end() if percent else end
        ordinal = suffix in _ORDINAL_SUFFIXES
        numbers.append(Number(value, raw, scaled, text[start:shown_end], ordinal))
        taken.append((match.start(), shown_end))
    return numbers


def _word_numbers(text: str, taken: list[tuple[int, int]]) -> list[Number]:
    numbers = []
    for match in _WORD_NUMBER.finditer(text):
        if _overlaps(match.span(), taken) or not match.group(0).strip():
            continue
        parsed = _word_value(match)
        if parsed is None:
            continue
        raw, exponent = parsed
        value = Decimal(raw).scaleb(exponent) if exponent else Decimal(raw)
        numbers.append(Number(value, Decimal(raw), bool(exponent), match.group(0)))
        taken.append(match.span())
    for match in _ORDINAL_WORD.finditer(text):
        if not _overlaps(match.span(), taken):
            value = Decimal(_ORDINAL_WORDS[match.group(0).casefold()])
            numbers.append(Number(value, value, False, match.group(0), ordinal=True))
            taken.append(match.span())
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
        value = _WORD_VALUES[groups["tens"]] + (_WORD_VALUES[groups["unit"]] if groups["unit"] else 0)
    elif groups["small"]:
        value = _WORD_VALUES[groups["small"]]
    else:
        value = 1
    if groups["hundred"]:
        value *= 100
    exponent = _SCALES[groups["scale"]] if groups["scale"] else 0
    if groups["a"] and not (groups["hundred"] or exponent):
        return None
    return value, exponent


def _numbers(text: str, date_spans: list[tuple[int, int]]) -> list[Number]:
    taken = list(date_spans)
    numbers = _digit_numbers(text, taken)
    return numbers + _word_numbers(text, taken)


# ------------------------------------------------------------------ facts: names

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
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_AFTER_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n])[\s\"'\u201c\u201d\u2018\u2019(\[*-]*$")
_POSSESSIVE = re.compile(r"['\u2019]s$|(?<=s)['\u2019]$", re.I)


def _is_capitalized(word: str) -> bool:
    return any(c.isupper() for c in word) and any(c.isalpha() for c in word)


def _is_name(word: str, sentence_start: bool) -> bool:
    if len(word) < 2 or any(c.isdigit() for c in word) or not _is_capitalized(word) or word in _GENERIC:
        return False
    folded = word.casefold()
    if folded in _STOP or folded in _MONTHS or folded in _WEEKDAYS or folded in _WORD_VALUES:
        return False
    if folded in _ORDINAL_WORDS or folded == "hundred":
        return False
    return not (sentence_start and (folded in _STARTERS or folded.endswith(_SUFFIXES)))


def _names(text: str) -> list[str]:
    names: list[str] = []
    current: tuple[int, int] | None = None
    joinable = False
    for match in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", match.group(0))
        start = match.start()
        sentence_start = bool(_AFTER_SENTENCE_END.search(text[max(0, start - 8):start])) or start == 0
        if _is_name(word, sentence_start):
            end = start + len(word)
            gap = text[current[1]:start] if current else ""
            if current and joinable and gap in (" ", "-"):
                current = (current[0], end)
            else:
                if current:
                    names.append(text[current[0]:current[1]])
                current = (start, end)
            joinable = word == match.group(0)  # "Forge's Takahashi" is two names
        else:
            if current:
                names.append(text[current[0]:current[1]])
            current, joinable = None, False
    if current:
        names.append(text[current[0]:current[1]])
    return list(dict.fromkeys(names))


_COMPOUND = re.compile(r"(?<![\w.,-])(?:\d{1,3}(?:,\d{3})+|\w+)(?:[-.]\w+)*")
_NUMBER_WITH_UNIT = re.compile(r"\d[\d,.]*(?:[a-z]*|[kKMBT]|BN|MN|TN|Bn|Mn|Tn)")


def _identifiers(text: str) -> list[str]:
    """Names with digits in them, which must be found as written: "VS-9", "GPT-4o",
    "H100", "Q3", "2A". Not numbers with a unit ("30fps", "420M") nor "mid-2019"."""
    found = []
    for match in _COMPOUND.finditer(text):
        token = _POSSESSIVE.sub("", match.group(0))
        if not any(c.isdigit() for c in token) or not any(c.isalpha() for c in token):
            continue
        if _NUMBER_WITH_UNIT.fullmatch(token):
            continue
        if any(c.isupper() for c in token) or re.search(r"[^\W\d_]\d", token):
            found.append(token)
    return found


# ------------------------------------------------------------------ facts and support

def facts(text: str) -> Facts:
    """The checkable facts of a text: numbers, dates and proper names."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    dates, spans = _dates(text)
    names = list(dict.fromkeys(_names(text) + _identifiers(text)))
    return Facts(tuple(_numbers(text, spans)), tuple(dates), tuple(names))


def _fold(text: str) -> str:
    """Casefolded, accents removed: 'José' and 'Jose' are one name."""
    decomposed = unicodedata.normalize("NFKD", normalize(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", _fold(text))


@dataclass(frozen=True)
class _Index:
    values: frozenset[Decimal]  # canonical cardinal numbers
    loose: frozenset[Decimal]  # + numerals without their scale, days and years of dates
    ordinals: frozenset[Decimal]
    dates: tuple[DateMention, ...]
    years: frozenset[int]
    tokens: frozenset[str]
    folded: str


@lru_cache(maxsize=16)
def _index(source: str) -> _Index:
    found = facts(source)
    cardinals = [n for n in found.numbers if not n.ordinal]
    values = frozenset(n.value for n in cardinals)
    years = frozenset(d.year for d in found.dates if d.year is not None)
    parts = {Decimal(p) for d in found.dates for p in (d.day, d.year) if p is not None}
    loose = values | {n.raw for n in cardinals} | parts
    ordinals = frozenset(n.value for n in found.numbers if n.ordinal)
    folded = _fold(source)
    return _Index(values, frozenset(loose), ordinals, found.dates, years, frozenset(re.findall(r"\w+", folded)),
                  folded)


def _number_supported(number: Number, index: _Index) -> bool:
    """"third" is supported by "3" or "3rd"; "3" is not supported by "third"."""
    if number.ordinal:
        return number.value in index.ordinals or number.value in index.loose
    return number.value in (index.values if number.scaled else index.loose)


def _date_supported(mention: DateMention, index: _Index) -> bool:
    if mention.month is None:
        return mention.year in index.years or Decimal(mention.year) in index.loose
    same = [d for d in index.dates if d.month == mention.month and (mention.day is None or d.day == mention.day)]
    if not same:
        return False
    if mention.year is None:
        return True
    stated = {d.year for d in same if d.year is not None}
    return mention.year in stated if stated else mention.year in index.years


def _name_supported(name: str, index: _Index) -> bool:
    if any(c.isdigit() for c in name):
        return _identifier_pattern(name).search(index.folded) is not None
    return all(token in index.tokens for token in _tokens(name))


def _missing_part(name: str, index: _Index) -> str:
    """"Lumen Forge ARR" -> "ARR": the words of a name the source lacks."""
    if any(c.isdigit() for c in name):
        return name
    missing = [w for w in re.split(r"[\s-]+", name) if not _name_supported(w, index)]
    return " ".join(missing) or name


@lru_cache(maxsize=1024)
def _identifier_pattern(name: str) -> re.Pattern:
    """"VS-9" as it may be written: "VS 9", "vs9", "VS-9s"; never "VS-90" or "VS-1"."""
    runs = re.findall(r"[^\W\d_]+|\d+", _POSSESSIVE.sub("", _fold(name)).replace(",", ""))
    if len(runs) > 1 and runs[-1] == "s" and runs[-2].isdigit():
        runs = runs[:-1]
    body = r"[\s.\-_]?".join(",?".join(run) if run.isdigit() else re.escape(run) for run in runs)
    return re.compile(rf"(?<![^\W_]){body}(?:'?s)?(?![^\W_])")


def _unsupported(text: str, index: _Index) -> list[str]:
    found = facts(text)
    reasons = [f"number {n.text} not in the source" for n in found.numbers if not _number_supported(n, index)]
    reasons += [f"date {d.label()} not in the source" for d in found.dates if not _date_supported(d, index)]
    reasons += [f"name {_missing_part(n, index)} not in the source" for n in found.names
                if not _name_supported(n, index)]
    return list(dict.fromkeys(reasons))


def unsupported(text: str, source: str) -> list[str]:
    """Why a text states something the source does not (empty if it does not): each
    number, date and name of the text must occur in the source, however written."""
    return _unsupported(text, _index(source))


# ------------------------------------------------------------------ the card

_TIMELINE_DATE = re.compile(r"^(?:(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?"
                            r"|(?P<md_month>\d{1,2})-(?P<md_day>\d{1,2}))$")
_SENTENCE_END_AT = re.compile(r"(?<=[.!?])[\"')\]\u201d\u2019]*(?=\s+\S)")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "vs", "jr", "sr", "no", "inc", "co", "corp", "ltd",
                  "e.g", "i.e", "etc", "approx", "gen", "gov", "sen", "rep", "u.s", "u.k", "jan", "feb", "mar",
                  "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}


@dataclass(frozen=True)
class _Source:
    text: str
    index: _Index


def _sentences(text: str) -> list[str]:
    """Sentences, not split after "Dr." or "U.S." or an initial."""
    sentences, start = [], 0
    for match in _SENTENCE_END_AT.finditer(text):
        before = re.search(r"([\w.]+)[.!?]$", text[start:match.start()])
        word = before.group(1).casefold() if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _check_claim(claim: Claim, field_name: str, source: _Source) -> VerifiedClaim | DroppedClaim:
    text, evidence = plain(claim.text), plain(claim.evidence)
    reasons = _evidence_reasons(evidence, source) + _unsupported(text, source.index)
    if not text:
        reasons.insert(0, "empty after cleaning")
    if reasons:
        return DroppedClaim(field_name, text, evidence, "; ".join(reasons))
    return VerifiedClaim(text, evidence)


def _evidence_reasons(evidence: str, source: _Source) -> list[str]:
    if sum(len(f) for f in _fragments(evidence)) < MIN_QUOTE_CHARS:
        return ["evidence quote too short to verify"]
    if not quote_found(evidence, source.text):
        return ["evidence not found in the source"]
    return []


def _parse_timeline_date(raw: str) -> tuple[int | None, int | None, int | None] | None:
    match = _TIMELINE_DATE.match(raw.strip())
    if match:
        groups = match.groupdict()
        year = int(groups["year"]) if groups["year"] else None
        month = groups["month"] or groups["md_month"]
        day = groups["day"] or groups["md_day"]
        parsed = (year, int(month) if month else None, int(day) if day else None)
    else:  # a writer that ignored the format: accept one plain date mention
        mentions = facts(raw).dates
        if len(mentions) != 1 or mentions[0].text.strip() != raw.strip().rstrip("."):
            return None
        parsed = (mentions[0].year, mentions[0].month, mentions[0].day)
    return parsed if _valid(*parsed) else None


def _format_date(year: int | None, month: int | None, day: int | None) -> str:
    parts = ([f"{year:04d}"] if year is not None else []) + [f"{p:02d}" for p in (month, day) if p is not None]
    return "-".join(parts)


def _timeline_date_reasons(parsed: tuple[int | None, int | None, int | None], evidence: str,
                           source: _Source) -> list[str]:
    year, month, day = parsed
    reasons = []
    if year is not None and year not in source.index.years and Decimal(year) not in source.index.loose:
        reasons.append(f"year {year} not in the source")
    if month is not None:
        quoted = [d for d in facts(evidence).dates if d.month == month and (day is None or d.day == day)]
        label = DateMention(None, month, day, "").label()
        if not quoted:
            reasons.append(f"date {label} not in the evidence")
        elif year is not None and (years := {d.year for d in quoted if d.year is not None}) and year not in years:
            reasons.append(f"date {label} {year} not in the evidence")
    return reasons


def _check_event(event: TimelineEvent, source: _Source) -> VerifiedEvent | DroppedClaim:
    text, evidence, raw_date = plain(event.event), plain(event.evidence), plain(event.date)
    shown = f"{raw_date}: {text}"
    parsed = _parse_timeline_date(raw_date)
    reasons = _evidence_reasons(evidence, source) + _unsupported(text, source.index)
    if not text:
        reasons.insert(0, "empty after cleaning")
    if parsed is None:
        reasons.append(f"date {raw_date!r} is not YYYY-MM-DD, YYYY-MM, YYYY or MM-DD")
    else:
        reasons += _timeline_date_reasons(parsed, evidence, source)
    if reasons:
        return DroppedClaim("timeline", shown, evidence, "; ".join(dict.fromkeys(reasons)))
    return VerifiedEvent(_format_date(*parsed), text, evidence)


def _event_key(event: VerifiedEvent) -> tuple:
    year, month, day = _parse_timeline_date(event.date) or (None, None, None)
    return (year is None, year or 0, month or 0, day or 0)


def _check_free_text(items: Iterable[str], field_name: str, source: _Source,
                     dropped: list[DroppedClaim]) -> list[str]:
    kept = []
    for item in items:
        text = plain(item)
        if not text:
            continue
        reasons = _unsupported(text, source.index)
        if reasons:
            dropped.append(DroppedClaim(field_name, text, None, "; ".join(reasons)))
        else:
            kept.append(text)
    return kept


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        if item and item.casefold() not in seen:
            seen[item.casefold()] = item
    return list(seen.values())


def _entities(items: Iterable[str], source: _Source, dropped: list[DroppedClaim]) -> list[str]:
    kept = []
    for entity in _unique(plain(e) for e in items):
        if _tokens(entity) and _name_supported(entity, source.index):
            kept.append(entity)
        else:
            dropped.append(DroppedClaim("entities", entity, None, f"name {entity} not in the source"))
    return kept


def _claims(claims: Iterable[Claim], field_name: str, source: _Source,
            dropped: list[DroppedClaim]) -> list[VerifiedClaim]:
    kept = []
    for claim in claims:
        result = _check_claim(claim, field_name, source)
        if isinstance(result, DroppedClaim):
            dropped.append(result)
        else:
            kept.append(result)
    return kept


def _timeline(events: Iterable[TimelineEvent], source: _Source, dropped: list[DroppedClaim]) -> list[VerifiedEvent]:
    kept = []
    for event in events:
        result = _check_event(event, source)
        if isinstance(result, DroppedClaim):
            dropped.append(result)
        else:
            kept.append(result)
    return sorted(kept, key=_event_key)


def ground(draft: CardDraft, title: str, source_text: str, *, writer: str) -> Card:
    """The card that may be published from a draft: every claim whose evidence and
    facts are in ``title`` + ``source_text``, the interpretive text that adds no fact,
    and a record of everything dropped and why."""
    text = plain(f"{title}\n\n{source_text}")
    source = _Source(text, _index(text))
    dropped: list[DroppedClaim] = []
    what_changed = _claims(draft.what_changed, "what_changed", source, dropped)
    key_takeaways = _claims(draft.key_takeaways, "key_takeaways", source, dropped)
    timeline = _timeline(draft.timeline, source, dropped)
    why = _check_free_text(_sentences(plain(draft.why_it_matters)), "why_it_matters", source, dropped)
    return Card(
        what_changed=what_changed,
        why_it_matters=" ".join(why),
        what_to_do_next=_check_free_text(draft.what_to_do_next, "what_to_do_next", source, dropped),
        who_should_care=_unique(a for a in draft.who_should_care if a in AUDIENCES),
        key_takeaways=key_takeaways,
        future_implications=_check_free_text(draft.future_implications, "future_implications", source, dropped),
        timeline=timeline,
        topics=_unique(plain(t) for t in draft.topics),
        entities=_entities(draft.entities, source, dropped),
        claims_total=len(draft.what_changed) + len(draft.key_takeaways) + len(draft.timeline),
        claims_verified=len(what_changed) + len(key_takeaways) + len(timeline),
        writer=writer,
        dropped=dropped,
    )


def is_publishable(card: Card, rules: GroundingRules = GroundingRules()) -> bool:
    """Enough of the card survived grounding to still say what the writer meant."""
    if card.claims_total <= 0 or not card.what_changed:
        return False
    return (card.claims_verified >= rules.min_verified_claims
            and card.claims_verified / card.claims_total >= rules.min_verified_share)
