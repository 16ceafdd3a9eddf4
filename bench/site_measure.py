"""What the static-site benchmark (site_build.py) measures, apart from the clock.

Why a module of its own: site_build.py is the runner (arguments, rounds, what is
printed per round, targets); this is the instrumentation it reads from, and each
piece can be understood without the runner:

- :func:`wrapped_phases`: time calls to a few functions of aggregator.export /
  aggregator.site by wrapping them at run time (a rough "where the time goes" that
  needs no profiler); names that do not exist are skipped, as build_site changes;
- :func:`snapshot` / :func:`compare`: every file of the published site, HTML pages
  with their size, the size of the stylesheets they link and a content digest, and
  which pages were added / changed / removed between two rounds;
- :func:`print_page_weight`: per HTML page its bytes plus the stylesheets it links
  (each once, as a first visit loads them); median, 95th percentile and largest,
  overall and per kind of page.

Process measurements (peak RSS, profiles) are in measure.py, shared by all benchmarks.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

_STYLESHEET = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"')


# --------------------------------------------------------------------------- phases (wrapped functions)


@dataclass
class Phase:
    label: str
    calls: int = 0
    seconds: float = 0.0


# (module, attribute, label, indent): only those that exist are wrapped
PHASES = [
    ("aggregator.site.data", "story_sources", "story_sources (every story's sources)", 1),
    ("aggregator.site.data", "card_digests", "card_digests (cards' identity, topics, entities)", 1),
    ("aggregator.site.data", "entity_keys", "entity_keys (of changed stories)", 1),
    ("aggregator.related", "EntityIndex.neighbours", "EntityIndex.neighbours (of changed stories)", 1),
    ("aggregator.site.data", "card_rows", "card_rows (full cards of the stories exported in full)", 1),
    ("aggregator.related", "EntityIndex.related_and_thread", "related updates and thread (per story)", 1),
    ("aggregator.export", "rank", "rank", 1),
    ("aggregator.site.render", "week_numbers", "week_numbers (SQL counts per week)", 0),
    ("aggregator.site.render", "SiteWriter.page", "SiteWriter.page (render + write, or find unchanged)", 0),
    ("aggregator.site.render", "SiteWriter.keep", "SiteWriter.keep (story pages known unchanged)", 0),
    ("aggregator.site.search", "start", "search.start (plan, link the base, launch Pagefind)", 0),
    ("aggregator.site.search", "Indexing.wait", "search: waiting for Pagefind after the other pages", 0),
    ("aggregator.site.render", "write_manifest", "write_manifest", 0),
    ("aggregator.site.render", "SiteWriter.commit", "SiteWriter.commit (staged story pages into the pool)", 0),
    ("aggregator.site.publish", "prune", "publish.prune (delete builds older than 2)", 0),
]
EXPORT = ("aggregator.site.render", "site_stories",
          "site_stories (every story in summary; changed ones, neighbours, newest in full)", 0)


@contextmanager
def wrapped_phases() -> Iterator[list[tuple[Phase, int]]]:
    """Time calls to the functions in PHASES while the block runs; restore them afterwards.

    A name is wrapped in the namespace that calls it (``render.site_stories`` is the
    binding build_site uses). Nested calls count in both (related_and_thread inside
    site_stories). Missing names are skipped: build_site may be changing."""
    import importlib

    restore: list[tuple[object, str, object]] = []
    phases: list[tuple[Phase, int]] = []

    def wrap(owner, name: str, phase: Phase):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phase.seconds += time.perf_counter() - t0
                phase.calls += 1

        restore.append((owner, name, original))
        setattr(owner, name, timed)

    for module_name, attr, label, indent in [EXPORT, *PHASES]:
        try:
            owner = importlib.import_module(module_name)
        except ImportError:
            continue
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        if owner is None or not callable(getattr(owner, name, None)):
            continue
        phase = Phase(label)
        wrap(owner, name, phase)
        phases.append((phase, indent))
    try:
        yield phases
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)


# --------------------------------------------------------------------------- the published site


@dataclass
class Page:
    path: str  # relative to the site root: stories/x/index.html
    bytes: int
    css_bytes: int
    digest: str
    stylesheets: list[str] = field(default_factory=list)  # site paths of the linked stylesheets

    @property
    def weight(self) -> int:
        return self.bytes + self.css_bytes

    @property
    def kind(self) -> str:
        parts = self.path.split("/")
        if len(parts) == 1:
            return "home"
        if parts[0] == "topics":
            return "topics index" if len(parts) == 2 else "topic"
        return {"stories": "story", "sources": "source", "weekly": "weekly", "about": "about"}.get(parts[0], parts[0])


@dataclass
class Snapshot:
    pages: dict[str, Page]
    other_files: dict[str, int]  # feed.xml, sitemap.xml ... -> bytes
    missing_css: int = 0  # pages whose stylesheet link does not resolve to a file


def snapshot(site: Path) -> Snapshot:
    """Every file of the published site: HTML pages with size, linked CSS size and a digest."""
    root = site.resolve()
    pages: dict[str, Page] = {}
    other: dict[str, int] = {}
    css_sizes: dict[Path, int] = {}
    missing = 0
    for directory, _, files in os.walk(root, followlinks=True):  # stories/ and pagefind/ are links
        for name in files:
            path = Path(directory, name)
            rel = path.relative_to(root).as_posix()
            if not name.endswith(".html"):
                other[rel] = path.stat().st_size
                continue
            data = path.read_bytes()
            css, sheets = 0, []
            for href in dict.fromkeys(_STYLESHEET.findall(data.decode("utf-8", "replace"))):
                target = Path(os.path.normpath(path.parent / href))  # as a browser resolves it, not through links
                if target not in css_sizes:
                    css_sizes[target] = target.stat().st_size if target.is_file() else -1
                if css_sizes[target] < 0:
                    missing += 1
                else:
                    css += css_sizes[target]
                    sheets.append(f"{target.relative_to(root).as_posix()} ({kb(css_sizes[target])})"
                                  if target.is_relative_to(root) else str(target))
            pages[rel] = Page(rel, len(data), css, hashlib.blake2b(data, digest_size=16).hexdigest(), sheets)
    return Snapshot(pages, other, missing)


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def compare(before: Snapshot | None, after: Snapshot) -> Changes | None:
    if before is None:
        return None
    out = Changes()
    for path, page in after.pages.items():
        old = before.pages.get(path)
        if old is None:
            out.added.append(path)
        elif old.digest != page.digest:
            out.changed.append(path)
    out.removed = [p for p in before.pages if p not in after.pages]
    return out


def percentile(sorted_values: list[int], share: float) -> int:
    """Nearest-rank percentile of an ascending list."""
    return sorted_values[max(math.ceil(share * len(sorted_values)) - 1, 0)]


def kb(value: float) -> str:
    return f"{value / 1024:.1f} KB"


def print_page_weight(site: Snapshot) -> dict:
    pages = sorted(site.pages.values(), key=lambda p: p.weight)
    weights = [p.weight for p in pages]
    print("Page weight (published site after round c; per page: HTML + the stylesheets it links, "
          "each counted once; 1 KB = 1,024 bytes)")
    if not pages:
        print("  no HTML pages\n")
        return {"median": float("nan"), "p95": float("nan")}
    median, p95, largest = percentile(weights, 0.5), percentile(weights, 0.95), pages[-1]
    print(f"  all pages   {len(pages):>6,}   median {kb(median):>9}   p95 {kb(p95):>9}   "
          f"largest {kb(largest.weight):>9}  ({largest.path})")
    by_kind: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        by_kind[page.kind].append(page)
    for kind, members in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        w = [p.weight for p in members]
        print(f"  {kind:<12}{len(members):>6,}   median {kb(percentile(w, 0.5)):>9}   p95 {kb(percentile(w, 0.95)):>9}   "
              f"largest {kb(w[-1]):>9}  ({members[-1].path})")
    sheets: dict[tuple[str, int], int] = defaultdict(int)
    for page in pages:
        sheets[tuple(page.stylesheets)] += 1
    for names, count in sorted(sheets.items(), key=lambda kv: -kv[1]):
        linked = " + ".join(names) or "no stylesheet"
        print(f"  stylesheets {linked} on {count:,} page{'s' if count != 1 else ''}")
    groups: dict[str, list[int]] = defaultdict(list)
    for name, size in site.other_files.items():
        top = name.split("/")[0] + "/" if "/" in name else name
        groups[top].append(size)
    others = ", ".join(f"{name} {kb(sum(sizes))}" + (f" ({len(sizes):,} files)" if name.endswith("/") else "")
                       for name, sizes in sorted(groups.items()))
    print(f"  other files {others}")
    total = sum(p.bytes for p in pages) + sum(site.other_files.values())
    print(f"  site total  {total / 1e6:.1f} MB")
    print()
    return {"median": median / 1024, "p95": p95 / 1024}


def verify_against_full_build(settings, store, now, incremental: Snapshot) -> None:
    """Round c's site against a full build of the same data: every HTML page must be the same
    bytes (the incremental path skips stories it believes unchanged; this checks that belief
    at 10,000 stories, where the per-entity cap of related updates is reached)."""
    from aggregator.site.render import build_site

    t0 = time.perf_counter()
    build_site(settings, store, now, full=True)
    full = snapshot(settings.output_dir)
    changes = compare(incremental, full)
    differ = sorted(changes.added + changes.changed + changes.removed)
    print(f"\nVerify (--verify): a full build of round c's data took {time.perf_counter() - t0:.1f} s; "
          f"{len(full.pages):,} HTML pages, {len(differ)} differ from the incremental build's"
          + (f": {differ[:5]}" if differ else " (byte for byte the same)"))
