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


def evaluate_by(run: Run, qrels: Qrels, groups: Mapping[Any, str], *, k: int = 10,
                min_grade: int = 1) -> dict[str, dict[str, float]]:
    """nDCG@``k`` and the number of queries per group (``groups`` maps a query id to its group, e.g. a category),
    over the queries in ``qrels`` with a positive grade; a query without a group falls in ``"other"``."""
    runs = {str(q): r for q, r in run.items()}
    named = {str(q): g for q, g in groups.items()}
    sums: dict[str, list[float]] = {}
    for q, judged in qrels.items():
        if not any(g >= min_grade for g in judged.values()):
            continue
        sums.setdefault(named.get(str(q), "other"), []).append(ndcg_at_k(runs.get(str(q), []), judged, k))
    return {g: {f"ndcg@{k}": sum(v) / len(v), "queries": float(len(v))} for g, v in sorted(sums.items())}


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """JSON objects, one a line (blank lines skipped), each with an ``id`` unique in the file; a malformed line
    is refused with ``ValueError`` naming the file and the line."""
    path = Path(path)
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{number}: not valid JSON ({e.msg}, column {e.colno})") from None
            if not isinstance(item, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object, got {type(item).__name__}")
            if item.get("id") in (None, ""):
                raise ValueError(f"{path}:{number}: missing id")
            key = str(item["id"])
            if key in seen:
                raise ValueError(f"{path}:{number}: id {key} already on line {seen[key]}")
            seen[key] = number
            out.append(item)
    return out


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """``query_id<TAB>job_id<TAB>grade`` lines (grade 0–3; ``#`` lines and blank lines skipped); a malformed line
    or a pair judged twice is refused with ``ValueError`` naming the file and the line."""
    path = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
            if not row or not "".join(row).strip() or row[0].startswith("#"):
                continue
            if len(row) != 3:
                raise ValueError(f"{path}:{number}: expected query_id, job_id and grade separated by tabs, "
                                 f"got {len(row)} field(s)")
            query_id, job_id, raw = (cell.strip() for cell in row)
            if not query_id or not job_id:
                raise ValueError(f"{path}:{number}: empty id")
            try:
                grade = int(raw)
            except ValueError:
                raise ValueError(f"{path}:{number}: grade {raw!r} is not an integer") from None
            if not 0 <= grade <= 3:
                raise ValueError(f"{path}:{number}: qrels grade must be 0–3, got {grade} for {query_id}/{job_id}")
            if job_id in qrels.get(query_id, {}):
                raise ValueError(f"{path}:{number}: {query_id}/{job_id} is judged twice")
            qrels.setdefault(query_id, {})[job_id] = grade
    return qrels


def load_matching_set(directory: str | Path) -> tuple[dict[str, dict], dict[str, dict], dict[str, dict[str, int]]]:
    """(postings by id, seekers by id, qrels) from a directory in the documented format.

    ``postings.jsonl`` and ``seekers.jsonl`` hold one payload per line with an ``id``; ``qrels.tsv`` holds
    ``seeker_id<TAB>job_id<TAB>grade`` lines (grade 0–3; ``#`` lines are comments). Ids become strings. A set may
    also hold free-text queries (``queries.jsonl``, read by :func:`load_queries`); qrels may judge those too.
    Every judged id must exist: a qrels line naming an unknown query, seeker or posting is refused.
    """
    directory = Path(directory)
    postings = {str(p["id"]): p for p in read_jsonl(directory / "postings.jsonl")}
    seekers = {str(s["id"]): s for s in read_jsonl(directory / "seekers.jsonl")}
    queries = load_queries(directory)
    qrels = read_qrels(directory / "qrels.tsv")
    askers = set(seekers) | set(queries)
    for query_id, judged in qrels.items():
        if query_id not in askers:
            raise ValueError(f"{directory / 'qrels.tsv'}: {query_id} is neither a seeker nor a query of the set")
        unknown = sorted(set(judged) - set(postings))
        if unknown:
            raise ValueError(f"{directory / 'qrels.tsv'}: {query_id} judges unknown posting(s) {', '.join(unknown[:5])}")
    return postings, seekers, qrels


def load_queries(directory: str | Path) -> dict[str, dict]:
    """Free-text queries by id from ``queries.jsonl`` (the free-text match request's fields plus ``id`` and
    ``category``); empty if the set has none."""
    path = Path(directory) / "queries.jsonl"
    return {str(q["id"]): q for q in read_jsonl(path)} if path.exists() else {}
