"""The pure polling deciders: intervals, hints, backoff."""

from datetime import timedelta

from aggregator.config import FetchSettings
from aggregator.fetch import policy

S = FetchSettings(min_interval_minutes=15, max_interval_minutes=600, max_backoff_minutes=1440, disable_after_errors=5)


def test_adaptive_interval_follows_publishing_rate(clock):
    now = clock()
    busy = [now - timedelta(hours=h) for h in range(0, 168, 2)]  # 84 posts a week
    quiet = [now - timedelta(days=3)]
    assert policy.adaptive_interval(busy, now, S) == timedelta(minutes=60)
    assert policy.adaptive_interval(quiet, now, S) == timedelta(minutes=600)  # 3.5 days clamped to max
    assert policy.adaptive_interval([], now, S) == timedelta(minutes=600)
    flood = [now - timedelta(minutes=m) for m in range(2000)]
    assert policy.adaptive_interval(flood, now, S) == timedelta(minutes=15)  # clamped to min


def test_hints_are_a_floor_and_max_age_beats_expires(clock):
    now = clock()
    headers = {"cache-control": "max-age=7200", "expires": "Thu, 01 Jan 2099 00:00:00 GMT"}
    assert policy.freshness_hint(headers, now) == timedelta(hours=2)
    assert policy.freshness_hint({"expires": "Fri, 20 Nov 2026 13:30:00 GMT"}, now) == timedelta(minutes=90)
    assert policy.freshness_hint({}, now, ttl_minutes=60) == timedelta(hours=1)
    assert policy.freshness_hint({"cache-control": "no-cache"}, now) is None
    busy = [now - timedelta(minutes=m * 10) for m in range(1000)]
    decision = policy.after_success(now, {"cache-control": "max-age=3600"}, None, busy, S)
    assert decision.interval == timedelta(hours=1) and decision.reason == "server freshness hint"
    # a hint beyond the configured maximum is honoured up to a day
    decision = policy.after_success(now, {"cache-control": "max-age=604800"}, None, busy, S)
    assert decision.interval == timedelta(hours=24)


def test_backoff_doubles_to_a_cap_and_retry_after_wins(clock):
    now = clock()
    waits = [policy.after_error(now, n, None, S).interval for n in range(1, 9)]
    assert waits[:4] == [timedelta(minutes=15 * 2 ** i) for i in range(4)]
    assert waits[-1] == timedelta(minutes=1440)
    later = now + timedelta(hours=5)
    assert policy.after_error(now, 1, later, S).next_check_at == later
    # a tiny Retry-After never shortens the backoff
    assert policy.after_error(now, 3, now + timedelta(seconds=5), S).interval == timedelta(minutes=60)
    # years of throttling must not overflow
    assert policy.after_error(now, 10_000, None, S).interval == timedelta(minutes=1440)


def test_retry_after_forms(clock):
    now = clock()
    assert policy.parse_retry_after("120", now) == now + timedelta(seconds=120)
    assert policy.parse_retry_after("Fri, 20 Nov 2026 14:00:00 GMT", now) == now + timedelta(hours=2)
    assert policy.parse_retry_after("soon", now) is None
    assert policy.parse_retry_after(None, now) is None
    assert policy.parse_retry_after("9" * 30, now) - now == timedelta(seconds=policy.MAX_SECONDS)
    assert policy.freshness_hint({"cache-control": "max-age=" + "9" * 30}, now) == timedelta(seconds=policy.MAX_SECONDS)


def test_throttling_does_not_count_towards_disabling(clock):
    assert not policy.counts_towards_disabling(429, clock())
    assert policy.counts_towards_disabling(429, None)
    assert policy.counts_towards_disabling(500, None)
    assert policy.should_disable(5, S) and not policy.should_disable(4, S)
