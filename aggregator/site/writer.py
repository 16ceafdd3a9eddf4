"""Writing pages into a new build, reusing the previous build's file when nothing changed.

Incremental rebuilds without giving up atomic publishing: every build is still a
complete folder, but a page whose inputs are unchanged is a *hard link* to the
previous build's file instead of a fresh render. A page's fingerprint is a hash of
everything that can change its bytes: the template sources and the code version, the
context common to every page, and the page's own context. The fingerprints of a
build are kept in a manifest beside it (outside the served folder); a page is reused
when its fingerprint matches the manifest of the build being replaced and the old
file is still there. A missing or unreadable manifest just means a full render.

Contexts must therefore hold only what the page shows: a value that changes at every
build (a rank with recency points, "now") in a listing's context would make it render
every time. Tests check that an unchanged rebuild renders nothing.

Story pages are different: they live in a pool shared by builds (see ``render``), the
build decides from the store which of them may have changed (``site.data``) and leaves
the others untouched, and the ones it renders are fingerprinted by their bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from .. import __version__
from ..templating import TEMPLATES, environment

SAFE_PATH = re.compile(r"^(?:[a-z0-9][a-z0-9-]*(?:/[A-Za-z0-9][A-Za-z0-9-]*)*)?$")  # no "..", no absolute paths
MANIFEST_VERSION = 1


def templates_fingerprint() -> str:
    """Changes when any site template, the code that makes pages, or the version changes: then
    every page renders (a kept story page is never looked at again, so a change in how pages
    are made must show here)."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).resolve().parents[1]
    sources = [*sorted((TEMPLATES / "site").rglob("*")), *sorted((package / "site").glob("*.py")),
               package / "export.py", package / "related.py"]
    for path in sources:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_sidecar(path: Path) -> dict:
    """A build's sidecar as written by :func:`write_manifest` (empty when missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_manifest(data: dict) -> dict[str, str]:
    """The page fingerprints of a sidecar's contents."""
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION or not isinstance(data.get("pages"), dict):
        return {}
    return {k: v for k, v in data["pages"].items() if isinstance(k, str) and isinstance(v, str)}


def write_manifest(path: Path, pages: dict[str, str], extra: dict | None = None) -> None:
    path.write_text(json.dumps({"version": MANIFEST_VERSION, "pages": pages, **(extra or {})}), encoding="utf-8")


class SiteWriter:
    """Renders pages (``path/index.html``) and files into ``folder``, linking unchanged ones.

    ``previous`` is the published build being replaced and ``manifest`` its page
    fingerprints; with neither, every page is rendered. With ``staging`` set, pages under
    ``pooled`` belong to the story pool this build shares with the previous one: a page
    whose bytes did not change is left where it is, a changed one is written to
    ``staging`` and moved in by :meth:`commit` just before the build is published.
    """

    def __init__(self, folder: Path, common: dict, *, previous: Path | None = None,
                 manifest: dict[str, str] | None = None, filters: dict | None = None):
        self.folder = folder
        self.staging: Path | None = None  # set by the build when it shares the previous build's pool
        self.pooled = "stories/"
        self.staged: dict[str, None] = {}  # names, in writing order
        self.common = common
        self.previous = previous
        self.manifest = manifest or {}
        self.env = environment()
        for name, function in (filters or {}).items():
            self.env.filters.setdefault(name, function)
        self.base = hashlib.blake2b(
            (templates_fingerprint() + json.dumps(common, sort_keys=True, default=str)).encode(),
            digest_size=16).hexdigest()
        self.fingerprints: dict[str, str] = {}
        self.rendered = 0
        self.reused = 0

    def page(self, path: str, template: str, **context) -> None:
        if not SAFE_PATH.match(path):
            raise ValueError(f"refusing to write a page at {path!r}")
        name = f"{path}/index.html" if path else "index.html"
        pooled = name.startswith(self.pooled)
        if not pooled and self._reuse(name, template, context):
            return
        depth = len(path.split("/")) if path else 0  # "stories/x" -> stories/x/index.html -> ../../
        html = self.env.get_template(template).render(
            path=path, root="../" * depth if depth else "./", **self.common, **context)
        if pooled:
            # A story page is only rendered when its story or its lists may have changed
            # (``site.data``), so it is fingerprinted by its bytes: cheaper than hashing its
            # context (10,000 json.dumps in a full build), and exact.
            key = self.fingerprints[name] = hashlib.blake2b(html.encode(), digest_size=16).hexdigest()
            if self.staging is not None and self.manifest.get(name) == key and (self.folder / name).is_file():
                self.reused += 1
                return
        self._write(name, html)

    def file(self, name: str, template: str | None = None, *, text: str | None = None, **context) -> None:
        """A file at the site root: rendered from a template, or given as text."""
        if not SAFE_PATH.match(name.replace(".", "-")):
            raise ValueError(f"refusing to write a file at {name!r}")
        if self._reuse(name, template, context if text is None else {"text": text}):
            return
        if text is None:
            text = self.env.get_template(template).render(**self.common, **context)
        self._write(name, text)

    def keep(self, name: str) -> None:
        """A page of the shared story pool known to be unchanged (see ``site.data``): not even hashed."""
        assert self.staging is not None and name.startswith(self.pooled), name
        self.fingerprints[name] = self.manifest[name]
        self.reused += 1

    def location(self, name: str) -> Path:
        """Where a page written by this build is now (staged pages move into the pool at ``commit``)."""
        return self.staging / name if self.staging is not None and name in self.staged else self.folder / name

    def commit(self) -> None:
        """Move the staged story pages into the shared pool, each with one atomic rename."""
        for name in self.staged:
            target = self.folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / name, target)
        self.staged.clear()

    def _reuse(self, name: str, template: str | None, context: dict) -> bool:
        key = hashlib.blake2b((self.base + name + (template or "") + json.dumps(context, default=str)).encode(),
                              digest_size=16).hexdigest()
        self.fingerprints[name] = key
        if self.previous is None or self.manifest.get(name) != key:
            return False
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.previous / name, target)
        except OSError:  # the old file is gone, or another file system: render it
            return False
        self.reused += 1
        return True

    def _write(self, name: str, text: str) -> None:
        staged = self.staging is not None and name.startswith(self.pooled)
        target = (self.staging if staged else self.folder) / name
        if staged:
            self.staged[name] = None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.rendered += 1

    @property
    def pages(self) -> int:
        return self.rendered + self.reused
