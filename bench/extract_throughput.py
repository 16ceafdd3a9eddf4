"""Extraction-throughput benchmark: the real extract stage on 1,000 loopback article pages.

Why: full-text extraction is the stage whose cost grows with the news itself (every
new entry means one page download and one trafilatura run in a worker process), and
its speed depends on things unit tests never see together: the polite page fetcher
(robots.txt per origin, one request at a time per host, a delay between them), the
guarded HTTP client, pebble's process pool fed from the event loop, and one SQLite
transaction per entry. This script drives the project's own code
(``settings_from_dict``, ``open_store``, ``add_feed``, ``run_fetch``, ``run_extract``)
against ``newsweb.py --articles``: a separate process serving N feeds whose items
link to realistic 30-60 KB article pages (newspages.py), spread over K loopback
addresses, each response delayed 50-300 ms, robots.txt answered 404.

Steps: subscribe the feeds, ``run_fetch`` (timed separately, not part of the
target), then time ``run_extract`` over the N pending entries with
``[extract] workers = 2`` and ``per_host_delay_seconds = 0`` (``--delay`` sets it;
the project's default is 1 s, which makes the run latency-bound by design), and
``[network] allow_private_networks = true, max_concurrency = 100,
per_host_concurrency = 8``.

It prints wall time, pages/s, client CPU, worker CPU and memory (the pebble
workers are forked by the multiprocessing *forkserver*, so they are grandchildren
that RUSAGE_CHILDREN does not see while the client runs: they are sampled from
/proc every 50 ms, as bench/fetch_refresh.py does), the ExtractReport counts, and
the target "1,000 pages extracted in under 45 s on 2 cores" as MET or MISSED.
The exit status is always 0: it is a measurement, not a test.

Run: ``.venv/bin/python bench/extract_throughput.py`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import cProfile
import math
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import WorkerSampler, dump_profile, mb, own_peak_kb, reset_peak_rss  # noqa: E402
from newsweb import NewsWeb, WebConfig, host_address  # noqa: E402

from aggregator.clock import system_clock  # noqa: E402
from aggregator.config import Settings, settings_from_dict  # noqa: E402
from aggregator.pipeline import run_extract, run_fetch  # noqa: E402
from aggregator.store import open_store  # noqa: E402
from aggregator.store.feeds import add_feed  # noqa: E402

TARGET_PAGES = 1000
TARGET_SECONDS = 45.0
TARGET_CORES = 2


# --------------------------------------------------------------------------- setup


def settings_data(tmpdir: Path, args: argparse.Namespace) -> dict:
    return {
        "database": {"path": str(tmpdir / "bench.db")},
        "network": {"allow_private_networks": True, "max_concurrency": 100, "per_host_concurrency": 8,
                    "request_timeout_seconds": 30},
        "extract": {"workers": args.workers, "per_host_delay_seconds": args.delay},
    }


def fetch_stage(data: dict, tmpdir: str, urls: list[str]) -> tuple[int, int, float]:
    """Subscribe and fetch every feed; (feeds checked, new entries, seconds). Also run in a child."""
    settings = settings_from_dict(data, base_dir=Path(tmpdir))
    with open_store(settings.database_path) as store:
        now = system_clock()
        for url in urls:
            add_feed(store, url, now)
        t0 = time.perf_counter()
        report = run_fetch(settings, store, system_clock, everything=True)
        return report.feeds_checked, report.new_entries, time.perf_counter() - t0


def _fetch_child(data: dict, tmpdir: str, urls: list[str], queue) -> None:
    queue.put(fetch_stage(data, tmpdir, urls))


def fetch_in_child(data: dict, tmpdir: str, urls: list[str]) -> tuple[int, int, float]:
    """The fetch stage in its own (spawned) process: the client starts extraction fresh,
    as ``aggregator extract`` does, instead of after a fetch in the same process."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_fetch_child, args=(data, tmpdir, urls, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def forkserver_pid() -> int | None:
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


# --------------------------------------------------------------------------- the timed run


def timed_extract(settings: Settings, web: NewsWeb, pages: int, profile_dir: Path | None) -> dict:
    store = open_store(settings.database_path)
    done_at: list[float] = []
    started: list[float] = []
    server_before = web.stats()
    peak_reset = reset_peak_rss()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    profiler = cProfile.Profile() if profile_dir else None
    try:
        with WorkerSampler(exclude={web.pid} if web.pid else set()) as sampler:
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            report = run_extract(settings, store, system_clock, limit=pages,
                                 on_start=lambda n: started.append(time.perf_counter() - t0),
                                 on_done=lambda outcome: done_at.append(time.perf_counter() - t0))
            if profiler:
                profiler.disable()
            wall = time.perf_counter() - t0
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        rows = store.query("select status, text_origin, count(*) as n, avg(text_chars) as chars "
                           "from extractions group by status, text_origin")
    finally:
        store.close()
    return {
        "wall": wall, "report": report, "done_at": done_at, "queued_at": started[0] if started else 0.0,
        "cpu_user": usage1.ru_utime - usage0.ru_utime, "cpu_system": usage1.ru_stime - usage0.ru_stime,
        "client_peak_kb": own_peak_kb(), "peak_reset": peak_reset,
        "children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "helpers": sampler.summary(), "concurrent_workers_kb": sampler.concurrent_workers_kb,
        "concurrent_all_kb": sampler.concurrent_all_kb,
        "server": server_delta(server_before, web.stats()), "rows": rows,
        "profile": dump_profile(profiler, profile_dir, "extract") if profiler and profile_dir else "",
    }


def server_delta(before: dict, after: dict) -> dict:
    keys = ("cpu_user", "cpu_system", "requests", "status_200", "status_404", "pages", "bytes", "connections")
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys}


# --------------------------------------------------------------------------- output


def latency_floor(config: WebConfig, pages: int, delay: float) -> float:
    """Seconds the busiest host needs when its requests run strictly one after another:
    robots.txt plus its pages, each at the mean latency, with ``delay`` between them."""
    # articles live on their feed's host, and feed i is on host i % hosts
    per_host = min(pages, math.ceil(config.feeds / config.hosts) * config.items) + 1
    mean = (config.latency_min_ms + config.latency_max_ms) / 2000
    return per_host * mean + (per_host - 1) * delay


def print_workload(config: WebConfig, args: argparse.Namespace, settings: Settings) -> None:
    net, ext = settings.network, settings.extract
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    print("Extraction-throughput benchmark")
    print(f"  workload : {args.pages} article pages (30-60 KB HTML, 4-8 KB of story text, 6-12 paragraphs) "
          f"linked from {config.feeds} feeds x {config.items} items, on {min(config.hosts, config.feeds)} "
          f"loopback addresses 127.0.0.1..{host_address(min(config.hosts, config.feeds) - 1)} (a page lives on "
          "its feed's host); robots.txt 404")
    print(f"  latency  : {config.latency_min_ms:g}-{config.latency_max_ms:g} ms per response (uniform); "
          f"gzip: {'yes' if config.gzip else 'no'}; server: asyncio, own process; seed {config.seed}")
    print(f"  client   : extract.workers={ext.workers}, extract.per_host_delay_seconds={ext.per_host_delay_seconds:g}"
          f" (project default 1), respect_robots={ext.respect_robots}, timeout={ext.timeout_seconds:g} s; "
          f"network max_concurrency={net.max_concurrency}, per_host_concurrency={net.per_host_concurrency}, "
          f"allow_private_networks={net.allow_private_networks}")
    print(f"  machine  : {cores} usable CPUs (target assumes {TARGET_CORES}), Python {sys.version.split()[0]}, "
          f"pid {os.getpid()}")
    print(f"  target   : {TARGET_PAGES:,} pages extracted in < {TARGET_SECONDS:g} s on {TARGET_CORES} cores"
          + (f" (scaled to {args.pages} pages: < {TARGET_SECONDS * args.pages / TARGET_PAGES:.1f} s)"
             if args.pages != TARGET_PAGES else ""))
    print(f"  floor    : latency alone, one request at a time per host: ~{latency_floor(config, args.pages, args.delay):.1f} s")
    if args.profile:
        print("  NOTE     : cProfile is on; times below include its overhead")
    print()


def print_result(r: dict, pages: int) -> None:
    rep, h, s = r["report"], r["helpers"], r["server"]
    wall = r["wall"]
    cpu = r["cpu_user"] + r["cpu_system"]
    done = sorted(r["done_at"])
    print("[extract]")
    print(f"  wall        {wall:7.2f} s   {rep.processed / wall if wall else 0:7.1f} pages/s   "
          f"(queue read in {r['queued_at']:.2f} s; first page done at {done[0] if done else 0:.2f} s, "
          f"half at {done[len(done) // 2] if done else 0:.2f} s, last at {done[-1] if done else 0:.2f} s)")
    print(f"  client CPU  {cpu:7.2f} s   (user {r['cpu_user']:.2f}, system {r['cpu_system']:.2f}; "
          f"{cpu / wall:.0%} of one core)")
    per_page = h["worker_cpu"] / rep.processed * 1000 if rep.processed else 0
    print(f"  workers CPU {h['worker_cpu']:7.2f} s   ({h['workers']} worker processes seen, {per_page:.1f} ms per page; "
          f"forkserver/helpers {h['other_cpu']:.2f} s)")
    print(f"  server CPU  {s['cpu_user'] + s['cpu_system']:7.2f} s   ({s['requests']} requests: {s['pages']} pages, "
          f"{s['status_404']} x 404 (robots.txt); {s['connections']} new connections; {s['bytes'] / 1e6:.1f} MB sent)")
    print(f"  total CPU   {cpu + h['worker_cpu'] + h['other_cpu'] + s['cpu_user'] + s['cpu_system']:7.2f} s   "
          f"(client + workers + helpers + server)")
    print(f"  report      processed={rep.processed} from_article={rep.from_article} from_feed={rep.from_feed} "
          f"failed={rep.failed}")
    for reason, count in sorted(rep.reasons.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  reason x{count}: {reason}")
    for row in r["rows"]:
        print(f"  stored      {row['n']:5d} x {row['status']}/{row['text_origin']}, "
              f"{row['chars'] or 0:.0f} chars of text on average")
    peak_note = "extraction only" if r["peak_reset"] else "whole process life, fetch included"
    print(f"  memory      client peak RSS {mb(r['client_peak_kb'])} ({peak_note})")
    print(f"              workers: peak {mb(h['worker_peak_kb'])} each, sum of peaks {mb(h['worker_peak_sum_kb'])}, "
          f"largest simultaneous sum {mb(r['concurrent_workers_kb'])}; forkserver/helpers {mb(h['other_peak_sum_kb'])}")
    total = r["client_peak_kb"] + h["worker_peak_sum_kb"] + h["other_peak_sum_kb"]
    print(f"              client + all helper peaks {mb(total)} (upper bound); largest simultaneous "
          f"client-descendant sum {mb(r['concurrent_all_kb'])}")
    for warning in sanity_warnings(r, pages):
        print(f"  WARNING     {warning}")
    print()
    if r["profile"]:
        print(r["profile"])


def sanity_warnings(r: dict, pages: int) -> list[str]:
    rep, s = r["report"], r["server"]
    warnings = []
    if rep.processed != pages:
        warnings.append(f"{rep.processed} entries processed, {pages} expected")
    if s["pages"] != rep.processed:
        warnings.append(f"the server served {s['pages']} pages for {rep.processed} entries")
    if rep.from_article != rep.processed:
        warnings.append(f"{rep.processed - rep.from_article} entries did not get the article text")
    if r["helpers"]["workers"] == 0:
        warnings.append("no worker processes were seen in /proc; worker CPU and memory are missing")
    return warnings


def print_verdict(wall: float, pages: int) -> None:
    target = TARGET_SECONDS * pages / TARGET_PAGES
    met = wall < target
    scaled = "" if pages == TARGET_PAGES else f" (scaled from {TARGET_PAGES:,} pages / {TARGET_SECONDS:g} s)"
    print("Target")
    print(f"  {'MET   ' if met else 'MISSED'} {pages:,} pages extracted in {wall:.2f} s  "
          f"(target < {target:.1f} s on {TARGET_CORES} cores{scaled})")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the real extraction stage on article pages served "
                                     "by a synthetic loopback news web.")
    parser.add_argument("--pages", type=int, default=1000, help="article pages to extract (default 1000)")
    parser.add_argument("--items", type=int, default=20, help="items per feed (default 20; feeds = pages / items)")
    parser.add_argument("--hosts", type=int, default=50, help="loopback addresses (default 50)")
    parser.add_argument("--latency-min", type=float, default=50.0, help="minimum response latency, ms (default 50)")
    parser.add_argument("--latency-max", type=float, default=300.0, help="maximum response latency, ms (default 300)")
    parser.add_argument("--workers", type=int, default=2, help="[extract] workers (default 2)")
    parser.add_argument("--delay", type=float, default=0.0,
                        help="[extract] per_host_delay_seconds (default 0 here; the project's default is 1)")
    parser.add_argument("--seed", type=int, default=1, help="content seed (default 1)")
    parser.add_argument("--no-gzip", dest="gzip", action="store_false", help="never compress bodies")
    parser.add_argument("--fetch-in-child", action="store_true",
                        help="run the fetch stage in a separate process, so extraction starts as "
                             "`aggregator extract` does (its own forkserver)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="cProfile the client's main thread during extraction; extract.prof goes to DIR")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.items < 1 or args.workers < 1 or args.delay < 0:
        parser.error("--pages, --items and --workers must be >= 1 and --delay >= 0")
    if not 1 <= args.hosts <= 254 * 256:
        parser.error("--hosts must be between 1 and 65024")
    if args.latency_min < 0 or args.latency_max < args.latency_min:
        parser.error("need 0 <= --latency-min <= --latency-max")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = WebConfig(feeds=math.ceil(args.pages / args.items), items=args.items, hosts=args.hosts,
                       latency_min_ms=args.latency_min, latency_max_ms=args.latency_max, changed=0.0,
                       seed=args.seed, gzip=args.gzip, articles=True)
    with tempfile.TemporaryDirectory(prefix="extract-bench-") as tmp:
        data = settings_data(Path(tmp), args)
        settings = settings_from_dict(data, base_dir=Path(tmp))
        print_workload(config, args, settings)
        t0 = time.perf_counter()
        with NewsWeb(config) as web:
            print(f"news web ready in {time.perf_counter() - t0:.1f} s (port {web.port}, server pid {web.pid}; "
                  f"pages rendered and gzipped at start)")
            fetch = fetch_in_child if args.fetch_in_child else fetch_stage
            checked, new_entries, seconds = fetch(data, tmp, web.urls())
            where = "in a child process" if args.fetch_in_child else "in this process"
            print(f"fetch stage (not in the target): {checked} feeds, {new_entries} entries in {seconds:.2f} s, "
                  f"{where}")
            server = forkserver_pid()
            print("forkserver before extraction: "
                  + (f"already running (pid {server}, started by the fetch stage's parse pool with the shared "
                     "preload list of aggregator.workers)" if server else
                     "not running; the extraction pool starts it (shared preload list of aggregator.workers)") + "\n")
            result = timed_extract(settings, web, args.pages, args.profile)
            print_result(result, args.pages)
        print_verdict(result["wall"], result["report"].processed or args.pages)
    return 0


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    sys.exit(0)
