"""The offline summarizer: extractive, grounded by construction, deterministic."""

import re

import pytest

from aggregator.demo.data import load_data
from aggregator.summarize.card import AUDIENCES, CardDraft
from aggregator.summarize.offline import find_date, load_rules, offline_draft, split_sentences

ARTICLES = load_data().articles
DATE_LABEL = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4}|\d{2}-\d{2})$")


def article(slug):
    return next(a for a in ARTICLES if a.slug == slug)


def text_of(a):
    return "\n\n".join(a.body)


def sentences(paragraph):
    return [paragraph[s:e] for s, e in split_sentences(paragraph)]


def check_card(draft, title, text):
    """What every offline card must satisfy, whatever its input."""
    assert isinstance(draft, CardDraft)
    CardDraft(**draft.model_dump())  # passes pydantic validation as a fresh object
    source = title + "\n\n" + text
    assert draft.what_changed
    for claim in draft.what_changed + draft.key_takeaways:
        assert claim.evidence in source
        assert claim.text == claim.evidence
    for event in draft.timeline:
        assert event.evidence in source
        assert event.event == event.evidence
        assert DATE_LABEL.match(event.date), event.date
    assert len(draft.what_changed) <= 2
    assert len(draft.key_takeaways) <= 3
    assert len(draft.timeline) <= 6
    assert len({e.date for e in draft.timeline}) == len(draft.timeline)
    assert len(draft.entities) <= 8
    assert 1 <= len(draft.who_should_care) <= 3
    assert set(draft.who_should_care) <= set(AUDIENCES)
    assert len(draft.topics) <= 3
    assert draft.why_it_matters == "" and draft.what_to_do_next == [] and draft.future_implications == []
    # takeaways repeat no what_changed sentence and keep document order
    changed = {c.text for c in draft.what_changed}
    assert not changed & {c.text for c in draft.key_takeaways}
    positions = [text.index(c.text) for c in draft.key_takeaways]
    assert positions == sorted(positions)


# ------------------------------------------------------------------ the demo corpus


@pytest.mark.parametrize("a", ARTICLES, ids=lambda a: a.slug)
def test_every_demo_article_gets_a_grounded_valid_card(a):
    text = text_of(a)
    draft = offline_draft(a.title, text)
    check_card(draft, a.title, text)
    # the lead is from the first paragraph with a sentence of 40+ characters (the round-up
    # opens with "It was a busy week for open models. Here's what mattered.")
    lead = next(p for p in a.body if any(len(s) >= 40 for s in sentences(p)))
    assert all(c.text in lead for c in draft.what_changed)
    assert draft.key_takeaways  # every demo article has more than its lead to offer


@pytest.mark.parametrize("a", ARTICLES, ids=lambda a: a.slug)
def test_a_feed_excerpt_alone_also_gives_a_valid_card(a):
    draft = offline_draft(a.title, a.summary)
    check_card(draft, a.title, a.summary)


def test_output_is_identical_across_calls():
    for a in ARTICLES:
        first = offline_draft(a.title, text_of(a)).model_dump_json()
        second = offline_draft(a.title, text_of(a), load_rules()).model_dump_json()
        assert first == second


def test_a_security_vulnerability_article_is_for_security_teams():
    for slug in ("lumen-pilot-prompt-injection-flaw", "lumen-forge-patches-lumen-pilot", "lumen-pilot-auto-run-advisory"):
        a = article(slug)
        draft = offline_draft(a.title, text_of(a))
        assert "enterprise & security teams" in draft.who_should_care, slug
        assert draft.topics[0] == "security", slug


def test_a_funding_article_is_for_investors():
    for slug in ("halcyon-ai-420-million-series-c", "halcyon-ai-series-c-granite-peak", "cobalt-reach-confidential-ipo-filing"):
        a = article(slug)
        draft = offline_draft(a.title, text_of(a))
        assert draft.who_should_care[0] == "investors", slug
        assert "funding & business" in draft.topics, slug


def test_demo_cards_by_example():
    meridian = offline_draft(article("introducing-meridian-3").title, text_of(article("introducing-meridian-3")))
    assert meridian.what_changed[0].text.startswith("Today, November 10, 2026, we are releasing Meridian-3")
    assert [(e.date, e.event[:20]) for e in meridian.timeline] == [
        ("2026-06", "The Meridian-3 model"),
        ("2026-11-10", "Today, November 10, "),
        ("11-17", "All three are availa"),
        ("2027-05-10", "Meridian-2 models wi"),
    ]
    assert "Meridian-3 Pro" in meridian.entities and "developers" in meridian.who_should_care
    assert meridian.topics[0] == "models & releases"

    outage = article("november-20-api-incident-report")
    draft = offline_draft(outage.title, text_of(outage))
    assert draft.who_should_care == ["enterprise & security teams"]
    assert draft.topics == ["infrastructure & cloud"]
    assert [e.date for e in draft.timeline] == ["2026-11-20", "12-15"]

    review = article("pocketwise-lingo-review")
    assert offline_draft(review.title, text_of(review)).who_should_care == ["general readers"]


# ------------------------------------------------------------------ empty and short text


@pytest.mark.parametrize("text", ["", "   \n\n  ", "Short one.", None])
def test_without_usable_text_the_title_is_the_claim(text):
    title = "Northwind Labs releases Meridian-3"
    draft = offline_draft(title, text)
    assert [(c.text, c.evidence) for c in draft.what_changed] == [(title, title)]
    assert draft.key_takeaways == [] and draft.timeline == []
    assert draft.who_should_care  # never empty: "general readers" at least
    check_card(draft, title, text or "")


def test_a_one_sentence_excerpt_is_the_lead():
    excerpt = "Halcyon AI raised $420 million in a Series C round led by Granite Peak Ventures."
    draft = offline_draft("Halcyon raises", excerpt)
    assert [c.text for c in draft.what_changed] == [excerpt]
    assert draft.key_takeaways == []
    assert "investors" in draft.who_should_care


def test_with_nothing_at_all_the_card_is_still_valid():
    draft = offline_draft("", "")
    assert draft.what_changed[0].text == ""
    assert draft.who_should_care == ["general readers"]


# ------------------------------------------------------------------ sentence splitting


@pytest.mark.parametrize("paragraph, expected", [
    ("Mr. Smith met Dr. Jones at Acme Inc. on Monday. They talked for an hour.",
     ["Mr. Smith met Dr. Jones at Acme Inc. on Monday.", "They talked for an hour."]),
    ("The U.S. market grew 2.5 percent. Prices rose, e.g. for eggs, i.e. food. It ended on Nov. 10 this year.",
     ["The U.S. market grew 2.5 percent.", "Prices rose, e.g. for eggs, i.e. food.", "It ended on Nov. 10 this year."]),
    ("J. R. R. Tolkien wrote books. Priya K. Raman found the flaw.",
     ["J. R. R. Tolkien wrote books.", "Priya K. Raman found the flaw."]),
    ("The U.S. Army agreed. Shares of Acme Inc. Chief Executive Jane Doe rose.",
     ["The U.S. Army agreed.", "Shares of Acme Inc. Chief Executive Jane Doe rose."]),
    ("It bought Widget Corp. The deal closed. It raised $75 million in a Series B. It has 210 employees.",
     ["It bought Widget Corp.", "The deal closed.", "It raised $75 million in a Series B.", "It has 210 employees."]),
    ("“We lose half a point.” The paper was accepted. He said, “it works.” Then he left.",
     ["“We lose half a point.”", "The paper was accepted.", "He said, “it works.”", "Then he left."]),
    ('"Is it ready?" she asked. "Yes." The release is version 4.2.4. It ships at 3 p.m. on Monday.',
     ['"Is it ready?" she asked.', '"Yes."', "The release is version 4.2.4.", "It ships at 3 p.m. on Monday."]),
    ("Speeds rose 3.1 times at 256,000 tokens. Recall fell from 95.2% to 94.7%. See No. 5 in the list.",
     ["Speeds rose 3.1 times at 256,000 tokens.", "Recall fell from 95.2% to 94.7%.", "See No. 5 in the list."]),
    ("Wait... What happened? Nobody knows! The end", ["Wait...", "What happened?", "Nobody knows!", "The end"]),
    ("By Jane Doe\nSAN FRANCISCO — Acme said so.", ["By Jane Doe", "SAN FRANCISCO — Acme said so."]),
])
def test_sentence_splitting(paragraph, expected):
    found = sentences(paragraph)
    assert found == expected
    for sentence in found:
        assert sentence in paragraph  # verbatim


def test_hard_wrapped_lines_are_not_sentence_breaks():
    paragraph = ("Northwind Labs released Meridian-3 on Tuesday, a family of three AI models that\n"
                 "the company says are better at reasoning. They are available now.")
    assert sentences(paragraph) == [
        "Northwind Labs released Meridian-3 on Tuesday, a family of three AI models that\n"
        "the company says are better at reasoning.",
        "They are available now.",
    ]


def test_bylines_and_datelines_are_not_the_lead():
    text = ("By Jane Doe, Staff Writer\n"
            "SAN FRANCISCO (Reuters) — Acme Inc. agreed to buy Widget Corp. for $2.5 billion on Monday, the companies said.\n\n"
            "Published November 9, 2026\n\n"
            "The deal still needs approval from regulators in the U.S. and the European Union.")
    draft = offline_draft("Acme buys Widget", text)
    assert [c.text for c in draft.what_changed] == [
        "Acme Inc. agreed to buy Widget Corp. for $2.5 billion on Monday, the companies said."]
    assert [c.text for c in draft.key_takeaways] == [
        "The deal still needs approval from regulators in the U.S. and the European Union."]
    check_card(draft, "Acme buys Widget", text)


def test_an_aside_between_dashes_is_not_a_dateline():
    text = "Halcyon AI — the Stockholm start-up behind Kite — raised $420 million from investors on Thursday."
    assert offline_draft("t", text).what_changed[0].text == text


# ------------------------------------------------------------------ takeaways


def test_quotes_are_not_takeaways():
    text = ("Northwind Labs released Meridian-3 on Tuesday, a family of three models for developers.\n\n"
            "“This is the best model we have ever shipped, and we are proud of every part of it,” said Dr. Imani Okafor.\n\n"
            "“Developers will love it. It reads a million tokens of Meridian documents at once,” she added in the post.\n\n"
            "Meridian-3 Pro costs $12 per million input tokens and scores 71.4% on ArcBench-Hard, Northwind said.")
    draft = offline_draft("Meridian-3", text)
    takeaways = [c.text for c in draft.key_takeaways]
    assert takeaways == ["Meridian-3 Pro costs $12 per million input tokens and scores 71.4% on ArcBench-Hard, Northwind said."]


def test_takeaways_prefer_sentences_with_the_articles_words_and_numbers():
    text = ("Vantage Silicon unveiled the VS-9 accelerator on Friday at an event in San Jose.\n\n"
            "The weather was pleasant and the venue was full of people in good spirits.\n\n"
            "The VS-9 accelerator has 192 GB of memory and Vantage Silicon says the VS-9 is 2.6 times more efficient.\n\n"
            "Lunch was served at noon.\n\n"
            "Guests mingled afterwards over coffee, and several of them stayed late.\n\n"
            "Cobalt Reach ordered 40,000 VS-9 accelerators from Vantage Silicon.\n\n"
            "A band played while visitors walked around the hall looking at things.")
    draft = offline_draft("Vantage Silicon unveils the VS-9 accelerator", text)
    assert [c.text for c in draft.key_takeaways] == [
        "The weather was pleasant and the venue was full of people in good spirits.",  # early paragraph
        "The VS-9 accelerator has 192 GB of memory and Vantage Silicon says the VS-9 is 2.6 times more efficient.",
        "Cobalt Reach ordered 40,000 VS-9 accelerators from Vantage Silicon.",
    ]


# ------------------------------------------------------------------ timeline


@pytest.mark.parametrize("sentence, label", [
    ("On November 10, 2026 Northwind released Meridian-3.", "2026-11-10"),
    ("The rollout reaches the app on March 3, a week later.", "03-03"),
    ("The pilot starts on Nov. 16 in three warehouses.", "11-16"),
    ("It was founded on 10 November 2021 in Austin.", "2021-11-10"),
    ("The cutoff is 2026-06-30 for all of its data.", "2026-06-30"),
    ("The paper will be presented in March 2027 in Tidewater.", "2027-03"),
    ("Update, November 16, 23:05 UTC: Lumen Forge has released a fix.", "11-16"),
    ("It reached 1.0 on Monday, November 9, 26 months after its first commit.", "11-09"),
    ("It was first released in January 2025; the next one comes on May 10, 2027.", "2025-01"),
])
def test_dates(sentence, label):
    assert find_date(sentence).label == label


@pytest.mark.parametrize("sentence", [
    "The company has 140 employees and 12 offices.",
    "Tessellate 1.0 supports it from day one.",
    "Kestrel tracks the issue as KSA-2026-031.",
    "Meridian-3 was trained in the spring of 2026.",  # a bare year is not a date here
    "The model may 2x the throughput.",
    "They met on February 30 to discuss it.",  # no such day
    "Revenue rose 64% in March.",  # a month alone
])
def test_not_dates(sentence):
    assert find_date(sentence) is None


def test_timeline_is_sorted_deduplicated_and_never_guesses_a_year():
    text = ("Meridian-2 models will remain available in the API until May 10, 2027, the company said.\n\n"
            "On November 10, 2026 Northwind Labs released Meridian-3 to developers through its API.\n\n"
            "Meridian-3 reaches the Northwind app on November 17, a week after the API launch.\n\n"
            "Northwind first shipped Meridian-2 in March 2026 to a handful of partners.\n\n"
            "Again: on November 10, 2026 the models went live for every developer in the API.")
    draft = offline_draft("Meridian-3", text)
    assert [e.date for e in draft.timeline] == ["2026-03", "2026-11-10", "11-17", "2027-05-10"]
    assert draft.timeline[1].event.startswith("On November 10, 2026")  # the first sentence with that date


def test_timeline_keeps_at_most_six_events():
    text = "\n\n".join(f"The company shipped release number {d} of its model on March {d}, 2026, to users." for d in range(1, 10))
    draft = offline_draft("Releases", text)
    assert [e.date for e in draft.timeline] == [f"2026-03-0{d}" for d in range(1, 7)]


# ------------------------------------------------------------------ audiences, topics, entities


def test_keywords_match_whole_words_and_plurals_only():
    rules = load_rules()
    security = next(r for r in rules.topics if r.name == "security")
    assert security.hits("A new patch fixes two vulnerabilities and an exploit.", 3) == 3
    assert security.hits("Dispatch times improved; the exploitation of nothing.", 3) == 0
    developers = next(r for r in rules.audiences if r.name == "developers")
    assert developers.hits("The APIs and the open-source SDKs", 3) == 3  # "open-source" is "open source"
    assert developers.hits("API API API API API", 3) == 3  # capped per keyword


def test_without_keyword_hits_the_audience_is_general_readers():
    draft = offline_draft("A quiet day", "Nothing much happened in the world of sandwiches and weather today.")
    assert draft.who_should_care == ["general readers"]
    assert draft.topics == []


def test_entities_are_repeated_capitalized_names():
    text = ("Northwind Labs released Meridian-3 on Tuesday in Oakland, and Kestrel Security tested it.\n\n"
            "Benchmarks have a life cycle. Northwind said Meridian-3 beats Meridian-2 on most benchmarks.\n\n"
            "The Eastvale Institute of Technology ran its own tests; Kestrel found no problems with Meridian-3.\n\n"
            "Researchers at the Eastvale Institute of Technology agreed with Northwind on Monday.")
    draft = offline_draft("Meridian-3", text)
    # most mentioned first, ties in order of appearance; "Northwind" and "Kestrel" count
    # toward the full names they were introduced by; "Benchmarks" opens a sentence; "Oakland"
    # and "Meridian-2" occur once; "Tuesday" and "Monday" are dates
    assert draft.entities == ["Northwind Labs", "Meridian-3", "Kestrel Security", "Eastvale Institute of Technology"]


def test_rules_are_data(tmp_path):
    default = load_rules()
    assert load_rules() is default  # cached
    assert {r.name for r in default.audiences} <= set(AUDIENCES)
    assert [r.name for r in default.audiences] == [a for a in AUDIENCES if a in {r.name for r in default.audiences}]
    assert len(default.topics) >= 11

    custom = tmp_path / "rules.toml"
    custom.write_text('[audiences.investors]\nmin_hits = 1\nkeywords = ["sandwich"]\n'
                      '[topics."food"]\nmin_hits = 1\nkeywords = ["sandwich", "soup"]\n', encoding="utf-8")
    rules = load_rules(custom)
    draft = offline_draft("Lunch", "The sandwich and the soup were both excellent at the new cafe today.", rules)
    assert draft.who_should_care == ["investors"]
    assert draft.topics == ["food"]

    custom.write_text('[audiences."cat owners"]\nkeywords = ["cat"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="cat owners"):
        load_rules(custom)
