"""pgvector as a bench peer (bench/pgvector.py): its SQL asks for the engine's eligible postings, and its exact path
(B-tree + exact sort) returns numpy's exact top 10 among them.

Needs ``pgserver`` (the ``bench`` extra, which bundles PostgreSQL with pgvector); skipped without it. No figures
are asserted. Anchors here carry random unit vectors instead of the model's, so no model is loaded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

pytest.importorskip("pgserver", reason="pgserver (the bench extra) starts the PostgreSQL with pgvector")

from bench.data import Anchors, seeker_facts, synthesize_jobs  # noqa: E402
from bench.engine_bench import SCOPES  # noqa: E402
from bench.pgvector import DEFAULT_SCOPES, job_table, predicate, run_pgvector  # noqa: E402
from bench.report import _pgvector  # noqa: E402
from matching.demo import generate_demo  # noqa: E402
from matching.eligibility import eligible_job_rows  # noqa: E402
from matching.priority import default_policy  # noqa: E402

TODAY = date(2026, 12, 2)
DIM = 32


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    demo = generate_demo(rng, n_employers=20, n_jobs=200, n_seekers=40, today=TODAY)

    def unit(n):
        v = rng.standard_normal((n, DIM)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    anchors = Anchors(model_id="random", today=TODAY, jobs=demo.jobs, job_texts=[""] * len(demo.jobs),
                      job_vectors=unit(len(demo.jobs)), seekers=demo.seekers, seeker_texts=[""] * len(demo.seekers),
                      seeker_vectors=unit(len(demo.seekers)), seeker_occupation_codes=demo.seeker_occupation_codes)
    return anchors, synthesize_jobs(anchors, 2000, rng)


def test_the_sql_predicate_is_the_engines_hard_filters(data):
    anchors, jobs = data
    table = job_table(jobs)
    for scope in DEFAULT_SCOPES:
        filters, overrides = SCOPES[scope]
        options = replace(default_policy().filters(), region=filters.region, work_types=filters.work_types)
        for q in range(len(anchors.seekers)):
            seeker = replace(seeker_facts(anchors, q), **overrides)
            ours = table["id"][predicate(seeker, options, TODAY).mask(table)]
            engine = np.sort(jobs.columns.ids[eligible_job_rows(jobs.columns, seeker, options, TODAY)])
            assert np.array_equal(ours, engine), (scope, q)


def test_exact_path_returns_numpys_exact_top_10(data):
    anchors, jobs = data
    result = run_pgvector(jobs, anchors, queries=20, hnsw=False, log=lambda _m: None)
    assert "skipped" not in result, result
    assert result["server"]["pgvector"] and result["server"]["postgresql"]
    assert result["memory"]["table_bytes_per_vector"] > 4 * DIM
    for scope in DEFAULT_SCOPES:
        r = result["scopes"][scope]["exact"]
        assert r["queries_measured"] == 20 and r["p99_ms"] >= r["p50_ms"] > 0, scope
        assert r["recall_at_10"] == 1.0 and r["rows_outside_predicate"] == 0 and r["short_answers"] == 0, scope
        # the same ids in the same order; a swap could only come from two scores equal to float rounding
        assert r["same_top10_share"] >= 0.95, (scope, r["same_top10_share"])
    assert result["scopes"]["county"]["eligible_mean"] < result["scopes"]["no region filter"]["eligible_mean"]


def test_hnsw_part_and_report_table(data):
    anchors, jobs = data
    result = run_pgvector(jobs, anchors, queries=20, scopes=("county", "no region filter"), log=lambda _m: None)
    hnsw = result["hnsw"]
    assert hnsw["build_s"] > 0 and hnsw["index_bytes_per_vector"] > 0 and 40 <= hnsw["ef_search"] <= 1000
    assert "hnsw" in hnsw["variants"] and ("iterative_scan" in hnsw) != ("hnsw + iterative scan" in hnsw["variants"])
    for variant in hnsw["variants"].values():
        for r in variant["scopes"].values():
            assert r["rows_outside_predicate"] == 0 and r["queries_measured"] == 20
    engine = {"2000": {"pgvector": result, "jobs_for_seeker": {
        "county": {"p50_ms": 0.5, "p99_ms": 1.0, "eligible_mean": 1.5},
        "no region filter": {"p50_ms": 2.0, "p99_ms": 3.0, "eligible_mean": 1500.0}}}}
    text = "\n".join(_pgvector(engine))
    assert "## pgvector in PostgreSQL" in text and f"pgvector {result['server']['pgvector']}" in text
    assert "| county |" in text and "| no region filter |" in text and "of 2 scopes" in text
