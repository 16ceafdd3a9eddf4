"""The synthetic news web's content and answers, with no I/O (served by newsweb.py).

- ``WebConfig``: the shape of the web; identical configs give identical content;
- N RSS 2.0 feeds of M items each (titles, ~300-byte HTML descriptions, GUIDs,
  authors, categories, pubDates spread over the last few days), spread over K
  loopback addresses (``host_address``);
- rounds: ``Web.advance`` prepends a new item to a share of the feeds (new ETag,
  new Last-Modified);
- with ``config.articles``, every item's link is also a 30-60 KB article page
  (newspages.py), rendered and gzipped once;
- ``Web.respond``: the answer to one request (conditional GET, gzip, 404s and the
  ``/_control/`` endpoints), as a ``Reply`` for the server in newsweb.py to send.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import random
import resource
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html import escape as html_escape
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

CONTROL_PREFIX = "/_control/"


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class WebConfig:
    """The shape of the synthetic web; identical configs give identical content."""

    feeds: int = 1000
    items: int = 20
    hosts: int = 50
    latency_min_ms: float = 50.0
    latency_max_ms: float = 300.0
    changed: float = 0.10
    seed: int = 1
    gzip: bool = True
    #: also serve every item's link as an article page (newspages.py); off: links answer 404
    articles: bool = False

    def cli_args(self) -> list[str]:
        args = [f"--feeds={self.feeds}", f"--items={self.items}", f"--hosts={self.hosts}",
                f"--latency-min={self.latency_min_ms}", f"--latency-max={self.latency_max_ms}",
                f"--changed={self.changed}", f"--seed={self.seed}"]
        return args + ([] if self.gzip else ["--no-gzip"]) + (["--articles"] if self.articles else [])


def host_address(index: int) -> str:
    """Loopback address number ``index`` (0-based): 127.0.0.1, 127.0.0.2, ..."""
    return f"127.0.{index // 254}.{index % 254 + 1}"


def feed_host(config: WebConfig, feed: int) -> str:
    return host_address(feed % config.hosts)


def feed_url(config: WebConfig, port: int, feed: int) -> str:
    return f"http://{feed_host(config, feed)}:{port}/feeds/{feed}.xml"


def feed_urls(config: WebConfig, port: int) -> list[str]:
    return [feed_url(config, port, i) for i in range(config.feeds)]


# --------------------------------------------------------------------------- content

COMPANIES = ["OpenAI", "Anthropic", "Google DeepMind", "Meta AI", "Mistral", "Cohere", "Hugging Face",
             "NVIDIA", "Microsoft Research", "Stability AI", "AI2", "Apple", "Amazon", "IBM Research",
             "Baidu", "Alibaba Cloud", "DeepSeek", "EleutherAI", "Allen Institute", "Databricks"]
VERBS = ["releases", "unveils", "open-sources", "details", "benchmarks", "ships", "previews",
         "updates", "delays", "cuts prices of", "publishes", "retires"]
QUALIFIERS = ["a faster", "a smaller", "a multilingual", "an open", "a 70B-parameter", "a long-context",
              "an on-device", "a cheaper", "a distilled", "a sparse", "a mixture-of-experts", "a new"]
THINGS = ["language model", "reasoning model", "coding assistant", "speech model", "vision-language model",
          "agent framework", "inference chip", "safety benchmark", "evaluation suite", "training dataset",
          "robotics policy", "embedding model", "image generator", "retrieval toolkit"]
SUFFIXES = ["", "", "", ": what we know", " for enterprise customers", ", citing efficiency gains",
            " amid regulatory scrutiny", " after months of testing", " (paper)", " - hands-on"]
CLAIMS = ["beats the previous state of the art on {bench}", "halves inference cost on {bench}",
          "matches larger models on {bench}", "was trained on {n} trillion tokens",
          "runs on a single consumer GPU", "supports a {n}00k-token context window",
          "ships under a permissive licence", "scores {n}% higher on {bench}"]
BENCHES = ["MMLU", "GSM8K", "HumanEval", "SWE-bench", "ARC", "MATH", "GPQA", "HellaSwag", "BIG-bench"]
PEOPLE = ["Ada Park", "Ben Osei", "Chen Wei", "Dana Ruiz", "Eli Novak", "Fatima Khan", "Goran Ilic",
          "Hana Sato", "Ivan Petrov", "Jo Martins", "Kwame Mensah", "Lea Fischer"]
QUOTES = ["We expect developers to build on it within days.", "The gains come mostly from better data.",
          "Independent replication is still pending.", "Pricing will be announced later this quarter.",
          "Critics say the evaluation leaves out harder tasks.", "The weights are available today."]
CATEGORIES = ["Models", "Research", "Industry", "Policy", "Open Source", "Hardware", "Safety", "Tools"]
FEED_WORDS = (["The", "Daily", "Weekly", "Open", "Deep", "Applied", "Latent"],
              ["AI", "ML", "Tensor", "Gradient", "Neural", "Model", "Inference", "Token"],
              ["Digest", "Report", "Notes", "Wire", "Review", "Journal", "Blog", "Letter"])


def _title(rng: random.Random) -> str:
    return (f"{rng.choice(COMPANIES)} {rng.choice(VERBS)} {rng.choice(QUALIFIERS)} "
            f"{rng.choice(THINGS)}{rng.choice(SUFFIXES)}")


def _description(rng: random.Random, title: str, link: str, target: int = 300) -> str:
    """An HTML fragment of about ``target`` bytes, as feeds put in <description>."""
    more = f' <a href="{html_escape(link)}">More</a>'
    text = f"<p>{html_escape(title)}.</p>"
    while len(text) + len(more) < target - 60:
        claim = rng.choice(CLAIMS).format(bench=rng.choice(BENCHES), n=rng.randint(2, 9))
        text += f"<p>The {rng.choice(THINGS)} {claim}. &#8220;{rng.choice(QUOTES)}&#8221;</p>"
    return text + more


def _slug(title: str) -> str:
    words = "".join(c.lower() if c.isalnum() else " " for c in title).split()
    return "-".join(words[:8])


@dataclass
class Item:
    serial: int
    published: float  # unix time
    xml: str
    # what an article page needs (the XML above is the feed's copy)
    title: str = ""
    link: str = ""
    author: str = ""
    category: str = ""


def make_item(config: WebConfig, port: int, feed: int, serial: int, published: float) -> Item:
    """Item ``serial`` of ``feed``; its text depends only on (seed, feed, serial)."""
    rng = random.Random(f"{config.seed}/{feed}/{serial}")
    title = _title(rng)
    link = f"http://{feed_host(config, feed)}:{port}/{time.strftime('%Y/%m', time.gmtime(published))}/{_slug(title)}-{feed}-{serial}"
    description = _description(rng, title, link)
    author, category = rng.choice(PEOPLE), rng.choice(CATEGORIES)
    xml = (f"<item><title>{xml_escape(title)}</title><link>{xml_escape(link)}</link>"
           f'<guid isPermaLink="false">tag:newsweb.test,2024:feed{feed}/item{serial}</guid>'
           f"<pubDate>{email.utils.formatdate(published, usegmt=True)}</pubDate>"
           f"<dc:creator>{author}</dc:creator><category>{category}</category>"
           f"<description>{xml_escape(description)}</description></item>\n")
    return Item(serial, published, xml, title, link, author, category)


@dataclass
class FeedDoc:
    """One feed's current state and its pre-rendered answer."""

    index: int
    title: str
    items: deque  # newest first
    version: int = 0
    modified: float = 0.0
    etag: str = ""
    last_modified: str = ""
    body: bytes = b""
    gz: bytes = b""


class Web:
    """All feeds, their rounds and the answer to every request; no I/O."""

    def __init__(self, config: WebConfig, port: int, now: float | None = None):
        self.config = config
        self.port = port
        self.round = 0
        self.rng = random.Random(config.seed)
        self.stats: Counter = Counter()
        #: path -> (html, gzipped html); filled only with ``config.articles``
        self.pages: dict[str, tuple[bytes, bytes]] = {}
        start = now if now is not None else time.time()
        self.feeds = [self._new_feed(i, start) for i in range(config.feeds)]
        if config.articles:
            for doc in self.feeds:
                for item in doc.items:
                    self._render_page(doc, item)

    def _new_feed(self, index: int, now: float) -> FeedDoc:
        rng = random.Random(f"{self.config.seed}/{index}")
        span = rng.uniform(1, 5) * 86400  # this feed's items cover the last 1-5 days
        step = span / max(self.config.items, 1)
        items = deque(maxlen=self.config.items)
        for serial in range(self.config.items):  # oldest first, each prepended
            published = now - span + serial * step + rng.uniform(0, step * 0.8)
            items.appendleft(make_item(self.config, self.port, index, serial, published))
        title = " ".join(rng.choice(words) for words in FEED_WORDS) + f" #{index}"
        doc = FeedDoc(index, title, items, modified=items[0].published if items else now)
        self._render(doc)
        return doc

    def _render(self, doc: FeedDoc) -> None:
        host = f"http://{feed_host(self.config, doc.index)}:{self.port}"
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
                f"<title>{xml_escape(doc.title)}</title><link>{host}/</link>"
                f'<atom:link href="{host}/feeds/{doc.index}.xml" rel="self" type="application/rss+xml"/>'
                f"<description>News about AI from {xml_escape(doc.title)}</description><language>en</language>"
                f"<lastBuildDate>{email.utils.formatdate(doc.modified, usegmt=True)}</lastBuildDate>\n")
        doc.body = (head + "".join(item.xml for item in doc.items) + "</channel>\n</rss>\n").encode()
        doc.gz = gzip.compress(doc.body, compresslevel=6, mtime=0) if self.config.gzip else b""
        doc.etag = f'"f{doc.index}-v{doc.version}"'
        doc.last_modified = email.utils.formatdate(doc.modified, usegmt=True)

    def _render_page(self, doc: FeedDoc, item: Item) -> None:
        from newspages import render_article  # only the article benchmark needs it

        path = urlsplit(item.link).path
        html = render_article(seed=self.config.seed, feed=doc.index, serial=item.serial,
                              host=f"http://{feed_host(self.config, doc.index)}:{self.port}", url=item.link,
                              title=item.title, author=item.author, category=item.category,
                              site=doc.title.rsplit(" #", 1)[0], published=item.published)
        self.pages[path] = (html, gzip.compress(html, compresslevel=6, mtime=0) if self.config.gzip else b"")

    def advance(self, to_round: int, share: float | None = None, now: float | None = None) -> int:
        """Step the web forward to ``to_round``; return how many feeds changed."""
        share = self.config.changed if share is None else share
        changed = 0
        while self.round < to_round:
            self.round += 1
            count = round(len(self.feeds) * share)
            picked = random.Random(f"{self.config.seed}/round{self.round}").sample(range(len(self.feeds)), count)
            stamp = now if now is not None else time.time()
            for index in picked:
                self._add_item(self.feeds[index], stamp)
            changed += count
        return changed

    def _add_item(self, doc: FeedDoc, now: float) -> None:
        serial = doc.items[0].serial + 1 if doc.items else 0
        doc.items.appendleft(make_item(self.config, self.port, doc.index, serial, now))
        if self.config.articles:
            self._render_page(doc, doc.items[0])
        doc.version += 1
        doc.modified = max(now, doc.modified + 1)  # Last-Modified must move even within a second
        self._render(doc)

    def delay(self) -> float:
        return self.rng.uniform(self.config.latency_min_ms, self.config.latency_max_ms) / 1000.0

    # ---------------------------------------------------------------- requests

    def respond(self, method: str, target: str, headers: dict[str, str]) -> "Reply":
        """The answer to one request; ``Reply.delayed`` says whether latency applies."""
        path = target.split("?", 1)[0]
        if path.startswith(CONTROL_PREFIX):
            return self._control(target)
        self.stats["requests"] += 1
        if method != "GET":
            return self._count(Reply(405, [("Allow", "GET")], b"method not allowed\n"))
        doc = self._feed_for(path)
        if doc is None and path in self.pages:
            return self._page(path, headers)
        if doc is None:
            return self._count(Reply(404, [("Content-Type", "text/plain")], b"not found\n"))
        validators = [("ETag", doc.etag), ("Last-Modified", doc.last_modified)]
        if _not_modified(doc, headers):
            return self._count(Reply(304, validators, b""))
        out = [("Content-Type", "application/rss+xml; charset=utf-8"), *validators, ("Vary", "Accept-Encoding")]
        body = doc.body
        if doc.gz and "gzip" in headers.get("accept-encoding", ""):
            out.append(("Content-Encoding", "gzip"))
            body = doc.gz
        self.stats["bytes"] += len(body)
        return self._count(Reply(200, out, body))

    def _page(self, path: str, headers: dict[str, str]) -> "Reply":
        html, gz = self.pages[path]
        out = [("Content-Type", "text/html; charset=utf-8"), ("Vary", "Accept-Encoding"),
               ("Cache-Control", "max-age=300")]
        body = html
        if gz and "gzip" in headers.get("accept-encoding", ""):
            out.append(("Content-Encoding", "gzip"))
            body = gz
        self.stats["bytes"] += len(body)
        self.stats["pages"] += 1
        return self._count(Reply(200, out, body))

    def _count(self, reply: "Reply") -> "Reply":
        self.stats[f"status_{reply.status}"] += 1
        return reply

    def _feed_for(self, path: str) -> FeedDoc | None:
        if not (path.startswith("/feeds/") and path.endswith(".xml")):
            return None
        number = path[len("/feeds/"):-len(".xml")]
        if not number.isdigit() or int(number) >= len(self.feeds):
            return None
        return self.feeds[int(number)]

    def _control(self, target: str) -> "Reply":
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.path == CONTROL_PREFIX + "advance":
            share = float(query["changed"]) if "changed" in query else None
            changed = self.advance(int(query.get("round", self.round + 1)), share)
            return _json_reply({"round": self.round, "changed": changed})
        if parts.path == CONTROL_PREFIX + "stats":
            return _json_reply(self.stats_snapshot())
        return Reply(404, [("Content-Type", "text/plain")], b"unknown control\n", delayed=False)

    def stats_snapshot(self) -> dict:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {"round": self.round, "cpu_user": usage.ru_utime, "cpu_system": usage.ru_stime,
                "maxrss_kb": usage.ru_maxrss, **self.stats}


def _not_modified(doc: FeedDoc, headers: dict[str, str]) -> bool:
    """RFC 9110 13.2.2: If-None-Match, when present, decides alone."""
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or doc.etag in tags or f"W/{doc.etag}" in tags
    ims = headers.get("if-modified-since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return int(doc.modified) <= since
    return False


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delayed: bool = True


def _json_reply(data: dict) -> Reply:
    return Reply(200, [("Content-Type", "application/json")], json.dumps(data).encode(), delayed=False)
