"""Worker processes for extraction that can be killed: the only module that imports pebble.

Why pebble: pathological HTML can keep lxml and trafilatura busy for minutes, and a
thread cannot be stopped. concurrent.futures cannot kill the one worker that runs a
late task either. pebble's ProcessPool kills the worker whose task passes its time
limit, starts a fresh one, and fails only that task; that is the whole contract we
need, and writing it ourselves (pipes, restarts, orphaned processes) is where bugs
live.

Workers are forked from a forkserver that has already imported trafilatura, so a
fresh worker is ready in milliseconds; each worker also caps its own address space,
so a memory bomb fails the page instead of the machine.
"""

from __future__ import annotations

import asyncio
import resource
from concurrent.futures import TimeoutError as FutureTimeout

import pebble

from ..errors import ExtractionCrashed, ExtractionTimeout
from ..workers import worker_context
from .page import Extracted, extract_page


def _limit_memory(max_bytes: int) -> None:
    if max_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


class ExtractionPool:
    """``await pool.extract(body, content_type, url)`` with a time limit per page."""

    def __init__(self, workers: int, timeout_seconds: float, *, max_memory_bytes: int = 0,
                 max_tasks_per_worker: int = 500):
        context = worker_context()
        self.timeout = timeout_seconds
        self._pool = pebble.ProcessPool(
            max_workers=workers,
            max_tasks=max_tasks_per_worker,  # recycle workers: lxml's caches only grow
            initializer=_limit_memory,
            initargs=(max_memory_bytes,),
            context=context,
        )

    async def extract(self, body: bytes, content_type: str | None, url: str) -> Extracted:
        future = self._pool.schedule(extract_page, args=(body, content_type, url), timeout=self.timeout)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            raise ExtractionTimeout(f"extraction took longer than {self.timeout:g} s; worker killed") from None
        except pebble.ProcessExpired as exc:
            raise ExtractionCrashed(f"extraction worker died ({exc})") from None
        except MemoryError:
            raise ExtractionCrashed("extraction ran out of memory (page too large or malformed)") from None
        except RecursionError:
            raise ExtractionCrashed("page is nested too deeply to extract") from None

    def close(self) -> None:
        self._pool.stop()
        self._pool.join()

    def __enter__(self) -> "ExtractionPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
