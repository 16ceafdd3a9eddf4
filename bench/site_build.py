"""Static-site build benchmark: ``build_site`` over a synthetic archive of N stories.

Why: the site is rebuilt after every pipeline run (every half hour), and its cost
grows with the archive, not with what changed: every story page, every listing, the
related-story and thread lookups. Unit tests build a site of ~25 stories; this
script builds one of 10,000 (12 weeks of a busy instance) and says where it stands
against the targets.

Workload (printed too):

1. ``site_data.py`` writes a database made by the project's own migrations (opened as
   ``aggregator.pipeline.open_settings_store`` opens it): N stories (``--stories``,
   default 10,000) over 12 weeks from 60 feeds, 1-4 entries per story, an extraction
   of 300-900 words per entry, a published-shape LLM card per story (8 topics, 2-4
   entities per story from a pool of 300 with long-tailed popularity) and 6 fetches
   per feed per week. Generation is timed but is not a result.
2. a. **full build**: ``build_site(settings, store, now)`` into a fresh output folder;
   b. **unchanged rebuild**: the same call again, same data, same ``now``;
   c. **incremental rebuild**: 10 new stories (entries, extractions, cards; newer than
      all others; 6 in 10 lead with an entity of a recent story, so some existing
      related lists and threads change), then ``build_site`` with ``now`` 30 minutes
      later.
   Each round prints wall time, CPU, the BuildReport (every field it has: ``rendered``,
   ``reused``, ``search_seconds`` and the like when build_site reports them), the HTML
   pages on disk and how many were added / changed / removed since the previous round,
   the process's peak RSS during the build (VmHWM reset before it), and the summed time
   of calls to a few functions of aggregator.site / aggregator.export that exist
   (export_stories, related_stories, thread, week_numbers, SiteWriter.page, the search
   indexer, pruning of old builds),
   measured by wrapping them at run time: a rough "where the time goes" that needs no
   profiler.
3. **page weight** of the published site after round c: per HTML page, its bytes plus
   the bytes of the stylesheet(s) it links (style.css, counted once per page, as a
   first visit loads it); median, 95th percentile and largest page, overall and per
   kind of page.
4. targets, each MET or MISSED: full build < 20 s, incremental rebuild after 10 new
   stories < 2 s, median page weight < 30 KB.

The exit status is always 0: it is a measurement, not a test. Linux only (peak RSS
from /proc). This file is the runner (rounds, output, targets); the archive comes from
site_data.py, and the wrapped phases, site snapshots and page weight from
site_measure.py. Run from the project root (see bench/README.md)::

    .venv/bin/python bench/site_build.py                   # 10,000 stories
    .venv/bin/python bench/site_build.py --stories 1000    # quick
    .venv/bin/python bench/site_build.py --keep /tmp/site  # keep the database and the site
    .venv/bin/python bench/site_build.py --verify          # then check round c against a full build
    .venv/bin/python bench/site_build.py --profile /tmp/prof --stories 2000
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import resource
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import _rss_kb, dump_profile, mb, own_peak_kb, reset_peak_rss  # noqa: E402
from site_data import NOW, WEEKS, SiteData, store_summary  # noqa: E402
from site_measure import (Changes, Phase, Snapshot, compare, print_page_weight, snapshot,  # noqa: E402
                          verify_against_full_build, wrapped_phases)

from aggregator.config import Settings, settings_from_dict  # noqa: E402
from aggregator.pipeline import open_settings_store  # noqa: E402
from aggregator.store import Store  # noqa: E402

TARGET_FULL_S = 20.0
TARGET_INCREMENTAL_S = 2.0
TARGET_MEDIAN_KB = 30.0
NEW_STORIES = 10
LATER = timedelta(minutes=30)  # the incremental rebuild runs one pipeline period later


# --------------------------------------------------------------------------- setup


def make_settings(workdir: Path) -> Settings:
    return settings_from_dict({
        "site": {"title": "Weekly AI Recap", "base_url": "https://news.example.org/", "output_dir": "site",
                 "timezone": "Europe/Copenhagen"},
        "database": {"path": str(workdir / "site.db")},
    }, base_dir=workdir)


# --------------------------------------------------------------------------- rounds


@dataclass
class Round:
    name: str
    wall: float = 0.0
    cpu_user: float = 0.0
    cpu_system: float = 0.0
    children_cpu: float = 0.0  # reaped child processes (the pagefind indexer, if build_site runs it)
    children_maxrss_kb: int = 0
    report: object = None
    error: str = ""
    rss_before_kb: int = 0
    peak_kb: int = 0
    peak_reset: bool = False
    phases: list[tuple[Phase, int]] = field(default_factory=list)
    site: Snapshot | None = None
    changes: Changes | None = None
    profile: str = ""

    @property
    def cpu(self) -> float:
        return self.cpu_user + self.cpu_system


def run_build(name: str, settings: Settings, store: Store, now: datetime, previous: Snapshot | None,
              profile_dir: Path | None) -> Round:
    from aggregator.site.render import build_site

    result = Round(name)
    result.rss_before_kb = _rss_kb(os.getpid())
    result.peak_reset = reset_peak_rss()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    profiler = cProfile.Profile() if profile_dir else None
    with wrapped_phases() as phases:
        t0 = time.perf_counter()
        try:
            if profiler:
                profiler.enable()
            result.report = build_site(settings, store, now)
        except Exception:
            result.error = traceback.format_exc()
        finally:
            if profiler:
                profiler.disable()
            result.wall = time.perf_counter() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.children_cpu = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    result.children_maxrss_kb = children1.ru_maxrss if result.children_cpu > 0 else 0
    result.peak_kb = own_peak_kb()
    result.cpu_user, result.cpu_system = usage1.ru_utime - usage0.ru_utime, usage1.ru_stime - usage0.ru_stime
    result.phases = phases
    if profiler and profile_dir:
        result.profile = dump_profile(profiler, profile_dir, name)
    if not result.error and settings.output_dir.exists():
        result.site = snapshot(settings.output_dir)
        result.changes = compare(previous, result.site)
    return result


# --------------------------------------------------------------------------- output


def print_workload(args: argparse.Namespace, summary: dict, generated: float, workdir: Path, db_bytes: int) -> None:
    print("Static-site build benchmark")
    print(f"  workload : {summary['stories']:,} stories over {WEEKS} weeks ({summary['first'][:10]} .. "
          f"{summary['last'][:10]}) from {summary['feeds']} feeds; {summary['entries']:,} entries (1-4 per story), "
          f"{summary['extractions']:,} extractions ({summary['words'] / max(summary['extractions'], 1):.0f} words "
          f"on average, {summary['words'] / 1e6:.1f} M in all), {summary['cards']:,} LLM cards "
          f"({summary['card_bytes'] / max(summary['cards'], 1) / 1024:.1f} KB of JSON each; {summary['topics']} topics, "
          f"{summary['entities']} distinct entities), {summary['fetches']:,} fetch-log rows")
    print(f"  database : {db_bytes / 1e6:.0f} MB, written in {generated:.1f} s (seed {args.seed}; not a result)")
    print(f"  rounds   : a. full build into a fresh output folder (now = {NOW:%Y-%m-%d %H:%M} UTC); "
          f"b. rebuild, nothing changed (same now); c. {NEW_STORIES} new stories, rebuild (now + "
          f"{LATER.seconds // 60} min)")
    print("  site     : timezone Europe/Copenhagen, base_url https://news.example.org/, "
          f"output {workdir / 'site'}{' (kept)' if args.keep else ' (temporary)'}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  machine  : {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, pid {os.getpid()}, "
          f"load average {load} (other work on the machine shows up in the wall times)")
    print(f"  targets  : full build < {TARGET_FULL_S:g} s, incremental rebuild after {NEW_STORIES} new stories "
          f"< {TARGET_INCREMENTAL_S:g} s, median page weight < {TARGET_MEDIAN_KB:g} KB")
    if args.profile:
        print("  NOTE     : cProfile is on; times below include its overhead")
    print()


def report_fields(report) -> dict:
    """Every field the BuildReport has."""
    return {} if report is None else report.as_dict()


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def print_round(result: Round, expect_stories: int, new_slugs: list[str] | None = None) -> None:
    print(f"[{result.name}]")
    if result.error:
        print(f"  build_site raised after {result.wall:.2f} s:")
        print("  " + result.error.rstrip().replace("\n", "\n  "))
        print()
        return
    report = result.report
    print(f"  wall        {result.wall:8.2f} s")
    print(f"  CPU         {result.cpu:8.2f} s   (user {result.cpu_user:.2f}, system {result.cpu_system:.2f}; "
          f"{result.cpu / max(result.wall, 1e-9):.0%} of one core)"
          + (f"; child processes {result.children_cpu:.2f} s" if result.children_cpu else ""))
    fields = report_fields(report)
    known = ("stories", "pages", "rendered", "reused", "search_seconds")
    extra = {k: v for k, v in fields.items() if k not in known and k != "output"}
    shown = "  ".join(f"{k}={_fmt(getattr(report, k, None))}" for k in known if hasattr(report, k))
    print(f"  report      {shown}" + ("" if not extra else "  " + "  ".join(f"{k}={_fmt(v)}" for k, v in extra.items())))
    site = result.site
    if site is not None:
        line = f"  pages       {len(site.pages):,} HTML files in the published site, {len(site.other_files)} other files"
        ch = result.changes
        if ch is not None:
            line += (f"; vs the previous round: {len(ch.added)} added, {len(ch.changed)} changed, "
                     f"{len(ch.removed)} removed, {len(site.pages) - len(ch.added) - len(ch.changed)} identical")
        print(line)
        if ch is not None and (ch.added or ch.changed):
            kinds: dict[str, int] = defaultdict(int)
            for path in ch.changed:
                kinds[site.pages[path].kind] += 1
            if kinds:
                print("              changed by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    peak_note = "during the build (VmHWM reset first)" if result.peak_reset else "since the process started"
    print(f"  memory      peak RSS {mb(result.peak_kb)} {peak_note}; RSS before the build {mb(result.rss_before_kb)} "
          f"(+{mb(max(result.peak_kb - result.rss_before_kb, 0))})"
          + (f"; largest child process so far {mb(result.children_maxrss_kb)}" if result.children_maxrss_kb else ""))
    ran = [(p, i) for p, i in result.phases if p.calls]
    if ran:
        print("  time in     (summed duration of calls, wrapped at run time; nested calls counted in both)")
        for phase, indent in ran:
            print(f"    {'  ' * indent}{phase.label:<{54 - 2 * indent}} {phase.seconds:8.2f} s  "
                  f"{phase.calls:>7,} call{'s' if phase.calls != 1 else ''}")
        rest = result.wall - sum(p.seconds for p, i in ran if i == 0)
        print(f"    {'everything else in build_site':<54} {rest:8.2f} s")
    for warning in sanity_warnings(result, expect_stories, new_slugs):
        print(f"  WARNING     {warning}")
    print()
    if result.profile:
        print(result.profile)


def sanity_warnings(result: Round, expect_stories: int, new_slugs: list[str] | None) -> list[str]:
    """Counts that say the round did not build what it should have."""
    warnings = []
    report, site = result.report, result.site
    stories = getattr(report, "stories", None)
    if stories is not None and stories != expect_stories:
        warnings.append(f"BuildReport.stories = {stories}, the store holds {expect_stories} stories")
    if site is None:
        warnings.append("no published site found at output_dir")
        return warnings
    story_pages = sum(1 for p in site.pages.values() if p.kind == "story")
    if story_pages != expect_stories:
        warnings.append(f"{story_pages} story pages on disk for {expect_stories} stories")
    if site.missing_css:
        warnings.append(f"{site.missing_css} pages link a stylesheet that is not in the site")
    missing = [s for s in new_slugs or [] if f"stories/{s}/index.html" not in site.pages]
    if missing:
        warnings.append(f"{len(missing)} of the new stories have no page: {missing[:3]}")
    if result.name.startswith("b.") and result.changes and (result.changes.added or result.changes.removed):
        warnings.append("an unchanged rebuild added or removed pages")
    return warnings


def verdict(label: str, value: float, target: float, unit: str) -> str:
    met = value < target
    return f"  {'MET   ' if met else 'MISSED'} {label:<34} {value:8.2f} {unit:<2}  (target < {target:g} {unit})"


def print_summary(rounds: dict[str, Round], weight: dict | None) -> None:
    print("Targets")
    full, unchanged, incremental = rounds.get("a"), rounds.get("b"), rounds.get("c")
    for r, label, target in ((full, "full build", TARGET_FULL_S),
                             (incremental, f"incremental, {NEW_STORIES} new stories", TARGET_INCREMENTAL_S)):
        if r is None or r.error:
            print(f"  n/a    {label:<34} (the round did not complete)")
        else:
            print(verdict(label, r.wall, target, "s"))
    if weight is None or math.isnan(weight["median"]):
        print(f"  n/a    {'median page weight':<34} (no site)")
    else:
        print(verdict("median page weight", weight["median"], TARGET_MEDIAN_KB, "KB"))
    if unchanged is not None and not unchanged.error:
        print(f"  (info) {'unchanged rebuild':<34} {unchanged.wall:8.2f} s   (no target)")
    if weight is not None and not math.isnan(weight["p95"]):
        print(f"  (info) {'95th-percentile page weight':<34} {weight['p95']:8.2f} KB  (no target)")
    peaks = [r.peak_kb for r in rounds.values() if not r.error]
    if peaks:
        print(f"  (info) {'peak RSS of a build':<34} {max(peaks) / 1024:8.0f} MB  (no target)")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the static-site build (build_site) over a synthetic archive.")
    parser.add_argument("--stories", type=int, default=10_000, help="stories in the archive (default 10,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data (default 1)")
    parser.add_argument("--verify", action="store_true",
                        help="after round c, build the same data in full and compare every page")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="work in DIR (created; must be empty) and keep the database (site.db) and the site")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="cProfile each build; .prof files go to DIR, top functions are printed")
    args = parser.parse_args(argv)
    if args.stories < 1:
        parser.error("--stories must be at least 1")
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"{args.keep} is not empty")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="site-bench-") as tmp:
            run(args, Path(tmp))
    return 0


def run(args: argparse.Namespace, workdir: Path) -> None:
    settings = make_settings(workdir)
    data = SiteData(args.seed)
    t0 = time.perf_counter()
    with open_settings_store(settings, lambda: NOW) as store:
        data.populate(store, args.stories, NOW)
        generated = time.perf_counter() - t0
        print_workload(args, store_summary(store), generated, workdir, settings.database_path.stat().st_size)
        rounds: dict[str, Round] = {}
        count = store.scalar("select count(*) from stories")

        a = rounds["a"] = run_build("a. full build", settings, store, NOW, None, args.profile)
        print_round(a, count)
        if a.error:
            print_summary(rounds, None)
            return
        b = rounds["b"] = run_build("b. unchanged rebuild", settings, store, NOW, a.site, args.profile)
        print_round(b, count)
        if b.site is not None:
            a.site = None  # only the latest snapshot is needed from here on (memory of the next rounds)

        added = data.add_stories(store, NEW_STORIES, NOW, NOW + LATER)
        count = store.scalar("select count(*) from stories")
        slugs = [r["slug"] for r in store.query(
            f"select slug from stories where id in ({','.join('?' * len(added.story_ids))})", tuple(added.story_ids))]
        print(f"added {added.stories} stories ({added.entries} entries, {added.cards} cards), published "
              f"{added.first:%H:%M}-{added.last:%H:%M} UTC, after every earlier story\n")
        c = rounds["c"] = run_build(f"c. incremental rebuild, {NEW_STORIES} new stories", settings, store,
                                    NOW + LATER, b.site or a.site, args.profile)
        print_round(c, count, slugs)
        if c.site is not None:
            b.site = None
        if c.changes is not None:
            existing = [p for p in c.changes.changed if c.site.pages[p].kind == "story"]
            print(f"  existing story pages whose content changed in round c: {len(existing)} "
                  "(related lists, threads); an incremental build must re-render at least these "
                  f"and the {len(c.changes.added)} added pages\n")

        final = next((r.site for r in (c, b, a) if r.site is not None), None)
        weight = print_page_weight(final) if final is not None else None
        print_summary(rounds, weight)
        if args.verify and c.site is not None:
            verify_against_full_build(settings, store, NOW + LATER, c.site)
    if args.keep:
        print(f"\nkept: {workdir / 'site.db'} and {settings.output_dir} -> {settings.output_dir.resolve()}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    except SystemExit:  # argparse: --help, or a usage error it has already printed
        pass
    sys.exit(0)
