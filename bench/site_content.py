"""The words of the synthetic archive (site_data.py): names, headlines, article prose and cards.

Why a module of its own: site_data.py decides *how much* the archive holds and writes
the rows (feeds, stories, entries, extractions, cards, fetches); this module decides
*what it says*. A reader changing the store's shape need not wade through ~130 lines
of vocabulary, and one tuning the prose or the card fields need not read SQL.

- the name pools: invented companies, products, people, organisations, benchmarks and
  outlets (nothing real);
- :class:`ArchiveText`: the pool of 300 :class:`Entity` with a long-tailed popularity
  (the same names whatever the seed), the slots a template is filled from, and the
  text of one story: topics, headline and per-outlet variants, bylines, 300-900 words
  of article prose and a card in the published shape (``Card.published()``).

Every draw comes from the random generator it is given (site_data.py passes its own),
in a fixed order, so the archive depends only on the seed and the story count.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from aggregator.summarize.card import AUDIENCES

# 8 of the project's topic names (aggregator/summarize/rules.toml), with how often each leads
TOPICS = {
    "models & releases": 1.6, "funding & business": 1.3, "policy & regulation": 1.0, "hardware & chips": 0.8,
    "research & benchmarks": 0.9, "security": 0.7, "open source": 0.6, "products & apps": 1.2,
}

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


class ArchiveText:
    """Names and text for the archive, all drawn from ``rng`` (shared with the row writer)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.entities = self._entity_pool()
        # long-tailed popularity: a few companies and products are in the news all the time
        self.cum_weights = list(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(self.entities))))
        self.by_kind: dict[str, list[Entity]] = {}
        for e in self.entities:
            self.by_kind.setdefault(e.kind, []).append(e)
        self.kind_cum_weights = {k: list(accumulate(1.0 / (i + 1) ** 0.9 for i in range(len(v))))
                                 for k, v in self.by_kind.items()}
        self.sentences = self._sentence_pool(4000)

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
            text = _fill(template, self.rng, self.slots([self._pick("company")]))
            out.append((text, text.count(" ") + 1))
        return out

    def _pick(self, kind: str | None = None) -> Entity:
        if kind is None:
            return self.rng.choices(self.entities, cum_weights=self.cum_weights)[0]
        return self.rng.choices(self.by_kind[kind], cum_weights=self.kind_cum_weights[kind])[0]

    def slots(self, ents: list[Entity]) -> dict:
        company = next((e for e in ents if e.kind == "company"), None) or next(
            (e.owner for e in ents if e.owner), None) or self._pick("company")
        product = next((e for e in ents if e.kind == "product"), None) or self._pick("product")
        org = next((e for e in ents if e.kind == "org"), None) or self._pick("org")
        person = next((e for e in ents if e.kind == "person"), None) or self._pick("person")
        bench = next((e for e in ents if e.kind == "benchmark"), None) or self._pick("benchmark")
        return {"E": company.name, "P": product.name, "P2": self._pick("product").name, "O": org.name,
                "X": person.name, "B": bench.name, "D": f"{self.rng.randint(1, 28)} {self.rng.choice(['September', 'October', 'November'])}",
                "M": self.rng.choice(["January", "February", "March", "April"])}

    # ----------------------------------------------------------------------- one story

    def outlet_name(self) -> str:
        """A candidate outlet name (the caller skips ones already taken)."""
        form = self.rng.random()
        a, b = self.rng.choice(_OUTLET_A), self.rng.choice(_OUTLET_B)
        return f"The {a} {b}" if form < 0.35 else f"{a} {b}" if form < 0.8 else f"{a} & {self.rng.choice(_OUTLET_A)}"

    def story_topics(self) -> list[str]:
        """1-3 topics, the leading one first (drawn by how often each leads)."""
        rng = self.rng
        topic_names, topic_weights = list(TOPICS), list(TOPICS.values())
        topic = rng.choices(topic_names, topic_weights)[0]
        return [topic] + [t for t in rng.sample(topic_names, rng.choice([0, 1, 1, 2])) if t != topic]

    def title(self, topic: str, slots: dict) -> str:
        return _fill(self.rng.choice(_TITLES[topic]), self.rng, slots)

    def headline(self, title: str) -> str:
        """One outlet's headline for a story (the first entry keeps the story's title)."""
        return self.rng.choice(_VARIANTS).format(t=title)

    def author(self) -> str:
        return self.rng.choice(_FIRST) + " " + self.rng.choice(_LAST)

    def story_entities(self, lead: Entity | None) -> list[Entity]:
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

    def article(self, title: str, slots: dict) -> tuple[str, int]:
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

    def card(self, topics: list[str], ents: list[Entity], slots: dict, first: datetime) -> dict:
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
