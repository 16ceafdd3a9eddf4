"""Talking to any OpenAI-compatible server: the only module that imports openai.

What a serious client of a flaky, rate-limited, sometimes half-compatible server does:

- **Structured output, degrading gracefully.** It asks for ``json_schema`` (strict);
  a server that refuses it (400/422, or the 500 some servers answer instead) is asked
  again with ``{"type": "json_object", "schema": …}`` and then plain JSON mode. The
  mode that worked is remembered per server and model (``remember_mode``), so the
  probing is paid once, not on every call. The answer is always validated locally by
  the caller; the schema on the wire is only a hint.
- **Retries with backoff** on 429, 5xx, timeouts and connection errors, honouring
  Retry-After, up to ``max_retries``; then :class:`LLMUnavailableError`. Other 4xx
  answers (bad key, unknown model) are :class:`LLMRequestError` at once.
- **Limits**: a concurrency semaphore and a requests-per-minute window.
- **Every HTTP call is reported** to ``log`` (model, prompt, tokens, latency, outcome)
  so the store can keep a row per call.

The openai client's own retries are off (``max_retries=0``): they would hide calls
from the log and ignore our limits.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Awaitable, Callable

import openai

from ..config import LLMSettings
from ..errors import LLMRequestError, LLMUnavailableError

MODES = ("json_schema", "json_object_schema", "json_object")
RETRYABLE_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}
FATAL_STATUSES = {401, 403, 404}  # bad key, no access, unknown model: stop calling
FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|schema|structured|grammar", re.I)
MAX_BACKOFF = 60.0


@dataclass
class CallLog:
    """One HTTP call to the server, as the store records it."""

    model: str
    prompt_name: str
    prompt_version: str
    mode: str
    subject: str
    tokens_in: int
    tokens_out: int
    latency_ms: int
    outcome: str  # ok | retry | downgrade | error
    error: str | None = None


@dataclass
class Completion:
    text: str
    tokens_in: int
    tokens_out: int
    mode: str


class RateWindow:
    """At most ``per_minute`` call starts in any 60 seconds."""

    def __init__(self, per_minute: int, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.per_minute = per_minute
        self.sleep = sleep
        self.starts: deque[float] = deque()
        self.lock = asyncio.Lock()
        self.resume_at = 0.0  # a 429 with Retry-After pauses every call, not just the one that got it

    def hold(self, seconds: float) -> None:
        self.resume_at = max(self.resume_at, time.monotonic() + seconds)

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                pause = self.resume_at - time.monotonic()
                if pause > 0:
                    await self.sleep(pause)
                    continue
                now = time.monotonic()
                while self.starts and now - self.starts[0] >= 60:
                    self.starts.popleft()
                if len(self.starts) < self.per_minute:
                    self.starts.append(now)
                    return
                await self.sleep(60 - (now - self.starts[0]))


def response_format(mode: str, schema: dict) -> dict:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "card", "strict": True, "schema": schema}}
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": schema}
    return {"type": "json_object"}


def retry_after_seconds(error: Exception, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds (decimals too) or an HTTP date."""
    response = getattr(error, "response", None)
    value = (response.headers.get("retry-after") or "").strip() if response is not None else ""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


class LLMClient:
    def __init__(self, settings: LLMSettings, api_key: str | None, *,
                 log: Callable[[CallLog], None],
                 known_mode: str | None = None,
                 remember_mode: Callable[[str], None] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.settings = settings
        self.log = log
        self.remember_mode = remember_mode or (lambda mode: None)
        self.mode = known_mode if known_mode in MODES else MODES[0]
        self._remembered = self.mode
        self.fatal: LLMRequestError | None = None  # a bad key or model: no further call can succeed
        self.sleep = sleep
        self.semaphore = asyncio.Semaphore(settings.concurrency)
        self.window = RateWindow(settings.requests_per_minute, sleep)
        self.client = openai.AsyncOpenAI(
            base_url=settings.base_url,
            api_key=api_key or "not-needed",  # local servers take any key; the library insists on one
            max_retries=0,
            timeout=settings.request_timeout_seconds,
        )

    async def aclose(self) -> None:
        await self.client.close()

    async def complete(self, messages: list[dict], schema: dict, *, prompt_name: str, prompt_version: str,
                       subject: str) -> Completion:
        """One answer, after retries and mode fallbacks; raises an LLMError subclass."""
        attempt = 0
        server_errors_in_mode = 0
        while True:
            mode = self.mode
            started = time.monotonic()
            try:
                async with self.semaphore:
                    if self.fatal is not None:
                        raise SkippedCall(str(self.fatal), self.fatal.status)
                    mode = self.mode  # another call may have found the server's mode meanwhile
                    await self.window.acquire()
                    started = time.monotonic()
                    answer = await self.client.chat.completions.create(
                        model=self.settings.model,
                        messages=messages,
                        response_format=response_format(mode, schema),
                        temperature=self.settings.temperature,
                        max_tokens=self.settings.max_output_tokens,
                    )
            except (openai.APITimeoutError, openai.APIConnectionError, openai.APIStatusError) as exc:
                status = getattr(exc, "status_code", None)
                message = _describe(exc)
                server_errors_in_mode = server_errors_in_mode + 1 if status in (500, 501) else 0
                if self._downgrade(mode, status, server_errors_in_mode, message):
                    server_errors_in_mode = 0
                    self._log(prompt_name, prompt_version, mode, subject, started, "downgrade", message)
                    continue
                retryable = status is None or status in RETRYABLE_STATUSES
                if not retryable:
                    self._log(prompt_name, prompt_version, mode, subject, started, "error", message)
                    error = LLMRequestError(f"the LLM server refused the request: {message}", status)
                    if status in FATAL_STATUSES:
                        self.fatal = error
                    raise error from None
                if mode != self.mode:  # another call already stepped the mode down: try that at once
                    self._log(prompt_name, prompt_version, mode, subject, started, "downgrade", message)
                    continue
                if attempt >= self.settings.max_retries:
                    self._log(prompt_name, prompt_version, mode, subject, started, "error", message)
                    raise LLMUnavailableError(
                        f"LLM server unavailable after {attempt + 1} attempts: {message}") from None
                self._log(prompt_name, prompt_version, mode, subject, started, "retry", message)
                wait = retry_after_seconds(exc)
                if wait is not None and status == 429:
                    self.window.hold(min(wait, 600.0))
                await self.sleep(self._backoff(attempt, wait))
                attempt += 1
                continue
            if mode != self._remembered:
                self._remembered = mode
                self.remember_mode(mode)
            usage = getattr(answer, "usage", None)
            try:
                text = answer.choices[0].message.content or ""
            except (AttributeError, IndexError, TypeError):
                text = ""  # a malformed answer: the caller's validation reports it as an unusable card
            tokens_in = getattr(usage, "prompt_tokens", 0) or 0
            tokens_out = getattr(usage, "completion_tokens", 0) or 0
            self._log(prompt_name, prompt_version, mode, subject, started, "ok", None, tokens_in, tokens_out)
            return Completion(text, tokens_in, tokens_out, mode)

    def _downgrade(self, mode: str, status: int | None, server_errors: int, message: str) -> bool:
        """Did the server refuse the response_format? Then step down one mode.

        A 400/415/422 that talks about the format says so at once (a 400 about the
        context length must not cost every later call its schema). Some servers answer
        an unknown response_format with a bare 500 instead; a 500 can also be a
        hiccup, so only a second one in a row in the same mode counts as a refusal.
        """
        if mode == MODES[-1]:
            return False
        if status in (500, 501):
            if server_errors < 2:
                return False
        elif status not in (400, 415, 422) or not FORMAT_WORDS.search(message):
            return False
        if self.mode == mode:
            self.mode = MODES[MODES.index(mode) + 1]
        return True

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, 600.0)
        return min(MAX_BACKOFF, (2 ** attempt) * (0.5 + random.random() / 2))

    def _log(self, prompt_name, prompt_version, mode, subject, started, outcome, error=None, tokens_in=0, tokens_out=0):
        self.log(CallLog(self.settings.model, prompt_name, prompt_version, mode, subject, tokens_in, tokens_out,
                         int((time.monotonic() - started) * 1000), outcome, error))


class SkippedCall(LLMRequestError):
    """Not sent: an earlier call showed that no call can succeed (bad key, unknown model)."""


def _describe(exc: Exception) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot connect: {exc.__cause__ or exc}"
    status = getattr(exc, "status_code", "?")
    body = getattr(exc, "message", "") or ""
    return f"HTTP {status}: {body[:200]}"
