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
base). A story page that changed since the base (a refreshed card, a new related
link) stays findable under its old text until the next full index.
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
DELTA_LIMIT = 200
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
    removed = base.keys() - pages.keys()
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


def _pagefind(site: Path, output: Path, glob: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "pagefind_bin", "--site", str(site), "--glob", glob,
               "--output-path", str(output), "--silent"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start(folder: Path, previous: Path | None, search: SearchPlan, glob: str = "stories/*/index.html", *,
          pages: list[str] | None = None, location: Callable[[str], Path] | None = None) -> Indexing:
    """Begin carrying out ``search`` for the build in ``folder`` (``previous``: the build it
    replaces); the story pages must be written. ``wait()`` on the result before publishing.

    ``location`` says where a story page of this build is when it is not (yet) at its
    place in ``folder`` (a staged page of the shared story pool); then a full index runs
    over a scratch tree of links to the build's ``pages`` instead of over ``folder``."""
    if search.kind == "full":
        bundle = shared_dir(folder) / f"{BASE}-{folder.name}"
        bundle.parent.mkdir(exist_ok=True)
        (folder / BASE).symlink_to(os.path.relpath(bundle, folder))
        if location is None:
            return Indexing(_pagefind(folder, bundle, glob), None, folder)
        return _scratch_index(folder, pages or [], location, bundle, glob)
    assert previous is not None, "only a full index can start without a previous build"
    base = previous / BASE
    if not base.is_dir():
        raise SearchIndexError(f"the previous build has no search bundle at {base}")
    if base.is_symlink():
        (folder / BASE).symlink_to(os.readlink(base))  # the same shared bundle, same relative path
    else:
        _link_tree(base, folder / BASE)
    if search.kind == "reuse":
        if search.delta:
            _link_tree(previous / DELTA, folder / DELTA)
        return Indexing(None, None, folder)
    return _scratch_index(folder, search.delta, location or (lambda name: folder / name), folder / DELTA, glob)


def _scratch_index(folder: Path, pages: list[str], location: Callable[[str], Path], output: Path,
                   glob: str) -> Indexing:
    """Index just ``pages``, linked at their paths in the site into a scratch tree."""
    scratch = folder.parent / f".{folder.name}.search"
    try:
        for name in pages:
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(location(name), scratch / name)
        return Indexing(_pagefind(scratch, output, glob), scratch, folder)
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
