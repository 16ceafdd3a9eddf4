"""Related updates, the thread of earlier stories, and the weekly ranking. Pure.

- **Related updates**: for a story, the other stories of the last weeks that share
  its entities (companies, products, people) or topics, best first, never itself.
- **Thread**: the earlier stories about the same subject, as dated links into our
  own archive, so a card's timeline can say "Nov 10: Meridian-3 launched" beside the
  dated events of the source itself.
- **Weekly ranking**: independent sources (distinct feeds) count most, scaled by the
  feeds' configured weight, plus recency; every score comes with its parts, so
  `export --json` can show why a story ranks where it does.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

_NAME = re.compile(r"\b[A-Z][\w\-]*[A-Za-z0-9](?:\s+[A-Z0-9][\w\-]*)*")
_COMMON = frozenset("""a an the in on at for with how why what when this that it its as after new why ai
we our your you i is are was were be to of and or but from by into over about says said""".split())


@dataclass(frozen=True)
class StoryInfo:
    id: int
    slug: str
    title: str
    first_published: datetime
    last_published: datetime
    entities: frozenset[str]
    topics: frozenset[str]
    feeds: frozenset[int] = frozenset()  # distinct source feeds
    feed_weight: float = 1.0  # mean configured weight of those feeds


def title_entities(title: str) -> set[str]:
    """Capitalised names in a title, lower-cased; a headline's first common word excluded."""
    found = set()
    title = re.sub(r"(\w)['’]s\b", r"\1", title)  # Northwind's -> Northwind
    for match in _NAME.finditer(title):
        words = [w for w in match.group(0).split() if w.lower() not in _COMMON]
        if words:
            found.add(" ".join(words).lower())
            found.update(w.lower() for w in words if len(w) > 2)
    return found


def entity_keys(entities: list[str] | None, title: str) -> frozenset[str]:
    keys = set(title_entities(title))
    for entity in entities or []:
        entity = entity.lower().strip()
        if entity:
            keys.add(entity)
            keys.update(w for w in entity.split() if len(w) > 2 and w not in _COMMON)
    # a product's versions are one subject: "meridian-3" also counts as "meridian"
    keys.update(base for key in list(keys) if (base := re.sub(r"[\s-]*v?\d+(\.\d+)*$", "", key)) and base != key)
    return frozenset(keys)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def relatedness(a: StoryInfo, b: StoryInfo) -> float:
    return 0.75 * _jaccard(a.entities, b.entities) + 0.25 * _jaccard(a.topics, b.topics)


RELATED_WINDOW = timedelta(weeks=4)
THREAD_WINDOW = timedelta(days=90)
CANDIDATES_PER_ENTITY = 24
RELATED_MINIMUM = 0.08
THREAD_MINIMUM = 0.12


class EntityIndex:
    """Stories by entity key, in publication order: related updates and threads for many stories.

    Both require a shared entity inside a time window, so candidates come from each of
    the story's entity lists, bisected to the window, instead of from every pair
    (10,000 stories are 50 million pairs). Shared keys are counted while collecting
    them, which gives the entity Jaccard without set operations. A key carried by more
    than ``per_entity`` stories inside the window (a first name, "technologies") only
    contributes the ``per_entity`` stories nearest in time: a weak signal, and the
    nearest are the ones a reader wants. The answers equal :func:`related_stories` and
    :func:`thread` over all stories except where that cap applies (tested).
    """

    def __init__(self, stories: list[StoryInfo], per_entity: int = CANDIDATES_PER_ENTITY):
        self.per_entity = per_entity
        postings: dict[str, list[StoryInfo]] = {}
        for story in sorted(stories, key=lambda s: (s.first_published, s.id)):
            for key in story.entities:
                postings.setdefault(key, []).append(story)
        self._postings = {k: (v, [s.first_published.timestamp() for s in v]) for k, v in postings.items()}
        bits = {topic: 1 << n for n, topic in enumerate(sorted({t for s in stories for t in s.topics}))}
        self._topics = {s.id: sum(bits[t] for t in s.topics) for s in stories}  # topic sets as bit masks
        self._time = {s.id: s.first_published.timestamp() for s in stories}

    def _shared(self, story: StoryInfo, window: timedelta) -> dict[int, tuple[StoryInfo, int]]:
        """Candidates inside the window with how many entity keys each shares with ``story``."""
        counts: dict[int, int] = {}
        members_by_id: dict[int, StoryInfo] = {}
        moment, span, cap = story.first_published.timestamp(), window.total_seconds(), self.per_entity
        for key in story.entities:
            members, times = self._postings.get(key, ((), ()))
            lo, hi = bisect_left(times, moment - span), bisect_right(times, moment + span)
            if hi - lo > cap:
                centre = bisect_left(times, moment, lo, hi)
                lo = max(lo, min(centre - cap // 2, hi - cap))
                hi = lo + cap
            for other in members[lo:hi]:
                counts[other.id] = counts.get(other.id, 0) + 1
                members_by_id[other.id] = other
        counts.pop(story.id, None)
        return {i: (members_by_id[i], c) for i, c in counts.items()}

    def neighbours(self, keys, moment: float) -> set[int]:
        """The stories whose related updates or thread a story with these entity ``keys``,
        published at ``moment`` (a timestamp), can enter or leave: the ones sharing a key
        inside the window, and, where a key is capped, only those within ``per_entity``
        places of the moment (a capped candidate list is at most that wide, so a story
        further away can never meet this one in it). Used to recompute related lists
        after a few stories change, instead of for every story."""
        span, reach = max(RELATED_WINDOW, THREAD_WINDOW).total_seconds(), self.per_entity + 1
        found: set[int] = set()
        for key in keys:
            members, times = self._postings.get(key, ((), ()))
            lo = max(bisect_left(times, moment - span), bisect_left(times, moment) - reach)
            hi = min(bisect_right(times, moment + span), bisect_right(times, moment) + reach)
            if lo < hi < len(times) and times[hi] == times[hi - 1]:
                # a capped window is centred on the *first* story of its time, so every story
                # tied with the last one in reach has the same window: all of them are in reach
                hi = min(bisect_right(times, times[hi - 1]), bisect_right(times, moment + span))
            found.update(member.id for member in members[lo:hi])
        return found

    def related_and_thread(self, story: StoryInfo, *, limit: int = 5) -> tuple[list[tuple[StoryInfo, float]],
                                                                                list[StoryInfo]]:
        """What :func:`related_stories` and :func:`thread` answer, from one pass over the candidates."""
        size, mine, moment = len(story.entities), self._topics.get(story.id, 0), story.first_published.timestamp()
        near, back = RELATED_WINDOW.total_seconds(), THREAD_WINDOW.total_seconds()
        related, earlier = [], []
        for other, shared in self._shared(story, max(RELATED_WINDOW, THREAD_WINDOW)).values():
            theirs = self._topics[other.id]
            topics = (mine & theirs).bit_count() / (mine | theirs).bit_count() if mine and theirs else 0.0
            score = 0.75 * (shared / (size + len(other.entities) - shared)) + 0.25 * topics
            when = self._time[other.id]
            if score >= RELATED_MINIMUM and abs(when - moment) <= near:
                related.append((-score, -when, other.id, other))
            if score >= THREAD_MINIMUM and when < moment and moment - when <= back:
                earlier.append((-score, -when, other.id, other))
        related = heapq.nsmallest(limit, related, key=lambda item: item[:3])
        earlier = heapq.nsmallest(limit, earlier, key=lambda item: item[:3])
        return ([(item[3], -item[0]) for item in related],
                [item[3] for item in sorted(earlier, key=lambda item: -item[1])])


def related_stories(story: StoryInfo, others: list[StoryInfo], *, limit: int = 5,
                    window: timedelta = RELATED_WINDOW, minimum: float = RELATED_MINIMUM) -> list[tuple[StoryInfo, float]]:
    scored = [
        (other, relatedness(story, other)) for other in others
        if other.id != story.id and abs(other.first_published - story.first_published) <= window
    ]
    scored = [(o, s) for o, s in scored if s >= minimum and (o.entities & story.entities)]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].first_published.timestamp(), pair[0].id))
    return scored[:limit]


def thread(story: StoryInfo, others: list[StoryInfo], *, limit: int = 5,
           window: timedelta = THREAD_WINDOW, minimum: float = THREAD_MINIMUM) -> list[StoryInfo]:
    """Earlier stories on the same subject, oldest first."""
    earlier = [
        other for other in others
        if other.id != story.id and other.first_published < story.first_published
        and story.first_published - other.first_published <= window
        and relatedness(story, other) >= minimum and (other.entities & story.entities)
    ]
    earlier.sort(key=lambda other: (-relatedness(story, other), -other.first_published.timestamp(), other.id))
    return sorted(earlier[:limit], key=lambda other: other.first_published)


@dataclass(frozen=True)
class RankWeights:
    per_source: float = 10.0  # points for each independent source after the first...
    first_source: float = 10.0
    recency: float = 5.0  # ... plus up to this much for a story from the last hours
    recency_half_life: timedelta = timedelta(days=2)


@dataclass
class Ranked:
    story: StoryInfo
    score: float
    parts: dict[str, float] = field(default_factory=dict)
    explanation: str = ""


def rank(stories: list[StoryInfo], now: datetime, weights: RankWeights = RankWeights()) -> list[Ranked]:
    ranked = []
    for story in stories:
        independent = max(len(story.feeds), 1)
        coverage = (weights.first_source + weights.per_source * math.log2(independent)) * story.feed_weight
        age = max((now - story.last_published).total_seconds(), 0.0)
        recency = weights.recency * 0.5 ** (age / weights.recency_half_life.total_seconds())
        score = round(coverage + recency, 3)
        ranked.append(Ranked(story, score, {
            "independent_sources": independent, "feed_weight": round(story.feed_weight, 3),
            "coverage_points": round(coverage, 3), "recency_points": round(recency, 3),
        }, f"{independent} independent source(s) x feed weight {story.feed_weight:g} -> {coverage:.1f} points, "
           f"+{recency:.1f} for recency"))
    ranked.sort(key=lambda r: (-r.score, -r.story.last_published.timestamp(), r.story.id))
    return ranked
