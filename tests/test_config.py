"""Settings: the shipped config loads; wrong keys and values are one clear line."""

import subprocess
import sys
from pathlib import Path

import pytest

from aggregator.config import load_settings, secret
from aggregator.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_is_valid_and_curated():
    settings = load_settings(ROOT / "config.toml")
    assert settings.network.allow_private_networks is False
    assert len(settings.feeds) >= 20
    assert all(f.url.startswith(("http://", "https://")) for f in settings.feeds)
    assert len({f.url for f in settings.feeds}) == len(settings.feeds)
    tags = {t for f in settings.feeds for t in f.tags}
    assert {"labs", "research", "press"} <= tags
    with pytest.raises(Exception):
        settings.network.max_concurrency = 3  # frozen


@pytest.mark.parametrize("text,expected", [
    ("[network]\nalow_private_networks = true\n", "[network] alow_private_networks: unknown key"),
    ("[network]\nmax_concurrency = 0\n", "[network] max_concurrency: Input should be greater than 0 (got 0)"),
    ("[network]\nmax_concurrency = 'many'\n", "[network] max_concurrency:"),
    ("[site]\ntimezone = 'Mars/Olympus'\n", "[site] timezone: unknown time zone 'Mars/Olympus'"),
    ("[[feeds]]\ntitle = 'no url'\n", "[[feeds]] #1 url: required key is missing"),
    ("colour = 'blue'\n", "colour: unknown key"),
    ("[email]\nsecurity = 'ssl'\n", "[email] security:"),
    ("[network\n", "not valid TOML"),
])
def test_bad_config_names_the_key(tmp_path, text, expected):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert expected in message and "\n" not in message


def test_cli_reports_bad_config_as_one_line_without_traceback(tmp_path):
    (tmp_path / "config.toml").write_text("[fetch]\nmin_interval_minutes = -5\n")
    proc = subprocess.run([sys.executable, "-m", "aggregator.cli", "feeds", "list"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert "[fetch] min_interval_minutes" in proc.stderr


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    (tmp_path / "config.toml").write_text("[database]\npath = 'data/agg.db'\n")
    settings = load_settings(tmp_path / "config.toml")
    assert settings.database_path == tmp_path.resolve() / "data" / "agg.db"


def test_secrets_come_from_the_environment_only():
    assert secret("MY_KEY", {"MY_KEY": "s3cret"}) == "s3cret"
    assert secret(None, {"MY_KEY": "x"}) is None
