"""The service end to end at one size: a real database, the real ``rengang serve`` process, HTTP on loopback.

Steps: generate employers, postings and seekers (:func:`matching.demo.generate_demo`) and insert them through
the use-cases (postings through the bulk path, timed: that is the bulk import without embedding); store each
posting's and seeker's vector with its text and hash, as an embedding worker does, and empty ``embed_queue``
(the write hook queued every record; what was stored is exactly what a worker would store); save index
snapshots as ``rengang index rebuild`` does; start ``rengang serve --workers 1 --embed-workers 1`` and time it
until ``/readyz`` is all ``ok`` (mapping the snapshots, loading the filter columns); then drive it with
:func:`bench.load.run_load` — jobs for a stored seeker, candidates for a posting, an ad-hoc text match
(encoding the query), and ingest: single ``POST /jobs`` and ``POST /jobs/bulk``, which answer once the
postings are committed (``"matching": "pending"``); the embedding worker embeds them afterwards.

Vectors: a posting's (a seeker's) vector is an anchor posting's (seeker's) real vector of the same occupation,
embedded once per model by :func:`bench.data.load_anchors`, moved by covariance-shaped noise (:mod:`bench.data`),
stored with the record's own text and hash, so the engine treats it as current. Embedding tens of thousands of
texts again would measure the model, which the ingest scenarios here and :mod:`bench.embedding` already do.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select

from bench.data import Anchors, _covariance_noise, _noise_scale, _unit
from bench.load import run_load, start_service, stop_service
from matching.demo import generate_demo
from matching.embedder import text_hash
from matching.enums import Role
from service import db
from service import repository as repo
from service import repository_changes as repo_changes
from service.errors import Conflict
from service.facts import job_text, seeker_profile_text
from service.models import EmbedQueue, JobPosting, Seeker
from service.replica import Replica
from service.schemas import EmployerCreate, JobCreate, SeekerCreate
from service.security import PiiCipher, Principal
from service.settings import Settings
from service.usecases import employers, jobs, seekers
from service.usecases.common import Context
from service.usecases.keys import create_key

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnop"


def _rss_of(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def prepare_database(*, var_dir: Path, n_jobs: int, n_seekers: int, anchors: Anchors, today: date, seed: int,
                     log, database_url: str = "") -> dict[str, Any]:
    """A fresh database (SQLite under ``var_dir``, or the empty one at ``database_url``) with stored vectors, an
    empty embedding queue and index snapshots under ``var_dir/indexes``; returns timings and the app key."""
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    settings = Settings(env="test", var_dir=var_dir, secret_key=SECRET, database_url=database_url)
    url = settings.resolved_database_url
    db.upgrade(url)
    factory = db.make_session_factory(db.make_engine(url))
    session = factory()
    ctx = Context(session=session, principal=Principal(key_id="bench", role=Role.admin),
                  cipher=PiiCipher(settings.secret()))
    out: dict[str, Any] = {}
    demo = generate_demo(np.random.default_rng(seed), n_employers=max(50, n_jobs // 50), n_jobs=n_jobs,
                         n_seekers=n_seekers, today=today)
    employer_ids = [employers.create(ctx, data=EmployerCreate.model_validate(
        {k: v for k, v in e.items() if k != "is_demo"}), is_demo=True).id for e in demo.employers]

    log(f"  inserting {n_jobs:,} postings through the bulk use-case")
    started, inserted = time.perf_counter(), 0
    for start in range(0, len(demo.jobs), 1000):
        batch, seen = [], set()
        for payload in demo.jobs[start:start + 1000]:
            data = JobCreate.model_validate({k: v for k, v in payload.items() if k not in ("is_demo", "employer_index")}
                                            | {"employer_id": employer_ids[payload["employer_index"]]})
            key = (data.employer_id, data.title, data.description)
            if key not in seen:  # the generator may repeat a posting for one employer; the API would refuse it
                seen.add(key)
                batch.append(data)
        try:
            inserted += len(jobs.create_many(ctx, items=batch, is_demo=True))
        except Conflict:  # a repeat across batches: insert the rest one by one
            for data in batch:
                try:
                    jobs.create(ctx, data=data, is_demo=True)
                    inserted += 1
                except Conflict:
                    continue
    out["bulk_insert_postings_per_s"] = round(inserted / (time.perf_counter() - started), 1)
    out["postings"] = inserted

    started = time.perf_counter()
    for payload in demo.seekers:
        fields = {k: v for k, v in payload.items() if k not in ("is_demo", "flags")}
        seekers.create(ctx, data=SeekerCreate.model_validate(fields | {"flags": []}), is_demo=True)
    out["seekers"] = len(demo.seekers)
    out["seeker_insert_s"] = round(time.perf_counter() - started, 1)

    log("  storing vectors shaped after the anchors")
    started = time.perf_counter()
    rows = list(session.scalars(select(JobPosting).order_by(JobPosting.id)))
    texts = [job_text(j) for j in rows]
    rng = np.random.default_rng(seed)
    vectors = _vectors_like(anchors.job_vectors, [a.get("occupation_code") for a in anchors.jobs],
                            [j.occupation_code for j in rows], rng)
    for start in range(0, len(rows), 5000):
        part = slice(start, start + 5000)
        repo.upsert_embeddings(session, kind="job", model_id=anchors.model_id, ids=[j.id for j in rows[part]],
                               hashes=[text_hash(t) for t in texts[part]], vectors=vectors[part], texts=texts[part])
        session.commit()
    people = list(session.scalars(select(Seeker).order_by(Seeker.id)))
    seeker_texts = [seeker_profile_text(s) for s in people]
    repo.upsert_embeddings(session, kind="seeker", model_id=anchors.model_id, ids=[s.id for s in people],
                           hashes=[text_hash(t) for t in seeker_texts], texts=seeker_texts,
                           vectors=_vectors_like(anchors.seeker_vectors, anchors.seeker_occupation_codes,
                                                 demo.seeker_occupation_codes, rng))
    # Every record was queued for embedding by the write hook; each now has the vector of its current text,
    # which is what a worker would store, so the queue is done. Checked, not assumed: nothing is left behind
    # that has no vector.
    queued = session.scalar(select(func.count()).select_from(EmbedQueue))
    session.execute(delete(EmbedQueue))
    vectorless = sum(len(repo_changes.records_without_vectors(session, kind=kind, model_id=anchors.model_id))
                     for kind in ("job", "seeker"))
    if vectorless:
        session.rollback()
        raise RuntimeError(f"{vectorless} records have no stored vector; the queue must stay")
    session.commit()
    out["queue_rows_cleared"] = queued
    out["vectors_s"] = round(time.perf_counter() - started, 1)

    log("  saving index snapshots (as `rengang index rebuild` does)")
    started = time.perf_counter()
    dim = int(anchors.job_vectors.shape[1])
    replica = Replica(settings=settings, session_factory=factory, model_id=anchors.model_id, dim=dim)
    out["snapshots"] = {}
    for kind in ("job", "seeker"):
        base = replica.build_base(kind)
        replica.save_base(kind, base)
        out["snapshots"][kind] = {"vectors": len(base.index), "spec": base.index.spec.describe(), "seq": base.seq}
    out["snapshot_s"] = round(time.perf_counter() - started, 1)
    _key, token = create_key(session, role=Role.app, name="bench")
    session.commit()
    out["token"] = token
    out["job_ids"] = [j.id for j in rows]
    out["seeker_ids"] = [s.id for s in people]
    out["consenting_seekers"] = sum(1 for s in people if s.consent_to_share)
    out["employer_ids"] = employer_ids
    out["ingest_payloads"] = [{k: v for k, v in p.items() if k not in ("is_demo", "employer_index")}
                              | {"employer_id": employer_ids[p["employer_index"]]} for p in demo.jobs[:2000]]
    session.close()
    return out


def _vectors_like(real: np.ndarray, real_codes: list[str | None], codes: list[str | None],
                  rng: np.random.Generator) -> np.ndarray:
    """One vector per code: a real (anchor) vector of the same occupation, else any, moved by covariance-shaped
    noise as far as real neighbours lie apart (as in :mod:`bench.data`)."""
    by_occupation: dict[str | None, list[int]] = defaultdict(list)
    for i, code in enumerate(real_codes):
        by_occupation[code].append(i)
    pools = {code: np.array(members) for code, members in by_occupation.items()}
    everyone = np.arange(len(real))
    picks = np.array([(pool := pools.get(code, everyone))[rng.integers(len(pool))] for code in codes], dtype=np.int64)
    sims = real @ real.T
    np.fill_diagonal(sims, -1.0)
    scale = _noise_scale(real, float(np.median(sims.max(axis=1))), rng)
    return _unit(real[picks] + scale * _covariance_noise(real, len(picks), rng))


def _fresh_postings(payloads: list[dict[str, Any]], count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` postings made from the payloads (cycled), each new (its own title suffix and description line),
    so the duplicate check lets every one in: the load generator never repeats a posting."""
    out = []
    for i in range(count):
        p = payloads[i % len(payloads)]
        out.append(p | {"title": f"{p['title'][:80]}（{tag}{i}）", "description": f"{p.get('description') or ''} 批次{tag}{i}"})
    return out


def run_api_scenario(*, n: int, workdir: Path, anchors: Anchors, models_dir: Path, today: date,
                     precision: str | None = None, n_seekers: int = 2000,
                     duration_s: float = 60.0, short_s: float = 20.0, concurrency: int = 32, port: int = 8765,
                     seed: int = 11, log=print) -> dict[str, Any]:
    var_dir = workdir / f"api-{n}"
    log(f"[API {n:,}] preparing the database")
    prep = prepare_database(var_dir=var_dir, n_jobs=n, n_seekers=n_seekers, anchors=anchors, today=today,
                            seed=seed, log=log)
    token = prep.pop("token")
    job_ids, seeker_ids = prep.pop("job_ids"), prep.pop("seeker_ids")
    payloads = prep.pop("ingest_payloads")
    prep.pop("employer_ids")
    env = {"RENGANG_VAR_DIR": str(var_dir), "RENGANG_SECRET_KEY": SECRET, "RENGANG_MODELS_DIR": str(models_dir),
           "RENGANG_LOG_LEVEL": "warning", "RENGANG_RATE_LIMIT_ENABLED": "false"}  # one key, flat out, on purpose
    if precision:
        env["RENGANG_MODEL_PRECISION"] = precision
    log(f"[API {n:,}] starting the service")
    started = time.perf_counter()
    service = start_service(env=env, port=port, log_path=var_dir / "service.log", workers=1, embed_workers=1)
    out: dict[str, Any] = {"n": n, "database": prep, "startup_s": round(time.perf_counter() - started, 1),
                           "topology": {"workers": 1, "embed_workers": 1, "embedding": "worker"}}
    try:
        out["service_rss_mb"] = round(_rss_of(service.pid) / 2**20, 1)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        rng = np.random.default_rng(seed)
        seekers_q = [("GET", f"/api/v1/seekers/{i}/matches?k=10", None)
                     for i in rng.choice(seeker_ids, min(500, len(seeker_ids)), replace=False).tolist()]
        jobs_q = [("GET", f"/api/v1/jobs/{i}/matches?k=10", None)
                  for i in rng.choice(job_ids, 500, replace=False).tolist()]
        texts = ["以前在小区做保洁，想找离家近的活", "会开叉车，有叉车证，想找仓库的工作", "想做电商直播带货",
                 "护工，照顾过老人，有证", "应届毕业生，会计专业，想找财务助理", "电焊工十年，能吃苦"]
        text_q = [("POST", "/api/v1/matches/jobs", {"text": t, "k": 10}) for t in texts]
        log(f"[API {n:,}] jobs for a seeker: {concurrency} clients for {duration_s:.0f} s")
        out["jobs_for_seeker"] = run_load(base_url=base, requests=seekers_q, concurrency=concurrency,
                                          duration_s=duration_s, headers=headers)
        log(f"[API {n:,}] candidates for a posting")
        out["candidates_for_job"] = run_load(base_url=base, requests=jobs_q, concurrency=concurrency,
                                             duration_s=short_s, headers=headers)
        log(f"[API {n:,}] ad-hoc text match")
        out["text_match"] = run_load(base_url=base, requests=text_q, concurrency=concurrency, duration_s=short_s,
                                     headers=headers)
        log(f"[API {n:,}] ingest: single postings, then bulk")
        singles = [("POST", "/api/v1/jobs", p) for p in _fresh_postings(payloads, 20_000, "s")]
        out["ingest_single"] = run_load(base_url=base, requests=singles, concurrency=8, duration_s=short_s,
                                        headers=headers, warmup_s=2.0)
        out["ingest_single"]["postings_per_s"] = out["ingest_single"]["requests_per_s"]
        fresh = _fresh_postings(payloads, 40_000, "b")
        bulk = [("POST", "/api/v1/jobs/bulk", {"items": fresh[i:i + 500]}) for i in range(0, len(fresh), 500)]
        out["ingest_bulk"] = run_load(base_url=base, requests=bulk, concurrency=1, duration_s=short_s * 2,
                                      headers=headers, warmup_s=0.0, timeout_s=300)
        # One client, one request at a time: postings per second of the requests themselves (a window that
        # ends mid-request would count a 35-s request as half done or not at all).
        bulk_done = out["ingest_bulk"]
        out["ingest_bulk"]["postings_per_s"] = (round(500 * 1000 / bulk_done["latency_ms"]["mean"], 1)
                                                if bulk_done["ok"] else None)
        out["service_rss_mb_after"] = round(_rss_of(service.pid) / 2**20, 1)
    finally:
        stop_service(service)
    for result in out.values():
        if isinstance(result, dict):
            result.pop("error_samples", None) if not result.get("non_2xx") and not result.get("transport_errors") else None
    if os.environ.get("RENGANG_BENCH_KEEP") != "1":
        shutil.rmtree(var_dir, ignore_errors=True)
    return json.loads(json.dumps(out, default=str))
