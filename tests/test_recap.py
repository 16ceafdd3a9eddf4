"""The weekly recap's LLM introduction: every sentence linked to its story and checked against it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from aggregator.config import settings_from_dict
from aggregator.site.render import build_site
from aggregator.summarize.recap import RecapDraft, StoryFacts, run_recap, verify
from llmserver import Fail, LLMServer
from site_helpers import site_from
from tests.conftest import FakeClock

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # inside W47; W46 is "last week"


@pytest.fixture
def recap_site(demo_pipeline, tmp_path):
    settings, store = site_from(demo_pipeline, tmp_path, base_url="https://news.example.org/")
    with LLMServer() as server:
        config = {**demo_pipeline.config, "site": {**demo_pipeline.config["site"], "output_dir": "public",
                                                   "base_url": "https://news.example.org/"},
                  "database": {"path": str(settings.database_path)},
                  "llm": {"base_url": server.base_url, "model": "scripted-1", "api_key_env": None,
                          "max_retries": 0, "request_timeout_seconds": 5}}
        yield settings_from_dict(config, base_dir=tmp_path), store, server
    store.close()


def _listed(request: dict) -> dict[int, str]:
    """Story number -> title, as the prompt lists them."""
    return {int(n): t for n, t in re.findall(r"^Story (\d+): (.*)$", request["messages"][1]["content"], re.M)}


def honest_and_hostile(request: dict) -> dict:
    """Two faithful sentences (the titles themselves), one with an invented figure, one for a story
    not in the list, one with a link, and a second sentence for an already covered story."""
    titles = _listed(request)
    return {"sentences": [
        {"story": 1, "text": titles[1]},
        {"story": 2, "text": f"{titles[2]}, a deal worth $9.7 billion."},
        {"story": 42, "text": "A story that is not in the list."},
        {"story": 3, "text": f"{titles[3]} (see https://evil.example/)."},
        {"story": 1, "text": titles[1]},
        {"story": 4, "text": titles[4]},
    ]}


def test_the_introduction_links_each_sentence_to_its_story_and_drops_what_the_cards_do_not_say(recap_site):
    settings, store, llm = recap_site
    llm.default = honest_and_hostile
    clock = FakeClock(NOW)
    report = run_recap(settings, store, clock)
    assert (report.weeks, report.written, report.failed) == (2, 2, 0)
    assert report.sentences_dropped == 4 * 2  # per week: the figure, the unknown story, the link, the repeat
    assert [r["prompt_name"] for r in store.query("select prompt_name from llm_calls")] == ["recap", "recap"]
    user = llm.requests[0]["messages"][1]["content"]
    assert "<<<STORIES" in user and "untrusted" in llm.requests[0]["messages"][0]["content"].lower()

    build_site(settings, store, NOW)
    html = (settings.output_dir / "weekly" / "2026-W47" / "index.html").read_text()
    intro = re.search(r'<section class="intro".*?</section>', html, re.S).group(0)
    links = re.findall(r'<a href="\.\./\.\./(stories/[^"]+)">([^<]+)</a>', intro)
    assert len(links) == 2
    for path, text in links:
        slug = path.split("/")[1]
        title = store.scalar("select title from stories where slug = ?", (slug,))
        assert text.replace("&#39;", "'").replace("&amp;", "&") == title  # each sentence links its own story
    assert "9.7 billion" not in html and "evil.example" not in html and "not in the list" not in html

    again = run_recap(settings, store, clock)  # nothing changed: no call
    assert (again.written, again.unchanged, len(llm.requests)) == (0, 2, 2)


def test_without_enough_verified_sentences_or_without_an_llm_the_page_lists_the_top_threads(recap_site):
    settings, store, llm = recap_site
    llm.script = [{"sentences": [{"story": 1, "text": "Revenue rose 999% in 1887."}]}, Fail(400)]
    report = run_recap(settings, store, FakeClock(NOW))
    assert (report.rejected, report.failed, report.written) == (1, 1, 0)
    assert report.errors and "refused" in report.errors[0]
    build_site(settings, store, NOW)
    for week in ("2026-W46", "2026-W47"):
        html = (settings.output_dir / "weekly" / week / "index.html").read_text()
        assert 'class="intro"' not in html and re.search(r"main threads</h2>\s*<ol>", html)
    offline = settings.model_copy(update={"llm": None})
    assert run_recap(offline, store, FakeClock(NOW)).weeks == 0


def test_verify_is_strict_about_numbers_names_and_story_numbers():
    stories = [StoryFacts(1, 10, "Halcyon AI raises $420 million", ("Halcyon AI raised $420 million on 12 November.",)),
               StoryFacts(2, 11, "Northwind opens a Lisbon office", ("Northwind Labs opens an office in Lisbon.",))]
    draft = RecapDraft.model_validate({"sentences": [
        {"story": 1, "text": "Halcyon AI raised $420 million."},
        {"story": 2, "text": "Northwind Labs opened a Lisbon office with 300 staff."},
        {"story": 2, "text": "Northwind Labs <b>opened</b> an office in Lisbon."},
        {"story": 1, "text": "Meridian Corp raised $420 million."},
    ]})
    kept, dropped = verify(draft, stories)
    assert kept == [{"story_id": 10, "text": "Halcyon AI raised $420 million."},
                    {"story_id": 11, "text": "Northwind Labs opened an office in Lisbon."}]
    assert any("300" in reason for reason in dropped) and len(dropped) == 2


def test_a_busy_week_shows_the_best_stories_of_each_topic_and_counts_the_rest():
    """A week of hundreds of stories per topic is not a recap: each topic shows its best
    ranked stories, then how many more there are and where they are."""
    from aggregator.site.recap import WeekNumbers, build_recap

    def story(i, topics, score):
        return {"id": i, "week": "2026-W47", "path": f"stories/s-{i}/", "title": f"Story {i}", "topics": topics,
                "sources": [{"url": f"https://p.example/{i}", "publisher": "P"}],
                "rank": {"score": score, "parts": {"independent_sources": 1}}}

    stories = [story(i, ["Chips"], float(i)) for i in range(40)] + [story(100 + i, [], 1.0) for i in range(3)]
    recap = build_recap("2026-W47", "UTC", stories, WeekNumbers(), group_size=10)
    chips, other = recap.groups
    assert chips["topic"] == "Chips" and chips["slug"] == "chips" and chips["more"] == 30
    assert [s["title"] for s in chips["stories"]] == [f"Story {i}" for i in range(39, 29, -1)]  # best first
    assert other["topic"] == "other" and other["slug"] is None and other["more"] == 0
    assert recap.numbers.stories == 43
