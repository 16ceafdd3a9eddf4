"""config.toml -> frozen, validated :class:`Settings`.

Why pydantic: every key is checked once, at start-up, and a wrong key or value
becomes one line naming it (``[network] max_concurrency: must be > 0``), instead of a
KeyError deep inside a fetch hours later. Unknown keys are errors too: a typo such as
``alow_private_networks`` must not silently leave the guard on (or off).

Secrets never live in the file: the file names the environment variable
(``api_key_env = "OPENAI_API_KEY"``) and :func:`secret` reads it when it is needed.
Nothing here runs at import time; callers pass the path and the environment in.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError

DEFAULT_CONFIG_NAME = "config.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _folder_url(value: str) -> str:
    """A URL that pages and emails append paths to: always ends in "/", so no caller has to."""
    value = value.strip()
    return value if value.endswith("/") else value + "/"


class SiteSettings(_Section):
    title: str = "Weekly AI Recap"
    base_url: str = "http://localhost:8000/"
    output_dir: Path = Path("site")
    timezone: str = "UTC"
    search: bool = True  # index the cards with Pagefind at the end of each build

    @field_validator("base_url")
    @classmethod
    def _folder(cls, value: str) -> str:
        return _folder_url(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Europe/Copenhagen')")
        return value


class DatabaseSettings(_Section):
    path: Path = Path("aggregator.db")
    busy_timeout_seconds: float = Field(30.0, gt=0, le=3600)


class NetworkSettings(_Section):
    allow_private_networks: bool = False
    allowed_networks: tuple[str, ...] = ()
    max_concurrency: int = Field(50, gt=0, le=1000)
    per_host_concurrency: int = Field(4, gt=0, le=100)
    request_timeout_seconds: float = Field(30.0, gt=0, le=600)
    connect_timeout_seconds: float = Field(10.0, gt=0, le=120)
    max_body_bytes: int = Field(10 * 1024 * 1024, gt=0, le=1 << 30)
    max_redirects: int = Field(5, ge=0, le=20)
    user_agent: str | None = None

    @field_validator("allowed_networks")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not a network such as '192.168.1.5/32'")
        return value


class FetchSettings(_Section):
    min_interval_minutes: float = Field(15, gt=0, le=7 * 24 * 60)
    max_interval_minutes: float = Field(24 * 60, gt=0, le=30 * 24 * 60)
    max_backoff_minutes: float = Field(24 * 60, gt=0, le=30 * 24 * 60)
    disable_after_errors: int = Field(10, gt=0, le=1000)
    parse_workers: int = Field(2, ge=0, le=64)

    @model_validator(mode="after")
    def _bounds_in_order(self) -> "FetchSettings":
        if self.min_interval_minutes > self.max_interval_minutes:
            raise ValueError("min_interval_minutes must not exceed max_interval_minutes")
        return self


class ExtractSettings(_Section):
    workers: int = Field(2, ge=1, le=64)
    timeout_seconds: float = Field(20.0, gt=0, le=600)  # per page; the worker is killed after it
    max_worker_memory_mb: int = Field(1024, ge=0, le=65536)  # 0: no cap
    per_host_delay_seconds: float = Field(1.0, ge=0, le=600)
    respect_robots: bool = True
    max_attempts: int = Field(4, ge=1, le=100)
    min_text_ratio: float = Field(0.6, ge=0, le=10)
    min_text_chars: int = Field(200, ge=0, le=100_000)


class ModelPrice(_Section):
    input_per_million: float = Field(0.0, ge=0)
    output_per_million: float = Field(0.0, ge=0)


class LLMSettings(_Section):
    base_url: str
    model: str
    api_key_env: str | None = "OPENAI_API_KEY"
    request_timeout_seconds: float = Field(120.0, gt=0, le=3600)
    max_retries: int = Field(4, ge=0, le=20)  # on 429, 5xx and timeouts, with backoff
    concurrency: int = Field(2, ge=1, le=64)
    requests_per_minute: int = Field(60, ge=1, le=100_000)
    token_budget_per_run: int = Field(200_000, ge=1)  # prompt + completion tokens; the rest waits
    max_input_tokens: int = Field(3000, ge=200, le=200_000)  # article text kept per call (lead first)
    max_output_tokens: int = Field(1500, ge=200, le=32_000)
    temperature: float = Field(0.0, ge=0, le=2)
    #: prices per model name, for `status` and `summarize --dry-run`
    prices: dict[str, ModelPrice] = {}


class SummarizeSettings(_Section):
    min_verified_claims: int = Field(2, ge=0, le=20)  # fewer: the offline card is published instead
    min_verified_share: float = Field(0.5, ge=0, le=1)
    refresh_interval_hours: float = Field(6, ge=0, le=24 * 30)  # a story's card is rewritten at most this often


class EmailSettings(_Section):
    smtp_host: str = "localhost"
    smtp_port: int = Field(587, gt=0, lt=65536)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    from_: str = Field("Weekly AI Recap <recap@example.org>", alias="from")
    timeout_seconds: float = Field(30, gt=0, le=600)
    messages_per_second: float = Field(5, gt=0, le=1000)  # the sending throttle
    max_attempts: int = Field(5, ge=1, le=50)  # 4xx answers are retried with backoff this many times
    confirmations_per_address_per_day: int = Field(3, ge=1, le=100)
    subscribes_per_client_per_hour: int = Field(20, ge=1, le=10_000)


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, gt=0, lt=65536)
    public_url: str = "http://localhost:8000/"

    @field_validator("public_url")
    @classmethod
    def _folder(cls, value: str) -> str:
        return _folder_url(value)


class ScheduleSettings(_Section):
    fetch_every_minutes: float = Field(30, gt=0, le=7 * 24 * 60)
    recap: str = "mon 08:00"  # when last week's recap is finalised and the digest goes out (site time zone)

    @field_validator("recap")
    @classmethod
    def _weekly(cls, value: str) -> str:
        from .schedule import parse_weekly

        parse_weekly(value)
        return value


class FeedConfig(_Section):
    url: str
    title: str | None = None
    tags: tuple[str, ...] = ()
    weight: float = Field(1.0, ge=0, le=100)


class Settings(_Section):
    """Everything the program needs to know, fixed for the life of one command."""

    site: SiteSettings = SiteSettings()
    database: DatabaseSettings = DatabaseSettings()
    network: NetworkSettings = NetworkSettings()
    fetch: FetchSettings = FetchSettings()
    extract: ExtractSettings = ExtractSettings()
    llm: LLMSettings | None = None
    summarize: SummarizeSettings = SummarizeSettings()
    email: EmailSettings | None = None
    web: WebSettings = WebSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    feeds: tuple[FeedConfig, ...] = ()
    #: directory relative paths in the file are resolved against
    base_dir: Path = Path(".")

    @property
    def database_path(self) -> Path:
        return _resolve(self.base_dir, self.database.path)

    @property
    def output_dir(self) -> Path:
        return _resolve(self.base_dir, self.site.output_dir)


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else (base / path)


def default_config_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("AGGREGATOR_CONFIG") or DEFAULT_CONFIG_NAME)


def load_settings(path: Path, *, required: bool = True) -> Settings:
    """Read and validate ``path``. Raises ConfigError with a one-line message."""
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: no such config file (create one with `aggregator init`)")
        return Settings(base_dir=path.parent.resolve())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return settings_from_dict(data, base_dir=path.parent.resolve(), source=str(path))


def settings_from_dict(data: dict, *, base_dir: Path, source: str = "config") -> Settings:
    if "base_dir" in data:
        raise ConfigError(f"{source}: base_dir: unknown key")
    try:
        return Settings.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(f"{source}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming the first wrong key, as a user would write it in TOML."""
    err = exc.errors()[0]
    loc = [str(part) for part in err["loc"]]
    key = _toml_key(loc)
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    elif err["type"] == "missing":
        message = "required key is missing"
    else:
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if "input" in err and not isinstance(err["input"], (dict, list)):
            message += f" (got {err['input']!r})"
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{key}: {message}{suffix}"


def _toml_key(loc: list[str]) -> str:
    if not loc:
        return "(top level)"
    if loc[0] == "feeds" and len(loc) > 1 and loc[1].isdigit():
        rest = ".".join(loc[2:])
        return f"[[feeds]] #{int(loc[1]) + 1}" + (f" {rest}" if rest else "")
    if len(loc) == 1:
        return loc[0]
    return f"[{loc[0]}] {'.'.join(loc[1:])}"


def secret(env_name: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """Read a secret from the environment variable the config names."""
    if not env_name:
        return None
    return (environ if environ is not None else os.environ).get(env_name)
