"""Shared pieces of the fetch tests: a sample feed's items and small store helpers."""

from __future__ import annotations

import asyncio

from aggregator.fetch.feeds import fetch_feeds
from aggregator.store.feeds import add_feed, due_feeds, list_feeds


ITEMS = [
    {"title": "Model A released", "link": "http://example.org/a?utm_source=rss", "guid": "a",
     "description": "First", "pubDate": "Thu, 19 Nov 2026 10:00:00 GMT"},
    {"title": "Benchmark B", "link": "http://example.org/b", "guid": "b",
     "description": "Second", "pubDate": "Thu, 19 Nov 2026 11:00:00 GMT"},
]


def run(settings, store, clock, everything=True):
    feeds = due_feeds(store, clock(), everything=everything)
    return asyncio.run(fetch_feeds(settings, store, clock, feeds))


def feed_row(store, feed_id=1):
    return next(r for r in list_feeds(store) if r["id"] == feed_id)


def subscribe(store, clock, url):
    return add_feed(store, url, clock())[0]
