"""Entries about the same event become one story. Pure: no I/O, no clock.

Five outlets reporting one model release should cost the reader one story and the
LLM one card. The comparison uses what every entry has early: its title and lead.

How two entries are compared (:func:`similarity`): TF-IDF cosine of the character
3- and 4-grams of title (counted twice) and lead, which survives rewording far
better than whole words ("raises"/"raised", "Aurelia"/"Aurelian", "$420M"/"$420
million"), multiplied by a time decay: two entries a day apart need more in common
than two an hour apart, and nothing joins across the window. On the labelled set in
bench/cluster_eval.py this beat word TF-IDF, name overlap and figure overlap, alone
or blended. Exact duplicates (same canonical URL, or the same title and lead:
syndicated wire copy) always merge.

How entries become stories (:func:`assign_stories`): new entries are taken in time
order; each joins the known or new story it matches best (average-link over the
story's entries within the time window, with a stricter bar for a single best
match), or starts a story. Entries already in a story never move, so story ids, and
the slugs and URLs built from them, are stable across runs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from .urls import canonical_url


@dataclass(frozen=True)
class ClusterItem:
    id: int
    title: str
    lead: str
    url: str | None
    published: datetime
    feed: str


@dataclass(frozen=True)
class ClusterRules:
    window: timedelta = timedelta(hours=72)  # entries further apart are different events
    time_decay: float = 0.6  # similarity loses this share across the whole window
    join_average: float = 0.22  # mean similarity to a story's entries needed to join it
    join_single: float = 0.30  # ... or similarity to its single best-matching entry
    title_weight: int = 2  # the title counts this many times against the lead's once
    figure_penalty: float = 0.3  # both quote amounts or percentages, and none in common: different events
    background_documents: int = 50  # IDF smoothing: as if this many unrelated documents were also seen


STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just may me might more most must my myself new
no nor not now of off on once only or other our ours ourselves out over own same says said she should so some
such than that the their theirs them themselves then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your yours yourself yourselves
""".split())
_WORD = re.compile(r"[a-z0-9]+")


def char_grams(text: str) -> list[str]:
    """3- and 4-character grams inside words: "raises"/"raised", "Aurelia"/"Aurelian" and
    "$420M"/"$420 million" share most of theirs, where whole words share nothing."""
    grams: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        padded = f" {word} "
        for size in (3, 4):
            grams.extend(padded[i:i + size] for i in range(max(1, len(padded) - size + 1)))
    return grams


_FIGURE = re.compile(r"([$€£])\s?(\d[\d,]*(?:\.\d+)?)\s*(million|billion|trillion|bn|[mbk])?\b"
                     r"|(\d[\d,]*(?:\.\d+)?)\s*(%|percent\b|per cent\b)", re.I)
_SCALE = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "k": 1e3}


def figures(text: str) -> set[str]:
    """Money amounts and percentages, normalised: "$420M" and "$420 million" are one figure."""
    found = set()
    for currency, amount, scale, number, percent in _FIGURE.findall(text):
        try:
            if currency:
                found.add(f"{currency}{float(amount.replace(',', '')) * _SCALE.get(scale.lower(), 1):g}")
            else:
                found.add(f"{float(number.replace(',', '')):g}%")
        except ValueError:
            continue
    return found


@dataclass
class _Features:
    item: ClusterItem
    vector: dict[str, float]
    url: str | None
    fingerprint: str
    figures: set[str]


def _features(items: Iterable[ClusterItem], rules: ClusterRules) -> dict[int, _Features]:
    items = list(items)
    bags = {i.id: Counter(char_grams(i.title) * rules.title_weight + char_grams(i.lead)) for i in items}
    df = Counter(term for bag in bags.values() for term in bag)
    total = len(items)
    out = {}
    for item in items:
        bag = bags[item.id]
        vector = {t: (1 + math.log(c)) * math.log((1 + total + rules.background_documents) / (1 + df[t]))
                  for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        out[item.id] = _Features(
            item, {t: v / norm for t, v in vector.items()}, canonical_url(item.url),
            re.sub(r"\W+", " ", f"{item.title} {item.lead}".lower()).strip(),
            figures(f"{item.title} {item.lead}"),
        )
    return out


def similarity(a: _Features, b: _Features, rules: ClusterRules) -> float:
    """1.0 for exact duplicates; else TF-IDF cosine, fading with the time between them."""
    if (a.url and a.url == b.url) or a.fingerprint == b.fingerprint:
        return 1.0
    gap = abs(a.item.published - b.item.published)
    if gap > rules.window:
        return 0.0
    small, large = (a.vector, b.vector) if len(a.vector) <= len(b.vector) else (b.vector, a.vector)
    cosine = sum(v * large.get(t, 0.0) for t, v in small.items())
    score = cosine * (1 - rules.time_decay * (gap / rules.window))
    if a.figures and b.figures and not a.figures & b.figures:
        score *= 1 - rules.figure_penalty
    return score


def assign_stories(new: list[ClusterItem], known: list[tuple[ClusterItem, int]],
                   rules: ClusterRules = ClusterRules()) -> dict[int, int]:
    """Story id for each new item: an existing story's id, or a new negative placeholder.

    Callers turn placeholders (-1, -2, …) into real ids; known items never change story.
    """
    if not new:
        return {}
    known_ids = {item.id for item, _ in known}
    features = _features([item for item, _ in known] + [i for i in new if i.id not in known_ids], rules)
    members: dict[int, list[int]] = {}
    for item, story in known:
        members.setdefault(story, []).append(item.id)
    assigned: dict[int, int] = {}
    placeholder = 0
    for item in sorted(new, key=lambda i: (i.published, i.id)):
        best_story, best_score = None, 0.0
        mine = features[item.id]
        for story, ids in members.items():
            scores = [similarity(mine, features[other], rules) for other in ids
                      if abs(features[other].item.published - item.published) <= rules.window]
            scores = [score for score in scores if score > 0] or scores
            if not scores:
                continue
            top = max(scores)
            average = sum(scores) / len(scores)
            if top >= 1.0 or average >= rules.join_average or top >= rules.join_single:
                score = max(average, top * 0.9)
                if score > best_score:
                    best_story, best_score = story, score
        if best_story is None:
            placeholder -= 1
            best_story = placeholder
        assigned[item.id] = best_story
        members.setdefault(best_story, []).append(item.id)
    return assigned
