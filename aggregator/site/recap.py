"""The weekly recap: a week's stories ranked and grouped by topic, and the week in numbers. Pure.

Takes the stories as `export_stories` gives them (each with its rank) and numbers the
caller counted in the store; returns what the template shows. Without an LLM the
introduction is a plain list of the week's top threads (the LLM-written introduction,
each sentence linking its story, comes with the digest work).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ..clock import week_bounds

WORDS_PER_MINUTE = 230  # reading speed for "reading time saved"
CARD_MINUTES = 0.5  # the 30-second TL;DR


@dataclass
class WeekNumbers:
    sources_checked: int = 0  # feeds polled during the week
    articles_read: int = 0  # entries collected during the week
    stories: int = 0
    failing_sources: int = 0
    minutes_saved: int = 0


@dataclass
class Recap:
    week: str  # 2026-W48
    start: date
    end: date  # Sunday
    top: list[dict] = field(default_factory=list)
    groups: list[tuple[str, list[dict]]] = field(default_factory=list)
    numbers: WeekNumbers = field(default_factory=WeekNumbers)


def reading_minutes_saved(source_words: int, stories: int) -> int:
    return max(0, round(source_words / WORDS_PER_MINUTE - stories * CARD_MINUTES))


def build_recap(week: str, timezone: str, stories: list[dict], numbers: WeekNumbers, top: int = 5) -> Recap:
    start, end = week_bounds(week, timezone)
    mine = sorted((s for s in stories if s["week"] == week), key=lambda s: (-s["rank"]["score"], s["id"]))
    groups: dict[str, list[dict]] = {}
    for story in mine:
        topics = (story["card"] or {}).get("topics") or ["other"]
        groups.setdefault(topics[0], []).append(story)
    numbers.stories = len(mine)
    return Recap(week=week, start=start.date(), end=(end - timedelta(days=1)).date(), top=mine[:top],
                 groups=sorted(groups.items(), key=lambda kv: -kv[1][0]["rank"]["score"]), numbers=numbers)
