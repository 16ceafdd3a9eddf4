"""True and perturbed claims built from article sentences, for grounding_eval.py.

``cases_for`` turns an article's sampled sentences into ``Case``s: true variants
(reformulations that must be kept) and perturbations (changed facts that must be
dropped); see grounding_eval.py for the list of kinds.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from grounding_articles import (MONTH_RE, MONTHS, SMALL, YEAR, Article, _month_number, article_dates,
                                date_in_article, numeral_in_article, sentences)

TRUE_KINDS = ("sentence", "clause", "numbers reformatted", "dates reordered", "quote/dash style",
              "leading clause dropped", "possessive rewritten", "all of the above", "elided evidence",
              "timeline event")
FALSE_KINDS = ("number changed", "date shifted", "timeline date shifted", "name replaced",
               "quote word changed", "quote fabricated", "number from elsewhere", "count made a percent",
               "short fragment invented")

WEEKDAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
DAY_ORDINALS = [""] + "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth \
fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split() + [
    f"twenty-{w}" for w in "first second third fourth fifth sixth seventh eighth ninth".split()] + [
    "thirtieth", "thirty-first"]
ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth", "6th": "sixth",
            "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth"}
FAKE_NAMES = ["Halvorsen", "Quennell", "Brightwater", "Okonkwo", "Dunleavy", "Vantrell", "Maribeth", "Zorlani",
              "Kestrova", "Pellucid", "Ashgrove", "Tamsin Orley", "Corvane", "Ilvermoor", "Rostadt", "Yevgenova"]
SWAP_WORDS = ["allegedly", "quietly", "formally", "reluctantly", "secretly", "briefly", "narrowly"]


@dataclass
class Case:
    kind: str
    true: bool
    text: str
    evidence: str
    article: Article
    date: str | None = None  # timeline kinds


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
