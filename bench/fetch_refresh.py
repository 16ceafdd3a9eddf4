"""Feed-refresh benchmark: the real fetch pipeline against a synthetic news web.

Why: the fetch stage is the part of the aggregator that runs every half hour for
the life of an installation, and its cost is dominated by things unit tests never
see: hundreds of concurrent connections, per-host limits, conditional requests,
parse workers and one SQLite write per feed. This script drives the project's own
code (``settings_from_dict``, ``open_store``, ``add_feed``, ``run_fetch``) against
``newsweb.py`` (a separate process serving N feeds over K loopback addresses with
realistic latency) and times three rounds:

  a. first fetch: every feed answered 200 and parsed;
  b. unchanged refresh: every feed answered 304 (ETag / If-None-Match);
  c. changed refresh: a share of feeds (default 10 %) has a new item.

Per round it prints wall time, feeds/s, client CPU, the FetchReport counts, peak
memory of the client and of its parse workers, and the CPU the server used (on a
small machine the server competes with the client, so that is part of the
picture). Targets are printed beside the results; the exit status is always 0,
because this is a measurement, not a test.

Memory: ``ru_maxrss`` of RUSAGE_CHILDREN counts only children that have been
reaped. The parse workers are forked by the multiprocessing *forkserver*, so they
are grandchildren that the forkserver reaps, and the forkserver lives until the
client exits: RUSAGE_CHILDREN stays near zero while the rounds run. So the
workers (and the forkserver) are also sampled from /proc every 50 ms (peak RSS
from VmHWM, CPU from utime+stime), and the memory target is judged on the sum of
the client's and every helper process's peak: an upper bound on what the machine
must have free.

Run: ``.venv/bin/python bench/fetch_refresh.py`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import HelperSampler, dump_profile, mb  # noqa: E402
from newsweb import NewsWeb, WebConfig, add_web_arguments, config_from_args, host_address  # noqa: E402

from aggregator.clock import system_clock  # noqa: E402
from aggregator.config import Settings, settings_from_dict  # noqa: E402
from aggregator.fetch.feeds import FetchReport  # noqa: E402
from aggregator.pipeline import run_fetch  # noqa: E402
from aggregator.store import Store, open_store  # noqa: E402
from aggregator.store.feeds import add_feed  # noqa: E402

TARGET_FIRST_FETCH_S = 20.0
TARGET_UNCHANGED_S = 3.0
TARGET_PEAK_MB = 300.0


# --------------------------------------------------------------------------- rounds


@dataclass
class RoundResult:
    name: str
    wall: float
    cpu_user: float
    cpu_system: float
    report: FetchReport
    maxrss_self_kb: int
    maxrss_children_kb: int
    helpers: dict
    server: dict
    changed: int = 0
    errors: Counter = field(default_factory=Counter)
    profile: str = ""

    @property
    def cpu(self) -> float:
        return self.cpu_user + self.cpu_system

    @property
    def total_peak_mb(self) -> float:
        kb = self.maxrss_self_kb + self.helpers["worker_peak_sum_kb"] + self.helpers["other_peak_sum_kb"]
        return kb / 1024


def make_settings(tmpdir: Path, parse_workers: int | None) -> Settings:
    data: dict = {
        "database": {"path": str(tmpdir / "bench.db")},
        "network": {"allow_private_networks": True, "max_concurrency": 200, "per_host_concurrency": 8,
                    "request_timeout_seconds": 30},
    }
    if parse_workers is not None:
        data["fetch"] = {"parse_workers": parse_workers}
    return settings_from_dict(data, base_dir=tmpdir)


def subscribe(store: Store, urls: list[str]) -> float:
    t0 = time.perf_counter()
    now = system_clock()
    for url in urls:
        add_feed(store, url, now)
    return time.perf_counter() - t0


def server_delta(before: dict, after: dict) -> dict:
    keys = ("cpu_user", "cpu_system", "requests", "status_200", "status_304", "bytes")
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in keys}
    # only the asyncio server counts connections; None prints as "n/a"
    delta["connections"] = after["connections"] - before.get("connections", 0) if "connections" in after else None
    return delta | {"maxrss_kb": after.get("maxrss_kb", 0)}


def run_round(name: str, settings: Settings, store: Store, web: NewsWeb,
              profile_dir: Path | None) -> RoundResult:
    server_before = web.stats()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    profiler = cProfile.Profile() if profile_dir else None
    with HelperSampler(exclude={web.pid} if web.pid else set()) as helpers:
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        report = run_fetch(settings, store, system_clock, everything=True)
        if profiler:
            profiler.disable()
        wall = time.perf_counter() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return RoundResult(
        name=name, wall=wall, cpu_user=usage1.ru_utime - usage0.ru_utime,
        cpu_system=usage1.ru_stime - usage0.ru_stime, report=report,
        maxrss_self_kb=usage1.ru_maxrss, maxrss_children_kb=children.ru_maxrss,
        helpers=helpers.summary(), server=server_delta(server_before, web.stats()),
        errors=Counter(o.error for o in report.outcomes if o.outcome == "error"),
        profile=dump_profile(profiler, profile_dir, name) if profiler and profile_dir else "",
    )


# --------------------------------------------------------------------------- output


def print_workload(config: WebConfig, args: argparse.Namespace, settings: Settings) -> None:
    net = settings.network
    print("Feed-refresh benchmark")
    print(f"  workload : {config.feeds} feeds x {config.items} items (RSS 2.0, ~300-byte descriptions), "
          f"on {config.hosts} loopback addresses 127.0.0.1..{host_address(config.hosts - 1)}")
    print(f"  latency  : {config.latency_min_ms:g}-{config.latency_max_ms:g} ms per response (uniform); "
          f"changed per refresh: {config.changed:.0%}; gzip: {'yes' if config.gzip else 'no'}; "
          f"server: {args.server} (own process)")
    print(f"  client   : max_concurrency={net.max_concurrency}, per_host_concurrency={net.per_host_concurrency}, "
          f"request_timeout={net.request_timeout_seconds:g} s, parse_workers={settings.fetch.parse_workers}")
    print(f"  machine  : {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, pid {os.getpid()}")
    print(f"  targets  : first fetch < {TARGET_FIRST_FETCH_S:g} s, unchanged refresh < {TARGET_UNCHANGED_S:g} s, "
          f"peak memory < {TARGET_PEAK_MB:g} MB")
    if args.profile:
        print("  NOTE     : cProfile is on; times below include its overhead")
    print()


def print_round(result: RoundResult) -> None:
    r, h, s = result.report, result.helpers, result.server
    rate = r.feeds_checked / result.wall if result.wall else 0.0
    print(f"[{result.name}]" + (f"  ({result.changed} feeds changed on the server)" if result.changed else ""))
    print(f"  wall        {result.wall:7.2f} s   {rate:7.0f} feeds/s")
    print(f"  client CPU  {result.cpu:7.2f} s   (user {result.cpu_user:.2f}, system {result.cpu_system:.2f}; "
          f"{result.cpu / result.wall:.0%} of one core)")
    print(f"  workers CPU {h['worker_cpu']:7.2f} s   ({h['workers']} parse workers; forkserver/helpers "
          f"{h['other_cpu']:.2f} s)")
    print(f"  server CPU  {s['cpu_user'] + s['cpu_system']:7.2f} s   ({s['requests']} requests: "
          f"{s['status_200']} x 200, {s['status_304']} x 304; "
          f"{'n/a' if s['connections'] is None else s['connections']} new connections; "
          f"{s['bytes'] / 1e6:.1f} MB sent)")
    print(f"  report      checked={r.feeds_checked} not_modified={r.not_modified} unchanged={r.unchanged} "
          f"new_entries={r.new_entries} updated_entries={r.updated_entries} errors={r.errors}")
    print(f"  memory      client max RSS {mb(result.maxrss_self_kb)} (peak so far); "
          f"RUSAGE_CHILDREN max RSS {mb(result.maxrss_children_kb)} (reaped children only)")
    print(f"              parse workers peak {mb(h['worker_peak_kb'])} each, {mb(h['worker_peak_sum_kb'])} together; "
          f"forkserver/helpers {mb(h['other_peak_sum_kb'])}; total {result.total_peak_mb:.0f} MB")
    print(f"              peak simultaneous PSS of client + helpers {mb(h['peak_pss_kb'])} "
          "(shared copy-on-write pages counted once)")
    for warning in sanity_warnings(result):
        print(f"  WARNING     {warning}")
    for message, count in result.errors.most_common(5):
        print(f"  error x{count}: {message}")
    print()
    if result.profile:
        print(result.profile)


def sanity_warnings(result: RoundResult) -> list[str]:
    """Counts that say the round did not measure what it claims to."""
    r, s = result.report, result.server
    warnings = []
    if s["requests"] != r.feeds_checked:
        warnings.append(f"the server answered {s['requests']} feed requests for {r.feeds_checked} feeds checked")
    if result.name.startswith("b.") and r.not_modified != r.feeds_checked:
        warnings.append("an unchanged refresh should be all 304s")
    if result.name.startswith("c.") and r.new_entries != result.changed:
        warnings.append(f"expected {result.changed} new entries (one per changed feed)")
    return warnings


def verdict(label: str, value: float, target: float, unit: str) -> str:
    met = value < target
    return f"  {'MET   ' if met else 'MISSED'} {label:<22} {value:8.2f} {unit}  (target < {target:g} {unit})"


def print_summary(results: list[RoundResult]) -> None:
    first, unchanged = results[0], results[1]
    peak = max(r.total_peak_mb for r in results)
    client_peak = max(r.maxrss_self_kb for r in results) / 1024
    print("Targets")
    print(verdict("first fetch", first.wall, TARGET_FIRST_FETCH_S, "s"))
    print(verdict("unchanged refresh", unchanged.wall, TARGET_UNCHANGED_S, "s"))
    pss = max(r.helpers["peak_pss_kb"] for r in results) / 1024
    print(verdict("peak memory (PSS)", pss, TARGET_PEAK_MB, "MB"))
    print(verdict("peak memory (RSS sum)", peak, TARGET_PEAK_MB, "MB"))
    print(f"         (client process alone: {client_peak:.0f} MB RSS. PSS: the largest simultaneous proportional set "
          "size of client + workers + forkserver, shared pages split among sharers. RSS sum: per-process peaks "
          "added up, counting pages shared after fork once per process: an upper bound)")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time feed refreshes of the real fetch pipeline "
                                     "against a synthetic loopback news web.")
    add_web_arguments(parser)
    parser.add_argument("--parse-workers", type=int, default=None,
                        help="override [fetch] parse_workers (default: the project's default)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="cProfile the client's main thread in each round; .prof files go to DIR")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = config_from_args(args)
    with tempfile.TemporaryDirectory(prefix="fetch-bench-") as tmp:
        settings = make_settings(Path(tmp), args.parse_workers)
        print_workload(config, args, settings)
        t0 = time.perf_counter()
        with NewsWeb(config, server=args.server) as web:
            print(f"news web ready in {time.perf_counter() - t0:.1f} s (port {web.port}, server pid {web.pid})")
            with open_store(settings.database_path) as store:
                print(f"subscribed {config.feeds} feeds in {subscribe(store, web.urls()):.1f} s\n")
                results = run_rounds(settings, store, web, config, args.profile)
        print_summary(results)
    return 0


def run_rounds(settings: Settings, store: Store, web: NewsWeb, config: WebConfig,
               profile_dir: Path | None) -> list[RoundResult]:
    """(a) first fetch, (b) nothing changed, (c) a share changed; each printed when done."""
    plan = [("a. first fetch", None), ("b. unchanged refresh", 0.0),
            (f"c. refresh, {config.changed:.0%} changed", config.changed)]
    results = []
    for number, (name, share) in enumerate(plan):
        changed = web.advance(number, changed=share)["changed"] if share is not None else 0
        result = run_round(name, settings, store, web, profile_dir)
        result.changed = changed
        print_round(result)
        results.append(result)
    return results


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    sys.exit(0)
