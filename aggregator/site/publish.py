"""Atomic publishing: a visitor never sees a half-built site, a failed build leaves the old one.

``output_dir`` is a symbolic link to the current build under ``.<name>.builds/``. A
build is written to a fresh folder beside it, and only when it is complete does one
``rename()`` of a new link over the old one switch the site: rename is atomic on
POSIX, so every request sees either the old site or the new one. The two newest
builds are kept (the previous one for a moment's in-flight requests), older ones are
removed. Each build has a *sidecar* file beside its folder (``<build>.json``, outside
what is served) where the build records what it rendered, for the next build; it is
written as ``<build>.json.pending`` and renamed once the build is published, so a
build that died before its swap (a kill leaves its folder) is never taken for a
published one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

KEEP_BUILDS = 2


def builds_dir(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}.builds"


def sidecar(folder: Path) -> Path:
    """The file beside a build where it records its page fingerprints (see ``site.writer``)."""
    return folder.parent / f"{folder.name}.json"


def pending_sidecar(folder: Path) -> Path:
    """Where a build writes its sidecar; it becomes ``sidecar`` once the build is published, so
    a sidecar marks a build that was published (``prune`` keeps those), not merely finished."""
    return folder.parent / f"{folder.name}.json.pending"


def current_build(output_dir: Path) -> Path | None:
    if output_dir.is_symlink():
        target = output_dir.resolve()
        return target if target.is_dir() else None
    return None


@contextmanager
def new_build(output_dir: Path, after_swap: list[Callable[[], None]] | None = None) -> Iterator[Path]:
    """Yield an empty folder to build into; publish it if the block succeeds, discard it if not.

    Builds are serialised with a lock file: two overlapping builds (a scheduled one
    and a manual `aggregator build`) would otherwise prune each other's folders or
    publish an older snapshot over a newer one.
    """
    if output_dir.exists() and not output_dir.is_symlink():
        raise FileExistsError(f"{output_dir} is a real folder, not a published site: move it away first")
    builds = builds_dir(output_dir)
    builds.mkdir(parents=True, exist_ok=True)
    with open(builds / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = builds / f"{time.time_ns():020d}-{os.getpid()}"  # names sort in build order
        folder.mkdir()
        live = current_build(output_dir)
        if live is not None and pending_sidecar(live).exists() and not sidecar(live).exists():
            os.replace(pending_sidecar(live), sidecar(live))  # published, then killed before it said so
        try:
            yield folder
            swap(output_dir, folder)
        except BaseException:
            for leftover in builds.glob(f"shared/*-{folder.name}"):  # what the build made for itself alone
                shutil.rmtree(leftover, ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)
            pending_sidecar(folder).unlink(missing_ok=True)
            raise
        if pending_sidecar(folder).exists():
            os.replace(pending_sidecar(folder), sidecar(folder))
        for step in after_swap or ():  # still under the lock: e.g. pages of removed stories leave the pool
            step()
        prune(builds, keep={folder})


def swap(output_dir: Path, folder: Path) -> None:
    if output_dir.exists() and not output_dir.is_symlink():
        raise FileExistsError(f"{output_dir} is a real folder, not a published site: move it away first")
    link = output_dir.parent / f".{output_dir.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(os.path.relpath(folder, output_dir.parent))
    os.replace(link, output_dir)


def prune(builds: Path, keep: set) -> None:
    """Retire all but the newest builds (called under the build lock).

    A retired build is renamed out of the way at once and deleted by a background
    thread: deleting 10,000 story folders takes seconds on some file systems, and the
    new site is already published. A deletion cut short (the process ended) is finished
    by the next build."""
    folders = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "shared"),
                     key=lambda p: p.name, reverse=True)
    complete = [p for p in folders if p in keep or sidecar(p).exists()]
    unfinished = [p for p in folders if p not in complete]  # a build killed before it finished: never published
    for old in complete[KEEP_BUILDS:] + unfinished:
        if old not in keep:
            sidecar(old).unlink(missing_ok=True)
            old.rename(builds / f".trash-{old.name}")
    for orphan in [*builds.glob("*.json"), *builds.glob("*.json.pending")]:  # a build gone, or never published
        build = builds / orphan.name.split(".json")[0]
        if not build.is_dir() or (orphan.name.endswith(".pending") and build not in keep):
            orphan.unlink(missing_ok=True)
    shared = builds / "shared"  # bundles linked from builds (the search index): kept while a build links them
    if shared.is_dir():
        linked = {os.path.realpath(entry) for build in builds.iterdir()
                  if build.is_dir() and not build.name.startswith(".") and build != shared
                  for entry in build.iterdir() if entry.is_symlink()}
        for bundle in shared.iterdir():
            if os.path.realpath(bundle) not in linked:
                bundle.rename(builds / f".trash-{bundle.name}")
    trash = [p for p in builds.glob(".trash-*") if p.is_dir()]
    if trash:
        threading.Thread(target=_delete, args=(trash,), name="site-prune").start()


def _delete(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
