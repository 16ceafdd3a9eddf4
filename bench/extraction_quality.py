"""Extraction quality of ``aggregator.extract.page.extract_page`` on third-party corpora.

Two public test sets, read from ``../shared/corpora/extraction`` next to the project
(see that folder's README.md and each SOURCE.txt):

1. ``scrapinghub-public`` (article-extraction-benchmark): gzip HTML pages with the
   human-annotated full article body. Scored with

   - token P/R/F1: tokens = ``re.findall(r"\\w+", text.lower())``, i.e. a
     case-insensitive bag of tokens with multiplicity; per document
     TP = size of the multiset intersection, P = TP / |extracted|, R = TP / |truth|;
     P and R are macro-averaged over documents and F1 is the harmonic mean of the
     two averages. An empty extraction counts as P = 0, R = 0 (stricter than
     upstream, which leaves such a document out of the precision mean).
   - shingle-4 F1, as upstream's evaluate.py: case-sensitive ``\\w+`` tokens, 4-gram
     shingle multisets, TP/FP/FN normalised per document, P averaged over documents
     with TP+FP > 0 and R over those with TP+FN > 0, F1 = harmonic mean.

2. ``trafilatura-public`` (trafilatura's tests/evaldata.json): per page, snippets
   that must appear ("with") and must not appear ("without") in the main text.
   Matching is a case-sensitive substring test after whitespace normalisation
   (runs of whitespace -> one space, stripped) of both snippet and text, as in
   upstream tests/eval_common.py; a crash counts as all misses.

The extracted text is ``Extracted.text`` (the headline is stored as the title and
removed from the text). The exit status is always 0: a measurement, not a test.
The sets are a public quarter of larger ones: use the figures to spot regressions and
to compare options, not to tune for these particular pages.

Run from the project root: ``.venv/bin/python bench/extraction_quality.py``
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "extraction"
SCRAPINGHUB = CORPORA / "scrapinghub-public"
TRAFILATURA = CORPORA / "trafilatura-public"
TOKEN_F1_TARGET = 0.93
HTML_TYPE = "text/html; charset=utf-8"

_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------- scoring helpers

def token_pr(truth: str, pred: str) -> tuple[float, float]:
    """Case-insensitive bag-of-tokens precision and recall (multiset intersection)."""
    t = Counter(_WORD.findall(truth.lower()))
    p = Counter(_WORD.findall(pred.lower()))
    n_t, n_p = sum(t.values()), sum(p.values())
    if n_t == 0 and n_p == 0:
        return 1.0, 1.0
    tp = sum((t & p).values())
    return (tp / n_p if n_p else 0.0), (tp / n_t if n_t else 0.0)


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _WORD.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def shingle_tp_fp_fn(truth: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """Upstream evaluate.py's string_shingle_matching: normalised (tp, fp, fn)."""
    t, p = _shingles(truth, n), _shingles(pred, n)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def shingle_prf(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    def prec(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def rec(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    ps = [prec(*r) for r in rows if r[0] + r[1] > 0]
    rs = [rec(*r) for r in rows if r[0] + r[2] > 0]
    p = statistics.mean(ps) if ps else 0.0
    r = statistics.mean(rs) if rs else 0.0
    return p, r, harmonic(p, r)


def harmonic(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- corpus loaders

def scrapinghub_pages(root: Path = SCRAPINGHUB):
    """Yield (item_id, html bytes, url, articleBody)."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for item_id, item in sorted(truth.items()):
        path = root / "html" / f"{item_id}.html.gz"
        if not path.is_file():
            print(f"  ! missing page {path.name}")
            continue
        yield item_id, gzip.decompress(path.read_bytes()), item.get("url") or "", item.get("articleBody") or ""


def _trafilatura_file(root: Path, name: str) -> Path | None:
    for folder in (root / "html", root / "tests" / "eval", root / "tests" / "cache", root / "eval", root / "cache"):
        for candidate in (folder / f"{name}.gz", folder / name):
            if candidate.is_file():
                return candidate
    return None


def trafilatura_pages(root: Path = TRAFILATURA):
    """Yield (url, html bytes or None, item) where item has 'with' and 'without' lists."""
    data = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    for url, item in data.items():
        path = _trafilatura_file(root, item["file"])
        if path is None:
            yield url, None, item
            continue
        raw = path.read_bytes()
        yield url, (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw), item


def count_snippets(item: dict, text: str | None) -> tuple[int, int, int, int]:
    """(with found, with total, without found, without total)."""
    withs, withouts = item.get("with") or [], item.get("without") or []
    if text is None:
        return 0, len(withs), 0, len(withouts)
    body = norm(text)
    return (sum(norm(s) in body for s in withs), len(withs),
            sum(norm(s) in body for s in withouts), len(withouts))


# ---------------------------------------------------------------- reports

def run_scrapinghub(extract, worst: int = 5) -> dict | None:
    """extract(html bytes, url) -> text. Prints the report, returns the figures."""
    if not (SCRAPINGHUB / "ground-truth.json").is_file():
        print(f"scrapinghub-public: {SCRAPINGHUB} is absent, skipped")
        return None
    print("== scrapinghub-public (full article body, human-annotated)")
    per_doc, shingles, errors, empty = [], [], 0, 0
    elapsed = 0.0
    for item_id, body, url, truth in scrapinghub_pages():
        started = time.perf_counter()
        try:
            text = extract(body, url)
        except Exception as exc:  # a crash scores as an empty extraction
            print(f"  ! {item_id[:12]} raised {type(exc).__name__}: {exc}")
            text, errors = "", errors + 1
        elapsed += time.perf_counter() - started
        empty += not text.strip()
        p, r = token_pr(truth, text)
        per_doc.append((item_id, url, p, r, harmonic(p, r)))
        shingles.append(shingle_tp_fp_fn(truth, text))
    n = len(per_doc)
    if not n:
        print("  no pages found")
        return None
    p = statistics.mean(d[2] for d in per_doc)
    r = statistics.mean(d[3] for d in per_doc)
    f1 = harmonic(p, r)
    sp, sr, sf1 = shingle_prf(shingles)
    print(f"  pages {n}, errors {errors}, empty extractions {empty}")
    print(f"  token P {p:.3f}  R {r:.3f}  F1 {f1:.3f}")
    print("    (case-insensitive bag of \\w+ tokens with multiplicity = multiset intersection;"
          " per-document P and R, macro-averaged over documents; F1 = harmonic mean of mean P and mean R)")
    print(f"  shingle-4 P {sp:.3f}  R {sr:.3f}  F1 {sf1:.3f}")
    print("    (upstream evaluate.py: case-sensitive \\w+ tokens, 4-gram shingle multisets, per-document"
          " normalised TP/FP/FN, macro-averaged P and R, F1 = harmonic mean)")
    print(f"  worst {min(worst, n)} documents by token F1:")
    for item_id, url, dp, dr, df in sorted(per_doc, key=lambda d: d[4])[:worst]:
        print(f"    F1 {df:.3f} (P {dp:.3f} R {dr:.3f})  {item_id[:12]}  {url}")
    verdict = "MET" if f1 >= TOKEN_F1_TARGET else "MISSED"
    print(f"  target token F1 >= {TOKEN_F1_TARGET}: {verdict} ({f1:.3f})")
    print(f"  timing: {n} pages in {elapsed:.2f} s extraction time = {n / elapsed:.1f} pages/s")
    return {"pages": n, "token_p": p, "token_r": r, "token_f1": f1, "shingle_f1": sf1, "pages_per_s": n / elapsed}


def run_trafilatura(extract) -> dict | None:
    """extract(html bytes, url) -> (text, title). Prints the report, returns the figures."""
    if not (TRAFILATURA / "evaldata.json").is_file():
        print(f"trafilatura-public: {TRAFILATURA} is absent, skipped")
        return None
    print("== trafilatura-public (snippets that must / must not appear)")
    w_found = w_total = wo_found = wo_total = 0
    pages = missing = errors = 0
    in_title = 0  # missed must-have snippets that are in the headline (stored as title, not text)
    elapsed = 0.0
    for url, body, item in trafilatura_pages():
        pages += 1
        text = title = None
        if body is None:
            missing += 1
            print(f"  ! file not found: {item['file']}")
        else:
            started = time.perf_counter()
            try:
                text, title = extract(body, url)
            except Exception as exc:  # upstream: a crash counts as all misses
                errors += 1
                print(f"  ! {item['file']} raised {type(exc).__name__}: {exc}")
            elapsed += time.perf_counter() - started
        wf, wt, wof, wot = count_snippets(item, text)
        w_found, w_total, wo_found, wo_total = w_found + wf, w_total + wt, wo_found + wof, wo_total + wot
        if text is not None and title:
            body_n, title_n = norm(text), norm(title)
            in_title += sum(1 for s in item.get("with") or [] if norm(s) not in body_n and norm(s) in title_n)
    if not pages:
        print("  no pages found")
        return None
    present = w_found / w_total if w_total else 0.0
    absent = (wo_total - wo_found) / wo_total if wo_total else 0.0
    tp, fn, fp = w_found, w_total - w_found, wo_found
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    extracted = pages - missing
    print(f"  pages {pages} (extracted {extracted}, files missing {missing}, errors {errors})")
    print(f"  must-have snippets present: {w_found}/{w_total} = {present:.3f}")
    print(f"  must-not snippets absent:   {wo_total - wo_found}/{wo_total} = {absent:.3f}")
    print("    (case-sensitive substring match after whitespace normalisation of snippet and text)")
    print(f"  upstream-style micro P {prec:.3f}  R {rec:.3f}  F1 {harmonic(prec, rec):.3f}"
          " (upstream floor for trafilatura on the full set: F1 0.9195 fast / 0.9253 fallback)")
    if in_title:
        print(f"  note: {in_title} missed must-have snippets are in the headline, which is stored as the title")
    if extracted and elapsed:
        print(f"  timing: {extracted} pages in {elapsed:.2f} s extraction time = {extracted / elapsed:.1f} pages/s")
    return {"pages": pages, "with_present": present, "without_absent": absent,
            "f1": harmonic(prec, rec), "pages_per_s": extracted / elapsed if elapsed else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worst", type=int, default=5, help="how many worst documents to list (default 5)")
    args = parser.parse_args(argv)
    if not CORPORA.is_dir():
        print(f"extraction corpora not found at {CORPORA} "
              "(../shared/corpora ships with the project's CI, not with a user's checkout): skipped")
        return 0
    try:
        from aggregator.extract.page import extract_page
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from aggregator.extract.page import extract_page

    def text_only(body: bytes, url: str) -> str:
        return extract_page(body, HTML_TYPE, url).text

    def text_and_title(body: bytes, url: str) -> tuple[str, str | None]:
        # these pages come without headers: let decode_html sniff the charset
        result = extract_page(body, None, url)
        return result.text, result.title

    print(f"extractor: aggregator.extract.page.extract_page; corpora: {CORPORA}")
    started = time.perf_counter()
    run_scrapinghub(text_only, worst=args.worst)
    run_trafilatura(text_and_title)
    print(f"total wall time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        code = main()
    except Exception as exc:  # a measurement: report, never fail the caller
        print(f"extraction_quality: unexpected error: {type(exc).__name__}: {exc}")
        code = 0
    sys.exit(code)
