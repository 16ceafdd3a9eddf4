"""How well ``aggregator.summarize.grounding.ground`` keeps true claims and catches false ones.

A perturbation set built from real article text:

- articles: the English-looking article bodies of the scrapinghub ground truth
  (``../shared/corpora/extraction/scrapinghub-public/ground-truth.json``, skipped with
  a message when absent) and the project's demo articles
  (``aggregator/demo/data/articles.json``: title + body paragraphs);
- per article, up to ``--per-article`` sentences of 40-350 characters (a seeded
  sample; not split after "Mr." or "Oct."); each sentence is the evidence of the
  claims made from it.

True claims, which must be kept:

- ``sentence``: the sentence itself; ``clause``: its longest comma-separated clause;
- reformulations: ``numbers reformatted`` ("40%" <-> "40 percent", "$420 million" ->
  "$420M", "1.2 million" -> "1,200,000", "1,200" -> "1200", 2..20 <-> words, "3rd" ->
  "third", "March 14" -> "March fourteenth"), ``dates reordered`` ("November 10, 2026" <-> "10 November 2026", "Nov. 10"
  -> "10 November", ISO -> words), ``quote/dash style`` (straight <-> curly quotes,
  em/en dash -> "-"/"--", in claim and evidence), ``leading clause dropped``,
  ``possessive rewritten`` ("Forge’s margins" -> "the margins of Forge"), ``all of the
  above`` at once, ``elided evidence`` (evidence = its start "..." its end);
- ``timeline event``: a timeline entry dated (YYYY-MM-DD / YYYY-MM / MM-DD) from a date
  the sentence states.

Perturbed claims, which must be dropped (evidence = the true sentence unless said):

- ``number changed``: one numeral's digit (or a number word, or a scale word:
  "million" -> "billion") changed;
- ``date shifted``: day +-1..5, another month, or year +-1..3;
- ``timeline date shifted``: the timeline entry's date field shifted the same way;
- ``name replaced``: a proper name of the article replaced by an invented one;
- ``quote word changed``: the claim is true, one word of its evidence is changed;
- ``quote fabricated``: the claim is true, its evidence is a sentence of another article;
- ``number from elsewhere``: one numeral replaced by one the article states elsewhere
  but the sentence does not (a claim's numbers must be in its evidence);
- ``count made a percent``: "40 employees" -> "40% employees", when the article never
  states 40 as a percentage;
- ``short fragment invented``: the claim is true, its evidence is elided with a short
  invented fragment between true ones ("start ... 2031 ... end").

Except for ``number from elsewhere``, a perturbation is only made when the changed
fact does not occur anywhere in the article (checked here with plain string searches,
independent of the module under test): counting a change to a value the article
states elsewhere would measure the article, not the checker.

Every claim is scored by calling ``ground()`` on a ``CardDraft`` that holds it (as
``what_changed``, or as ``timeline`` for the timeline kinds). Printed: counts and
drop rates per kind, the detection rate (perturbed claims dropped), the false-drop
rate (true claims dropped) with its top reasons. Targets: detection >= 95%,
false drops <= 5%, printed as MET or MISSED. The exit status is always 0.

Run from the project root: ``.venv/bin/python bench/grounding_eval.py``
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregator.summarize.card import CardDraft, Claim, TimelineEvent  # noqa: E402
from aggregator.summarize.grounding import ground  # noqa: E402

from grounding_articles import load_articles, sentences  # noqa: E402
from grounding_claims import FALSE_KINDS, TRUE_KINDS, Case, cases_for  # noqa: E402

DETECTION_TARGET = 0.95
FALSE_DROP_TARGET = 0.05


def kept(case: Case) -> tuple[bool, str]:
    claims = [] if case.date else [Claim(text=case.text, evidence=case.evidence)]
    events = [TimelineEvent(date=case.date, event=case.text, evidence=case.evidence)] if case.date else []
    draft = CardDraft.model_construct(
        what_changed=claims, why_it_matters="", what_to_do_next=[], who_should_care=["general readers"],
        key_takeaways=[], future_implications=[], timeline=events, topics=[], entities=[])
    card = ground(draft, case.article.title, case.article.text, writer="offline")
    reasons = "; ".join(d.reason for d in card.dropped)
    return card.claims_verified == 1, reasons


# ---------------------------------------------------------------- report

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-article", type=int, default=40, help="sentences sampled per article")
    parser.add_argument("--show", type=int, default=0, help="print this many misses of each kind")
    args = parser.parse_args()

    articles = load_articles()
    if not articles:
        print("no articles: nothing to measure")
        return 0
    rng = random.Random(args.seed)
    all_sentences = {a.key: sentences(a) for a in articles}
    cases: list[Case] = []
    for article in articles:
        others = [s for key, found in all_sentences.items() if key != article.key for s in found]
        cases += cases_for(article, rng.sample(others, min(50, len(others))), rng, args.per_article)

    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_drop_reasons: Counter[str] = Counter()
    misses: dict[str, list[tuple[Case, str]]] = defaultdict(list)
    for case in cases:
        was_kept, reasons = kept(case)
        dropped = not was_kept
        by_kind[case.kind][0] += 1
        by_kind[case.kind][1] += dropped
        if case.true and dropped:
            for reason in reasons.split("; "):
                false_drop_reasons[re.sub(r"(number|date|name|year) .+? not in", r"\1 … not in", reason)] += 1
        if dropped == case.true:
            misses[case.kind].append((case, reasons))

    print(f"\n{len(articles)} articles, {len(cases)} claims (seed {args.seed})\n")
    print(f"{'kind':<26}{'claims':>8}{'dropped':>9}{'rate':>8}")
    for kinds, title in ((TRUE_KINDS, "true (must be kept)"), (FALSE_KINDS, "perturbed (must be dropped)")):
        print(f"-- {title}")
        for kind in kinds:
            total, dropped = by_kind.get(kind, [0, 0])
            print(f"{kind:<26}{total:>8}{dropped:>9}{(dropped / total if total else 0):>8.1%}")
    true_total = sum(by_kind[k][0] for k in TRUE_KINDS)
    true_dropped = sum(by_kind[k][1] for k in TRUE_KINDS)
    false_total = sum(by_kind[k][0] for k in FALSE_KINDS)
    false_dropped = sum(by_kind[k][1] for k in FALSE_KINDS)
    detection = false_dropped / false_total if false_total else 0.0
    false_drop = true_dropped / true_total if true_total else 0.0

    print("\nfalse drops, top reasons:")
    for reason, count in false_drop_reasons.most_common(10):
        print(f"  {count:>5}  {reason}")
    if not false_drop_reasons:
        print("  (none)")
    if args.show:
        for kind, items in misses.items():
            print(f"\nmisses: {kind}")
            for case, reasons in items[:args.show]:
                print(f"  claim:    {case.text}\n  evidence: {case.evidence}\n  date:     {case.date}"
                      f"\n  reasons:  {reasons or '-'}\n")

    print(f"\ndetection (perturbed claims dropped): {false_dropped}/{false_total} = {detection:.1%} "
          f"(target >= {DETECTION_TARGET:.0%}): {'MET' if detection >= DETECTION_TARGET else 'MISSED'}")
    print(f"false drops (true claims dropped):     {true_dropped}/{true_total} = {false_drop:.1%} "
          f"(target <= {FALSE_DROP_TARGET:.0%}): {'MET' if false_drop <= FALSE_DROP_TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
