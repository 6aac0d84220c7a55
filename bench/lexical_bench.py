"""The rerank's lexical score (:func:`matching.lexical.pool_scores`) measured: quality alone and speed.

Quality: every ask of a graded set (free-text queries and stored profiles) ranks *all* the set's postings by the
lexical score alone, beside the character n-gram TF-IDF cosine it replaced (fitted on the same postings) and BM25
over the project's jieba tokens; nDCG@10, P@5 (grade ≥ 2) and MRR, and the score's distribution on graded pairs.
Speed: per-query time over pools of 50, 1,000 and 4,000 postings (the set's and the demo generator's), with each
posting's analysis kept (as :meth:`matching.records.RecordStore.lexical` keeps it) and the cost of analysing one.

    python -m bench.lexical_bench [--set realistic|matching_dev ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

import numpy as np

from matching.lexical import BM25, CharNgramScorer, analyse_query, analyse_text, default_lexicon, pool_scores
from matching.metrics import evaluate, load_matching_set
from matching.text import normalize, posting_text, seeker_text

EVAL_DIR = Path(__file__).resolve().parent.parent / "matching" / "data" / "eval"


def _posting(p: dict) -> str:
    return posting_text(p["title"], None, p.get("skills"), p.get("requirements"), p.get("description"))


def _asks(directory: Path) -> dict[str, str]:
    asks: dict[str, str] = {}
    queries = directory / "queries.jsonl"
    if queries.exists():
        for line in queries.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                asks[str(q["id"])] = normalize(q["text"])
    _, seekers, _ = load_matching_set(directory)
    for sid, s in seekers.items():
        asks[sid] = seeker_text(s.get("desired_occupations"), s.get("skills"), s.get("experience"), s.get("major"),
                                s.get("self_intro"))
    return asks


def _precision_at_5(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> float:
    asked = [q for q, judged in qrels.items() if any(g >= 1 for g in judged.values())]
    return sum(sum(qrels[q].get(d, 0) >= 2 for d in run.get(q, [])[:5]) / 5 for q in asked) / len(asked)


def quality(name: str) -> dict:
    directory = EVAL_DIR / name
    postings, _, qrels = load_matching_set(directory)
    ids = list(postings)
    texts = [_posting(postings[i]) for i in ids]
    asks = {q: t for q, t in _asks(directory).items() if q in qrels}
    lexicon = default_lexicon()
    docs = [analyse_text(t) for t in texts]
    ngrams = CharNgramScorer().fit(texts)
    bm25 = BM25().fit([lexicon.tokens(t, for_search=True) for t in texts])
    scores = {
        "lexical": {q: pool_scores(analyse_query(t), docs) for q, t in asks.items()},
        "char-ngram cosine (before)": {q: ngrams.scores(t) for q, t in asks.items()},
        "bm25": {q: bm25.scores(lexicon.tokens(t, for_search=True)) for q, t in asks.items()},
    }
    out: dict = {"set": name, "postings": len(ids), "asks": len(asks), "systems": {}}
    for system, by_ask in scores.items():
        run = {q: [ids[i] for i in np.argsort(-s, kind="stable")[:10]] for q, s in by_ask.items()}
        metrics = evaluate(run, qrels)
        grades: dict[str, list[float]] = {"3": [], "2": [], "1": [], "0 or unjudged": []}
        for q, s in by_ask.items():
            top = float(s.max()) or 1.0  # BM25 is unbounded: its distribution is shown relative to the ask's best
            for i, d in enumerate(ids):
                g = qrels[q].get(d, 0)
                grades[str(g) if g else "0 or unjudged"].append(float(s[i]) / (1.0 if system != "bm25" else top))
        out["systems"][system] = {
            "ndcg@10": round(metrics["ndcg@10"], 3), "p@5": round(_precision_at_5(run, qrels), 3),
            "mrr": round(metrics["mrr"], 3),
            "score by grade (median, p90)": {g: (round(statistics.median(v), 3), round(float(np.quantile(v, 0.9)), 3))
                                             for g, v in grades.items() if v},
            "share of grade-0 pairs scoring ≥ 0.5": round(float(np.mean(np.array(grades["0 or unjudged"]) >= 0.5)), 4)
            if system != "bm25" else None,
        }
    return out


def speed(sizes=(50, 1000, 4000), repeats: int = 3) -> dict:
    from bench.embedding import demo_posting_texts

    texts = []
    for name in ("realistic", "matching_dev"):
        postings, _, _ = load_matching_set(EVAL_DIR / name)
        texts += [_posting(p) for p in postings.values()]
    texts += demo_posting_texts(max(sizes) - len(texts))
    asks = [t for name in ("realistic", "matching_dev") for t in _asks(EVAL_DIR / name).values()][:60]
    lexicon = default_lexicon()
    lexicon.related("保洁")  # built once, at the first query
    out: dict = {"mean text chars": round(float(np.mean([len(t) for t in texts[: max(sizes)]])), 1), "pools": {}}
    start = time.perf_counter()
    docs = [analyse_text(t) for t in texts[: max(sizes)]]
    out["analysis ms per posting"] = round((time.perf_counter() - start) * 1000 / len(docs), 3)
    out["bytes per posting kept"] = round(float(np.mean([d.nbytes for d in docs])), 1)
    out["keys per posting"] = round(float(np.mean([len(d.keys) for d in docs])), 1)
    queries = [analyse_query(a) for a in asks]

    def best_of(run) -> float:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            best = min(best, (time.perf_counter() - start) / len(asks))
        return round(best * 1000, 3)

    out["query analysis ms"] = best_of(lambda: [analyse_query(a) for a in asks])
    for n in sizes:
        pool = docs[:n]
        out["pools"][n] = {"scoring ms per query": best_of(lambda pool=pool: [pool_scores(q, pool) for q in queries])}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", dest="sets", help="realistic, matching_dev (default both)")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report = {"quality": [quality(name) for name in args.sets or ("realistic", "matching_dev")]}
    if not args.no_speed:
        report["speed"] = speed()
    text = json.dumps(report, ensure_ascii=False, indent=1)
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    print(text)
    if args.json:
        args.json.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
