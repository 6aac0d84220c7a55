"""Ranking metrics for matching evaluation, and the loader for a graded matching set.

A run is ``{query_id: [doc_id, …]}`` ranked best first; qrels are ``{query_id: {doc_id: grade}}`` with
grades 0–3 (0 = judged not relevant). Ids are compared as strings, so ``7`` and ``"7"`` are the same.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Run = Mapping[Any, Sequence[Any]]
Qrels = Mapping[Any, Mapping[Any, int]]


def _relevant(judged: Mapping[Any, int], min_grade: int) -> set[str]:
    return {str(d) for d, g in judged.items() if g >= min_grade}


def hit_at_k(ranked: Sequence[Any], judged: Mapping[Any, int], k: int, *, min_grade: int = 1) -> float:
    """1.0 if any of the first ``k`` results has grade ≥ ``min_grade``, else 0.0."""
    relevant = _relevant(judged, min_grade)
    return 1.0 if any(str(d) in relevant for d in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[Any], judged: Mapping[Any, int], *, min_grade: int = 1, k: int | None = None) -> float:
    """1 / rank of the first result with grade ≥ ``min_grade`` (0.0 if none within ``k``)."""
    relevant = _relevant(judged, min_grade)
    for rank, d in enumerate(ranked[:k] if k else ranked, start=1):
        if str(d) in relevant:
            return 1.0 / rank
    return 0.0


def dcg(grades: Sequence[int]) -> float:
    """Σ (2^g − 1) / log2(rank + 1), the exponential-gain form used by TREC and LETOR."""
    return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(grades, start=1))


def ndcg_at_k(ranked: Sequence[Any], judged: Mapping[Any, int], k: int = 10) -> float:
    """DCG of the first ``k`` results over the DCG of the ideal ordering of all judged documents.

    Unjudged documents count as grade 0; a query with no positive grade scores 0.0.
    """
    grades = {str(d): int(g) for d, g in judged.items()}
    ideal = dcg(sorted((g for g in grades.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([grades.get(str(d), 0) for d in ranked[:k]]) / ideal


def evaluate(run: Run, qrels: Qrels, *, ks: Sequence[int] = (1, 5, 10), min_grade: int = 1) -> dict[str, float]:
    """Mean hit@k, MRR and nDCG@10 over the queries in ``qrels`` that have a positive grade.

    A query missing from ``run`` counts as an empty ranking (it scores zero), so dropping queries cannot
    raise the score.
    """
    queries = [q for q, judged in qrels.items() if any(g >= min_grade for g in judged.values())]
    runs = {str(q): r for q, r in run.items()}
    out: dict[str, float] = {"queries": float(len(queries))}
    if not queries:
        return out
    for k in ks:
        out[f"hit@{k}"] = sum(hit_at_k(runs.get(str(q), []), qrels[q], k, min_grade=min_grade) for q in queries) / len(queries)
    out["mrr"] = sum(reciprocal_rank(runs.get(str(q), []), qrels[q], min_grade=min_grade) for q in queries) / len(queries)
    out["ndcg@10"] = sum(ndcg_at_k(runs.get(str(q), []), qrels[q], 10) for q in queries) / len(queries)
    return out


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_matching_set(directory: str | Path) -> tuple[dict[str, dict], dict[str, dict], dict[str, dict[str, int]]]:
    """(postings by id, seekers by id, qrels) from a directory in the documented format.

    ``postings.jsonl`` and ``seekers.jsonl`` hold one payload per line with an ``id``; ``qrels.tsv`` holds
    ``seeker_id<TAB>job_id<TAB>grade`` lines (grade 0–3; ``#`` lines are comments). Ids become strings.
    """
    directory = Path(directory)
    postings = {str(p["id"]): p for p in _read_jsonl(directory / "postings.jsonl")}
    seekers = {str(s["id"]): s for s in _read_jsonl(directory / "seekers.jsonl")}
    qrels: dict[str, dict[str, int]] = {}
    with open(directory / "qrels.tsv", encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0].startswith("#"):
                continue
            seeker_id, job_id, grade = row[0].strip(), row[1].strip(), int(row[2])
            if not 0 <= grade <= 3:
                raise ValueError(f"qrels grade must be 0–3, got {grade} for {seeker_id}/{job_id}")
            qrels.setdefault(seeker_id, {})[job_id] = grade
    return postings, seekers, qrels
