"""Article pages, fetched politely through the guarded client.

Feeds invite polling; article pages are the publisher's website, so we behave like
a considerate crawler: robots.txt is honoured (RFC 9309: a 4xx robots.txt means
"no rules", a 5xx or unreachable one means "not now"), and requests to one host are
serialised with a configured delay between them. The limits of fetch.http (deadline,
size cap, SSRF guard) apply as to every other request.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from ..errors import FetchError, HTTPStatusError, NetworkError, NotArticleError
from .http import HttpClient, Response

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
ROBOTS_AGENT = "aggregator"


class PageFetcher:
    def __init__(self, client: HttpClient, *, per_host_delay: float, respect_robots: bool):
        self.client = client
        self.delay = per_host_delay
        self.respect_robots = respect_robots
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, RobotFileParser | Exception] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def fetch(self, url: str) -> Response:
        """GET an article page; NotArticleError if robots.txt forbids it or it is not HTML."""
        origin = _origin(url)
        if self.respect_robots:
            rules = await self._rules(origin)
            if isinstance(rules, Exception):
                raise NetworkError(f"robots.txt of {origin} unavailable, will retry: {rules}")
            if not rules.can_fetch(ROBOTS_AGENT, url):
                raise NotArticleError(f"robots.txt of {origin} disallows {url}")
        response = await self._paced(origin, url, PAGE_ACCEPT)
        content_type = response.headers.get("content-type", "text/html").split(";")[0].strip().lower()
        if content_type and not content_type.startswith(HTML_TYPES):
            raise NotArticleError(f"not an HTML page ({content_type})")
        return response

    async def _paced(self, origin: str, url: str, accept: str) -> Response:
        lock = self._host_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            wait = self._last_request.get(origin, -1e9) + self.delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await self.client.get(url, accept=accept)
            finally:
                self._last_request[origin] = time.monotonic()

    async def _rules(self, origin: str) -> RobotFileParser | Exception:
        async with self._robots_locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._robots:
                self._robots[origin] = await self._load_robots(origin)
            return self._robots[origin]

    async def _load_robots(self, origin: str) -> RobotFileParser | Exception:
        parser = RobotFileParser()
        try:
            response = await self._paced(origin, f"{origin}/robots.txt", "text/plain")
        except HTTPStatusError as exc:
            if 400 <= exc.status < 500:
                parser.parse([])  # no robots.txt: everything allowed
                return parser
            return exc
        except FetchError as exc:
            return exc
        parser.parse(response.body.decode("utf-8", "replace").splitlines())
        return parser


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
