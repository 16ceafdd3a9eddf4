"""What a site build needs of the store, and which story pages can have changed since the last build.

Exporting every story in full (card, related updates, thread) takes seconds at 10,000
stories, yet a pipeline pass changes a handful. So a build exports every story *in
summary* (what listings, recaps and feeds show: title, dates, sources, topics, rank)
and only some *in full*, the stories whose page may differ from the published one:

- a story whose **data key** changed, or that is new: the key hashes the rows its page
  is made from (the story, its sources, its card's identity);
- a **neighbour** of those (a story whose related updates or thread they can enter or
  leave: ``EntityIndex.neighbours``, for their new and old entity keys and times) whose
  lists come out different from the ones its page shows, or that lists a changed story;
- and, whatever happened, a story the previous build has no page for.

These pages are rendered (or found unchanged by their fingerprint); the newest
``FEED_SIZE`` stories are exported in full too, since the feeds show their summaries.
Every other page is known to be unchanged without rendering or even hashing it. The
previous build's keys, times, entity keys, topics, audiences and lists travel in its
sidecar (``state``), so an unchanged card is not even read; a
missing or foreign state (another version, another timezone) makes every story dirty;
the caller passes none for a full build or when the templates changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..clock import iso_week
from ..config import Settings
from ..export import story_details, story_info, story_summary_fields, week_ranks
from ..related import EntityIndex, StoryInfo, entity_keys
from ..store import Store
from ..store.stories import card_digests, card_rows, story_rows, story_sources
from .outputs import FEED_SIZE

STATE_VERSION = 3


@dataclass
class SiteStories:
    stories: list[dict]  # every story, newest first; with card, related and thread: ``full`` and the feeds' newest
    full: set[int]  # ids whose pages may have changed: rendered, or found unchanged by their fingerprint
    state: dict  # for the next build's sidecar


def _strings(value) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


_CARD_IDENTITY = ("entry_id", "cache_key", "model", "writer", "claims_total", "claims_verified", "text_origin",
                  "fallback_reason", "created_at", "card_chars", "dropped_chars")


def _signature(related: list[tuple[StoryInfo, float]], earlier: list[StoryInfo]) -> list:
    """What a story page shows of its related updates and thread, as ids (and rounded scores)."""
    return [[[other.id, round(score, 3)] for other, score in related], [other.id for other in earlier]]


def _linked(signature: list) -> list[int]:
    return [pair[0] for pair in signature[0]] + signature[1]


def data_key(story: dict, sources: list[dict], card: dict | None) -> str:
    """A hash of everything a story's own page is made of (not its related updates or thread)."""
    parts: list = [story["slug"], story["title"], story["first_published_at"], story["last_published_at"]]
    parts += [(s["entry_id"], s["url"], s["title"], s["published_at"], s["publisher"], s["feed_id"], s["weight"],
               s["text_origin"]) for s in sources]
    if card is not None:
        parts.append(tuple(card[k] for k in _CARD_IDENTITY))
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def _pages_to_look_at(old: dict | None, dirty: set[int], infos: dict[int, StoryInfo], index: EntityIndex
                      ) -> tuple[set[int], dict[int, tuple], dict[int, list]]:
    """The stories whose pages may differ from the published ones, and the related updates and
    threads (with their signatures) computed on the way: the changed stories, and those of their neighbours (by their
    new and their old keys and times) whose lists come out different or name a changed story."""
    if old is None:
        return set(infos), {}, {}
    near: set[int] = set()
    for i in dirty:
        near |= index.neighbours(infos[i].entities, infos[i].first_published.timestamp())
    for name, before in old.items():  # changed or removed: where it was, with the keys it had
        if int(name) in dirty or int(name) not in infos:
            near |= index.neighbours(before[2], before[1])
    full, answers, signatures = set(dirty), {}, {}
    for i in (near & infos.keys()) - dirty:
        answers[i] = index.related_and_thread(infos[i])
        listed = signatures[i] = _signature(*answers[i])
        if listed != old[str(i)][3] or any(j in dirty for j in _linked(listed)):
            full.add(i)
    return full, answers, signatures


def site_stories(settings: Settings, store: Store, now: datetime, previous: dict | None, *,
                 pages: set[str] = frozenset()) -> SiteStories:
    """Every story in summary, some in full (see the module's docstring); ``previous`` is the
    state of the build being replaced and ``pages`` the pages it has: a story whose page it
    lacks is exported in full whatever its key says."""
    zone = settings.site.timezone
    old = previous.get("stories") if isinstance(previous, dict) and previous.get("version") == STATE_VERSION \
        and previous.get("zone") == zone and isinstance(previous.get("stories"), dict) else None
    stories, sources, cards = story_rows(store), story_sources(store), card_digests(store)
    keys = {story["id"]: data_key(story, sources.get(story["id"], []), cards.get(story["id"])) for story in stories}
    prior = {i: old[str(i)] for i in keys if old and (old.get(str(i)) or [None])[0] == keys[i]}
    changed = card_rows(store, keys.keys() - prior.keys())  # only changed cards are read and parsed
    labels: dict[int, tuple[list[str], list, list]] = {}  # entity keys (sorted), topics, audiences
    infos: dict[int, StoryInfo] = {}
    for story in stories:
        i = story["id"]
        if i in prior:
            labels[i] = (prior[i][2], prior[i][4], prior[i][5])
        else:
            card = (changed.get(i) or {}).get("card") or {}
            labels[i] = (sorted(entity_keys(_strings(card.get("entities")), story["title"] or "")),
                         _strings(card.get("topics")), _strings(card.get("who_should_care")))
        infos[i] = story_info(story, sources.get(i, []), frozenset(labels[i][0]), labels[i][1])
    index = EntityIndex(list(infos.values()))
    dirty = infos.keys() - prior.keys()
    full, answers, signatures = _pages_to_look_at(old, dirty, infos, index)
    full |= {s["id"] for s in stories if f"stories/{s['slug']}/index.html" not in pages}
    detailed_ids = full | {s["id"] for s in stories[:FEED_SIZE]}  # newest first (story_rows' order)
    tz = ZoneInfo(zone)
    weeks = {i: iso_week(info.first_published, zone) for i, info in infos.items()}
    ranks = week_ranks(list(infos.values()), weeks, now, zone)
    detailed = {**changed, **card_rows(store, detailed_ids - changed.keys())}
    out = []
    for story in stories:
        i = story["id"]
        entry = story_summary_fields(story, infos[i], sources.get(i, []), weeks[i], ranks[i],
                                     labels[i][1], labels[i][2])
        if i in detailed_ids:
            if i not in answers:
                answers[i] = index.related_and_thread(infos[i])
                signatures[i] = _signature(*answers[i])
            entry.update(story_details(detailed.get(i), *answers[i], tz))
        out.append(entry)
    state = {"version": STATE_VERSION, "zone": zone, "stories": {  # lists as the published pages show them
        str(i): [keys[i], infos[i].first_published.timestamp(), labels[i][0],
                 signatures[i] if i in full else prior[i][3], labels[i][1], labels[i][2]] for i in infos}}
    return SiteStories(out, full, state)


__all__ = ["SiteStories", "data_key", "site_stories"]
