"""`aggregator export --json`: every story with its sources, card, relations and rank.

The JSON shape other programs rely on (add fields freely, keep these): ``{"stories":
[...]}``, each story with ``id``, ``slug``, ``title``, ``sources`` (url, publisher,
published_at), ``card`` (the published fields only, or null), and the claims that
failed verification apart, under ``dropped_claims``, never inside ``card``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from .clock import iso_week, parse_iso, week_bounds
from .config import Settings
from .related import EntityIndex, Ranked, StoryInfo, entity_keys, rank
from .store import Store
from .store.stories import card_rows, story_rows, story_sources


_HTTP_URL = re.compile(r"(?i)https?://\S+\Z")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_url(value: str | None) -> str | None:
    """Only http(s) URLs leave the store for pages and feeds, whatever was stored."""
    value = (value or "").strip()
    return value if _HTTP_URL.match(value) else None


def clean_text(value):
    """Text with the characters XML cannot carry removed (they break Atom, and mean nothing)."""
    return _XML_INVALID.sub("", value) if isinstance(value, str) else value


def story_info(story: dict, rows: list[dict], entities: frozenset[str], topics) -> StoryInfo:
    """What related updates, threads and ranks are computed from, for one story."""
    feeds = {r["feed_id"]: (r["weight"] if r["weight"] is not None else 1.0) for r in rows}
    return StoryInfo(
        id=story["id"], slug=story["slug"], title=story["title"] or "",
        first_published=parse_iso(story["first_published_at"]), last_published=parse_iso(story["last_published_at"]),
        entities=entities, topics=frozenset(t.lower() for t in topics or [] if isinstance(t, str)),
        feeds=frozenset(feeds), feed_weight=(sum(feeds.values()) / len(feeds)) if feeds else 1.0,
    )


def load_story_infos(store: Store, since: datetime | None = None
                     ) -> tuple[list[dict], dict[int, list[dict]], dict[int, dict], list[StoryInfo]]:
    """Stories (updated since ``since``, or all) with their sources, card rows and StoryInfo."""
    stories = story_rows(store, since)
    sources = story_sources(store, None if since is None else [s["id"] for s in stories])
    cards = card_rows(store, None if since is None else [s["id"] for s in stories])
    infos = []
    for story in stories:
        row = cards.get(story["id"])
        card = (row["card"] if row is not None else None) or {}
        infos.append(story_info(story, sources.get(story["id"], []),
                                entity_keys(card.get("entities"), story["title"] or ""), card.get("topics")))
    return stories, sources, cards, infos


def week_ranks(infos: list[StoryInfo], weeks: dict[int, str], now: datetime, zone: str) -> dict[int, Ranked]:
    """Each story's rank within its week, as of the week's close: a past week's order is final."""
    members: dict[str, list[StoryInfo]] = {}
    for info in infos:
        members.setdefault(weeks[info.id], []).append(info)
    ranks: dict[int, Ranked] = {}
    for week, group in members.items():
        ranks.update((r.story.id, r) for r in rank(group, min(now, week_bounds(week, zone)[1])))
    return ranks


def story_summary_fields(story: dict, info: StoryInfo, rows: list[dict], week: str, ranked: Ranked,
                         topics, audiences) -> dict:
    """The part of a story every listing shows: its title, dates, sources, topics and rank."""
    return {
        "id": story["id"],
        "slug": story["slug"],
        "title": clean_text(story["title"]),
        "path": f"stories/{story['slug']}/",
        "week": week,
        "first_published_at": story["first_published_at"],
        "last_published_at": story["last_published_at"],
        "sources": [
            {"url": safe_url(s["url"]), "publisher": clean_text(s["publisher"]),
             "published_at": s["published_at"], "title": clean_text(s["title"]),
             "entry_id": s["entry_id"], "text_origin": s["text_origin"]}
            for s in rows
        ],
        "topics": [clean_text(t) for t in topics if isinstance(t, str)] if isinstance(topics, list) else [],
        "audiences": [clean_text(a) for a in audiences if isinstance(a, str)] if isinstance(audiences, list) else [],
        "feeds": sorted(info.feeds),
        "rank": {"score": ranked.score, "parts": ranked.parts, "explanation": ranked.explanation},
    }


def story_details(card_row: dict | None, related: list[tuple[StoryInfo, float]], earlier: list[StoryInfo],
                  tz: ZoneInfo) -> dict:
    """The rest of a story's export: its card, how it was made, related updates and thread."""
    card = (_clean(card_row["card"]) if _may_need_cleaning(card_row["card_json"] or "") else card_row["card"]) \
        if card_row else None
    return {
        "card": card,
        "card_meta": None if card_row is None else {
            "writer": card_row["writer"], "model": card_row["model"], "source_entry_id": card_row["entry_id"],
            "text_origin": card_row["text_origin"], "fallback_reason": card_row["fallback_reason"],
            "label": f"AI-generated from the source article; {card_row['claims_verified']} of "
                     f"{card_row['claims_total']} claims verified",
            "created_at": card_row["created_at"],
        },
        "dropped_claims": json.loads(card_row["dropped_json"]) if card_row else [],
        "related": [{"id": other.id, "slug": other.slug, "title": clean_text(other.title),
                     "score": round(score, 3)} for other, score in related],
        "thread": [{"date": other.first_published.astimezone(tz).date().isoformat(),
                    "id": other.id, "slug": other.slug, "title": clean_text(other.title),
                    "path": f"stories/{other.slug}/"} for other in earlier],
    }


def export_stories(settings: Settings, store: Store, now: datetime, *, since: datetime | None = None) -> dict:
    """Every story, or with ``since`` those updated since then (the recap and the digest need one
    or two weeks, not the archive: related updates and threads then only look among those)."""
    stories, sources, cards, infos = load_story_infos(store, since)
    by_id = {info.id: info for info in infos}
    zone = settings.site.timezone
    tz = ZoneInfo(zone)
    weeks = {info.id: iso_week(info.first_published, zone) for info in infos}
    ranks = week_ranks(infos, weeks, now, zone)
    index = EntityIndex(infos)
    out = []
    for story in stories:
        info, card_row = by_id[story["id"]], cards.get(story["id"])
        card = (card_row["card"] if card_row else None) or {}
        entry = story_summary_fields(story, info, sources.get(story["id"], []), weeks[story["id"]],
                                     ranks[story["id"]], card.get("topics"), card.get("who_should_care"))
        entry.update(story_details(card_row, *index.related_and_thread(info), tz))
        out.append(entry)
    return {"generated_at": now.isoformat(), "stories": out}


_ESCAPED_INVALID = re.compile(r"\\u(?:00[01][0-9a-fA-F]|[fF][fF][fF][eEfF])")


def _may_need_cleaning(raw_json: str) -> bool:
    """Whether a stored JSON text can hold a character XML cannot carry (raw or \\u-escaped)."""
    return bool(_XML_INVALID.search(raw_json) or _ESCAPED_INVALID.search(raw_json))


def _clean(node):
    if isinstance(node, dict):
        return {k: _clean(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return clean_text(node)
