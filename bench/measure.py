"""Process-measurement helpers shared by the benchmarks (fetch_refresh.py, extract_throughput.py).

The parse / extract workers are forked by the multiprocessing *forkserver*, so they
are grandchildren that RUSAGE_CHILDREN does not see while the client runs: the
samplers here read them from /proc every 50 ms (CPU from utime+stime, peak RSS from
VmHWM, PSS from smaps_rollup). Also: resetting and reading this process's own peak
RSS, saving a cProfile, and formatting kilobytes as megabytes.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import resource
import threading
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- helper processes


@dataclass
class ProcSample:
    role: str  # worker (a grandchild: forked by the forkserver) | helper (forkserver, resource tracker)
    cpu_start: float  # seconds, at the start of the round (0 for processes born during it)
    cpu_last: float = 0.0
    peak_kb: int = 0


def _read_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (fork, copy-on-write) split among their sharers."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


HAVE_CHILDREN_FILES = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _children(pid: int) -> list[int]:
    """Child pids of ``pid``: a few small /proc files, or a scan of all processes."""
    if not HAVE_CHILDREN_FILES:  # kernel without CONFIG_PROC_CHILDREN
        return [int(e.name) for e in os.scandir("/proc")
                if e.name.isdigit() and (_read_stat(int(e.name)) or (0, 0.0))[0] == pid]
    pids: list[int] = []
    try:
        for task in os.scandir(f"/proc/{pid}/task"):
            try:
                pids += [int(p) for p in Path(task.path, "children").read_text().split()]
            except OSError:  # the thread ended meanwhile
                pass
    except OSError:  # the process ended meanwhile
        pass
    return pids


class HelperSampler:
    """Samples the client's descendant processes (except the server) during a round."""

    def __init__(self, exclude: set[int], interval: float = 0.05):
        self.root = os.getpid()
        self.exclude = exclude
        self.interval = interval
        self.procs: dict[int, ProcSample] = {}
        self.peak_pss_kb = 0  # largest simultaneous PSS of the client and all its helpers
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "HelperSampler":
        self._sample(starting=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _descendants(self) -> dict[int, tuple[int, float]]:
        """Every process below ours (not the excluded server), with parent and CPU."""
        found: dict[int, tuple[int, float]] = {}
        frontier = [self.root]
        while frontier:
            parent = frontier.pop()
            for pid in _children(parent):
                stat = _read_stat(pid)
                if pid not in self.exclude and pid not in found and stat is not None:
                    found[pid] = stat
                    frontier.append(pid)
        return found

    def _sample(self, starting: bool = False) -> None:
        descendants = self._descendants()
        self.peak_pss_kb = max(self.peak_pss_kb, sum(_pss_kb(pid) for pid in [self.root, *descendants]))
        for pid, (ppid, cpu) in descendants.items():
            proc = self.procs.get(pid)
            if proc is None:
                role = "helper" if ppid == self.root else "worker"
                proc = self.procs[pid] = ProcSample(role, cpu if starting else 0.0)
            proc.cpu_last = max(proc.cpu_last, cpu)
            proc.peak_kb = max(proc.peak_kb, _peak_kb(pid))

    def summary(self) -> dict:
        workers = [p for p in self.procs.values() if p.role == "worker"]
        others = [p for p in self.procs.values() if p.role != "worker"]
        return {
            "workers": len(workers),
            "worker_cpu": sum(p.cpu_last - p.cpu_start for p in workers),
            "worker_peak_kb": max((p.peak_kb for p in workers), default=0),
            "worker_peak_sum_kb": sum(p.peak_kb for p in workers),
            "other_cpu": sum(p.cpu_last - p.cpu_start for p in others),
            "other_peak_sum_kb": sum(p.peak_kb for p in others),
            "peak_pss_kb": self.peak_pss_kb,
        }


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class WorkerSampler(HelperSampler):
    """HelperSampler, plus the largest *simultaneous* RSS of the workers.

    pebble recycles a worker after ``max_tasks`` pages, so the sum of every worker's
    peak counts processes that never lived at the same time; the concurrent sum is
    what the machine actually had to hold.
    """

    def __init__(self, exclude: set[int], interval: float = 0.05):
        super().__init__(exclude, interval)
        self.concurrent_workers_kb = 0
        self.concurrent_all_kb = 0

    def _sample(self, starting: bool = False) -> None:
        super()._sample(starting)
        live = self._descendants()
        workers = sum(_rss_kb(pid) for pid in live if self.procs.get(pid) and self.procs[pid].role == "worker")
        self.concurrent_workers_kb = max(self.concurrent_workers_kb, workers)
        self.concurrent_all_kb = max(self.concurrent_all_kb, sum(_rss_kb(pid) for pid in live))


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM (Linux >= 4.0), so the peak covers only what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def own_peak_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --------------------------------------------------------------------------- profile and output


def dump_profile(profiler: cProfile.Profile, directory: Path, name: str) -> str:
    """Save the profile to DIR/<round>.prof and return its top functions as text."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name.split('.')[0]}.prof"
    profiler.dump_stats(str(path))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(25)
    return f"--- cProfile of the client's main thread (saved to {path}) ---\n{out.getvalue()}"


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"
