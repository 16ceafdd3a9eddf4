"""A synthetic store for the static-site benchmark (site_build.py). No network, no LLM.

``SiteData(seed).populate(store, stories)`` fills a database whose schema the project
made itself (``open_settings_store``: the migrations) with what the pipeline would
have left after ~12 weeks of running, and ``add_stories`` appends a few newer ones:

- ~60 feeds (outlets with titles, ``site_url``, weights; three of them failing);
- N stories spread over 12 weeks ending at :data:`NOW` (more on weekdays and in
  daytime), each the cluster of 1-4 entries from distinct feeds published within a
  few hours to three days of each other (headline variants per outlet);
- one extraction per entry: 300-900 words of generated prose (status ``ok``, origin
  ``article``); these words are what "reading time saved" counts;
- one card per story in the published shape (``Card.published()``): 1-3 verified
  ``what_changed`` claims with evidence, why it matters, what to do next, audiences,
  key takeaways, future implications, a dated timeline, 1-3 of 8 topics and 2-4
  entities drawn from a pool of 300 (companies, products, people, organisations,
  benchmarks) with a long-tailed popularity, so related-story and thread lookups
  find the overlap a real archive has; writer ``llm``, every claim verified;
- a fetch log: 6 fetches per feed per week (errors for the failing feeds), for the
  weekly recap's "week in numbers".

Everything depends only on the seed and the story count. The names are invented.
Rows are written with ``executemany`` in one transaction per table group.

Standalone: ``.venv/bin/python bench/site_data.py --stories 1000 --out /tmp/site-bench``
writes ``/tmp/site-bench/site.db`` and a ``config.toml`` beside it, so that
``aggregator --config /tmp/site-bench/config.toml build`` works on it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aggregator.clock import iso  # noqa: E402
from aggregator.store import Store  # noqa: E402
from aggregator.store.stories import slugify  # noqa: E402
from aggregator.summarize.card import AUDIENCES  # noqa: E402

UTC = timezone.utc
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # a Friday morning; the builds are run "now"
WEEKS = 12
FEEDS = 60
FAILING_FEEDS = 3
FETCHES_PER_FEED_WEEK = 6
MODEL = "gpt-4o-mini-2024-07-18"
PROMPT_VERSION = "card.v4-3f9a1c2e+g-1f1957cd"

# 8 of the project's topic names (aggregator/summarize/rules.toml), with how often each leads
TOPICS = {
    "models & releases": 1.6, "funding & business": 1.3, "policy & regulation": 1.0, "hardware & chips": 0.8,
    "research & benchmarks": 0.9, "security": 0.7, "open source": 0.6, "products & apps": 1.2,
}
ENTRIES_PER_STORY = {1: 0.45, 2: 0.30, 3: 0.15, 4: 0.10}

# --------------------------------------------------------------------------- name pools

_COMPANY_STEMS = """Northwind Halcyon Vantage Lumen Marrowgate Quillon Brightwater Cobalt Ferrous Tessellate
Orrery Kestrel Arbor Saltmarsh Veridian Corvid Pellucid Oakhaven Stratus Tidewell Emberline Juniper Quarry
Redfern Solace Thornbury Umbra Wrenfield Yarrow Zephyrine Alderon Bramblecote Cindervale Driftwood Eastmere
Fallowby Glasswing Harrowgate Ironvale Jetstream Kingsmere Larkspur Moorland Nettlefold Osprey Palisade
Quenby Rookwood Silverpine Tamberlane Underhill Vesper Willowbrook Xanthe Yellowfin Zircon Ashgrove Blackthorn
Coldharbour Dunmore Elmstead Foxglove Greyhawk Hollowmere Inkwell Jasperline Kelpie Lodestar Merrow
Northgate Ottermoor Penhallow Quillfeather Rushmere""".split()
_COMPANY_SUFFIXES = ["Labs", "AI", "Systems", "Robotics", "Cloud", "Silicon", "Dynamics", "Analytics",
                     "Networks", "Health", "Semiconductor", "Research", "Compute", "Intelligence", "Software",
                     "Foundry", "Data", "Machines", "Technologies", "Works"]
_PRODUCT_STEMS = """Meridian Talon Quill Atlas Beacon Cinder Dagger Ember Falcon Gyre Harbor Iris Javelin Keel Lantern
Mosaic Nimbus Obelisk Prism Quartz Rampart Sable Tundra Umber Vortex Warden Xenon Yoke Zenith Aurora Basalt
Cascade Dynamo Echo Flint Glacier Halo Ion Jade Kite Lyra Magnet Nova Onyx Pylon Quasar Rune Spire Tempest
Vega Willow Axiom Borealis Comet Delta Ether Fathom Granite Helix Inertia Jolt Krypton Lumen Monsoon Nexus
Orbit Pulsar Radiant Sextant Torrent Vertex Wyvern Zodiac Anvil Bastion Cobble Dirigible Estuary Ferrule
Galleon Heron Inlet Jetty Kiln Loom""".split()
_FIRST = """Amara Bjorn Chiara Dmitri Elena Farid Greta Hiro Ingrid Jonas Keiko Lars Maya Nikhil Olga Paulo
Quinn Rosa Sanjay Tove Ulrich Vera Wen Ximena Yusuf Zora Anders Beatriz Colm Dalia""".split()
_LAST = """Adair Brandt Castillo Dahl Eriksen Fontaine Grieve Halvorsen Ibarra Janssen Kowalski Lindqvist
Moreau Nakamura Okafor Petrov Quiroga Rasmussen Sato Toivonen Ueda Varga Whitlock Xu Yilmaz Zeller""".split()
_ORGS = ["Aurelian Union", "Office of Digital Markets", "Port Alder", "Eastvale Institute of Technology",
         "Northern Data Protection Board", "Federal Trade Bureau", "Brightmoor University", "Calder Council",
         "Ministry of Science of Estoria", "Westreach Competition Authority", "Harlow Standards Institute",
         "Open Model Consortium", "Tidewater Symposium", "Global Chip Alliance", "Kessington Court",
         "Valemont Senate", "Coastal Health Network", "Redmarch Police", "Ostland Parliament",
         "Frontier Safety Forum", "Lakeshore Schools", "Dunmore Stock Exchange", "Greywater Pension Fund",
         "Meridian Ethics Board", "Pacific Rim Data Council", "Ashcombe Hospital", "Rivergate Bank",
         "Union of Translators", "Civic Code Collective", "Sundial Foundation"]
_BENCHMARKS = ["LongHaul", "CodeArena", "MathLadder", "ReasonBench", "AgentGauntlet", "SafetyProbe",
               "VisionQuest", "TranslateTen", "LatencyCup", "ToolTrial", "ChartRead", "DocRecall",
               "SpeechPair", "RoboReach", "FactCheck-2", "PlanBench", "SheetCalc", "MedQA-Pro", "LawSift",
               "BugHunt"]

_OUTLET_A = """Wirepoint Byteline Circuit Signal Gradient Inference Vector Tensor Kernel Latent Compute Silicon
Frontier Parallel Quantum Neural Synapse Cipher Pixel Relay""".split()
_OUTLET_B = ["Daily", "Weekly", "Ledger", "Report", "Review", "Brief", "Dispatch", "Post", "Wire", "Times",
             "Journal", "Desk", "Monitor", "Herald", "Digest"]

# --------------------------------------------------------------------------- text pools

_TITLES = {
    "models & releases": ["{E} releases {P} with a {N}0,000-token context window",
                          "{E} unveils {P}, claims top score on {B}", "{P} is now available to all {E} customers",
                          "{E} retires {P2} as {P} takes over", "{E} previews {P} for coding and agents",
                          "{E} cuts {P} prices by {N}%"],
    "funding & business": ["{E} raises ${N}0 million led by {O}", "{E} agrees to buy {O} for ${N}00 million",
                           "{E} cuts {N}0 jobs in restructuring", "{E} revenue up {N}% on data-centre demand",
                           "{E} valued at ${N} billion after new round", "{O} backs {E} in ${N}0 million deal"],
    "policy & regulation": ["{O} opens inquiry into {E} over training data", "{O} fines {E} {N}0 million euros",
                            "{E} signs the {O} code of practice", "{O} questions {E} on model safety",
                            "{O} drafts rules that would cover {E}'s {P}", "{E} challenges {O} ruling in court"],
    "hardware & chips": ["{E} ships {P} accelerator with {N}0 GB of memory", "{E} delays {P} to next year",
                         "{E} and {O} partner on {N}-nanometre chips", "{E} opens ${N} billion chip plant",
                         "{P} benchmarks show {N}0% gain over {P2}"],
    "research & benchmarks": ["{E} researchers report {N}% gain on {B}", "New {B} results put {P} ahead",
                              "{E} method makes {P} {N} times faster", "{O} study finds {B} scores inflated",
                              "{E} releases {B} leaderboard update"],
    "security": ["{E} patches flaw in {P} that exposed prompts", "{E} outage takes {P} offline for {N} hours",
                 "Researchers find prompt-injection hole in {E}'s {P}", "{E} reports breach of {N}0,000 accounts",
                 "{O} warns of attacks using {P}"],
    "open source": ["{E} open-sources {P} under Apache 2.0", "{E} publishes weights of {P}",
                    "{P} fork passes {N}0,000 stars in a week", "{O} funds open {P} tooling with ${N} million",
                    "{E} moves {P} to an open licence"],
    "products & apps": ["{E} adds {P} to its office apps", "{E} launches {P} app in {N} markets",
                        "{E} raises prices of {P} by {N}%", "{E} brings {P} to phones",
                        "{E} tests {P} with {O}"],
}
_VARIANTS = ["{t}", "{t}", "Report: {t}", "{t}, sources say", "Analysis: {t}", "{t}: what we know",
             "{t} (update)", "Explainer: {t}"]
_CLAIMS = [
    "{E} said on {D} that {P} would be available to paying customers within {N} weeks.",
    "The company put the cost of the programme at ${N}0 million over two years.",
    "{E} said {P} scored {N}{N2}.{N}% on {B}, up from {N2}{N}.{N2}% for {P2}.",
    "According to a filing seen by reporters, {E} employs about {N},{N2}00 people.",
    "{O} said its review would take at least {N} months and could lead to fines.",
    "{E} chief executive {X} told analysts that demand had doubled since {D}.",
    "The update affects customers in {N}{N2} countries, {E} said in a blog post.",
    "{X} said the team trained {P} on {N}{N2} trillion tokens of licensed and public data.",
    "{O} and {E} will share the results of the pilot when it ends in {M}.",
    "The outage began at {N}:{N2}0 UTC and lasted {N} hours, {E} said.",
    "{E} said the new version uses {N}0% less energy per query than {P2}.",
    "Shares of {E} rose {N}% in early trading after the announcement.",
    "{X}, who led the work at {E}, said the code is released under the MIT licence.",
    "{O} received {N},{N2}00 comments during its consultation, a spokesperson said.",
]
_WHY = [
    "It is the first time {O} has used its new powers against an AI developer, and others are likely to be next.",
    "Cheaper and faster models change which products are worth building, especially for teams on tight budgets.",
    "The deal gives {E} the chips and the customers it lacked, and leaves rivals with fewer suppliers.",
    "If the results hold up, long documents stop being a reason to pay for the largest models.",
    "Teams that built on {P2} have a deadline now, and migrations usually take longer than planned.",
    "A flaw in a widely used assistant shows that prompt injection is a production problem, not a lab curiosity.",
    "Open weights let companies run the model on their own hardware, which matters in regulated industries.",
    "Prices set the pace of adoption: the cut puts {P} within reach of small teams and schools.",
]
_TODO = [
    "Check whether your contracts with {E} mention {P2} by name.", "Test {P} on your own evaluation set before switching.",
    "Review which prompts and documents your assistant can read.", "Read the {O} consultation and note the deadline.",
    "Plan the migration off {P2} before the retirement date.", "Ask your vendor how it handles training data.",
    "Rotate API keys issued before the incident.", "Compare the new prices with your current monthly usage.",
]
_FUTURE = [
    "Other regulators may open similar inquiries within the year.",
    "Competitors are likely to answer with price cuts of their own.",
    "The benchmark may need a harder version if scores keep rising this fast.",
    "Expect more open releases from companies that compete on services rather than models.",
    "Chip supply, not model quality, may decide who wins enterprise customers next year.",
    "Insurers could start asking for security reviews of AI assistants.",
]
_EVENTS = ["{E} announced {P}.", "{O} opened its review.", "{P2} was released.", "The pilot began.",
           "{E} disclosed the incident.", "The consultation closed.", "{E} reported quarterly results.",
           "The paper was posted online.", "{O} published draft rules.", "Preorders opened."]
_FILLER = [
    "The company did not say how many customers were affected.", "Analysts expect more details in the coming weeks.",
    "It was not immediately clear how the change would affect existing contracts.",
    "A spokesperson declined to comment on pricing.", "The announcement came a day after a similar move by a rival.",
    "Several developers said on forums that they had noticed the change earlier in the week.",
    "The figures could not be independently verified.", "People familiar with the plans described them on condition of anonymity.",
    "The work builds on a technique first described two years ago.", "Critics said the timeline was too short.",
    "Supporters said the rules would give smaller companies clarity.", "The team plans to publish a longer paper.",
    "Early testers reported mixed results on long documents.", "Prices for the largest tier were unchanged.",
    "Demand for accelerators has outstripped supply for most of the year.", "The outage was the third this quarter.",
]


def _fill(template: str, rng: random.Random, slots: dict) -> str:
    return template.format(N=rng.randint(2, 9), N2=rng.randint(1, 9), **slots)


@dataclass
class Entity:
    name: str
    kind: str  # company | product | person | org | benchmark
    owner: "Entity | None" = None  # a product's company, a person's employer


@dataclass
class Batch:
    """Counts of what one call wrote."""

    feeds: int = 0
    stories: int = 0
    entries: int = 0
    extractions: int = 0
    cards: int = 0
    fetches: int = 0
    words: int = 0
    story_ids: list[int] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None


class SiteData:
    """Deterministic generator of feeds, stories, entries, extractions, cards and fetches."""

    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.entities = self._entity_pool()
        # long-tailed popularity: a few companies and products are in the news all the time
        self.cum_weights = list(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(self.entities))))
        self.by_kind: dict[str, list[Entity]] = {}
        for e in self.entities:
            self.by_kind.setdefault(e.kind, []).append(e)
        self.kind_cum_weights = {k: list(accumulate(1.0 / (i + 1) ** 0.9 for i in range(len(v))))
                                 for k, v in self.by_kind.items()}
        self.sentences = self._sentence_pool(4000)
        self.feeds: list[dict] = []
        self.feed_weights: list[float] = []

    # ----------------------------------------------------------------------- pools

    def _entity_pool(self) -> list[Entity]:
        rng = random.Random(20261127)  # the same 300 names whatever the seed
        stems = rng.sample(_COMPANY_STEMS, 70)
        companies = [Entity(f"{stem} {rng.choice(_COMPANY_SUFFIXES)}", "company") for stem in stems]
        companies += [Entity(f"{a}{b.lower()}", "company") for a, b in
                      zip(rng.sample(["Neo", "Arc", "Sol", "Vir", "Kor", "Lum", "Pax", "Tri", "Zen", "Omni"], 10),
                          rng.sample(["ware", "mind", "gen", "shift", "path", "scale", "stack", "loop", "core", "sense"], 10))]
        products = []
        for stem in rng.sample(_PRODUCT_STEMS, 80):
            version = rng.choice(["-3", "-4", " 2", " 5", "-7B", " Pro", " 1.5", "-2", " X", ""])
            products.append(Entity(f"{stem}{version}", "product", owner=rng.choice(companies[:50])))
        people = []
        for first, last in rng.sample([(f, l) for f in _FIRST for l in _LAST], 70):
            people.append(Entity(f"{first} {last}", "person", owner=rng.choice(companies)))
        orgs = [Entity(name, "org") for name in _ORGS]
        benchmarks = [Entity(name, "benchmark") for name in _BENCHMARKS]
        pool = companies + products + people + orgs + benchmarks  # 80 + 80 + 70 + 30 + 20 = 280 ...
        extra = [Entity(f"{rng.choice(_COMPANY_STEMS)} {s}", "company") for s in ("Capital", "Ventures", "Partners",
                 "Group", "Holdings", "Media", "Security", "Energy", "Logistics", "Retail", "Motors", "Bio",
                 "Telecom", "Insurance", "Pharma", "Studios", "Games", "Foods", "Airlines", "Mining")]
        pool += extra  # ... + 20 = 300
        seen: set[str] = set()
        unique = [e for e in pool if not (e.name in seen or seen.add(e.name))]
        rng.shuffle(unique)  # popularity rank independent of kind
        return unique

    def _sentence_pool(self, size: int) -> list[tuple[str, int]]:
        out = []
        for _ in range(size):
            template = self.rng.choice(_CLAIMS + _FILLER + _FILLER)
            text = _fill(template, self.rng, self._slots([self._pick("company")]))
            out.append((text, text.count(" ") + 1))
        return out

    def _pick(self, kind: str | None = None) -> Entity:
        if kind is None:
            return self.rng.choices(self.entities, cum_weights=self.cum_weights)[0]
        return self.rng.choices(self.by_kind[kind], cum_weights=self.kind_cum_weights[kind])[0]

    def _slots(self, ents: list[Entity]) -> dict:
        company = next((e for e in ents if e.kind == "company"), None) or next(
            (e.owner for e in ents if e.owner), None) or self._pick("company")
        product = next((e for e in ents if e.kind == "product"), None) or self._pick("product")
        org = next((e for e in ents if e.kind == "org"), None) or self._pick("org")
        person = next((e for e in ents if e.kind == "person"), None) or self._pick("person")
        bench = next((e for e in ents if e.kind == "benchmark"), None) or self._pick("benchmark")
        return {"E": company.name, "P": product.name, "P2": self._pick("product").name, "O": org.name,
                "X": person.name, "B": bench.name, "D": f"{self.rng.randint(1, 28)} {self.rng.choice(['September', 'October', 'November'])}",
                "M": self.rng.choice(["January", "February", "March", "April"])}

    # ----------------------------------------------------------------------- public

    def populate(self, store: Store, stories: int, now: datetime = NOW) -> Batch:
        """Feeds, ``stories`` stories over the last 12 weeks before ``now``, and the fetch log."""
        start = now - timedelta(weeks=WEEKS)
        batch = Batch()
        feeds = self._feeds(now)
        fetches = self._fetches(start, now)
        with store.write():
            _insert(store, "feeds", feeds)
            _insert(store, "fetches", fetches)
        batch.feeds, batch.fetches = len(feeds), len(fetches)
        times = sorted(self._story_time(start, now - timedelta(minutes=30)) for _ in range(stories))
        self._stories(store, times, now, batch)
        return batch

    def add_stories(self, store: Store, count: int, start: datetime, end: datetime,
                    share_related: float = 0.6) -> Batch:
        """``count`` stories first published in (start, end), newer than everything stored.

        ``share_related`` of them lead with an entity of one of the 100 newest stories, so
        the related lists and threads of existing stories change."""
        if not self.feeds:
            self.feeds = store.query("select * from feeds where removed_at is null order by id")
            self.feed_weights = [f["weight"] for f in self.feeds]
        recent = store.query("select c.card_json from cards c join stories s on s.id = c.story_id "
                             "order by s.first_published_at desc limit 100")
        names = {e.name: e for e in self.entities}
        recent_entities = [names[n] for r in recent for n in json.loads(r["card_json"]).get("entities", [])
                           if n in names]
        step = (end - start) / (count + 1)
        times = [start + step * (i + 1) for i in range(count)]
        leads = [self.rng.choice(recent_entities) if recent_entities and self.rng.random() < share_related else None
                 for _ in times]
        batch = Batch()
        self._stories(store, times, end, batch, leads=leads)
        return batch

    # ----------------------------------------------------------------------- rows

    def _feeds(self, now: datetime) -> list[dict]:
        names: list[str] = []
        while len(names) < FEEDS:
            form = self.rng.random()
            a, b = self.rng.choice(_OUTLET_A), self.rng.choice(_OUTLET_B)
            name = f"The {a} {b}" if form < 0.35 else f"{a} {b}" if form < 0.8 else f"{a} & {self.rng.choice(_OUTLET_A)}"
            if name not in names:
                names.append(name)
        rows = []
        failing = set(self.rng.sample(range(FEEDS), FAILING_FEEDS))
        for i, name in enumerate(names):
            slug = slugify(name)
            weight = 1.5 if i < 4 else 0.6 if i >= FEEDS - 6 else 1.0  # wires first, a few blogs last
            row = {
                "id": i + 1, "url": f"https://{slug}.example/feed.xml", "title": name if i % 3 == 0 else None,
                "feed_title": name, "site_url": f"https://{slug}.example/", "tags": json.dumps(["press"]),
                "weight": weight, "origin": "cli", "created_at": iso(now - timedelta(weeks=WEEKS, days=3)),
                "etag": f'"{hashlib.md5(name.encode()).hexdigest()}"', "last_fetched_at": iso(now - timedelta(minutes=self.rng.randint(1, 30))),
                "last_success_at": iso(now - timedelta(minutes=self.rng.randint(1, 30))),
                "next_check_at": iso(now + timedelta(minutes=30)), "last_status": 200, "last_error": None,
                "error_count": 0, "interval_seconds": 1800.0, "ttl_minutes": None,
            }
            if i in failing:
                row.update(last_status=503, last_error="HTTP 503 Service Unavailable", error_count=3,
                           last_success_at=iso(now - timedelta(days=self.rng.randint(2, 9))))
            rows.append(row)
        self.feeds = rows
        # wires and big outlets publish most: long-tailed, failing feeds still have their history
        self.feed_weights = [1.0 / (i + 1) ** 0.7 for i in range(FEEDS)]
        return rows

    def _fetches(self, start: datetime, now: datetime) -> list[dict]:
        rows = []
        span = (now - start).total_seconds()
        for feed in self.feeds:
            failing = feed["error_count"] > 0
            for week in range(WEEKS):
                for _ in range(FETCHES_PER_FEED_WEEK):
                    at = start + timedelta(seconds=week * 7 * 86400 + self.rng.uniform(0, 7 * 86400))
                    if (at - start).total_seconds() > span:
                        continue
                    error = self.rng.random() < (0.5 if failing and week >= WEEKS - 2 else 0.03)
                    outcome = "error" if error else self.rng.choice(["new", "new", "not_modified", "unchanged"])
                    rows.append({
                        "feed_id": feed["id"], "started_at": iso(at), "duration_ms": self.rng.randint(40, 2500),
                        "outcome": outcome, "http_status": 503 if error else (304 if outcome == "not_modified" else 200),
                        "bytes": 0 if outcome in ("error", "not_modified") else self.rng.randint(8000, 90000),
                        "new_entries": self.rng.randint(1, 6) if outcome == "new" else 0, "updated_entries": 0,
                        "error": "HTTP 503 Service Unavailable" if error else None,
                    })
        rows.sort(key=lambda r: r["started_at"])
        return rows

    def _story_time(self, start: datetime, end: datetime) -> datetime:
        """Uniform over [start, end), thinned at weekends and at night (UTC)."""
        span = (end - start).total_seconds()
        while True:
            moment = start + timedelta(seconds=self.rng.uniform(0, span))
            keep = (0.35 if moment.weekday() >= 5 else 1.0) * (1.0 if 6 <= moment.hour < 21 else 0.3)
            if self.rng.random() < keep:
                return moment

    def _stories(self, store: Store, times: list[datetime], now: datetime, batch: Batch,
                 leads: list[Entity | None] | None = None) -> None:
        story_id = (store.scalar("select max(id) from stories") or 0) + 1
        entry_id = (store.scalar("select max(id) from entries") or 0) + 1
        stories, entries, extractions, cards = [], [], [], []
        topic_names, topic_weights = list(TOPICS), list(TOPICS.values())
        for index, first in enumerate(times):
            rng = self.rng
            topic = rng.choices(topic_names, topic_weights)[0]
            topics = [topic] + [t for t in rng.sample(topic_names, rng.choice([0, 1, 1, 2])) if t != topic]
            ents = self._story_entities(leads[index] if leads else None)
            slots = self._slots(ents)
            title = _fill(rng.choice(_TITLES[topic]), rng, slots)
            n_entries = rng.choices(list(ENTRIES_PER_STORY), list(ENTRIES_PER_STORY.values()))[0]
            feed_ids = _distinct(rng, len(self.feeds), self.feed_weights, n_entries)
            published = [first] + sorted(min(first + timedelta(hours=min(rng.expovariate(1 / 8), 72)), now - timedelta(minutes=1))
                                         for _ in range(n_entries - 1))
            best = (-1, 0)
            story_entries = []
            for k, (feed_index, at) in enumerate(zip(feed_ids, published)):
                feed = self.feeds[feed_index]
                entry_title = title if k == 0 else rng.choice(_VARIANTS).format(t=title)
                slug = slugify(entry_title)
                url = f"{feed['site_url']}{at:%Y/%m}/{slug}-{entry_id}/"
                seen = min(at + timedelta(minutes=rng.randint(2, 40)), now)
                content_hash = hashlib.md5(f"{entry_title}|{url}".encode()).hexdigest()
                text, words = self._article(title, slots)
                entries.append({
                    "id": entry_id, "feed_id": feed["id"], "key": f"guid:{url}", "guid": url, "url": url, "link": url,
                    "title": entry_title, "author": rng.choice(_FIRST) + " " + rng.choice(_LAST),
                    "summary_html": f"<p>{text[:280].rsplit(' ', 1)[0]}…</p>", "content_html": None,
                    "published_at": iso(at), "updated_at": None, "date_origin": "feed", "first_seen_at": iso(seen),
                    "last_seen_at": iso(seen), "content_hash": content_hash, "changed_at": None, "change_count": 0,
                    "story_id": story_id,
                })
                extractions.append({
                    "entry_id": entry_id, "status": "ok", "text": text, "text_origin": "article", "reason": None,
                    "entry_hash": content_hash, "page_url": url, "http_status": 200, "title": entry_title,
                    "author": None, "published": f"{at:%Y-%m-%d}", "sitename": feed["feed_title"], "image_url": None,
                    "language": "en", "encoding": "utf-8", "text_chars": len(text), "attempts": 1,
                    "last_attempt_at": iso(seen), "next_attempt_at": None, "extracted_at": iso(seen),
                })
                batch.words += words
                best = max(best, (words, entry_id))
                story_entries.append(entry_id)
                entry_id += 1
            created = min(first + timedelta(minutes=rng.randint(20, 70)), now)
            stories.append({
                "id": story_id, "slug": f"{slugify(title)}-{story_id}", "title": title, "created_at": iso(created),
                "first_published_at": iso(published[0]), "last_published_at": iso(max(published)),
                "sources": n_entries,
            })
            card = self._card(topics, ents, slots, first)
            source_hash = hashlib.sha256(f"{title}|{best[1]}".encode()).hexdigest()
            cards.append({
                "story_id": story_id, "entry_id": best[1], "source_hash": source_hash,
                "cache_key": hashlib.sha256(f"{source_hash}|{PROMPT_VERSION}|{MODEL}".encode()).hexdigest(),
                "prompt_version": PROMPT_VERSION, "model": MODEL, "writer": "llm",
                "card_json": json.dumps(card, ensure_ascii=False), "dropped_json": "[]",
                "claims_total": card["claims_total"], "claims_verified": card["claims_verified"],
                "text_origin": "article", "fallback_reason": None, "created_at": iso(created),
            })
            batch.story_ids.append(story_id)
            story_id += 1
        with store.write():
            _insert(store, "stories", stories)
            _insert(store, "entries", entries)
            _insert(store, "extractions", extractions)
            _insert(store, "cards", cards)
        batch.stories += len(stories)
        batch.entries += len(entries)
        batch.extractions += len(extractions)
        batch.cards += len(cards)
        if times:
            batch.first, batch.last = times[0], times[-1]

    def _story_entities(self, lead: Entity | None) -> list[Entity]:
        """2-4 distinct entities: a lead (popular ones more often), its owner, and others."""
        rng = self.rng
        if lead is None:
            lead = self._pick(rng.choices(["company", "product", "org"], [0.6, 0.28, 0.12])[0])
        chosen = [lead]
        if lead.owner is not None and rng.random() < 0.8:
            chosen.append(lead.owner)
        wanted = rng.choice([2, 2, 3, 3, 4])
        while len(chosen) < wanted:
            other = self._pick()
            if other not in chosen:
                chosen.append(other)
        return chosen[:4]

    def _article(self, title: str, slots: dict) -> tuple[str, int]:
        rng = self.rng
        target = rng.randint(300, 900)
        lead = f"{title}. " + _fill(rng.choice(_CLAIMS), rng, slots)
        words = lead.count(" ") + 1
        paragraphs, current = [], [lead]
        picks = rng.choices(self.sentences, k=target // 10 + 10)
        for text, count in picks:
            if words >= target:
                break
            current.append(text)
            words += count
            if len(current) >= rng.randint(3, 6):
                paragraphs.append(" ".join(current))
                current = []
        if current:
            paragraphs.append(" ".join(current))
        return "\n\n".join(paragraphs), words

    def _card(self, topics: list[str], ents: list[Entity], slots: dict, first: datetime) -> dict:
        rng = self.rng

        def claim() -> dict:
            text = _fill(rng.choice(_CLAIMS), rng, slots)
            return {"text": text, "evidence": text.rstrip(".") + ("," + " the company said." if rng.random() < 0.3 else ".")}

        what_changed = [claim() for _ in range(rng.choice([1, 2, 2, 3]))]
        takeaways = [claim() for _ in range(rng.randint(2, 5))]
        timeline = []
        for _ in range(rng.choice([0, 1, 2, 3, 4, 6])):
            day = first - timedelta(days=rng.randint(0, 200))
            date = f"{day:%Y-%m-%d}" if rng.random() < 0.8 else f"{day:%Y-%m}"
            event = _fill(rng.choice(_EVENTS), rng, slots)
            timeline.append({"date": date, "event": event, "evidence": f"On {day:%B} {day.day}, {event[0].lower()}{event[1:]}"})
        timeline.sort(key=lambda e: e["date"])
        total = len(what_changed) + len(takeaways) + len(timeline)
        return {
            "what_changed": what_changed,
            "why_it_matters": _fill(rng.choice(_WHY), rng, slots) + " " + _fill(rng.choice(_WHY), rng, slots),
            "what_to_do_next": [_fill(t, rng, slots) for t in rng.sample(_TODO, rng.randint(1, 3))],
            "who_should_care": rng.sample(AUDIENCES, rng.randint(1, 4)),
            "key_takeaways": takeaways,
            "future_implications": rng.sample(_FUTURE, rng.randint(1, 3)),
            "timeline": timeline,
            "topics": topics,
            "entities": [e.name for e in ents],
            "claims_total": total,
            "claims_verified": total,
            "writer": "llm",
        }


def _distinct(rng: random.Random, n: int, weights: list[float], k: int) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < k:
        i = rng.choices(range(n), weights)[0]
        if i not in chosen:
            chosen.append(i)
    return chosen


def _insert(store: Store, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    sql = f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
    store.conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows])


def store_summary(store: Store) -> dict:
    """What the store holds, for the workload lines."""
    one = store.scalar
    return {
        "feeds": one("select count(*) from feeds"),
        "stories": one("select count(*) from stories"),
        "entries": one("select count(*) from entries"),
        "extractions": one("select count(*) from extractions"),
        "cards": one("select count(*) from cards"),
        "fetches": one("select count(*) from fetches"),
        "words": one("select sum(length(text) - length(replace(text, ' ', '')) + 1) from extractions") or 0,
        "card_bytes": one("select sum(length(card_json)) from cards") or 0,
        "first": one("select min(first_published_at) from stories"),
        "last": one("select max(first_published_at) from stories"),
        "topics": len({t for (c,) in store.conn.execute("select card_json from cards")
                       for t in (json.loads(c) or {}).get("topics", [])}),
        "entities": len({t for (c,) in store.conn.execute("select card_json from cards")
                         for t in (json.loads(c) or {}).get("entities", [])}),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    from aggregator.config import settings_from_dict
    from aggregator.pipeline import open_settings_store

    parser = argparse.ArgumentParser(description="Write a synthetic aggregator database for the site benchmark.")
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder for site.db and config.toml (must not hold site.db)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if (args.out / "site.db").exists():
        parser.error(f"{args.out / 'site.db'} exists")
    (args.out / "config.toml").write_text(
        '[site]\ntitle = "Weekly AI Recap"\nbase_url = "https://news.example.org/"\noutput_dir = "site"\n'
        'timezone = "Europe/Copenhagen"\n\n[database]\npath = "site.db"\n')
    settings = settings_from_dict({"database": {"path": "site.db"}}, base_dir=args.out)
    t0 = time.perf_counter()
    with open_settings_store(settings, lambda: NOW) as store:
        SiteData(args.seed).populate(store, args.stories)
        summary = store_summary(store)
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 1), "database": str(args.out / "site.db"),
                      **summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
