from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from aggregator.clock import UTC  # noqa: E402
from aggregator.config import settings_from_dict  # noqa: E402
from aggregator.store import open_store  # noqa: E402
from httpserver import TestServer  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = SHARED / "corpora"


def corpora_or_skip(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/corpora ships with the project's CI, not with a user's checkout)")
    return path


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def server():
    with TestServer() as srv:
        yield srv


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_settings(tmp_path):
    def make(**sections):
        data = {"database": {"path": str(tmp_path / "test.db")},
                "network": {"allow_private_networks": True, "request_timeout_seconds": 5}}
        for key, value in sections.items():
            data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
        return settings_from_dict(data, base_dir=tmp_path)

    return make


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "test.db")
    yield s
    s.close()


# -- the built site (tests/site_helpers.py): shared by test_site, test_browser and test_html_valid

@pytest.fixture(scope="session")
def demo_pipeline(tmp_path_factory):
    """The sample news web run through the pipeline once per session; use ``site_from`` for a private copy."""
    from site_helpers import run_demo_pipeline

    return run_demo_pipeline(tmp_path_factory.mktemp("demo-pipeline"))


@pytest.fixture(scope="session")
def hostile_pipeline(tmp_path_factory):
    """A one-feed web with markup for titles and javascript: links, through the pipeline once per session."""
    from site_helpers import run_hostile_pipeline

    return run_hostile_pipeline(tmp_path_factory.mktemp("hostile-pipeline"))


@pytest.fixture(scope="module")
def browser():
    """Chromium (Debian's, through playwright), once per module; skips without it unless CI is set."""
    from site_helpers import launch_chromium

    playwright, chromium = launch_chromium()
    yield chromium
    chromium.close()
    playwright.stop()


# -- mail (tests/mail_helpers.py): shared by test_mail_send, test_mail_smtp and test_mail_policy

@pytest.fixture
def smtp():
    """A recording SMTP server on 127.0.0.1 (tests/smtpserver.py), for one test."""
    from smtpserver import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture
def data(demo_pipeline, tmp_path):
    """(settings, store) on a private copy of the demo database, with base_url https://news.example.org/."""
    from site_helpers import site_from

    settings, store = site_from(demo_pipeline, tmp_path / "site", base_url="https://news.example.org/")
    yield settings, store
    store.close()
