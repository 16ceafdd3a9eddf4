"""Full-text search over the cards with Pagefind: the only module that runs the pagefind binary.

Pagefind (from the ``pagefind-bin`` package, run as ``python -m pagefind_bin``) indexes
the built story pages into a static bundle that the search page queries in the
browser: no server is needed, so search works from any static host.

Pagefind cannot update an index, and indexing 10,000 story pages takes about five
seconds, which a rebuild after ten new stories must not pay. So there are two
bundles:

- ``pagefind/``, the *base* index of every story page at the time it was made;
- ``pagefind-recent/``, a *delta* index of the story pages added since, rebuilt at
  every build that adds one (a few pages: a fraction of a second).

The search page asks both (Pagefind's ``mergeIndex``). A base bundle never changes once
written, so it lives once in the builds folder (``shared/pagefind-<build>/``) and each
build's ``pagefind`` is a symbolic link to it: a build that keeps the base costs one
link, not ten thousand (``publish.prune`` removes bundles no kept build links to). :func:`plan` decides which
work a build does: reuse both, rebuild the delta, or rebuild everything (no base yet,
a story page removed, or more than ``delta_limit`` pages added or changed since the
base; pages count as changed when their story's data key changed, since related
updates and thread links are not indexed). A story whose card was refreshed since the
base stays findable under its old text as well until the next full index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import SearchIndexError

BASE, DELTA = "pagefind", "pagefind-recent"
GLOB = "stories/*/index.html"
DELTA_LIMIT = 200
SHARD_PAGES = 2500  # story pages per base bundle of a full index
TIMEOUT_SECONDS = 600


@dataclass
class SearchPlan:
    kind: str  # reuse | delta | full
    delta: list[str] = field(default_factory=list)  # story pages for the delta index
    reason: str = ""


def plan(pages: dict[str, str], base: dict[str, str] | None, previous_delta: dict[str, str] | None,
         delta_limit: int = DELTA_LIMIT) -> SearchPlan:
    """Pure: which index work a build needs, from the story pages' fingerprints.

    ``pages`` maps each story page of this build to its fingerprint; ``base`` is the
    same map for the pages in the base index (None: there is none); ``previous_delta``
    the same map for the previous build's delta index."""
    if base is None:
        return SearchPlan("full", reason="no search index yet")
    removed = (base.keys() | (previous_delta or {}).keys()) - pages.keys()
    if removed:
        return SearchPlan("full", reason=f"{len(removed)} story page(s) removed")
    new = sorted(pages.keys() - base.keys())
    changed = sum(1 for name, key in base.items() if pages[name] != key)
    if len(new) + changed > delta_limit:
        return SearchPlan("full", reason=f"{len(new)} new and {changed} changed pages since the base index")
    if not new:
        return SearchPlan("reuse", reason="no new story pages")
    if {name: pages[name] for name in new} == (previous_delta or {}):
        return SearchPlan("reuse", delta=new, reason="the delta index is unchanged")
    return SearchPlan("delta", delta=new, reason=f"{len(new)} new story page(s)")


class Indexing:
    """A Pagefind run going on in the background while the build renders its other pages."""

    def __init__(self, process: subprocess.Popen | None, scratch: Path | None, site: Path):
        self.process, self.scratch, self.site = process, scratch, site

    def cancel(self) -> None:
        """The build failed: stop Pagefind (its output goes with the discarded build)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            out, err = self.process.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as error:
            self.process.kill()
            raise SearchIndexError(f"pagefind took longer than {TIMEOUT_SECONDS} s on {self.site}") from error
        finally:
            if self.scratch is not None:
                shutil.rmtree(self.scratch, ignore_errors=True)
        if self.process.returncode != 0:
            detail = (err or out).strip()[-2000:]
            if "No module named pagefind_bin" in detail:
                raise SearchIndexError("search needs the pagefind-bin package: pip install pagefind-bin")
            raise SearchIndexError(f"pagefind failed (exit {self.process.returncode}): {detail}")


class ShardedIndex:
    """A full index made while the story pages are still being written, in shards.

    Pagefind takes 10-14 s of CPU over 10,000 story pages and started only once the
    last page was written, while the other core sat idle through the rendering. So
    the pages of a full build are indexed in shards: each shard's Pagefind starts as
    soon as its pages are written and runs beside the rendering of the next. A shard is
    chosen by the last digit of the story's slug (slugs end in the story's id), so a
    glob (``stories/*[01]/index.html``) selects it in place and no page is linked twice;
    a slug that ends otherwise (none does today) goes to a last shard of linked pages.
    Each shard is one base bundle (``pagefind/``, ``pagefind2/``, ...), kept in the
    builds' shared folder like a single base; the search page merges them all, as it
    merges the delta bundle. Callers write the pages in :meth:`order`."""

    def __init__(self, folder: Path, total: int, shard_pages: int | None = None):
        wanted = -(-total // (shard_pages or SHARD_PAGES))
        count = next(n for n in (1, 2, 5, 10) if n >= wanted or n == 10)
        self.folder = folder
        self.digits = ["0123456789"[k * 10 // count:(k + 1) * 10 // count] for k in range(count)]
        self.current: int | None = None
        self.others: list[str] = []  # pages of slugs that do not end in a digit
        self.bundles: list[str] = []
        self.runs: list[Indexing] = []

    def shard(self, name: str) -> int:
        """``name`` is ``stories/<slug>/index.html``; a slug not ending in a digit is shard -1."""
        last = name[-len("/index.html") - 1:-len("/index.html")]
        return next((k for k, digits in enumerate(self.digits) if last in digits), -1) if last.isdigit() else -1

    def order(self, stories: list[dict]) -> list[dict]:
        """The stories in the order their pages must be written: shard by shard."""
        shard = {id(s): self.shard(s["path"] + "index.html") for s in stories}
        return sorted(stories, key=lambda s: (shard[id(s)] < 0, shard[id(s)]))  # stable: newest first within

    def add(self, name: str) -> None:
        """A story page is written at its place in the build (in :meth:`order`)."""
        shard = self.shard(name)
        if shard < 0:
            self.others.append(name)
            return
        if self.current is not None and shard != self.current:
            self._launch(self.current)
        self.current = shard

    def finish(self) -> "ShardedIndex":
        """The last page is written: index what is left (or, with no page at all, the empty site)."""
        if self.current is not None:
            self._launch(self.current)
            self.current = None
        if self.others or not self.runs:
            self._launch(None)
        return self

    def wait(self) -> None:
        for run in self.runs:
            run.wait()

    def cancel(self) -> None:
        for run in self.runs:
            run.cancel()

    def _launch(self, shard: int | None) -> None:
        name = BASE if not self.bundles else f"{BASE}{len(self.bundles) + 1}"
        bundle = shared_dir(self.folder) / f"{name}-{self.folder.name}"
        bundle.parent.mkdir(exist_ok=True)
        (self.folder / name).symlink_to(os.path.relpath(bundle, self.folder))
        self.bundles.append(name)
        if shard is not None:
            glob = GLOB.replace("/*/", f"/*[{self.digits[shard]}]/")
            self.runs.append(Indexing(_pagefind(self.folder, bundle, glob), None, self.folder))
        elif self.others:
            self.runs.append(_scratch_index(self.folder, self.others, lambda page: self.folder / page, bundle,
                                            part="-others"))
        else:  # no story page at all: an empty index, so the search page still loads
            self.runs.append(Indexing(_pagefind(self.folder, bundle, GLOB), None, self.folder))


def _pagefind(site: Path, output: Path, glob: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "pagefind_bin", "--site", str(site), "--glob", glob,
               "--output-path", str(output), "--silent"]
    # at a lower priority: the build's own rendering is the critical path, and Pagefind
    # (several threads) would otherwise take turns with it on the core it needs
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        os.setpriority(os.PRIO_PROCESS, process.pid, 10)  # not preexec_fn: builds run in threads of serve
    except OSError:
        pass  # it has already finished, or the system refuses: it runs at the normal priority
    return process


def start(folder: Path, previous: Path | None, search: SearchPlan, *,
          pages: list[str] | None = None, location: Callable[[str], Path] | None = None,
          bundles: list[str] = [BASE]) -> Indexing:
    """Begin carrying out ``search`` for the build in ``folder`` (``previous``: the build it
    replaces; ``bundles``, its base bundles); the story pages must be written. ``wait()`` on
    the result before publishing.

    ``location`` says where a story page of this build is when it is not (yet) at its
    place in ``folder`` (a staged page of the shared story pool); then a full index runs
    over a scratch tree of links to the build's ``pages`` instead of over ``folder``."""
    if search.kind == "full":
        bundle = shared_dir(folder) / f"{BASE}-{folder.name}"
        bundle.parent.mkdir(exist_ok=True)
        (folder / BASE).symlink_to(os.path.relpath(bundle, folder))
        if location is None:
            return Indexing(_pagefind(folder, bundle, GLOB), None, folder)
        return _scratch_index(folder, pages or [], location, bundle)
    assert previous is not None, "only a full index can start without a previous build"
    for name in bundles:
        base = previous / name
        if not base.is_dir():
            raise SearchIndexError(f"the previous build has no search bundle at {base}")
        if base.is_symlink():
            (folder / name).symlink_to(os.readlink(base))  # the same shared bundle, same relative path
        else:
            _link_tree(base, folder / name)
    if search.kind == "reuse":
        if search.delta:
            _link_tree(previous / DELTA, folder / DELTA)
        return Indexing(None, None, folder)
    return _scratch_index(folder, search.delta, location or (lambda name: folder / name), folder / DELTA)


def _scratch_index(folder: Path, pages: list[str], location: Callable[[str], Path], output: Path,
                   part: str = "") -> Indexing:
    """Index just ``pages``, linked at their paths in the site into a scratch tree."""
    scratch = folder.parent / f".{folder.name}.search{part}"
    try:
        for name in pages:
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(location(name), scratch / name)
        return Indexing(_pagefind(scratch, output, GLOB), scratch, folder)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def shared_dir(folder: Path) -> Path:
    """Where bundles shared by several builds live: beside the build folders."""
    return folder.parent / "shared"


def _link_tree(source: Path, target: Path) -> None:
    if not source.is_dir():
        raise SearchIndexError(f"the previous build has no search bundle at {source}")
    shutil.copytree(source, target, copy_function=os.link)
