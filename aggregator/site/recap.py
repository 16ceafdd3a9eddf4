"""The weekly recap: a week's stories ranked and grouped by topic, and the week in numbers. Pure.

Takes the stories as `export_stories` gives them (each with its rank within its week)
and numbers the caller counted in the store; returns what the template shows, and
nothing more (the recap is also the page's fingerprint: see ``site.writer``). The
introduction is the LLM-written one when the recap stage made one (``summarize.recap``:
every sentence links the story it comes from), else the plain list of the top threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ..clock import week_bounds
from ..store.stories import slugify

GROUP_SIZE = 15  # stories shown per topic: a busy week has hundreds per topic, the rest are a link away
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
    intro: list[dict] = field(default_factory=list)  # [{"text", "path"}], verified sentences
    groups: list[dict] = field(default_factory=list)  # {"topic", "slug", "stories" (the best), "more"}
    numbers: WeekNumbers = field(default_factory=WeekNumbers)


def reading_minutes_saved(source_words: int, stories: int) -> int:
    return max(0, round(source_words / WORDS_PER_MINUTE - stories * CARD_MINUTES))


def week_stories(week: str, stories: list[dict]) -> list[dict]:
    """The week's stories, best ranked first."""
    return sorted((s for s in stories if s["week"] == week), key=lambda s: (-s["rank"]["score"], s["id"]))


def recap_item(story: dict) -> dict:
    return {"path": story["path"], "title": story["title"], "score": story["rank"]["score"],
            "independent_sources": story["rank"]["parts"]["independent_sources"],
            "sources": [{"url": s["url"], "publisher": s["publisher"]} for s in story["sources"][:3]]}


def build_recap(week: str, timezone: str, stories: list[dict], numbers: WeekNumbers, top: int = 5,
                intro: list[dict] | None = None, group_size: int = GROUP_SIZE) -> Recap:
    start, end = week_bounds(week, timezone)
    mine = week_stories(week, stories)
    groups: dict[str | None, list[dict]] = {}  # None: stories without a topic
    for story in mine:
        first = story["topics"][0] if story["topics"] else ""
        groups.setdefault(first if first.strip() else None, []).append(story)
    numbers.stories = len(mine)
    return Recap(week=week, start=start.date(), end=(end - timedelta(days=1)).date(),
                 top=[recap_item(s) for s in mine[:top]], intro=list(intro or []),
                 groups=[{"topic": topic or "other", "slug": topic and slugify(topic),
                          "stories": [recap_item(s) for s in members[:group_size]],
                          "more": max(0, len(members) - group_size)}
                         for topic, members in sorted(groups.items(), key=lambda kv: -kv[1][0]["rank"]["score"])],
                 numbers=numbers)
