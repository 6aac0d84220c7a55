"""The engine at one size, in memory: index build, save, load and memory; matching latency by filter; recall
against exact search with the same filters; candidates for a posting; incremental writes; peers.

Everything here calls the service's own query path (:func:`service.engine.rank_jobs`, :func:`rank_seekers`,
:class:`indexes.VectorIndex`, the columns and their region index); only the database is replaced by the
synthetic records' dictionaries (their texts and facts), so the figures are "inside the engine".
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bench.data import Anchors, SyntheticJobs, seeker_facts, synthesize_jobs, synthesize_seekers
from indexes import VectorIndex, choose_spec, set_search_threads
from matching.eligibility import MatchFilters, eligible_job_rows
from matching.enums import WorkType
from matching.geo import RegionScope
from matching.priority import default_policy
from matching.ranking import ScoringParams, Weights
from matching.query import pool_of, rank_jobs, rank_seekers, refine, store_readers
from matching.records import job_facts_from_plain

K = 10
# name → (filters, what the seeker's own facts say): the seeker's desired regions, or a scope around home
SCOPES: dict[str, tuple[MatchFilters, dict[str, Any]]] = {
    "desired (default)": (MatchFilters(region=RegionScope.desired()), {}),
    "county": (MatchFilters(region=RegionScope.county()), {}),
    "city": (MatchFilters(region=RegionScope.city()), {}),
    "province": (MatchFilters(region=RegionScope.province()), {}),
    "radius 50 km": (MatchFilters(region=RegionScope.within_km(50)), {}),
    "city + full-time + salary ≥ 5000": (MatchFilters(region=RegionScope.city(), work_types=(WorkType.full_time,)),
                                         {"desired_salary_min": 5000}),
    "no region filter": (MatchFilters(region=RegionScope.anywhere()), {}),
}


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p95_ms": round(float(np.percentile(ms, 95)), 3),
            "p99_ms": round(float(np.percentile(ms, 99)), 3), "mean_ms": round(float(ms.mean()), 3),
            "n": len(ms)}


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = [len(set(f[f >= 0].tolist()) & set(t[t >= 0].tolist())) / max(1, int((t >= 0).sum()))
            for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits))


def _exact(vectors: np.ndarray, allowed_ids: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k ids among the allowed (ids are 1..n, rows id − 1), fp32."""
    if not len(allowed_ids):
        return np.full(k, -1, np.int64)
    scores = vectors[allowed_ids - 1] @ query
    take = min(k, len(scores))
    top = np.argpartition(-scores, take - 1)[:take]
    top = top[np.argsort(-scores[top], kind="stable")]
    return np.concatenate([allowed_ids[top], np.full(k - take, -1, np.int64)])


def _recall_exact(vectors: np.ndarray, found: np.ndarray, truth: np.ndarray, query: np.ndarray) -> float:
    """recall@k where a found id whose exact score ties the k-th true score (within float rounding) counts."""
    valid = truth[truth >= 0]
    if not len(valid):
        return 1.0
    kth = float(np.min(vectors[valid - 1] @ query))
    got = found[found >= 0]
    hits = int(np.sum(vectors[got - 1] @ query >= kth - 1e-5)) if len(got) else 0
    return min(hits, len(valid)) / len(valid)


def _engine_args() -> dict[str, Any]:
    from service.engine import SEMANTIC_CEILING, SEMANTIC_FLOOR

    # the service's scoring, without its relevance floor: recall is measured against every eligible posting
    return {"policy": default_policy(), "weights": Weights(),
            "params": ScoringParams(semantic_floor=SEMANTIC_FLOOR, semantic_ceiling=SEMANTIC_CEILING)}


WARMUP = 10  # untimed queries before each scenario: the first ones fault in pages a running service has warm


def jobs_for_seeker_latency(jobs: SyntheticJobs, index: VectorIndex, anchors: Anchors, queries: int,
                            rng: np.random.Generator) -> dict[str, Any]:
    """The whole in-memory path per query (filters, allow-list, search, lexical, rerank, explanations) by scope.

    Latency is timed in one pass and recall computed in a second: the exact search recall needs gathers up to
    gigabytes, and interleaved with the timed queries they evicted the caches and added 15–25 ms to a 1-ms
    search's p99 (measured on 1M postings), which no service query pays.

    Candidates' vectors, texts and facts are read as the service reads them, from a record store laid out in the
    columns' region order (:meth:`SyntheticJobs.store`): small allow-lists are scanned exactly."""
    out: dict[str, Any] = {}
    today = anchors.today
    store = jobs.store()
    picks = rng.integers(0, len(anchors.seekers), queries)
    for name, (filters, overrides) in SCOPES.items():
        options = replace(default_policy().filters(), region=filters.region, work_types=filters.work_types)

        def query(q: int) -> tuple[Any, np.ndarray]:
            return replace(seeker_facts(anchors, q), **overrides), anchors.seeker_vectors[q:q + 1]

        def rank(q: int, seeker: Any, vector: np.ndarray) -> int:
            candidates_of, facts_of, cosines_of, _cards = store_readers(jobs.columns, store, job_facts_from_plain)
            return rank_jobs(index=index, columns=jobs.columns, vector=vector, seeker=seeker,
                             query_text=anchors.seeker_texts[q], options=options, k=K, today=today,
                             candidates_of=candidates_of, facts_of=facts_of, cosines_of=cosines_of,
                             **_engine_args())[1]

        def cosines_of(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
            return store.cosines(jobs.columns.slot[rows], vector)

        for q in picks[:WARMUP].tolist():
            rank(q, *query(q))
        total, filtering, searching, eligible, recalls, index_recalls = [], [], [], [], [], []
        for q in picks.tolist():
            seeker, vector = query(q)
            started = time.perf_counter()
            eligible.append(rank(q, seeker, vector))
            total.append(time.perf_counter() - started)
            started = time.perf_counter()
            rows = eligible_job_rows(jobs.columns, seeker, options, today)
            filtering.append(time.perf_counter() - started)
            started = time.perf_counter()
            pool_of(index, jobs.columns, rows, vector, K, cosines_of)
            searching.append(time.perf_counter() - started)
        for q in picks[:100].tolist():  # recall@10 inside the same allow-list against exact fp32 search: of the
            seeker, vector = query(q)  # index alone, and of the pool once refined (what the rerank ranks)
            rows = eligible_job_rows(jobs.columns, seeker, options, today)
            allowed = jobs.columns.ids[rows]
            got = index.search(vector, K, allow=allowed)[1][0] if len(allowed) else np.full(K, -1)
            truth = _exact(jobs.vectors, np.sort(allowed), vector[0], K)
            index_recalls.append(_recall_exact(jobs.vectors, got, truth, vector[0]))
            pool, exact = pool_of(index, jobs.columns, rows, vector, K, cosines_of)
            ids, dense = (pool.ids, pool.dense) if exact else refine(pool, jobs.candidates_of(pool.ids.tolist()),
                                                                     vector)
            top = ids[np.argsort(-dense, kind="stable")[:K]]
            recalls.append(_recall_exact(jobs.vectors, np.concatenate([top, np.full(K - len(top), -1)]),
                                         truth, vector[0]))
        out[name] = {**percentiles(total), "filter_p50_ms": percentiles(filtering)["p50_ms"],
                     "search_p50_ms": percentiles(searching)["p50_ms"],
                     "eligible_mean": round(float(np.mean(eligible)), 1),
                     "eligible_share": round(float(np.mean(eligible)) / len(jobs.ids), 5),
                     "recall_at_10": round(float(np.mean(recalls)), 4),
                     "index_recall_at_10": round(float(np.mean(index_recalls)), 4)}
    return out


def selective_filters(jobs: SyntheticJobs, index: VectorIndex, anchors: Anchors, queries: int,
                      rng: np.random.Generator) -> dict[str, Any]:
    """Random allow-lists of 1%, 10%, 50% of the postings: the index's search alone, latency and recall
    (timed in one pass, recall in a second, as above)."""
    out = {}
    n = len(jobs.ids)
    for share in (0.01, 0.1, 0.5, 1.0):
        allowed = None if share == 1.0 else np.sort(rng.choice(jobs.ids, int(n * share), replace=False))
        picks = rng.integers(0, len(anchors.seekers), queries).tolist()
        for q in picks[:WARMUP]:
            index.search(anchors.seeker_vectors[q:q + 1], K, allow=allowed)
        times, recalls = [], []
        for q in picks:
            started = time.perf_counter()
            index.search(anchors.seeker_vectors[q:q + 1], K, allow=allowed)
            times.append(time.perf_counter() - started)
        for q in picks[:100]:
            vector = anchors.seeker_vectors[q:q + 1]
            got = index.search(vector, K, allow=allowed)[1][0]
            truth = _exact(jobs.vectors, jobs.ids if allowed is None else allowed, vector[0], K)
            recalls.append(_recall_exact(jobs.vectors, got, truth, vector[0]))
        out[f"{share:.0%}"] = {**percentiles(times), "recall_at_10": round(float(np.mean(recalls)), 4)}
    return out


def candidates_latency(anchors: Anchors, jobs: SyntheticJobs, n_seekers: int, queries: int,
                       rng: np.random.Generator) -> dict[str, Any]:
    seekers = synthesize_seekers(anchors, n_seekers, rng)
    started = time.perf_counter()
    index = VectorIndex(seekers.vectors.shape[1], choose_spec(n_seekers))
    index.build(seekers.ids, seekers.vectors, queries=anchors.job_vectors)
    build_s = time.perf_counter() - started
    now = datetime.combine(anchors.today, datetime.min.time(), tzinfo=UTC)
    out: dict[str, Any] = {"seekers": n_seekers, "spec": index.spec.describe(), "build_s": round(build_s, 2)}
    for name, scope in (("city (default)", RegionScope.city()), ("province", RegionScope.province()),
                        ("radius 50 km", RegionScope.within_km(50))):
        times = []
        for j in rng.integers(1, len(jobs.ids) + 1, queries).tolist():
            job = jobs.facts(j)
            started = time.perf_counter()
            rank_seekers(index=index, columns=seekers.columns, vector=jobs.vectors[j - 1:j], job=job,
                         query_text=jobs.anchors.job_texts[int(jobs.anchor[j - 1])],
                         options=replace(default_policy().filters(), region=scope, now=now), k=K, now=now,
                         candidates_of=seekers.candidates_of, facts_of=seekers.facts_of, **_engine_args())
            times.append(time.perf_counter() - started)
        out[name] = percentiles(times)
    return out


def incremental_writes(jobs: SyntheticJobs, index: VectorIndex, rng: np.random.Generator) -> dict[str, Any]:
    """Upsert and removal of one posting (as an API write does) and of 1,000, on the built index."""
    dim = jobs.vectors.shape[1]
    fresh = jobs.vectors[rng.integers(0, len(jobs.ids), 1100)] + 0.01 * rng.standard_normal((1100, dim))
    fresh = (fresh / np.linalg.norm(fresh, axis=1, keepdims=True)).astype(np.float32)
    next_id = int(jobs.ids[-1]) + 1
    adds, removes, column_writes = [], [], []
    for i in range(100):
        started = time.perf_counter()
        index.add([next_id + i], fresh[i:i + 1], [f"new-{i}"])
        adds.append(time.perf_counter() - started)
        started = time.perf_counter()
        jobs.columns.upsert([replace(jobs.facts(1 + i), id=next_id + i)])
        column_writes.append(time.perf_counter() - started)
    for i in range(100):
        started = time.perf_counter()
        index.remove([next_id + i])
        removes.append(time.perf_counter() - started)
    jobs.columns.remove(range(next_id, next_id + 100))
    batch = np.arange(next_id + 100, next_id + 1100, dtype=np.int64)
    started = time.perf_counter()
    index.add(batch, fresh[100:], [f"b{i}" for i in batch.tolist()])
    add_batch = time.perf_counter() - started
    started = time.perf_counter()
    index.remove(batch)
    remove_batch = time.perf_counter() - started
    return {"add_one": percentiles(adds), "remove_one": percentiles(removes),
            "columns_upsert_one": percentiles(column_writes),
            "add_1000_s": round(add_batch, 4), "remove_1000_s": round(remove_batch, 4)}


def load_in_fresh_process(directory: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.memory", str(directory)], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_engine_scenario(*, n: int, anchors: Anchors, workdir: Path, queries: int = 300, seekers: int | None = None,
                        peers: Sequence[str] = (), peer_queries: int = 200, peer_budget_s: float | None = None,
                        seed: int = 7, log: Callable[[str], None] = print) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    set_search_threads(1)  # as the service searches: one thread a query, concurrent queries share the cores
    out: dict[str, Any] = {"n": n}
    started = time.perf_counter()
    jobs = synthesize_jobs(anchors, n, rng)
    sample = rng.integers(0, n, 200)
    out["data"] = {
        "synthesis_s": round(time.perf_counter() - started, 1),
        "real_nearest_cosine_median": round(anchors.nearest_cosine, 4),
        "synthetic_to_anchor_cosine_median": round(float(np.median(np.sum(
            jobs.vectors[sample] * anchors.job_vectors[jobs.anchor[sample]], axis=1))), 4),
        "noise_scale": round(jobs.noise_scale, 4), "anchors": len(anchors.jobs), "dim": int(jobs.vectors.shape[1]),
    }
    log(f"[{n:,}] data ready in {out['data']['synthesis_s']} s; building the index")

    spec = choose_spec(n)
    index = VectorIndex(jobs.vectors.shape[1], spec)
    started = time.perf_counter()
    index.build(jobs.ids, jobs.vectors, [str(i) for i in jobs.ids.tolist()], queries=anchors.seeker_vectors)
    out["index"] = {"spec": index.spec.describe(), "build_s": round(time.perf_counter() - started, 2),
                    "calibration": index.calibration, "faiss_omp_threads": faiss.omp_get_max_threads()}
    target = workdir / f"jobs-{n}"
    started = time.perf_counter()
    index.save(target, {"model_id": anchors.model_id})
    out["index"]["save_s"] = round(time.perf_counter() - started, 2)
    out["index"]["disk_bytes_per_vector"] = round(sum(p.stat().st_size for p in target.iterdir()) / n, 1)
    out["index"].update(load_in_fresh_process(target))
    shutil.rmtree(target, ignore_errors=True)
    log(f"[{n:,}] index {out['index']['spec']} built in {out['index']['build_s']} s; measuring matching")

    out["jobs_for_seeker"] = jobs_for_seeker_latency(jobs, index, anchors, queries, rng)
    out["selective_filters"] = selective_filters(jobs, index, anchors, queries, rng)
    log(f"[{n:,}] candidates for a posting")
    out["candidates_for_job"] = candidates_latency(anchors, jobs, seekers or min(n, 100_000), queries // 2, rng)
    out["incremental"] = incremental_writes(jobs, index, rng)
    libraries = [p for p in peers if p != "pgvector"]  # pgvector is a server, measured on the engine's scopes
    if libraries:
        from bench.peers import run_peers

        log(f"[{n:,}] peers: {', '.join(libraries)}")
        out["peers"] = _peers(jobs, index, anchors, libraries, peer_queries, peer_budget_s, rng, run_peers)
    if "pgvector" in peers:
        from bench.pgvector import run_pgvector

        log(f"[{n:,}] pgvector, beside the engine's scopes")
        out["pgvector"] = run_pgvector(jobs, anchors, queries=peer_queries, budget_s=peer_budget_s,
                                       log=lambda m: log(f"[{n:,}] {m}"))
    return out


def _peers(jobs: SyntheticJobs, index: VectorIndex, anchors: Anchors, peers: Sequence[str], queries: int,
           budget_s: float | None, rng: np.random.Generator, run_peers) -> dict[str, Any]:
    """The peers and rengang's own index on the same vectors, queries and random allow-lists."""
    n = len(jobs.ids)
    allow_sets = {"none": None, **{f"{s:.0%}": np.sort(rng.choice(jobs.ids, int(n * s), replace=False))
                                   for s in (0.5, 0.1, 0.01)}}
    qs = anchors.seeker_vectors[rng.integers(0, len(anchors.seekers), queries)]
    result = run_peers(vectors=jobs.vectors, ids=jobs.ids, queries=qs, allow_sets=allow_sets, k=K, peers=peers,
                       budget_s=budget_s)
    truth = result.pop("truth")
    own: dict[str, Any] = {}
    for name, allowed in allow_sets.items():
        times, found = [], []
        index.search(qs[0][None], K, allow=allowed)  # warm caches, untimed, as for the peers
        for q in qs:
            started = time.perf_counter()
            found.append(index.search(q[None], K, allow=allowed)[1][0])
            times.append(time.perf_counter() - started)
        own[name] = {**percentiles(times), "recall": round(_recall(np.array(found), truth[name]), 4)}
    for peer in result["peers"].values():
        for f in peer.get("filters", {}).values():
            f.pop("found_ids", None)
    result["rengang"] = own
    return result
