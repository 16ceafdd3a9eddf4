"""Chromium through playwright for the tests of the built site: serving a built site,
watching each page for console errors, uncaught exceptions and CSP violations,
screenshots, and colour contrast (WCAG).

Used by test_browser.py, test_browser_search.py, test_demo.py and test_subscribe_flow.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from aggregator.clock import system_clock
from aggregator.config import Settings
from aggregator.site.render import build_site
from aggregator.store import Store
from site_helpers import StaticSite, chromium_executable, screenshot_dir, site_from

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


# Recorded on every page before its own scripts run (init scripts are not subject to the CSP).
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const v = {directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
             source: e.sourceFile, line: e.lineNumber, page: location.href};
  window.__csp.push(v);
  if (window.__reportCsp) window.__reportCsp(v);
});
"""


@dataclass
class Served:
    server: StaticSite
    settings: Settings
    store: Store

    @property
    def folder(self) -> Path:
        return self.settings.output_dir

    def url(self, path: str = "/") -> str:
        return self.server.url(path)


def serve_site(pipeline, root: Path):
    """Build a copy of ``pipeline``'s site into ``root`` and serve it statically (a fixture's body)."""
    from aggregator.site import search

    with StaticSite(root / "public") as server:  # the origin is known before the build: base_url is the origin
        settings, store = site_from(pipeline, root, base_url=server.base_url)
        try:
            with pytest.MonkeyPatch.context() as patch:  # search over several base bundles, as 10,000 stories get
                patch.setattr(search, "SHARD_PAGES", 8)
                build_site(settings, store, system_clock())
            yield Served(server, settings, store)
        finally:
            store.close()


@dataclass
class Watch:
    """Console errors, uncaught exceptions and CSP violations of every page a test opens."""

    page: object
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.expose_function("__reportCsp", self._csp)  # survives navigations, unlike window.__csp
        self.page.add_init_script(CSP_LISTENER)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception on {self.page.url}: {exc}"))

    def _csp(self, violation: dict) -> None:
        entry = f"CSP violation: {json.dumps(violation, sort_keys=True)}"
        if entry not in self.problems:
            self.problems.append(entry)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "") if isinstance(message.location, dict) else ""
        self.problems.append(f"console error on {self.page.url}: {message.text} [{source}]")

    def check_page(self) -> None:
        """The page on screen: its window.__csp (the listener must be there) goes into the problems."""
        violations = self.page.evaluate("window.__csp")
        assert isinstance(violations, list), f"the CSP listener is missing on {self.page.url}"
        for violation in violations:
            self._csp(violation)

    def assert_clean(self) -> None:
        self.check_page()
        assert not self.problems, "\n".join(self.problems)


def open_page(browser, **options):
    context = browser.new_context(**{**DESKTOP, **options})
    context.set_default_timeout(10_000)
    page = context.new_page()
    return context, page, Watch(page)


def shot(page, name: str) -> Path:
    path = screenshot_dir() / name
    page.screenshot(path=str(path), full_page=True)
    return path


def follow(page, locator) -> None:
    """Click a link and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def luminance(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", rgb)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Fixtures for the browser test modules (each imports them: the autouse one would skip the
# whole suite from conftest.py). Module scope: each module builds and serves its own copy.

@pytest.fixture(scope="session", autouse=True)  # session: set up before the session's demo pipeline
def needs_chromium():
    chromium_executable()  # skip (fail under CI) before any site is built for nothing


@pytest.fixture(scope="module")
def demo_site(demo_pipeline, tmp_path_factory):
    yield from serve_site(demo_pipeline, tmp_path_factory.mktemp("browser-demo"))
