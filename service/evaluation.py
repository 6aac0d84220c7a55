"""``rengang eval matching``: labelled sets through the real pipeline (validation, storage, occupation coding,
embedding, index, filters, ranking) in a throw-away SQLite database, beside two baselines computed in the same run.

A set (``matching/data/eval/<name>/``, format in :func:`matching.metrics.load_matching_set`) holds postings,
stored seeker profiles, optionally free-text queries (``queries.jsonl``), and graded judgements. The service
answers stored profiles through :meth:`MatchingEngine.jobs_for_seeker` and free text through
:meth:`MatchingEngine.jobs_for_text` with a :class:`TextMatchRequest`, as the API does. The baselines
(:mod:`matching.baselines`: plain dense cosine with the service's own embedder over title + description +
requirements, and BM25 over the project's jieba tokens) rank only the postings the service's hard filters allow
for the same query and the same explicit filters (region scope, work types, salary floor, 包吃住, age, open
postings…), so the comparison measures ranking alone. What the service reads about the person from the words
(an age, schooling, a student's word for 见习岗位) widens the baselines' candidates as it widens the service's, so
they never lose a posting the service could show; whatever the reading narrows (a place, a pay floor, intents
said in the text) is the service's own work and is not handed to the baselines. ``ceiling`` ranks the baselines'
candidates perfectly: an upper bound for every system.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from matching import refdata
from matching.baselines import BM25Baseline, DenseBaseline
from matching.eligibility import eligible_job_rows
from matching.enums import Education, FlagStatus, Role
from matching.facts import SeekerFacts
from matching.identifiers import make_credit_code
from matching.metrics import evaluate, evaluate_by, load_matching_set, load_queries, ndcg_at_k
from matching.understand import understand
from service import db
from service.engine import JOB, MatchingEngine
from service.facts import seeker_facts, seeker_profile_text
from service.models import Seeker
from service.schemas import EmployerCreate, JobCreate, MatchFiltersIn, RegionScopeIn, SeekerCreate, TextMatchRequest
from service.security import PiiCipher, Principal
from service.settings import Settings
from service.usecases import employers, jobs, seekers
from service.usecases.common import Context

JOB_FIELDS = set(JobCreate.model_fields) - {"employer_id"}
SEEKER_FIELDS = set(SeekerCreate.model_fields)
QUERY_FIELDS = set(TextMatchRequest.model_fields)
SYSTEMS = ("service", "dense", "bm25")
CEILING = "ceiling"  # a perfect ranker over the same candidates: what the hard filters leave reachable
PROFILE = "profile"  # the category of a stored seeker without one of its own

SETS_DIR = Path(__file__).resolve().parents[1] / "matching" / "data" / "eval"
SETS = ("matching_dev", "realistic")


@dataclass
class MatchingEvaluation:
    """One set's figures. ``metrics`` is the service's (hit@1/5/10, P@5, MRR, nDCG@10); ``systems`` holds the same
    for every system and for ``ceiling`` (a perfect ranking of the candidates the hard filters leave, so a low
    ceiling says the filters, not the ranking, lose the relevant postings); ``by_category`` nDCG@10 per query
    category and system; ``runs`` the ranked posting ids."""

    name: str
    metrics: dict[str, float]
    postings: int
    seekers: int
    judged: int
    queries: int = 0
    systems: dict[str, dict[str, float]] = field(default_factory=dict)
    by_category: dict[str, dict[str, float]] = field(default_factory=dict)
    category_sizes: dict[str, int] = field(default_factory=dict)
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)  # ask id → system → nDCG@10
    runs: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    candidates: dict[str, list[str]] = field(default_factory=dict)  # ask id → postings the hard filters allow

    def as_dict(self, *, with_runs: bool = False) -> dict[str, Any]:
        out = asdict(self)
        if not with_runs:
            out.pop("runs")
            out.pop("candidates")
        return out


def precision_at(run: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int = 5, min_grade: int = 2) -> float:
    """Mean share of the first ``k`` results with grade ≥ ``min_grade`` (a short list counts its gaps as misses)."""
    queries = [q for q, judged in qrels.items() if any(g >= 1 for g in judged.values())]
    if not queries:
        return 0.0
    return sum(sum(qrels[q].get(d, 0) >= min_grade for d in run.get(q, [])[:k]) / k for q in queries) / len(queries)


def evaluate_matching(directory: Path, *, settings: Settings, k: int = 10, embedder=None,
                      only: Collection[str] | None = None, posting_ids: Collection[str] | None = None,
                      name: str | None = None) -> MatchingEvaluation:
    """The service, dense and BM25 on one set. ``only`` keeps those query/seeker ids; ``posting_ids`` keeps those
    postings (a quick slice: judged postings left out still count in the ideal ranking, so scores can only drop);
    ``embedder`` reuses a loaded model (tests)."""
    postings, people, qrels = load_matching_set(directory)
    queries = load_queries(directory)
    if posting_ids is not None:
        keep_postings = {str(i) for i in posting_ids}
        postings = {i: p for i, p in postings.items() if i in keep_postings}
    if only is not None:
        keep = {str(i) for i in only}
        people = {i: p for i, p in people.items() if i in keep}
        queries = {i: q for i, q in queries.items() if i in keep}
    with tempfile.TemporaryDirectory(prefix="rengang-eval-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        db.upgrade(url)
        session_factory = db.make_session_factory(db.make_engine(url))
        eval_settings = settings.model_copy(update={"var_dir": Path(tmp), "database_url": url,
                                                    "models_dir": settings.resolved_models_dir,
                                                    "index_dir": Path(tmp) / "indexes", "embed_in_process": True})
        rng = np.random.default_rng(0)
        today = datetime.now(UTC).date()
        with session_factory() as session:
            ctx = Context(session=session, principal=Principal(key_id="eval", role=Role.admin),
                          cipher=PiiCipher(b"evaluation-only-secret-key-0123456789"))
            job_ids = _insert_postings(ctx, postings, rng, today)
            seeker_ids = _insert_seekers(ctx, people)
        engine = MatchingEngine(settings=eval_settings, session_factory=session_factory, embedder=embedder)
        engine.start(follow=True)
        try:
            engine.settle(timeout=1800)
            runs, allowed = _run_all(engine, session_factory, postings, job_ids, people, seeker_ids, queries, k)
        finally:
            engine.close()
    asked = set(people) | set(queries)
    judged = {q: grades for q, grades in qrels.items() if q in asked}
    categories = {i: str(p.get("category") or PROFILE) for i, p in people.items()}
    categories |= {i: str(q.get("category") or "other") for i, q in queries.items()}
    runs[CEILING] = {q: sorted(ids, key=lambda d: (-qrels.get(q, {}).get(d, 0), d))[:k] for q, ids in allowed.items()}
    systems = {}
    by_category: dict[str, dict[str, float]] = {}
    sizes: dict[str, int] = {}
    for system, run in runs.items():
        figures = evaluate(run, judged)
        figures["p@5"] = precision_at(run, judged, 5)
        systems[system] = figures
        for category, row in evaluate_by(run, judged, categories).items():
            by_category.setdefault(category, {})[system] = row["ndcg@10"]
            sizes[category] = int(row["queries"])
    per_query = {q: {system: ndcg_at_k(run.get(q, []), grades, 10) for system, run in runs.items()}
                 for q, grades in sorted(judged.items())}
    return MatchingEvaluation(name=name or Path(directory).name, metrics=systems["service"], postings=len(job_ids),
                              seekers=len(seeker_ids), judged=len(judged), queries=len(queries), systems=systems,
                              by_category=by_category, category_sizes=sizes, per_query=per_query, runs=runs,
                              candidates={q: sorted(ids) for q, ids in allowed.items()})


def _run_all(engine: MatchingEngine, session_factory, postings: dict[str, dict], job_ids: dict[str, int],
             people: dict[str, dict], seeker_ids: dict[str, int], queries: dict[str, dict],
             k: int) -> tuple[dict[str, dict[str, list[str]]], dict[str, set[str]]]:
    """(each system's ranked set ids per ask, the set ids the hard filters allow per ask)."""
    back = {v: key for key, v in job_ids.items()}
    order = list(job_ids)
    texts = [_posting_text(postings[i]) for i in order]
    dense = DenseBaseline(order, engine.embedder.encode_documents(texts))
    bm25 = BM25Baseline(engine.lexicon, order, texts)
    runs: dict[str, dict[str, list[str]]] = {s: {} for s in SYSTEMS}
    candidates: dict[str, set[str]] = {}

    def baselines(asked: str, text: str, vector: np.ndarray, allowed: set[str]) -> None:
        candidates[asked] = allowed
        runs["dense"][asked] = dense.rank(vector, allowed=allowed, k=k)
        runs["bm25"][asked] = bm25.rank(text, allowed=allowed, k=k)

    anywhere = MatchFiltersIn(scope=RegionScopeIn.anywhere)
    with session_factory() as session:
        for set_id, db_id in seeker_ids.items():
            seeker = session.get(Seeker, db_id)
            result = engine.jobs_for_seeker(session, seeker, filters=anywhere, k=k, scope_prefix=None)
            runs["service"][set_id] = _shown(result.results, back, k)
            text = seeker_profile_text(seeker)
            allowed = _allowed(engine, seeker_facts(seeker), anywhere, back)
            baselines(set_id, text, engine.embedder.encode_queries([text])[0], allowed)
    for query_id, q in queries.items():
        request = TextMatchRequest.model_validate({key: v for key, v in q.items() if key in QUERY_FIELDS} | {"k": k})
        result = engine.jobs_for_text(None, request, scope_prefix=None)
        runs["service"][query_id] = _shown(result.results, back, k)
        facts, filters, unstated = _text_query(request, engine.today())
        allowed = _allowed(engine, facts, filters, back, unstated)
        # What the service reads about the person (an age, schooling, being a student) may make more postings
        # eligible (见习岗位 on a student's word); the baselines get those too, never a narrowing the reading brings.
        read, read_unstated, declared = _read_asker(request, engine.today())
        if read is not None:
            allowed |= _allowed(engine, read, filters, back, read_unstated, internship_declared=declared)
        baselines(query_id, request.text, engine.embedder.encode_queries([request.text])[0], allowed)
    return runs, candidates


def _shown(results, back: dict[int, str], k: int) -> list[str]:
    """The service's list as a person reads it: each result, then the postings folded under it ("另有N个相似岗位":
    the same posting published again by other employers or again by its own), cut at k."""
    return [back[i] for r in results for i in (r.id, *r.similar)][:k]


def _posting_text(p: dict) -> str:
    """What the dense and BM25 baselines see of a posting: title, description, requirements, in that order."""
    return "\n".join(part for part in (p.get("title", ""), p.get("description", ""), p.get("requirements", "")) if part)


def _text_query(request: TextMatchRequest, today: date) -> tuple[SeekerFacts, MatchFiltersIn, frozenset[str]]:
    """The asker and filters of a free-text request as :meth:`MatchingEngine.jobs_for_text` builds them from the
    request's explicit fields (nothing inferred from the text), and the facts the request does not give."""
    birth = date(today.year - request.age, today.month, min(today.day, 28)) if request.age else None
    centroid = refdata.county_centroid(request.region_code) if request.region_code else None
    facts = SeekerFacts(id=0, birth_date=birth, education=request.education or max(Education, key=lambda e: e.rank),
                        graduation_date=None, region_code=request.region_code or "",
                        lat=centroid[0] if centroid else None, lon=centroid[1] if centroid else None,
                        skills=tuple(request.skills), desired_salary_min=request.salary_floor,
                        willing_to_relocate=request.region_code is None)
    filters: MatchFiltersIn = request
    if request.scope is RegionScopeIn.desired:
        filters = request.model_copy(update={"scope": RegionScopeIn.city if request.region_code
                                             else RegionScopeIn.anywhere})
    unstated = frozenset(name for name, given in (("education", request.education), ("age", request.age))
                         if given is None)
    return facts, filters, unstated


def _read_asker(request: TextMatchRequest, today: date) -> tuple[SeekerFacts | None, frozenset[str], bool]:
    """The asker's eligibility facts as :meth:`MatchingEngine.jobs_for_text` reads them from the words (age,
    schooling, a student's word for 见习岗位), the request's own fields first; None if the words say none of these."""
    said = understand(request.text)
    age = request.age or said.age
    education = request.education or said.education
    declared = bool(said.student or (age is not None and 16 <= age <= 24))
    if (age, education, declared) == (request.age, request.education, False):
        return None, frozenset(), False
    facts, _, _ = _text_query(request.model_copy(update={"age": age, "education": education}), today)
    unstated = frozenset(name for name, given in (("education", education), ("age", age)) if given is None)
    return facts, unstated, declared


def _allowed(engine: MatchingEngine, facts: SeekerFacts, filters: MatchFiltersIn, back: dict[int, str],
             unstated: frozenset[str] = frozenset(), *, internship_declared: bool = False) -> set[str]:
    """The set ids of the postings the service's hard filters leave for this asker and these filters (the engine's
    own filter options; facts the asker did not give are left unfiltered where the engine's options say so)."""
    if filters.salary_floor is not None:
        facts = replace(facts, desired_salary_min=filters.salary_floor)
    if filters.region_code and not facts.region_code:
        facts = replace(facts, region_code=filters.region_code)
    options = engine._options(filters)
    known = {f.name for f in dataclass_fields(options)}
    if unstated and "unstated" in known:
        options = replace(options, unstated=unstated)
    if internship_declared and "internship_declared" in known:
        options = replace(options, internship_declared=True)
    view = engine.replica.views[JOB]
    rows = eligible_job_rows(view.columns, facts, options, engine.today())
    return {back[int(i)] for i in np.asarray(view.columns.ids)[rows] if int(i) in back}


def _insert_postings(ctx: Context, postings: dict[str, dict], rng, today) -> dict[str, int]:
    employer_ids: dict[str, int] = {}
    seen: set[tuple[str, str, str]] = set()
    out = {}
    for set_id, p in postings.items():
        name = p.get("employer_name") or "评测用人单位"
        if name not in employer_ids:
            data = EmployerCreate(name=name, credit_code=make_credit_code(rng, p["region_code"]), industry_code="O",
                                  size_class="small", region_code=p["region_code"])
            employer_ids[name] = employers.create(ctx, data=data).id
        fields = {key: v for key, v in p.items() if key in JOB_FIELDS}
        fields["valid_until"] = (today + timedelta(days=30)).isoformat()  # the set's dates are fixed; keep it open
        key = (name, fields.get("title", ""), fields.get("description", ""))
        if key in seen:  # the service refuses one employer's identical posting twice; mark the copy as a copy
            fields["description"] = fields.get("description", "") + f"\n（评测 {set_id}）"
        seen.add(key)
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


def set_directory(name: str) -> Path:
    """A shipped set's directory by name (``matching_dev``, ``realistic``)."""
    if name not in SETS:
        raise ValueError(f"unknown set {name!r}; known: {', '.join(SETS)}")
    return SETS_DIR / name
