"""How well ``aggregator.summarize.grounding.ground`` keeps true claims and catches false ones.

A perturbation set built from real article text:

- articles: the English-looking article bodies of the scrapinghub ground truth
  (``../shared/corpora/extraction/scrapinghub-public/ground-truth.json``, skipped with
  a message when absent) and the project's demo articles
  (``aggregator/demo/data/articles.json``: title + body paragraphs);
- per article, up to ``--per-article`` sentences of 40-350 characters (a seeded
  sample; not split after "Mr." or "Oct."); each sentence is the evidence of the
  claims made from it.

True claims, which must be kept:

- ``sentence``: the sentence itself; ``clause``: its longest comma-separated clause;
- reformulations: ``numbers reformatted`` ("40%" <-> "40 percent", "$420 million" ->
  "$420M", "1.2 million" -> "1,200,000", "1,200" -> "1200", 2..20 <-> words, "3rd" ->
  "third", "March 14" -> "March fourteenth"), ``dates reordered`` ("November 10, 2026" <-> "10 November 2026", "Nov. 10"
  -> "10 November", ISO -> words), ``quote/dash style`` (straight <-> curly quotes,
  em/en dash -> "-"/"--", in claim and evidence), ``leading clause dropped``,
  ``possessive rewritten`` ("Forge’s margins" -> "the margins of Forge"), ``all of the
  above`` at once, ``elided evidence`` (evidence = its start "..." its end);
- ``timeline event``: a timeline entry dated (YYYY-MM-DD / YYYY-MM / MM-DD) from a date
  the sentence states.

Perturbed claims, which must be dropped (evidence = the true sentence unless said):

- ``number changed``: one numeral's digit (or a number word, or a scale word:
  "million" -> "billion") changed;
- ``date shifted``: day +-1..5, another month, or year +-1..3;
- ``timeline date shifted``: the timeline entry's date field shifted the same way;
- ``name replaced``: a proper name of the article replaced by an invented one;
- ``quote word changed``: the claim is true, one word of its evidence is changed;
- ``quote fabricated``: the claim is true, its evidence is a sentence of another article;
- ``number from elsewhere``: one numeral replaced by one the article states elsewhere
  but the sentence does not (a claim's numbers must be in its evidence);
- ``count made a percent``: "40 employees" -> "40% employees", when the article never
  states 40 as a percentage;
- ``short fragment invented``: the claim is true, its evidence is elided with a short
  invented fragment between true ones ("start ... 2031 ... end").

Except for ``number from elsewhere``, a perturbation is only made when the changed
fact does not occur anywhere in the article (checked here with plain string searches,
independent of the module under test): counting a change to a value the article
states elsewhere would measure the article, not the checker.

Every claim is scored by calling ``ground()`` on a ``CardDraft`` that holds it (as
``what_changed``, or as ``timeline`` for the timeline kinds). Printed: counts and
drop rates per kind, the detection rate (perturbed claims dropped), the false-drop
rate (true claims dropped) with its top reasons. Targets: detection >= 95%,
false drops <= 5%, printed as MET or MISSED. The exit status is always 0.

Run from the project root: ``.venv/bin/python bench/grounding_eval.py``
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregator.summarize.card import CardDraft, Claim, TimelineEvent  # noqa: E402
from aggregator.summarize.grounding import ground  # noqa: E402

SCRAPINGHUB = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "extraction" / "scrapinghub-public" \
    / "ground-truth.json"
DEMO = ROOT / "aggregator" / "demo" / "data" / "articles.json"
DETECTION_TARGET = 0.95
FALSE_DROP_TARGET = 0.05

TRUE_KINDS = ("sentence", "clause", "numbers reformatted", "dates reordered", "quote/dash style",
              "leading clause dropped", "possessive rewritten", "all of the above", "elided evidence",
              "timeline event")
FALSE_KINDS = ("number changed", "date shifted", "timeline date shifted", "name replaced",
               "quote word changed", "quote fabricated", "number from elsewhere", "count made a percent",
               "short fragment invented")

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ABBR = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9, "Oct": 10,
        "Nov": 11, "Dec": 12}
MONTH_RE = r"(January|February|March|April|May|June|July|August|September|October|November|December" \
           r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
WEEKDAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
DAY_ORDINALS = [""] + "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth \
fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split() + [
    f"twenty-{w}" for w in "first second third fourth fifth sixth seventh eighth ninth".split()] + [
    "thirtieth", "thirty-first"]
ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth", "6th": "sixth",
            "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth"}
FAKE_NAMES = ["Halvorsen", "Quennell", "Brightwater", "Okonkwo", "Dunleavy", "Vantrell", "Maribeth", "Zorlani",
              "Kestrova", "Pellucid", "Ashgrove", "Tamsin Orley", "Corvane", "Ilvermoor", "Rostadt", "Yevgenova"]
SWAP_WORDS = ["allegedly", "quietly", "formally", "reluctantly", "secretly", "briefly", "narrowly"]
ENGLISH = set("the a an and of to in is was for on that with as by at from it this be are have has said not "
              "but or they he she his her their which who will would".split())


@dataclass
class Article:
    key: str
    title: str
    text: str

    @property
    def source(self) -> str:
        return f"{self.title}\n\n{self.text}"


@dataclass
class Case:
    kind: str
    true: bool
    text: str
    evidence: str
    article: Article
    date: str | None = None  # timeline kinds


# ---------------------------------------------------------------- articles

def english_looking(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+", text)
    letters = sum(c.isalpha() for c in text)
    ascii_letters = sum(c.isascii() and c.isalpha() for c in text)
    if len(words) < 40 or not letters or ascii_letters / letters < 0.95:
        return False
    return sum(w.lower() in ENGLISH for w in words) / len(words) >= 0.2


def load_articles() -> list[Article]:
    articles = []
    if SCRAPINGHUB.exists():
        data = json.loads(SCRAPINGHUB.read_text(encoding="utf-8"))
        kept = [Article(key, "", item["articleBody"]) for key, item in sorted(data.items())
                if english_looking(item.get("articleBody") or "")]
        print(f"scrapinghub-public: {len(kept)} English-looking of {len(data)} articles")
        articles += kept
    else:
        print(f"{SCRAPINGHUB} is absent: skipping the scrapinghub articles")
    if DEMO.exists():
        demo = json.loads(DEMO.read_text(encoding="utf-8"))["articles"]
        articles += [Article(a["slug"], a["title"], "\n\n".join(a["body"])) for a in demo]
        print(f"demo articles: {len(demo)}")
    return articles


NO_SPLIT_AFTER = ("Mr", "Mrs", "Ms", "Dr", "St", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
                  "Oct", "Nov", "Dec")  # "Oct. 5, 2019" is one sentence, not a sentence and "5, 2019, ..."
SENTENCE_SPLIT = re.compile(r"(?<!\b[A-Z]\.)" + "".join(rf"(?<!\b{w}\.)" for w in NO_SPLIT_AFTER)
                            + r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def sentences(article: Article) -> list[str]:
    found = []
    for paragraph in re.split(r"\n+", article.text):
        for sentence in SENTENCE_SPLIT.split(paragraph.strip()):
            sentence = sentence.strip()
            if 40 <= len(sentence) <= 350 and len(sentence.split()) >= 6 and "http" not in sentence \
                    and "www." not in sentence:
                found.append(sentence)
    return found


# ---------------------------------------------------------------- true variants

def clause(sentence: str) -> str | None:
    parts = [p.strip() for p in re.split(r"[,;]\s+", sentence)]
    if len(parts) < 2:
        return None
    best = max(parts, key=len)
    return best if len(best) >= 25 and best != sentence else None


def drop_leading_clause(sentence: str) -> str | None:
    match = re.match(r"^([^,]{3,80}),\s+(.+)$", sentence)
    if not match or len(match.group(2)) < 25 or not match.group(2)[0].isalpha():
        return None
    rest = match.group(2)
    return rest[0].upper() + rest[1:]


def _with_commas(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def reformat_numbers(text: str) -> str:
    def scale(m: re.Match) -> str:
        cur, num, word = m.group(1) or "", m.group(2), m.group(3).lower()
        if cur:
            return f"{cur}{num}{ {'thousand': 'K', 'million': 'M', 'billion': 'B', 'trillion': 'T'}[word] }"
        factor = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}[word]
        value = round(float(num.replace(",", "")) * factor, 6)
        return _with_commas(value)

    text = re.sub(r"(?<![\d,.$])(\d{1,3}(?:,\d{3})+)(?![\d.]|,\d)", lambda m: m.group(1).replace(",", ""), text)
    text = re.sub(r"([$€£])?\b(\d[\d,]*(?:\.\d+)?) (thousand|million|billion|trillion)\b", scale, text)
    text = re.sub(r"([$€£])(\d+(?:\.\d+)?)(bn|m)\b",
                  lambda m: f"{m.group(1)}{m.group(2)} {'billion' if m.group(3) == 'bn' else 'million'}", text)
    text = re.sub(r"\b(\d+(?:\.\d+)?)%", r"\1 percent", text)
    text = re.sub(r"\b(\d+(?:\.\d+)?) (?:percent|per cent)\b", r"\1%", text) if "%" not in text else text
    text = re.sub(r"(?<![\w.,$:/-])([2-9]|1\d|20)(?![\w.,%:/-]|\s*(?:%|percent|million|billion))",
                  lambda m: SMALL[int(m.group(1))], text)
    text = re.sub(r"\b(" + "|".join(SMALL[2:]) + r")\b(?!-)",
                  lambda m: str(SMALL.index(m.group(1).lower())) if m.group(1).islower() else m.group(1), text)
    text = re.sub(r"\b(" + "|".join(ORDINALS) + r")\b", lambda m: ORDINALS[m.group(1)], text)
    text = re.sub(MONTH_RE + r" ([1-9]|[12]\d|3[01])\b(?![.:/]?\d|[–-]\d|\s*(?:%|percent))",
                  lambda m: f"{m.group(1)} {DAY_ORDINALS[int(m.group(2))]}", text)
    return text


def _month_number(name: str) -> int:
    name = name.rstrip(".")
    return MONTHS.index(name) + 1 if name in MONTHS else ABBR[name]


def reorder_dates(text: str) -> str:
    text = re.sub(r"\b(\d{4})-(\d{2})-(\d{2})\b",
                  lambda m: f"{MONTHS[int(m.group(2)) - 1]} {int(m.group(3))}, {m.group(1)}"
                  if 1 <= int(m.group(2)) <= 12 else m.group(0), text)
    text = re.sub(MONTH_RE + r" (\d{1,2}), (\d{4})\b",
                  lambda m: f"{int(m.group(2))} {MONTHS[_month_number(m.group(1)) - 1]} {m.group(3)}", text)
    text = re.sub(r"\b(\d{1,2}) " + MONTH_RE + r" (\d{4})\b",
                  lambda m: f"{MONTHS[_month_number(m.group(2)) - 1]} {int(m.group(1))}, {m.group(3)}", text)
    text = re.sub(MONTH_RE + r" (\d{1,2})\b(?![,\d]|[–-]\d)",
                  lambda m: f"{int(m.group(2))} {MONTHS[_month_number(m.group(1)) - 1]}", text)
    return text


def restyle_quotes(text: str) -> str:
    if any(c in text for c in "’‘“”—–"):
        text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
        return text.replace(" — ", " - ").replace("—", "--").replace("–", "-")
    text = re.sub(r"(?<=\w)'(?=\w)", "’", text)
    text = re.sub(r'"(?=\w)', "“", text)
    text = text.replace('"', "”").replace(" - ", " — ")
    return text


def rewrite_possessive(text: str, article: str) -> str:
    """ "Lumen Forge’s margins said" -> "the margins of Lumen Forge said" (names only)."""
    names = proper_names(article)

    def rewrite(m: re.Match) -> str:
        if not all(word in names for word in m.group(1).split()):
            return m.group(0)
        return f"the {m.group(2)} of {m.group(1)}"
    return re.sub(r"\b([A-Z]\w+(?: [A-Z]\w+)*)['’]s ([a-z]\w+)(?=[,.;:]| (?:is|was|has|had|will|would|said|and|for"
                  r"|in|on|to|with|at|from|are|were|of)\b)", rewrite, text)


def elide(sentence: str) -> str | None:
    words = sentence.split()
    if len(words) < 12:
        return None
    cut = max(4, len(words) * 2 // 5)
    head, tail = " ".join(words[:cut]), " ".join(words[-cut:])
    return f"{head} ... {tail}" if len(head) >= 15 and len(tail) >= 15 else None


# ---------------------------------------------------------------- facts found by plain searches

MONTH_YEAR = re.compile(MONTH_RE + r",? (\d{4})\b")
YEAR = re.compile(r"(?<![\d,.$])((?:19|20)\d\d)(?![\d,.%])")


def date_in_article(month: int, day: int | None, article: str) -> bool:
    names = [MONTHS[month - 1]] + [a for a, n in ABBR.items() if n == month]
    for name in names:
        if day is None:
            if re.search(rf"\b{name}\b", article):
                return True
        elif re.search(rf"\b{name}\.? {day}\b(?!,?\d)|\b{day}(?:st|nd|rd|th)? {name}\b", article):
            return True
    return False


def numeral_in_article(value: str, article: str) -> bool:
    """Whether the article states this value anywhere ("1.60" is 1.6, "05" is 5)."""
    number = float(value)
    if number in {float(n) for n in re.findall(r"\d+(?:\.\d+)?", article.replace(",", ""))}:
        return True
    return number == int(number) and 0 <= number <= 20 and re.search(rf"\b{SMALL[int(number)]}\b", article, re.I)


def article_dates(sentence: str) -> list[tuple[int | None, int, int | None, str]]:
    """(year, month, day, matched text) for the dates a sentence states with a day or year."""
    dates = []
    for m in re.finditer(MONTH_RE + r" (\d{1,2})(?:st|nd|rd|th)?(?:, (\d{4}))?\b(?!,?\d)", sentence):
        dates.append((int(m.group(3)) if m.group(3) else None, _month_number(m.group(1)), int(m.group(2)), m.group(0)))
    for m in re.finditer(r"\b(\d{1,2})(?:st|nd|rd|th)? " + MONTH_RE + r"(?: (\d{4}))?(?![a-z])", sentence):
        dates.append((int(m.group(3)) if m.group(3) else None, _month_number(m.group(2)), int(m.group(1)), m.group(0)))
    for m in MONTH_YEAR.finditer(sentence):
        dates.append((int(m.group(2)), _month_number(m.group(1)), None, m.group(0)))
    return [d for d in dates if d[2] is None or 1 <= d[2] <= 31]


# ---------------------------------------------------------------- perturbations

SCALE_SWAP = {"thousand": "million", "million": "billion", "billion": "million", "trillion": "billion"}


def change_scale(sentence: str, article: str, rng: random.Random) -> str | None:
    """ "$420 million" -> "$420 billion" (when the article never says "420 billion")."""
    spots = list(re.finditer(r"(\d[\d,.]*)[ -](thousand|million|billion|trillion)\b", sentence))
    if not spots:
        return None
    m = rng.choice(spots)
    new = SCALE_SWAP[m.group(2)]
    if re.search(rf"{re.escape(m.group(1))}[ -]{new}", article):
        return None
    return sentence[:m.start(2)] + new + sentence[m.end(2):]


def change_number(sentence: str, article: str, rng: random.Random) -> str | None:
    if rng.random() < 0.3 and (scaled := change_scale(sentence, article, rng)):
        return scaled
    spots = [m for m in re.finditer(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", sentence) if m.group(0).rstrip(",")]
    words = [m for m in re.finditer(r"\b(" + "|".join(SMALL[1:]) + r")\b", sentence, re.I)]
    rng.shuffle(spots)
    for m in spots:
        numeral = m.group(0).rstrip(",")
        digits = [i for i, c in enumerate(numeral) if c.isdigit()]
        for _ in range(10):
            i = rng.choice(digits)
            new_digit = rng.choice([d for d in "0123456789" if d != numeral[i] and not (i == 0 and d == "0")])
            new = numeral[:i] + new_digit + numeral[i + 1:]
            if not numeral_in_article(new.replace(",", ""), article):
                return sentence[:m.start()] + new + sentence[m.start() + len(numeral):]
    for m in words:
        value = SMALL.index(m.group(1).lower())
        for new_value in rng.sample(range(2, 21), 19):
            if new_value != value and not numeral_in_article(str(new_value), article):
                new = SMALL[new_value]
                new = new.capitalize() if m.group(1)[0].isupper() else new
                return sentence[:m.start()] + new + sentence[m.end():]
    return None


def shift_date(year: int | None, month: int, day: int | None, article: str,
               rng: random.Random) -> tuple[int | None, int, int | None] | None:
    options = []
    if day is not None:
        options += [(year, month, d) for d in range(max(1, day - 5), min(28, day + 5) + 1)
                    if d != day and not date_in_article(month, d, article)]
    options += [(year, m, day) for m in range(1, 13) if m != month and not date_in_article(m, day, article)
                and not date_in_article(m, None, article)]
    if year is not None:
        options += [(y, month, day) for y in (year - 3, year - 2, year - 1, year + 1, year + 2, year + 3)
                    if not re.search(rf"\b{y}\b", article)]
    return rng.choice(options) if options else None


def write_date(original: str, year: int | None, month: int, day: int | None) -> str:
    """The shifted date in the style of the original mention."""
    if day is None:
        return f"{MONTHS[month - 1]} {year}"
    if original[0].isdigit():
        return f"{day} {MONTHS[month - 1]}" + (f" {year}" if year else "")
    return f"{MONTHS[month - 1]} {day}" + (f", {year}" if year else "")


def change_date(sentence: str, article: str, rng: random.Random) -> str | None:
    dates = article_dates(sentence)
    if dates:
        year, month, day, text = rng.choice(dates)
        shifted = shift_date(year, month, day, article, rng)
        return sentence.replace(text, write_date(text, *shifted), 1) if shifted else None
    years = list(YEAR.finditer(sentence))
    if years:
        m = rng.choice(years)
        year = int(m.group(1))
        for new in rng.sample([year - 3, year - 2, year - 1, year + 1, year + 2, year + 3], 6):
            if not re.search(rf"(?<!\d){new}(?!\d)", article):
                return sentence[:m.start()] + str(new) + sentence[m.end():]
    months = [m for m in re.finditer(r"\b(January|February|March|April|June|July|August|September|October"
                                     r"|November|December)\b", sentence)]
    if months:
        m = rng.choice(months)
        others = [name for i, name in enumerate(MONTHS) if name != "May" and not date_in_article(i + 1, None, article)]
        if others:
            return sentence[:m.start()] + rng.choice(others) + sentence[m.end():]
    return None


def proper_names(article: str) -> set[str]:
    """Capitalized words the article also uses mid-sentence (after a lowercase word)."""
    names = set(re.findall(r"(?<=[a-z,] )([A-Z][a-z]{2,}(?:[A-Z][a-z]+)*)\b", article))
    return names - WEEKDAYS - set(MONTHS) - {"The", "This", "That", "These", "Those", "And", "But", "For"}


def replace_name(sentence: str, article: str, rng: random.Random) -> str | None:
    candidates = [m for m in re.finditer(r"\b[A-Z][a-z]{2,}(?:[A-Z][a-z]+)*\b", sentence)
                  if m.group(0) in proper_names(article)]
    fakes = [f for f in FAKE_NAMES if not any(re.search(rf"\b{p}\b", article, re.I) for p in f.split())]
    if not candidates or not fakes:
        return None
    m = rng.choice(candidates)
    return sentence[:m.start()] + rng.choice(fakes) + sentence[m.end():]


NUMERAL = re.compile(r"(?<![\w.,$€£/-])\d{1,3}(?:,\d{3})*(?:\.\d+)?(?![\w%/-]|[.,]\d)")


def stated_in(value: str, text: str) -> bool:
    """Whether a text states this value as a numeral or a number word, in any form."""
    return bool(numeral_in_article(value.replace(",", ""), text))


def borrow_number(sentence: str, article: str, rng: random.Random) -> str | None:
    """A numeral of the sentence replaced by one the article states elsewhere, but not in
    this sentence: the claim's facts are in the article, not in its evidence."""
    spots = list(NUMERAL.finditer(sentence))
    elsewhere = sorted({m.group(0) for m in NUMERAL.finditer(article)
                        if not re.fullmatch(r"(?:19|20)\d\d", m.group(0)) and not stated_in(m.group(0), sentence)})
    if not spots or not elsewhere:
        return None
    m = rng.choice(spots)
    return sentence[:m.start()] + rng.choice(elsewhere) + sentence[m.end():]


def add_percent(sentence: str, article: str, rng: random.Random) -> str | None:
    """A count made a percentage ("40 employees" -> "40% employees") the article never states."""
    spots = [m for m in NUMERAL.finditer(sentence) if not re.fullmatch(r"(?:19|20)\d\d", m.group(0))
             and not re.match(r"\s*(?:%|percent|per cent|million|billion|thousand)", sentence[m.end():])
             and not re.search(rf"(?<![\d.]){re.escape(m.group(0))}\s*(?:%|percent|per cent)", article)]
    if not spots:
        return None
    m = rng.choice(spots)
    return sentence[:m.end()] + "%" + sentence[m.end():]


def invent_short_fragment(sentence: str, article: str, rng: random.Random) -> str | None:
    """An elided quote with a short invented fragment between true ones: "start ... 2031 ... end"."""
    elided = elide(sentence)
    years = [str(y) for y in range(2030, 2040) if str(y) not in article]
    if not elided or not years:
        return None
    head, tail = elided.split(" ... ", 1)
    return f"{head} ... {rng.choice(years)} ... {tail}"


def change_quote_word(sentence: str, article: str, rng: random.Random) -> str | None:
    words = list(re.finditer(r"\b[a-z]{5,}\b", sentence))
    if not words:
        return None
    m = rng.choice(words)
    for word in rng.sample(SWAP_WORDS, len(SWAP_WORDS)):
        changed = sentence[:m.start()] + word + sentence[m.end():]
        if word != m.group(0) and changed.lower() not in article.lower():
            return changed
    return None


# ---------------------------------------------------------------- the cases

def timeline_date(year: int | None, month: int, day: int | None) -> str:
    if year is None:
        return f"{month:02d}-{day:02d}"
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")


def cases_for(article: Article, others: list[str], rng: random.Random, per_article: int) -> list[Case]:
    found = sentences(article)
    source = article.source
    picked = rng.sample(found, min(per_article, len(found)))
    cases = []

    def add(kind: str, text: str | None, evidence: str | None = None, date: str | None = None) -> None:
        if kind in FALSE_KINDS and text == sentence and (evidence or sentence) == sentence and date is None:
            return  # a perturbation that changed nothing
        if text:
            cases.append(Case(kind, kind in TRUE_KINDS, text, evidence or sentence, article, date))

    for sentence in picked:
        add("sentence", sentence)
        add("clause", clause(sentence))
        reformatted = reformat_numbers(sentence)
        add("numbers reformatted", reformatted if reformatted != sentence else None)
        reordered = reorder_dates(sentence)
        add("dates reordered", reordered if reordered != sentence else None)
        restyled = restyle_quotes(sentence)
        if restyled != sentence:
            add("quote/dash style", restyled, restyled)
        add("leading clause dropped", drop_leading_clause(sentence))
        possessive = rewrite_possessive(sentence, source)
        add("possessive rewritten", possessive if possessive != sentence else None)
        combined = drop_leading_clause(sentence) or sentence
        combined = rewrite_possessive(reorder_dates(reformat_numbers(combined)), source)
        if combined != sentence:
            add("all of the above", restyle_quotes(combined), restyle_quotes(sentence))
        elided = elide(sentence)
        if elided:
            add("elided evidence", sentence, elided)
        dated = [d for d in article_dates(sentence) if d[0] is not None or d[2] is not None]
        if dated:
            year, month, day, _ = rng.choice(dated)
            add("timeline event", sentence, sentence, timeline_date(year, month, day))
            shifted = shift_date(year, month, day, source, rng)
            if shifted:
                add("timeline date shifted", sentence, sentence, timeline_date(*shifted))
        add("number changed", change_number(sentence, source, rng))
        add("date shifted", change_date(sentence, source, rng))
        add("name replaced", replace_name(sentence, source, rng))
        changed = change_quote_word(sentence, source, rng)
        if changed:
            add("quote word changed", sentence, changed)
        foreign = [s for s in others if s.lower() not in source.lower()]
        if foreign:
            add("quote fabricated", sentence, rng.choice(foreign))
        add("number from elsewhere", borrow_number(sentence, source, rng))
        add("count made a percent", add_percent(sentence, source, rng))
        invented = invent_short_fragment(sentence, source, rng)
        if invented:
            add("short fragment invented", sentence, invented)
    return cases


def kept(case: Case) -> tuple[bool, str]:
    claims = [] if case.date else [Claim(text=case.text, evidence=case.evidence)]
    events = [TimelineEvent(date=case.date, event=case.text, evidence=case.evidence)] if case.date else []
    draft = CardDraft.model_construct(
        what_changed=claims, why_it_matters="", what_to_do_next=[], who_should_care=["general readers"],
        key_takeaways=[], future_implications=[], timeline=events, topics=[], entities=[])
    card = ground(draft, case.article.title, case.article.text, writer="offline")
    reasons = "; ".join(d.reason for d in card.dropped)
    return card.claims_verified == 1, reasons


# ---------------------------------------------------------------- report

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-article", type=int, default=40, help="sentences sampled per article")
    parser.add_argument("--show", type=int, default=0, help="print this many misses of each kind")
    args = parser.parse_args()

    articles = load_articles()
    if not articles:
        print("no articles: nothing to measure")
        return 0
    rng = random.Random(args.seed)
    all_sentences = {a.key: sentences(a) for a in articles}
    cases: list[Case] = []
    for article in articles:
        others = [s for key, found in all_sentences.items() if key != article.key for s in found]
        cases += cases_for(article, rng.sample(others, min(50, len(others))), rng, args.per_article)

    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_drop_reasons: Counter[str] = Counter()
    misses: dict[str, list[tuple[Case, str]]] = defaultdict(list)
    for case in cases:
        was_kept, reasons = kept(case)
        dropped = not was_kept
        by_kind[case.kind][0] += 1
        by_kind[case.kind][1] += dropped
        if case.true and dropped:
            for reason in reasons.split("; "):
                false_drop_reasons[re.sub(r"(number|date|name|year) .+? not in", r"\1 … not in", reason)] += 1
        if dropped == case.true:
            misses[case.kind].append((case, reasons))

    print(f"\n{len(articles)} articles, {len(cases)} claims (seed {args.seed})\n")
    print(f"{'kind':<26}{'claims':>8}{'dropped':>9}{'rate':>8}")
    for kinds, title in ((TRUE_KINDS, "true (must be kept)"), (FALSE_KINDS, "perturbed (must be dropped)")):
        print(f"-- {title}")
        for kind in kinds:
            total, dropped = by_kind.get(kind, [0, 0])
            print(f"{kind:<26}{total:>8}{dropped:>9}{(dropped / total if total else 0):>8.1%}")
    true_total = sum(by_kind[k][0] for k in TRUE_KINDS)
    true_dropped = sum(by_kind[k][1] for k in TRUE_KINDS)
    false_total = sum(by_kind[k][0] for k in FALSE_KINDS)
    false_dropped = sum(by_kind[k][1] for k in FALSE_KINDS)
    detection = false_dropped / false_total if false_total else 0.0
    false_drop = true_dropped / true_total if true_total else 0.0

    print("\nfalse drops, top reasons:")
    for reason, count in false_drop_reasons.most_common(10):
        print(f"  {count:>5}  {reason}")
    if not false_drop_reasons:
        print("  (none)")
    if args.show:
        for kind, items in misses.items():
            print(f"\nmisses: {kind}")
            for case, reasons in items[:args.show]:
                print(f"  claim:    {case.text}\n  evidence: {case.evidence}\n  date:     {case.date}"
                      f"\n  reasons:  {reasons or '-'}\n")

    print(f"\ndetection (perturbed claims dropped): {false_dropped}/{false_total} = {detection:.1%} "
          f"(target >= {DETECTION_TARGET:.0%}): {'MET' if detection >= DETECTION_TARGET else 'MISSED'}")
    print(f"false drops (true claims dropped):     {true_dropped}/{true_total} = {false_drop:.1%} "
          f"(target <= {FALSE_DROP_TARGET:.0%}): {'MET' if false_drop <= FALSE_DROP_TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
