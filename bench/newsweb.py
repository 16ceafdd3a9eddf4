"""A synthetic "news web" on loopback, for benchmarking feed refreshes.

Why a synthetic web: a refresh benchmark against real publishers is neither
repeatable nor polite, and a single test server on one address hides the costs
that matter. This one models what a feed reader with ~1,000 subscriptions meets:

- N RSS 2.0 feeds of M items each (titles, ~300-byte HTML descriptions, GUIDs,
  authors, categories, pubDates spread over the last few days);
- feeds spread over K loopback *addresses* (127.0.0.1 .. 127.0.0.K, one listening
  socket each, same port), so the client's per-host limits and per-host
  connection pools behave as they do with many publishers;
- a latency per response drawn uniformly from a range and served with a timer
  (``call_later`` / ``asyncio.sleep``), so slow answers do not cost server CPU;
- ETag / If-None-Match and Last-Modified / If-Modified-Since, answering 304 when
  the feed is unchanged; gzip when the client asks (bodies compressed once);
- rounds: ``/_control/advance?round=R`` moves the web to round R, and in each
  step a share of the feeds (default 10 %) gets a new item prepended (the oldest
  falls off), a new ETag and a new Last-Modified.

With ``--articles`` (off by default) every item's link is also served as a
realistic 30-60 KB article page (see newspages.py; rendered and gzipped once at
start), for the extraction benchmark; robots.txt, like every unknown path, is 404.

It runs in its own process so it never shares the client's GIL or event loop.
The default server is a small asyncio ``Protocol`` speaking HTTP/1.1 with
keep-alive: on a two-core machine every millisecond the server burns is taken
from the client being measured, and uvicorn+starlette (h11, no httptools here)
costs two to three times the CPU per round (measured: 0.5 s against 0.15-0.25 s
for 1,000 requests); ``--server uvicorn`` runs the same web
under uvicorn for comparison. ``/_control/stats`` reports the server's own CPU
time so the benchmark can show how much of the machine the server took.

Start it standalone with ``python bench/newsweb.py --feeds 100``; it prints one
JSON line (port, addresses, pid) once it is listening, then serves until its
standard input closes or it is terminated.

The feeds, pages and answers themselves (no I/O) are built in newsweb_content.py;
this module serves them and starts / controls the server process.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from newsweb_content import (  # WebConfig, host_address: public names of newsweb too
    CONTROL_PREFIX, Reply, Web, WebConfig, feed_urls, host_address)

MAX_HEAD_BYTES = 64 * 1024
REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 405: "Method Not Allowed", 400: "Bad Request"}


# --------------------------------------------------------------------------- asyncio server


class HttpConnection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; one request at a time per connection, in order."""

    def __init__(self, web: Web):
        self.web = web
        self.loop = asyncio.get_running_loop()
        self.buffer = bytearray()
        self.busy = False
        self.served = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.web.stats["connections"] += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def _next(self) -> None:
        if self.busy or self.transport is None or self.transport.is_closing():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                self.transport.close()
            return
        head = bytes(self.buffer[:end])
        del self.buffer[:end + 4]
        self._handle(head)

    def _handle(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self._send(Reply(400, [], b"bad request\n"), keep_alive=False)
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        keep_alive = version == "HTTP/1.1" and connection != "close" or connection == "keep-alive"
        if self.served == 0 and target.startswith(CONTROL_PREFIX):
            self.web.stats["connections"] -= 1  # the benchmark's own calls are not traffic
        self.served += 1
        reply = self.web.respond(method, target, headers)
        self.busy = True
        if reply.delayed:
            self.loop.call_later(self.web.delay(), self._send, reply, keep_alive)
        else:
            self._send(reply, keep_alive)

    def _send(self, reply: Reply, keep_alive: bool) -> None:
        self.busy = False
        if self.transport is None or self.transport.is_closing():
            return
        lines = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'OK')}"]
        lines += [f"{name}: {value}" for name, value in reply.headers]
        if reply.status != 304:
            lines.append(f"Content-Length: {len(reply.body)}")
        if not keep_alive:
            lines.append("Connection: close")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body)
        if not keep_alive:
            self.transport.close()
        elif self.buffer:
            self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve_asyncio(web: Web, sockets: list[socket.socket], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    servers = [await loop.create_server(lambda: HttpConnection(web), sock=s, backlog=1024) for s in sockets]
    await stop.wait()
    for server in servers:
        server.close()


# --------------------------------------------------------------------------- uvicorn server


async def serve_uvicorn(web: Web, sockets: list[socket.socket], stop: asyncio.Event) -> None:
    """The same web under uvicorn + starlette, for comparing server CPU cost."""
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import Response

    async def app(scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        reply = web.respond(request.method, target, {k.lower(): v for k, v in request.headers.items()})
        if reply.delayed:
            await asyncio.sleep(web.delay())
        await Response(reply.body, status_code=reply.status, headers=dict(reply.headers))(scope, receive, send)

    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning",
                                          loop="asyncio", timeout_keep_alive=60, backlog=1024))
    serving = asyncio.create_task(server.serve(sockets=sockets))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving


# --------------------------------------------------------------------------- process


def _listen(address: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(1024)  # connections queue from here on, before the loop serves them
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def bind_sockets(hosts: int, port: int = 0, attempts: int = 20) -> tuple[int, list[socket.socket]]:
    """One listening socket per loopback address, all on the same port."""
    for _ in range(attempts):
        first = _listen(host_address(0), port)
        chosen = first.getsockname()[1]
        sockets = [first]
        try:
            for index in range(1, hosts):
                sockets.append(_listen(host_address(index), chosen))
            return chosen, sockets
        except OSError:
            for sock in sockets:
                sock.close()
            if port:
                raise
    raise OSError(f"no port free on all of {hosts} loopback addresses after {attempts} tries")


def _exit_when_stdin_closes(stop, loop: asyncio.AbstractEventLoop) -> None:
    """The parent holds our stdin: when it dies, we go too."""
    def watch() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except OSError:
            pass
        loop.call_soon_threadsafe(stop.set)
    threading.Thread(target=watch, daemon=True).start()


async def run_server(config: WebConfig, kind: str, port: int, out: IO[str], *, watch_stdin: bool = False) -> None:
    chosen, sockets = bind_sockets(config.hosts, port)
    web = Web(config, chosen)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if watch_stdin:
        _exit_when_stdin_closes(stop, loop)
    serve = serve_uvicorn if kind == "uvicorn" else serve_asyncio
    task = asyncio.create_task(serve(web, sockets, stop))
    await asyncio.sleep(0)  # let create_server register the sockets
    out.write(json.dumps({"port": chosen, "hosts": [host_address(i) for i in range(config.hosts)],
                          "pid": os.getpid(), "server": kind}) + "\n")
    out.flush()
    await task


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_web_arguments(parser)
    parser.add_argument("--port", type=int, default=0, help="port on every address (0: pick a free one)")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="stop when standard input closes (how a parent process ties us to its life)")
    return parser.parse_args(argv)


def add_web_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--feeds", type=int, default=1000, help="number of feeds (default 1000)")
    parser.add_argument("--items", type=int, default=20, help="items per feed (default 20)")
    parser.add_argument("--hosts", type=int, default=50, help="loopback addresses to spread feeds over (default 50)")
    parser.add_argument("--latency-min", type=float, default=50.0, help="minimum response latency, ms (default 50)")
    parser.add_argument("--latency-max", type=float, default=300.0, help="maximum response latency, ms (default 300)")
    parser.add_argument("--changed", type=float, default=0.10, help="share of feeds changed per round (default 0.10)")
    parser.add_argument("--seed", type=int, default=1, help="content seed (default 1)")
    parser.add_argument("--server", choices=("asyncio", "uvicorn"), default="asyncio",
                        help="server implementation (default asyncio; uvicorn for comparison)")
    parser.add_argument("--no-gzip", dest="gzip", action="store_false", help="never compress bodies")
    parser.add_argument("--articles", action="store_true",
                        help="serve every item's link as a 30-60 KB article page (default: links answer 404)")


def config_from_args(args: argparse.Namespace) -> WebConfig:
    if not 1 <= args.hosts <= 254 * 256:
        raise SystemExit("--hosts must be between 1 and 65024")
    if args.latency_min < 0 or args.latency_max < args.latency_min:
        raise SystemExit("need 0 <= --latency-min <= --latency-max")
    if not 0 <= args.changed <= 1:
        raise SystemExit("--changed is a share between 0 and 1")
    return WebConfig(feeds=args.feeds, items=args.items, hosts=args.hosts, latency_min_ms=args.latency_min,
                     latency_max_ms=args.latency_max, changed=args.changed, seed=args.seed, gzip=args.gzip,
                     articles=getattr(args, "articles", False))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    asyncio.run(run_server(config_from_args(args), args.server, args.port, sys.stdout,
                           watch_stdin=args.exit_on_stdin_eof))


# --------------------------------------------------------------------------- client side


class NewsWeb:
    """Runs the web in a child process; ``with NewsWeb(config) as web: web.urls()``."""

    def __init__(self, config: WebConfig, server: str = "asyncio", start_timeout: float = 120.0):
        self.config = config
        self.server = server
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> "NewsWeb":
        cmd = [sys.executable, str(Path(__file__).resolve()), *self.config.cli_args(), f"--server={self.server}",
               "--exit-on-stdin-eof"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            self.port = self._wait_ready()
        except BaseException:
            self.close()
            raise
        return self

    def _wait_ready(self) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        if not result or not result[0]:
            raise RuntimeError(f"news web did not start within {self.start_timeout:g} s (exit code {self.proc.poll()})")
        return int(json.loads(result[0])["port"])

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.stdin:
            proc.stdin.close()
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def urls(self) -> list[str]:
        return feed_urls(self.config, self.port)

    def control(self, action: str, **params) -> dict:
        """Call a control URL on 127.0.0.1 (no proxy, no latency)."""
        query = "&".join(f"{k}={v}" for k, v in params.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", f"{CONTROL_PREFIX}{action}" + (f"?{query}" if query else ""))
            answer = conn.getresponse()
            data = answer.read()
            if answer.status != 200:
                raise RuntimeError(f"control {action}: HTTP {answer.status}")
            return json.loads(data)
        finally:
            conn.close()

    def advance(self, to_round: int, changed: float | None = None) -> dict:
        params = {"round": to_round} | ({"changed": changed} if changed is not None else {})
        return self.control("advance", **params)

    def stats(self) -> dict:
        return self.control("stats")


if __name__ == "__main__":
    main()
