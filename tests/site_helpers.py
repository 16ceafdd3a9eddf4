"""Shared machinery for the tests of the built site: the demo data, a static server, chromium.

* ``run_demo_pipeline`` runs the bundled sample news web through fetch / extract /
  cluster / summarize once (the ``demo_pipeline`` session fixture in conftest.py);
  ``site_from`` gives each test module its *own copy* of that database, with its own
  settings (base_url, output_dir), so a module that edits the store for a test cannot
  disturb another module.
* ``run_hostile_pipeline`` does the same for a one-feed web whose titles are markup
  and whose links are ``javascript:`` (served with tests/httpserver.py).
* ``StaticSite`` serves a built site folder on 127.0.0.1 with the stdlib's
  SimpleHTTPRequestHandler, as any static host would.
* ``chromium_executable`` / ``launch_chromium``: the Debian chromium through playwright.
  Without chromium the browser tests skip, except under CI (``CI`` set), where they fail.
* ``screenshot_dir``: ``test-artifacts/screenshots/`` at the repository root, or
  ``$AGGREGATOR_ARTIFACTS/screenshots/``.

The pipeline stages run in a thread of their own: fetching uses ``asyncio.run``, which
refuses to run in a thread where playwright's sync API has an event loop going.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from aggregator.clock import system_clock
from aggregator.config import Settings, settings_from_dict
from aggregator.store import Store, open_store

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# The hostile feed's story title: if any page ever parses it as markup, window.__xss gets set
# (and the CSP guard reports the blocked inline script and handler).
XSS_TITLE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
XSS_LINK = "javascript:window.__xss=3"


def site_files(root: Path, suffix: str = ".html") -> list[Path]:
    """Every file of a built site ending in ``suffix``, through its links (``stories/`` and
    ``pagefind/`` are links to folders shared by builds, which ``Path.rglob`` does not enter)."""
    return sorted(Path(d, name) for d, _, names in os.walk(root, followlinks=True) for name in names
                  if name.endswith(suffix))


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where a missing tool must not pass silently."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: the CI machine must provide it, see `make system-deps`)", pytrace=False)
    pytest.skip(reason)


def artifacts_dir() -> Path:
    return Path(os.environ.get("AGGREGATOR_ARTIFACTS") or REPO / "test-artifacts")


def screenshot_dir() -> Path:
    folder = artifacts_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def in_thread(function, *args, **kwargs):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


# -- the data ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Pipeline:
    """A database the pipeline has filled, and the config it was filled with. Never written to again."""

    database: Path
    config: dict


def _run_stages(settings: Settings) -> None:
    from aggregator.pipeline import open_settings_store, run_cluster, run_extract, run_fetch, run_summarize

    store = open_settings_store(settings, system_clock)
    try:
        for stage in (run_fetch, run_extract, run_cluster, run_summarize):
            stage(settings, store, system_clock)
    finally:
        store.close()


def run_demo_pipeline(root: Path) -> Pipeline:
    """The sample news web through fetch, extract, cluster and summarize (about 5 s)."""
    from aggregator.demo.server import SampleWeb

    with SampleWeb() as web:
        config = {
            "site": {"title": "Test Recap", "base_url": "https://news.example.org/", "output_dir": "public",
                     "timezone": "Europe/Copenhagen"},
            "database": {"path": str(root / "d.db")}, "network": {"allow_private_networks": True},
            "extract": {"per_host_delay_seconds": 0}, "feeds": web.feed_urls()}
        in_thread(_run_stages, settings_from_dict(config, base_dir=root))
    return Pipeline(root / "d.db", config)


ARTICLE = ("<!DOCTYPE html><html><head><title>Northwind ships Meridian 4</title></head><body><article>"
           "<h1>Northwind ships Meridian 4</h1>" + "".join(
               f"<p>Northwind Labs released Meridian 4 on 20 November 2026, with {n + 3} new tools for developers "
               "and a price cut of 30 percent. The company said the model handles longer documents.</p>"
               for n in range(8)) + "</article></body></html>")


def hostile_feed(article_url: str) -> bytes:
    """An RSS feed whose channel and item titles are markup *as text* and whose first link is javascript:.

    RSS titles are HTML, so the text ``<script>`` is written ``&amp;lt;script&amp;gt;`` in the XML:
    the parser reads the title as the literal characters ``<script>...``, which is what a
    headline about HTML (or an attacker) puts in a feed, and what the site must show as text.
    """
    from httpserver import rss

    title = escape(escape(XSS_TITLE))
    items = [
        {"title": title, "link": escape(XSS_LINK), "guid": "hostile-1", "pubDate": "Fri, 20 Nov 2026 10:00:00 GMT",
         "description": escape(f'<a href="{XSS_LINK}">Northwind</a> Labs released Meridian 4 on 20 November 2026.')},
        {"title": title + " (update)", "link": escape(article_url), "guid": "hostile-2",
         "pubDate": "Fri, 20 Nov 2026 11:00:00 GMT", "description": "Northwind Labs released Meridian 4."},
    ]
    return rss(items, title=title)


def run_hostile_pipeline(root: Path) -> Pipeline:
    """One feed (served by tests/httpserver.py) with the hostile titles and links, through the pipeline."""
    from httpserver import TestServer

    with TestServer() as server:
        server.static("/article", ARTICLE.encode(), "text/html; charset=utf-8")
        server.static("/feed", hostile_feed(server.url("/article")))
        config = {
            "site": {"title": "Hostile Recap", "base_url": "https://hostile.example.org/", "output_dir": "public",
                     "timezone": "Europe/Copenhagen"},
            "database": {"path": str(root / "d.db")}, "network": {"allow_private_networks": True},
            "extract": {"per_host_delay_seconds": 0}, "feeds": [{"url": server.url("/feed")}]}
        in_thread(_run_stages, settings_from_dict(config, base_dir=root))
    return Pipeline(root / "d.db", config)


def site_from(pipeline: Pipeline, root: Path, **site) -> tuple[Settings, Store]:
    """Settings and an open store on a private copy of ``pipeline``'s database, in ``root``.

    ``site`` overrides [site] settings (``base_url=...``); the site is built to ``root/public``.
    """
    root.mkdir(parents=True, exist_ok=True)
    copy = root / "d.db"
    with sqlite3.connect(pipeline.database) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # consistent, WAL included
    source.close()
    target.close()
    config = {**pipeline.config, "site": {**pipeline.config["site"], **site}, "database": {"path": str(copy)}}
    settings = settings_from_dict(config, base_dir=root)
    return settings, open_store(settings.database_path, settings.database.busy_timeout_seconds)


# -- serving -------------------------------------------------------------------------------

class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".json": "application/json", ".xml": "application/xml",
                      ".pf_meta": "application/octet-stream", ".pf_index": "application/octet-stream",
                      ".pf_fragment": "application/octet-stream", ".pf_filter": "application/octet-stream"}

    def log_message(self, *args) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a rebuilt site is never served from the browser's cache
        super().end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class StaticSite:
    """Serve ``folder`` (it may be the published symlink, and need not exist yet) at ``srv.origin``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
        self.port = self._server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = self.origin + "/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "StaticSite":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/") -> str:
        return self.origin + "/" + path.lstrip("/")


# -- the browser -----------------------------------------------------------------------------

def chromium_executable() -> str:
    """The Debian chromium, or a skip (a failure under CI) naming what is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("playwright is not installed: pip install -e '.[test]'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        skip_or_fail(f"{CHROMIUM} is missing: `make system-deps` (as root) installs Debian's chromium")
    return CHROMIUM


def launch_chromium():
    """(playwright, browser); the caller closes the browser and stops playwright."""
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    playwright = sync_playwright().start()
    try:
        return playwright, playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise


def java_or_skip() -> str:
    java = shutil.which("java")
    if not java:
        skip_or_fail("java is missing: `make system-deps` (as root) installs default-jre-headless")
    return java
