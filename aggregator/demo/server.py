"""Serve the sample news web (:mod:`aggregator.demo.site`) on 127.0.0.1 over real HTTP.

Why it exists: ``aggregator demo`` and the tests fetch the sample web through the same
guarded HTTP client as real feeds, so the demo exercises what production does -
conditional requests (ETag / Last-Modified / 304), content types with charsets,
redirects, 404s - instead of a shortcut that reads files.

``with SampleWeb() as web:`` starts a ThreadingHTTPServer on a free port in a daemon
thread; ``web.base_url`` and ``web.feed_urls()`` say where it is. ``web.as_of`` can be
moved forward to replay the two weeks of news. ``python -m aggregator.demo.server
--port 8001`` serves it in the foreground. It binds only to 127.0.0.1, and writes no
access log.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from . import site

HOST = "127.0.0.1"
FEED_MAX_AGE_SECONDS = 300
PAGE_MAX_AGE_SECONDS = 3600


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "SampleWeb"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SampleNewsWeb/1.0"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # silent: the demo's output is the aggregator's, not an access log

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        owner = self.server.owner
        try:
            resource = owner.resource(self.path)
        except Exception as exc:  # a rendering bug must not kill the connection silently
            body = f"sample web error: {type(exc).__name__}: {exc}\n".encode()
            self._send(500, {"Content-Type": "text/plain; charset=utf-8"}, body, send_body)
            return
        if resource is None:
            owner._record(self.path, 404)
            self._send(404, {"Content-Type": site.CONTENT_TYPES["html"]}, site.render_not_found(self.path), send_body)
            return
        if resource.location:
            owner._record(self.path, resource.status)
            self._send(resource.status, {"Location": resource.location}, b"", send_body)
            return
        headers = {
            "Content-Type": resource.content_type,
            "ETag": resource.etag,
            "Last-Modified": format_datetime(resource.last_modified.astimezone(timezone.utc), usegmt=True),
            "Cache-Control": f"max-age={FEED_MAX_AGE_SECONDS if resource.is_feed else PAGE_MAX_AGE_SECONDS}",
        }
        if self._not_modified(resource):
            owner._record(self.path, 304)
            del headers["Content-Type"]
            self._send(304, headers, b"", send_body=False)
            return
        owner._record(self.path, 200)
        self._send(200, headers, resource.body, send_body)

    def _not_modified(self, resource: site.Resource) -> bool:
        """RFC 9110 13.1: If-None-Match wins; If-Modified-Since only counts without it."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or resource.etag in tags
        since = self.headers.get("If-Modified-Since")
        if not since:
            return False
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if moment is None:
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return resource.last_modified.replace(microsecond=0) <= moment

    def _send(self, status: int, headers: dict[str, str], body: bytes, send_body: bool) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class SampleWeb:
    """The sample news web on ``127.0.0.1:port`` (0 picks a free port), served from a background thread.

    ``as_of`` (aware datetime or None for "everything") hides articles published later;
    it may be changed while the server runs. ``requests`` lists ``(path, status)`` of
    every answered request, oldest first.
    """

    def __init__(self, port: int = 0, as_of: datetime | None = None, data: site.SampleData | None = None):
        if as_of is not None and as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        self.port = port
        self.data = data or site.load_data()
        self._as_of = as_of
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, datetime | None], site.Resource] = {}
        self.requests: list[tuple[str, int]] = []
        self.base_url = ""

    # -- lifecycle

    def start(self) -> "SampleWeb":
        if self._server is not None:
            return self
        server = _Server((HOST, self.port), _Handler)
        server.owner = self
        self._server = server
        self.port = server.server_address[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, name="sample-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "SampleWeb":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- what it serves

    @property
    def as_of(self) -> datetime | None:
        return self._as_of

    @as_of.setter
    def as_of(self, moment: datetime | None) -> None:
        if moment is not None and moment.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        with self._lock:
            self._as_of = moment

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def feed_urls(self) -> list[dict]:
        """``[{url, title, tags}]`` for every outlet, ready to become ``[[feeds]]`` config entries."""
        self._require_started()
        return site.feed_urls(self.base_url, self.data)

    def resource(self, path: str) -> site.Resource | None:
        """What a GET of ``path`` returns right now (rendered once per path and ``as_of``)."""
        self._require_started()
        with self._lock:
            as_of = self._as_of
            key = (path.split("?", 1)[0].split("#", 1)[0], as_of)
            if key in self._cache:
                return self._cache[key]
            found = site.resolve(key[0], self.base_url, as_of, self.data)
            if found is not None:  # arbitrary 404 paths are not remembered
                self._cache[key] = found
            return found

    def _record(self, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((path, status))

    def _require_started(self) -> None:
        if not self.base_url:
            raise RuntimeError("SampleWeb is not started (use `with SampleWeb() as web:` or .start())")


def _parse_as_of(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m aggregator.demo.server",
        description="Serve the fictional sample news web on 127.0.0.1 until interrupted.",
    )
    parser.add_argument("--port", type=int, default=8001, help="port on 127.0.0.1 (0 = any free port; default 8001)")
    parser.add_argument("--as-of", type=_parse_as_of, default=None, metavar="ISO-TIME",
                        help="serve only articles published by then, e.g. 2026-11-15T12:00:00Z")
    args = parser.parse_args(argv)
    web = SampleWeb(port=args.port, as_of=args.as_of).start()
    print(f"Sample news web at {web.base_url}/  (Ctrl-C to stop)")
    for feed in web.feed_urls():
        print(f"  {feed['title']:<22} {feed['url']}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()


if __name__ == "__main__":
    main()
