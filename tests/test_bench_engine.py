"""The benchmark suite runs end to end at a small size with the real model, and its report says what it measured.

Figures are not asserted (speed is measured by ``rengang bench``, never in tests); what is checked is that every
scenario runs through the service's own query path and that exact paths are exact.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from bench.data import load_anchors, synthesize_jobs
from bench.engine_bench import run_engine_scenario
from bench.report import write_report
from matching.embedder import load_embedder


@pytest.fixture(scope="module")
def anchors(models_dir, tmp_path_factory):
    embedder = load_embedder("default", models_dir=models_dir)
    return load_anchors(embedder=embedder, cache_dir=tmp_path_factory.mktemp("bench-cache"), n_jobs=150,
                        n_seekers=30, today=date(2026, 12, 2))


def test_synthetic_postings_keep_their_anchors_shape(anchors):
    jobs = synthesize_jobs(anchors, 2000, np.random.default_rng(1))
    assert jobs.vectors.shape == (2000, anchors.job_vectors.shape[1])
    np.testing.assert_allclose(np.linalg.norm(jobs.vectors, axis=1), 1.0, atol=1e-5)
    to_anchor = np.sum(jobs.vectors * anchors.job_vectors[jobs.anchor], axis=1)
    assert abs(float(np.median(to_anchor)) - anchors.nearest_cosine) < 0.02  # as close as real neighbours are
    assert len(jobs.columns) == 2000 and len(set(jobs.region.tolist())) > 500  # a national spread of counties
    facts = jobs.facts(17)
    assert facts.id == 17 and facts.region_code == jobs.region[16] and jobs.texts_of([17])[17]


def test_engine_scenario_runs_every_part_and_the_report_keeps_notes(anchors, tmp_path):
    result = run_engine_scenario(n=3000, anchors=anchors, workdir=tmp_path, queries=12, seekers=800,
                                 peers=("numpy", "faiss-flat"), peer_queries=12, log=lambda _m: None)
    assert result["index"]["spec"].startswith("IDMap2,Flat") and result["index"]["count"] == 3000
    for name, scope in result["jobs_for_seeker"].items():
        assert scope["n"] == 12 and scope["p99_ms"] >= scope["p50_ms"] > 0, name
        assert scope["recall_at_10"] == 1.0, name  # a flat index inside the allow-list is exact
    assert {s["recall_at_10"] for s in result["selective_filters"].values()} == {1.0}
    assert result["peers"]["rengang"]["1%"]["recall"] == 1.0
    assert result["peers"]["peers"]["numpy"]["filters"]["10%"]["recall"] == 1.0
    assert result["incremental"]["add_one"]["n"] == 100

    report = tmp_path / "BENCHMARKS.md"
    run = {"date": "2026-12-02", "command": "rengang bench --sizes 3k", "model": {"model_id": anchors.model_id,
           "precision": "float32"}, "anchors": {"postings": 150, "seekers": 30, "embed_s": 0.0,
           "nearest_cosine_median": anchors.nearest_cosine},
           "machine": {"cpu": "test", "cores": 2, "memory_gib": 1.0, "os": "linux", "python": "3", "gpu": None,
                       "versions": {}}, "engine": {"3000": result}, "api": {}}
    write_report(run, report)
    text = report.read_text(encoding="utf-8")
    assert "## Targets" in text and "index memory per posting" in text and "| 3k |" in text
    report.write_text(text.replace("<!-- notes -->\n", "<!-- notes -->\nWhy the p99 is what it is.\n"))
    write_report(run, report)
    assert "Why the p99 is what it is." in report.read_text(encoding="utf-8")


def test_api_database_holds_current_vectors_for_every_record(anchors, tmp_path):
    """The service started on the benchmark database must find every vector current (same model, same text hash),
    or its start-up would embed the whole database again and the load test would measure that."""
    from sqlalchemy import select

    from bench.api_bench import prepare_database
    from matching.embedder import text_hash
    from service import db
    from service.facts import job_text, seeker_profile_text
    from service.models import Embedding, JobPosting, Seeker

    prep = prepare_database(var_dir=tmp_path / "api", n_jobs=400, n_seekers=40, anchors=anchors,
                            today=date(2026, 12, 2), seed=3, log=lambda _m: None)
    assert prep["postings"] == len(prep["job_ids"]) > 350 and prep["seekers"] == 40 and prep["token"]
    session = db.make_session_factory(db.make_engine(f"sqlite:///{tmp_path / 'api' / 'rengang.db'}"))()
    stored = {(e.kind, e.record_id): e for e in session.scalars(select(Embedding))}
    for kind, rows, text in (("job", session.scalars(select(JobPosting)).all(), job_text),
                             ("seeker", session.scalars(select(Seeker)).all(), seeker_profile_text)):
        assert rows
        for row in rows:
            e = stored[(kind, row.id)]
            assert e.model_id == anchors.model_id and e.text_hash == text_hash(text(row))
            vector = np.frombuffer(e.vector, dtype=np.float32)
            assert vector.shape == (anchors.job_vectors.shape[1],) and abs(float(vector @ vector) - 1.0) < 1e-4
    session.close()
