"""Stories: one event from many outlets is one story; different events stay apart; ids are stable."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from aggregator.clock import UTC
from aggregator.cluster import ClusterItem, ClusterRules, assign_stories, figures

T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


def item(i, title, lead, hours=0.0, url=None, feed="Wire"):
    return ClusterItem(i, title, lead, url or f"https://news{i}.example/{i}", T0 + timedelta(hours=hours), feed)


LAUNCH = [
    item(1, "Northwind Labs releases Meridian-3 with a one-million-token context window",
         "Northwind Labs on Tuesday released Meridian-3, a language model family with a context window of one "
         "million tokens and prices starting at $0.40 per million input tokens.", 0),
    item(2, "Meridian-3 is here: Northwind's new model reads a million tokens at once",
         "The new Meridian-3 models from Northwind Labs can take in a million tokens of context, the company said "
         "Tuesday, undercutting rivals with input prices from $0.40 per million tokens.", 3),
    item(3, "Northwind unveils Meridian 3 family, cuts long-context prices",
         "Northwind Labs has launched its Meridian-3 family of models, which handle a 1M-token context; pricing "
         "begins at $0.40 per million input tokens.", 7),
]
OUTAGE = item(4, "Northwind's Meridian API goes down for three hours",
              "Developers using Northwind Labs' Meridian API saw errors for about three hours on Thursday after a "
              "configuration change took down the service in two regions.", 50)
FUNDING = item(5, "Halcyon AI raises $420 million Series C led by Granite Peak",
               "Halcyon AI said it raised $420 million in a Series C round led by Granite Peak Capital, valuing the "
               "open-model start-up at $5.1 billion.", 10)


def partition(assigned: dict[int, int]) -> list[set[int]]:
    groups: dict[int, set[int]] = {}
    for item_id, story in assigned.items():
        groups.setdefault(story, set()).add(item_id)
    return sorted(groups.values(), key=min)


def test_paraphrased_headlines_merge_and_different_events_do_not():
    assigned = assign_stories(LAUNCH + [OUTAGE, FUNDING], [])
    assert partition(assigned) == [{1, 2, 3}, {4}, {5}]


def test_a_late_article_joins_the_existing_story_and_known_items_never_move():
    first = assign_stories(LAUNCH[:2], [])
    story = first[1]
    known = [(i, 100) for i in LAUNCH[:2]]  # stored with real id 100
    late = assign_stories([LAUNCH[2], OUTAGE], known)
    assert late[3] == 100 and late[4] < 0
    assert story == first[2]


def test_syndicated_copies_always_merge_and_the_window_is_respected():
    copy = item(6, FUNDING.title, FUNDING.lead, 60, url=FUNDING.url + "?utm_source=partner")
    assert partition(assign_stories([FUNDING, copy], [])) == [{5, 6}]
    much_later = item(7, LAUNCH[0].title, LAUNCH[0].lead + " Again.", 24 * 5)
    assert len(partition(assign_stories([LAUNCH[0], much_later], []))) == 2


def test_figures_tell_events_of_one_company_apart():
    assert figures("raised $420M, up 40%") == figures("raised $420 million, up 40 percent") == {"$4.2e+08", "40%"}
    pay = item(8, "Halcyon AI sets a $22 hourly pay floor for contractors",
               "Halcyon AI will pay its contractors at least $22 an hour, the company said.", 12)
    assert len(partition(assign_stories([FUNDING, pay], [], ClusterRules()))) == 2


def test_sample_web_stories_match_the_ground_truth(tmp_path):
    from aggregator.clock import system_clock
    from aggregator.config import settings_from_dict
    from aggregator.demo.server import SampleWeb
    from aggregator.pipeline import open_settings_store, run_cluster, run_extract, run_fetch

    truth = json.loads((Path(__file__).parents[1] / "aggregator/demo/data/events.json").read_text())
    with SampleWeb() as web:
        settings = settings_from_dict({"database": {"path": str(tmp_path / "d.db")},
                                       "network": {"allow_private_networks": True},
                                       "extract": {"per_host_delay_seconds": 0}, "feeds": web.feed_urls()},
                                      base_dir=tmp_path)
        with open_settings_store(settings, system_clock) as store:
            run_fetch(settings, store, system_clock)
            run_extract(settings, store, system_clock)
            first = run_cluster(settings, store, system_clock)
            story_of = {}
            for row in store.query("select url, story_id from entries"):
                parts = row["url"].rstrip("/").split("/")
                story_of[f"{parts[3]}/{parts[-1]}"] = row["story_id"]
            slugs = dict(store.db.execute("select id, slug from stories").fetchall())
            again = run_cluster(settings, store, system_clock)
            assert again.entries == 0 and dict(store.db.execute("select id, slug from stories").fetchall()) == slugs
    assert first.entries == 40
    for event in truth["events"]:
        stories = {story_of[a] for a in event["articles"]}
        assert len(stories) == 1, (event["id"], stories)
    events_by_story: dict[int, list[str]] = {}
    for event in truth["events"]:
        events_by_story.setdefault(story_of[event["articles"][0]], []).append(event["id"])
    merged = {s: e for s, e in events_by_story.items() if len(e) > 1}
    assert merged == {}, merged


def info(i, title, days, entities=(), topics=(), feeds=(1,), weight=1.0):
    from aggregator.related import StoryInfo, entity_keys

    moment = T0 + timedelta(days=days)
    return StoryInfo(i, f"s{i}", title, moment, moment, entity_keys(list(entities), title), frozenset(topics),
                     frozenset(feeds), weight)


def test_related_updates_exclude_the_story_itself_and_the_thread_looks_back():
    from aggregator.related import related_stories, thread

    launch = info(1, "Northwind Labs releases Meridian-3", 0, ["Northwind Labs", "Meridian-3"], ["models"])
    outage = info(2, "Northwind's Meridian API goes down for three hours", 3, ["Northwind Labs", "Meridian"], ["outages"])
    office = info(3, "Northwind Labs opens a Lisbon office", 5, ["Northwind Labs", "Lisbon"], ["business"])
    other = info(4, "Halcyon AI raises $420 million", 1, ["Halcyon AI"], ["funding"])
    stories = [launch, outage, office, other]
    related = [s.id for s, _ in related_stories(outage, stories)]
    assert 2 not in related and related[0] == 1 and 4 not in related
    assert [s.id for s in thread(office, stories)] == [1, 2]  # earlier ones only, oldest first
    assert thread(launch, stories) == []


def test_weekly_ranking_counts_independent_sources_weight_and_recency():
    from aggregator.related import rank

    now = T0 + timedelta(days=2)
    wide = info(1, "Covered by three outlets", 0, feeds=(1, 2, 3))
    heavy = info(2, "One outlet with weight 2", 0, feeds=(4,), weight=2.0)
    fresh = info(3, "One outlet, this morning", 2, feeds=(5,))
    old = info(4, "One outlet, two days ago", 0, feeds=(6,))
    ranked = rank([old, fresh, heavy, wide], now)
    assert [r.story.id for r in ranked] == [1, 2, 3, 4]
    top = ranked[0]
    assert top.parts["independent_sources"] == 3 and "3 independent source(s)" in top.explanation
    assert top.score == round(top.parts["coverage_points"] + top.parts["recency_points"], 3)


def test_the_entity_index_answers_what_comparing_every_pair_answers():
    """Related updates and threads through the index equal the all-pairs functions (no cap reached)."""
    import random

    from aggregator.related import EntityIndex, related_stories, thread

    rng = random.Random(7)
    names = [f"Company{i} Labs" for i in range(40)] + [f"Product{i}" for i in range(40)]
    topics = ["models", "policy", "chips", "funding", "research"]
    stories = [info(i, f"Story {i}", rng.uniform(0, 120), rng.sample(names, rng.randint(1, 4)),
                    rng.sample(topics, rng.randint(1, 2))) for i in range(400)]
    index = EntityIndex(stories, per_entity=10_000)
    for story in stories:
        related, earlier = index.related_and_thread(story)
        assert [(o.id, s) for o, s in related] == [(o.id, s) for o, s in related_stories(story, stories)]
        assert [o.id for o in earlier] == [o.id for o in thread(story, stories)]
    capped = EntityIndex(stories, per_entity=5)  # a common key contributes only its nearest stories
    assert all(len(capped._shared(s, timedelta(days=90))) <= 5 * len(s.entities) for s in stories)


def test_only_the_neighbours_of_a_changed_story_can_see_their_related_updates_change():
    """What lets a site build recompute related updates for a few stories: after adding,
    changing or removing stories, every story outside the changed ones' neighbours (old and
    new keys) has exactly the related updates and thread it had, with the cap in force."""
    import random

    from aggregator.related import EntityIndex

    rng = random.Random(11)
    names = [f"Company{i} Labs" for i in range(12)] + [f"Product{i}" for i in range(12)]  # few names: caps bite
    topics = ["models", "policy", "chips"]

    def story(i, days):
        return info(i, f"Story {i}", days, rng.sample(names, rng.randint(1, 3)), rng.sample(topics, 1))

    def answers(index, stories):
        out = {}
        for s in stories:
            related, earlier = index.related_and_thread(s)
            out[s.id] = ([(o.id, round(x, 9)) for o, x in related], [o.id for o in earlier])
        return out

    stories = {i: story(i, rng.uniform(0, 120)) for i in range(600)}
    for step in range(30):
        before_index = EntityIndex(list(stories.values()), per_entity=6)
        before = answers(before_index, stories.values())
        changed_old = {}
        after = dict(stories)
        kind = step % 3
        if kind == 0:  # a new story
            new = story(1000 + step, rng.uniform(0, 125))
            after[new.id] = new
            changed_new = [new]
        elif kind == 1:  # a story's entities and time change
            victim = rng.choice(list(after))
            changed_old[victim] = after[victim]
            after[victim] = story(victim, rng.uniform(0, 120))
            changed_new = [after[victim]]
        else:  # a story goes
            victim = rng.choice(list(after))
            changed_old[victim] = after.pop(victim)
            changed_new = []
        index = EntityIndex(list(after.values()), per_entity=6)
        reach = {s.id for s in changed_new}
        for s in changed_new:
            reach |= index.neighbours(s.entities, s.first_published.timestamp())
        for s in changed_old.values():
            reach |= index.neighbours(s.entities, s.first_published.timestamp())
        now = answers(index, after.values())
        unchanged = [i for i in after if i not in reach]
        assert unchanged, "the neighbourhood should not be everything"
        assert {i: now[i] for i in unchanged} == {i: before[i] for i in unchanged}, f"step {step}"
        stories = after


def test_neighbours_reach_every_story_tied_at_the_edge_of_the_window():
    """Undated entries are stamped at midnight, so many stories can share one time; a capped
    window starts at the first of them, and all of them must count as neighbours."""
    from aggregator.related import EntityIndex

    def at(i, days, entities=("Openai",)):
        return info(i, f"Story {i}", days, list(entities))

    base = [at(i, 10) for i in range(1, 41)] + [at(100 + i, 9 - i / 1000) for i in range(30)]
    newcomer = at(999, 10 - 1 / 86400)
    before, after = EntityIndex(base, per_entity=6), EntityIndex(base + [newcomer], per_entity=6)
    changed = {s.id for s in base if before.related_and_thread(s) != after.related_and_thread(s)}
    assert changed, "the newcomer enters some capped windows"
    assert changed <= after.neighbours(newcomer.entities, newcomer.first_published.timestamp())
    assert changed <= before.neighbours(newcomer.entities, newcomer.first_published.timestamp())  # and leaving
