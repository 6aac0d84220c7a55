"""``rengang eval matching DIR``: a labelled set through the real pipeline (validation, storage,
occupation coding, embedding, index, filters, ranking) in a throw-away SQLite database."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from matching.identifiers import make_credit_code
from matching.metrics import evaluate, load_matching_set
from matching.enums import FlagStatus, Role
from service import db
from service.engine import MatchingEngine
from service.models import Seeker
from service.schemas import EmployerCreate, JobCreate, MatchFiltersIn, RegionScopeIn, SeekerCreate
from service.security import PiiCipher, Principal
from service.settings import Settings
from service.usecases import employers, jobs, seekers
from service.usecases.common import Context

JOB_FIELDS = set(JobCreate.model_fields) - {"employer_id"}
SEEKER_FIELDS = set(SeekerCreate.model_fields)


@dataclass
class MatchingEvaluation:
    metrics: dict[str, float]
    postings: int
    seekers: int
    judged: int


def evaluate_matching(directory: Path, *, settings: Settings, k: int = 10, embedder=None) -> MatchingEvaluation:
    postings, people, qrels = load_matching_set(directory)
    with tempfile.TemporaryDirectory(prefix="rengang-eval-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        db.upgrade(url)
        session_factory = db.make_session_factory(db.make_engine(url))
        eval_settings = settings.model_copy(update={"var_dir": Path(tmp), "database_url": url,
                                                    "models_dir": settings.resolved_models_dir,
                                                    "index_dir": Path(tmp) / "indexes"})
        rng = np.random.default_rng(0)
        today = datetime.now(UTC).date()
        with session_factory() as session:
            ctx = Context(session=session, principal=Principal(key_id="eval", role=Role.admin),
                          cipher=PiiCipher(b"evaluation-only-secret-key-0123456789"))
            job_ids = _insert_postings(ctx, postings, rng, today)
            seeker_ids = _insert_seekers(ctx, people)
        engine = MatchingEngine(settings=eval_settings, session_factory=session_factory, embedder=embedder)
        engine.start()
        back = {v: key for key, v in job_ids.items()}
        run: dict[str, list[str]] = {}
        with session_factory() as session:
            for set_id, db_id in seeker_ids.items():
                seeker = session.get(Seeker, db_id)
                result = engine.jobs_for_seeker(session, seeker, filters=MatchFiltersIn(scope=RegionScopeIn.anywhere),
                                                k=k, scope_prefix=None)
                run[set_id] = [back[r.id] for r in result.results]
    judged = {sid: grades for sid, grades in qrels.items() if sid in run}
    return MatchingEvaluation(evaluate(run, judged), len(job_ids), len(seeker_ids), len(judged))


def _insert_postings(ctx: Context, postings: dict[str, dict], rng, today) -> dict[str, int]:
    employer_ids: dict[str, int] = {}
    out = {}
    for set_id, p in postings.items():
        name = p.get("employer_name") or "评测用人单位"
        if name not in employer_ids:
            data = EmployerCreate(name=name, credit_code=make_credit_code(rng, p["region_code"]), industry_code="O",
                                  size_class="small", region_code=p["region_code"])
            employer_ids[name] = employers.create(ctx, data=data).id
        fields = {key: v for key, v in p.items() if key in JOB_FIELDS}
        fields["valid_until"] = (today + timedelta(days=30)).isoformat()  # the set's dates are fixed; keep it open
        fields["description"] = fields.get("description", "") + f"\n（评测 {set_id}）"  # distinct per employer
        out[set_id] = jobs.create(ctx, data=JobCreate.model_validate(fields | {"employer_id": employer_ids[name]})).id
    return out


def _insert_seekers(ctx: Context, people: dict[str, dict]) -> dict[str, int]:
    out = {}
    for set_id, p in people.items():
        fields = {key: v for key, v in p.items() if key in SEEKER_FIELDS}
        flags = fields.pop("flags", []) or []
        declared = [{"kind": f["kind"]} for f in flags]
        statuses = [{"status": f.get("status", FlagStatus.verified.value)} for f in flags]
        data = SeekerCreate.model_validate(fields | {"flags": declared})
        out[set_id] = seekers.create(ctx, data=data, flag_statuses=statuses).id
    return out
