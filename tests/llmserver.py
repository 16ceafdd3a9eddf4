"""An OpenAI-compatible chat-completions server on 127.0.0.1 that the test scripts.

``server.script`` is a list consumed one request at a time; each item is one of:

- a dict: a card (or any JSON object) returned as the assistant's message content;
- a str: returned verbatim as the content (invalid JSON, markdown fences, ...);
- ``Fail(status, body, headers)``: an HTTP error answer;
- ``Stall(seconds)``: accept the request and say nothing for that long;
- a callable ``(request_json) -> any of the above``.

When the script is empty, ``default`` answers (by default: a faithful card built
from the article's own sentences). Every request body is kept in ``requests``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Fail:
    status: int
    body: str = '{"error": {"message": "scripted failure", "type": "server_error"}}'
    headers: dict = field(default_factory=dict)


@dataclass
class Stall:
    seconds: float


def article_of(request: dict) -> str:
    user = request["messages"][1]["content"]
    match = re.search(r"<<<ARTICLE (\w+)>>>\n(.*)\n<<<END ARTICLE \1>>>", user, re.S)
    if not match:
        return ""
    block = match.group(2)  # "Publisher: …\nPublished: …\nTitle: …\n\n<text>"
    return block.split("\n\n", 1)[1] if block.startswith("Publisher:") and "\n\n" in block else block


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", text) if len(s.strip()) > 30]


def faithful_card(request: dict) -> dict:
    """A card whose every claim is a sentence of the article: what a good model returns."""
    found = sentences(article_of(request)) or ["No article text was given to this scripted server."]
    claims = [{"text": s, "evidence": s} for s in found[:4]]
    return {
        "what_changed": claims[:2],
        "why_it_matters": "Teams that depend on this kind of system should understand what changed.",
        "what_to_do_next": ["Read the original article before acting on it."],
        "who_should_care": ["developers"],
        "key_takeaways": claims[2:4],
        "future_implications": [],
        "timeline": [],
        "topics": ["models"],
        "entities": [],
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(request)
            item: Any = owner.script.pop(0) if owner.script else owner.default
        if callable(item) and not isinstance(item, (Fail, Stall)):
            item = item(request)
        if isinstance(item, Stall):
            time.sleep(item.seconds)
            return
        if isinstance(item, Fail):
            self._send(item.status, item.body.encode(), {"Content-Type": "application/json", **item.headers})
            return
        content = item if isinstance(item, str) else json.dumps(item)
        completion = {
            "id": f"chatcmpl-{len(owner.requests)}", "object": "chat.completion", "created": 1764000000,
            "model": request.get("model", "scripted"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": owner.tokens_in, "completion_tokens": owner.tokens_out,
                      "total_tokens": owner.tokens_in + owner.tokens_out},
        }
        self._send(200, json.dumps(completion).encode(), {"Content-Type": "application/json"})

    def _send(self, status: int, body: bytes, headers: dict) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "LLMServer"


class LLMServer:
    __test__ = False

    def __init__(self):
        self.script: list = []
        self.requests: list[dict] = []
        self.default: Callable | dict | str = faithful_card
        self.tokens_in = 900
        self.tokens_out = 300
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "LLMServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def formats(self) -> list[str]:
        return [r.get("response_format", {}).get("type", "none") + ("+schema" if "schema" in r.get("response_format", {}) else "")
                for r in self.requests]
