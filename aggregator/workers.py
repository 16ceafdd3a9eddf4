"""The multiprocessing context of every worker pool (feed parsing, extraction).

Workers fork from one *forkserver*, started once per process and shared by all
pools, so it must preload everything any pool's workers need: the first pool to
start it fixes the list. Preloading the CLI matters too: on Python 3.11 a forkserver
worker re-runs ``__main__`` (for us, the CLI) on start; with it preloaded that costs
milliseconds instead of ~0.3 s of imports per worker.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext

PRELOAD = ["aggregator.cli", "aggregator.parse", "aggregator.extract.page"]


def worker_context() -> BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context
