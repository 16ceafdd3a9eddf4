"""A real HTTP server on 127.0.0.1 whose every answer the test decides.

Routes map a path to a function ``(request) -> Reply`` or to a raw writer
``(handler) -> None`` for behaviour no well-behaved server has (dripping bytes,
lying about lengths). Every request is logged with its headers so a test can check
what the client sent (conditional headers, User-Agent).
"""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    host: str


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, self.server.server_address[0])
        self.server.owner.requests.append(request)
        route = self.server.owner.routes.get(self.path.split("?")[0])
        if route is None:
            self._send(Reply(404, b"not found"))
            return
        if getattr(route, "raw", False):
            route(self)
            return
        self._send(route(request))

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            headers = {k.lower(): v for k, v in reply.headers.items()}
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if "content-length" not in headers:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.body:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "TestServer"


class TestServer:
    """Start with ``with TestServer() as srv``; ``srv.url('/feed')`` is absolute."""

    __test__ = False

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Callable] = {}
        self.requests: list[Request] = []
        self._server = _Server((host, 0), _Handler)
        self._server.owner = self
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "TestServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    # -- helpers for common routes
    def static(self, path: str, body: bytes, content_type: str = "application/rss+xml", **headers) -> None:
        self.routes[path] = lambda req: Reply(200, body, {"Content-Type": content_type, **headers})

    def raw(self, path: str, writer: Callable[[BaseHTTPRequestHandler], None]) -> None:
        writer.raw = True  # type: ignore[attr-defined]
        self.routes[path] = writer

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path.split("?")[0] == path]


def drip(interval: float, count: int = 100):
    """A writer that sends headers, then one byte every ``interval`` seconds."""

    def writer(handler: BaseHTTPRequestHandler) -> None:
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.send_header("Content-Length", str(count))
            handler.end_headers()
            for _ in range(count):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(interval)
        except (BrokenPipeError, ConnectionResetError):
            pass

    return writer


def gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1,000:1)."""
    buf = bytearray()
    chunk = b"\0" * (1 << 20)
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    for _ in range(size // len(chunk)):
        buf += z.compress(chunk)
    buf += z.flush()
    return bytes(buf)


def rss(items: list[dict], title: str = "Test feed", extra_channel: str = "", encoding: str = "utf-8") -> bytes:
    """A small RSS 2.0 document; each item dict has title/link/guid/description/pubDate."""
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
             f"<title>{title}</title><link>http://example.org/</link>{extra_channel}"]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "description", "pubDate"):
            if key in item:
                parts.append(f"<{key}>{item[key]}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode(encoding)
