"""Scoring for cluster_eval.py: a predicted story partition against the gold events.

Pairwise precision / recall / F1 over all item pairs (positive = same event,
predicted positive = same story), B-cubed precision / recall / F1, syndicated exact
copies joined, and the worst false merges and misses ranked by the item pairs they
cost.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cluster_eval import Row


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(rows: list[Row], story_of: dict[int, int]) -> dict:
    gold = {r.id: r.event for r in rows}
    cells = Counter((gold[i], story_of[i]) for i in gold)
    event_size = Counter(gold.values())
    story_size = Counter(story_of[i] for i in gold)
    tp = sum(pairs(n) for n in cells.values())
    predicted = sum(pairs(n) for n in story_size.values())
    actual = sum(pairs(n) for n in event_size.values())
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    bp = sum(cells[(gold[i], story_of[i])] / story_size[story_of[i]] for i in gold) / len(gold)
    br = sum(cells[(gold[i], story_of[i])] / event_size[gold[i]] for i in gold) / len(gold)
    return {
        "tp": tp, "predicted": predicted, "actual": actual,
        "precision": p, "recall": r, "f1": f1(p, r),
        "b3_precision": bp, "b3_recall": br, "b3_f1": f1(bp, br),
        "stories": len(story_size), "multi_stories": sum(1 for n in story_size.values() if n > 1),
    }


def exact_copies(rows: list[Row], story_of: dict[int, int]) -> tuple[int, int]:
    """(pairs of items with identical title and lead, how many of them share a story)."""
    by_text: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in rows:
        by_text[(r.title, r.lead)].append(r.id)
    total = joined = 0
    for ids in by_text.values():
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                total += 1
                joined += story_of[ids[a]] == story_of[ids[b]]
    return total, joined


def line(r: Row) -> str:
    return f"{r.published:%m-%d %H:%M}  {r.feed}: {r.title}"


MAX_PARTS = 6  # events (or fragments) listed per example


def worst_false_merges(rows: list[Row], story_of: dict[int, int], n: int) -> list[str]:
    """Predicted stories that mix events, worst first (most different-event pairs)."""
    members: dict[int, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        members[story_of[r.id]][r.event].append(r)
    found = []
    for sid, events in members.items():
        if len(events) < 2:
            continue
        size = sum(len(v) for v in events.values())
        cost = pairs(size) - sum(pairs(len(v)) for v in events.values())
        found.append((cost, size, min(r.published for v in events.values() for r in v), sid))
    found.sort(key=lambda t: (-t[0], -t[1], t[2], t[3]))
    out = []
    for cost, size, _, sid in found[:n]:
        events = members[sid]
        out.append(f"{cost:4d} false pair(s): one story of {size} items holds {len(events)} events")
        ordered = sorted(events.items(), key=lambda kv: min((r.published, r.id) for r in kv[1]))
        for label, group in ordered[:MAX_PARTS]:
            first, rest = first_of(group)
            out.append(f"       [{label}] {line(first)}{rest}")
        if len(ordered) > MAX_PARTS:
            out.append(f"       ... and {len(ordered) - MAX_PARTS} more event(s)")
    return out


def worst_misses(rows: list[Row], story_of: dict[int, int], n: int) -> list[str]:
    """Events split across stories, worst first (most same-event pairs not joined)."""
    parts: dict[str, dict[int, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        parts[r.event][story_of[r.id]].append(r)
    story_size = Counter(story_of.values())
    found = []
    for label, stories in parts.items():
        if len(stories) < 2:
            continue
        size = sum(len(v) for v in stories.values())
        cost = pairs(size) - sum(pairs(len(v)) for v in stories.values())
        found.append((cost, size, label))
    found.sort(key=lambda t: (-t[0], -t[1], t[2]))
    out = []
    for cost, size, label in found[:n]:
        stories = parts[label]
        out.append(f"{cost:4d} missed pair(s): event [{label}] ({size} items) split into {len(stories)} stories")
        ordered = sorted(stories.items(), key=lambda kv: min((r.published, r.id) for r in kv[1]))
        for sid, group in ordered[:MAX_PARTS]:
            first, rest = first_of(group)
            others = story_size[sid] - len(group)
            where = f"  [in a story with {others} item(s) of other events]" if others else ""
            out.append(f"       {line(first)}{rest}{where}")
        if len(ordered) > MAX_PARTS:
            out.append(f"       ... and {len(ordered) - MAX_PARTS} more fragment(s)")
    return out


def first_of(group: list[Row]) -> tuple[Row, str]:
    group = sorted(group, key=lambda r: (r.published, r.id))
    extra = len(group) - 1
    return group[0], (f"  (+{extra} more)" if extra else "")
