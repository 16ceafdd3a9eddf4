"""How well ``aggregator.cluster.assign_stories`` groups reports of the same event into one story.

The labelled set is ``bench/data/cluster_eval.jsonl``: one JSON object per line with
``id``, ``event`` (the gold label; a singleton event has a label of its own), ``feed``,
``published`` (ISO-8601 UTC), ``url``, ``title`` and ``lead``. Its companies, people,
places and outlets are fictional; see bench/README.md for what it contains.

The items are fed to the clusterer in arrival order, in batches of ``--batch-hours`` of
publication time (aligned to midnight UTC of the first day), as the product does when it
refreshes: each batch is ``new``, every earlier item is ``known`` together with the story
id it was given. The clusterer answers ``item id -> story id`` for the new items; an id
that is one of the known story ids joins that story, any other id (negative placeholders,
for instance) is a new story and is remapped here to a fresh unique id before the next
batch. Fresh ids start at 1,000,001 so that placeholder ids are unlikely to collide with
them. Only the final partition is compared with the gold one.

Printed: items, events, multi-source events; pairwise precision / recall / F1 over all
item pairs (positive = same event, predicted positive = same story); B-cubed precision /
recall / F1; how many syndicated exact copies (same title and lead) were joined; the
target "pairwise F1 >= 0.90" as MET or MISSED; wall time; and the ``--show`` worst false
merges and worst misses, ranked by the number of item pairs they cost, with titles.

When ``aggregator.cluster`` cannot be imported yet the script says so and exits. The exit
status is always 0: it is a measurement, not a test. Nothing else from the project is
imported.

Run from the project root::

    .venv/bin/python bench/cluster_eval.py                  # 6-hour batches, 10 examples each
    .venv/bin/python bench/cluster_eval.py --batch-hours 0  # everything in one batch
    .venv/bin/python bench/cluster_eval.py --show 20 --rule some_threshold=0.5
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cluster_scoring import exact_copies, score, worst_false_merges, worst_misses

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "cluster_eval.jsonl"
TARGET_F1 = 0.90
FIRST_STORY_ID = 1_000_001


@dataclass(frozen=True)
class Row:
    id: int
    event: str
    feed: str
    published: datetime
    url: str
    title: str
    lead: str


# ----------------------------------------------------------------------------- loading


def parse_time(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def load(path: Path) -> list[Row]:
    rows: list[Row] = []
    seen: set[int] = set()
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            row = Row(
                id=int(obj["id"]),
                event=str(obj["event"]),
                feed=str(obj["feed"]),
                published=parse_time(obj["published"]),
                url=str(obj["url"]),
                title=str(obj["title"]),
                lead=str(obj["lead"]),
            )
            if row.id in seen:
                raise ValueError(f"{path}:{n}: duplicate id {row.id}")
            seen.add(row.id)
            rows.append(row)
    rows.sort(key=lambda r: (r.published, r.id))
    return rows


def import_clusterer():
    """(ClusterItem, ClusterRules, assign_stories), or None after printing why not."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        from aggregator.cluster import ClusterItem, ClusterRules, assign_stories
    except ModuleNotFoundError as exc:
        if exc.name in ("aggregator", "aggregator.cluster"):
            print(f"aggregator.cluster cannot be imported yet ({exc}): the story clusterer has not been written.")
            print("Nothing to evaluate; the labelled set is ready in bench/data/cluster_eval.jsonl.")
            return None
        print(f"aggregator.cluster failed to import: a module it needs is missing ({exc}).")
        traceback.print_exc()
        return None
    except Exception as exc:  # ImportError for a missing name, or an error in the module itself
        print(f"aggregator.cluster failed to import ({type(exc).__name__}: {exc}).")
        traceback.print_exc()
        return None
    return ClusterItem, ClusterRules, assign_stories


def parse_rules(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--rule expects NAME=VALUE, got {pair!r}")
        try:
            out[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            out[key.strip()] = value.strip()
    return out


# ----------------------------------------------------------------------------- running


@dataclass
class RunResult:
    story_of: dict[int, int]
    batches: int
    clusterer_seconds: float
    slowest_batch: float
    missing: int
    unexpected: int


def batches_of(rows: list[Row], hours: float) -> list[list[Row]]:
    if hours <= 0:
        return [list(rows)]
    origin = rows[0].published.replace(hour=0, minute=0, second=0, microsecond=0)
    width = timedelta(hours=hours)
    groups: dict[int, list[Row]] = defaultdict(list)
    for r in rows:
        groups[math.floor((r.published - origin) / width)].append(r)
    return [groups[k] for k in sorted(groups)]


def run(rows: list[Row], hours: float, ClusterItem, rules, assign_stories) -> RunResult:
    items = {
        r.id: ClusterItem(id=r.id, title=r.title, lead=r.lead, url=r.url, published=r.published, feed=r.feed)
        for r in rows
    }
    story_of: dict[int, int] = {}
    known: list[tuple[object, int]] = []
    known_stories: set[int] = set()
    next_id = FIRST_STORY_ID
    spent = slowest = 0.0
    missing = unexpected = 0
    groups = batches_of(rows, hours)
    for batch in groups:
        new = [items[r.id] for r in batch]
        started = time.perf_counter()
        answer = assign_stories(new, list(known), rules)
        took = time.perf_counter() - started
        spent += took
        slowest = max(slowest, took)
        answer = dict(answer)
        new_ids = {r.id for r in batch}
        unexpected += sum(1 for k in answer if k not in new_ids)
        fresh: dict[object, int] = {}
        for r in batch:
            if r.id in answer:
                sid = answer[r.id]
                if sid in known_stories:
                    final = sid
                else:
                    final = fresh.get(sid)
                    if final is None:
                        final = fresh[sid] = next_id
                        next_id += 1
            else:  # no answer for this item: count it and keep it alone
                missing += 1
                final = next_id
                next_id += 1
            story_of[r.id] = final
        for r in batch:
            known.append((items[r.id], story_of[r.id]))
            known_stories.add(story_of[r.id])
    return RunResult(story_of, len(groups), spent, slowest, missing, unexpected)


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch-hours", type=float, default=6.0,
                    help="hours of publication time per batch (default 6; 0 = everything in one batch)")
    ap.add_argument("--show", type=int, default=10, metavar="N",
                    help="how many worst false merges and worst misses to print (default 10)")
    ap.add_argument("--data", type=Path, default=DATA, help="labelled JSONL (default bench/data/cluster_eval.jsonl)")
    ap.add_argument("--rule", action="append", default=[], metavar="NAME=VALUE",
                    help="override a ClusterRules field (repeatable; VALUE is a Python literal or a string)")
    args = ap.parse_args(argv)

    try:
        rows = load(args.data)
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot load {args.data}: {type(exc).__name__}: {exc}")
        return 0
    if not rows:
        print(f"{args.data} holds no items")
        return 0

    events = Counter(r.event for r in rows)
    multi = sum(1 for n in events.values() if n > 1)
    try:
        shown = args.data.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = args.data
    print(f"Story clustering: {shown}")
    print(f"items {len(rows)}, events {len(events)} ({multi} multi-source, {len(events) - multi} singletons), "
          f"feeds {len({r.feed for r in rows})}, published {rows[0].published:%Y-%m-%d} .. {rows[-1].published:%Y-%m-%d}")

    loaded = import_clusterer()
    if loaded is None:
        return 0
    ClusterItem, ClusterRules, assign_stories = loaded
    try:
        rules = ClusterRules(**parse_rules(args.rule))
    except Exception as exc:
        print(f"cannot build ClusterRules from {args.rule}: {type(exc).__name__}: {exc}")
        return 0
    if args.rule:
        print(f"rules: {rules!r}")

    started = time.perf_counter()
    try:
        result = run(rows, args.batch_hours, ClusterItem, rules, assign_stories)
    except Exception:
        print("assign_stories raised; evaluation aborted:")
        traceback.print_exc()
        return 0
    wall = time.perf_counter() - started

    s = score(rows, result.story_of)
    copies, joined = exact_copies(rows, result.story_of)
    mode = "one batch" if args.batch_hours <= 0 else f"batches of {args.batch_hours:g} h of publication time"
    print(f"{mode}: {result.batches} call(s) to assign_stories")
    if result.missing or result.unexpected:
        print(f"warning: {result.missing} new item(s) without an answer (kept alone), "
              f"{result.unexpected} answer(s) for ids that were not in the batch (ignored)")
    print(f"stories predicted {s['stories']} ({s['multi_stories']} with 2+ items)")
    print()
    print(f"pairwise  precision {s['precision']:.3f}  recall {s['recall']:.3f}  F1 {s['f1']:.3f}   "
          f"(same-story pairs {s['predicted']}, same-event pairs {s['actual']}, both {s['tp']})")
    print(f"B-cubed   precision {s['b3_precision']:.3f}  recall {s['b3_recall']:.3f}  F1 {s['b3_f1']:.3f}")
    print(f"exact syndicated copies joined: {joined}/{copies}")
    print(f"target pairwise F1 >= {TARGET_F1:.2f}: {'MET' if s['f1'] >= TARGET_F1 else 'MISSED'}")
    per_call = result.clusterer_seconds / result.batches * 1000
    print(f"wall time {wall:.2f} s (assign_stories {result.clusterer_seconds:.2f} s; "
          f"{per_call:.1f} ms per call on average, slowest {result.slowest_batch * 1000:.1f} ms)")

    if args.show > 0:
        merges = worst_false_merges(rows, result.story_of, args.show)
        print()
        print(f"worst false merges (different events in one story){'' if merges else ': none'}")
        for text in merges:
            print("  " + text)
        misses = worst_misses(rows, result.story_of, args.show)
        print()
        print(f"worst misses (one event split across stories){'' if misses else ': none'}")
        for text in misses:
            print("  " + text)
    return 0


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
    except SystemExit:  # argparse: --help, or a usage error it has already printed
        pass
    except Exception:
        traceback.print_exc()
    sys.exit(0)
