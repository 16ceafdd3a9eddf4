"""The articles of the grounding evaluation (grounding_eval.py) and their sentences.

English-looking article bodies of the scrapinghub ground truth (skipped with a
message when absent) and the project's demo articles; ``sentences`` splits a body
into the 40-350 character sentences the claims are made from (not split after
"Mr." or "Oct."); ``date_in_article``, ``numeral_in_article`` and ``article_dates``
find the facts an article states with plain string searches, independent of the
module under test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRAPINGHUB = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "extraction" / "scrapinghub-public" \
    / "ground-truth.json"
DEMO = ROOT / "aggregator" / "demo" / "data" / "articles.json"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ABBR = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9, "Oct": 10,
        "Nov": 11, "Dec": 12}
MONTH_RE = r"(January|February|March|April|May|June|July|August|September|October|November|December" \
           r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
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


# ---------------------------------------------------------------- facts found by plain searches

def _month_number(name: str) -> int:
    name = name.rstrip(".")
    return MONTHS.index(name) + 1 if name in MONTHS else ABBR[name]


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
