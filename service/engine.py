"""The matching engine inside the service: embeddings kept in step with the database, FAISS
indexes and filter columns in memory, and the three matching queries.

The database is the source of truth. Vectors are stored with the model id and the hash of the text
they came from, so a restart rebuilds the indexes without re-embedding and re-embeds only records
whose text changed (or everything, after a model change). Writes through the API call
``jobs_changed`` / ``seekers_changed`` after their commit; a crash between the two is repaired by
``sync`` at the next start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from indexes.vector_index import IndexError_, VectorIndex, choose_spec, reconcile
from matching import refdata, scoring
from matching.embedder import Embedder, load_embedder, text_hash
from matching.enums import FLAG_LABELS, WORK_TYPE_LABELS, WorkType
from matching.lexical import CharNgramScorer, Lexicon, default_lexicon
from matching.occupations import OccupationCoder
from matching.scoring import JobTable, MatchFilters, PriorityPolicy, SeekerFacts, Weights
from service import repository as repo
from service.facts import job_facts, job_text, occupation_label, seeker_facts, seeker_profile_text
from service.models import JobPosting, Seeker
from service.presenters import job_out, seeker_out
from service.schemas import MatchComponent, MatchFiltersIn, MatchItem, MatchList, TextMatchRequest
from service.settings import Settings

log = logging.getLogger("rengang.engine")

JOB, SEEKER = "job", "seeker"


@dataclass
class SyncReport:
    kind: str
    records: int
    embedded: int
    indexed: int
    removed: int
    seconds: float


class MatchingEngine:
    """Owns the embedder, the occupation coder and the two indexes; safe for concurrent reads."""

    def __init__(self, *, settings: Settings, session_factory: sessionmaker[Session],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), embedder: Embedder | None = None):
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock
        self.embedder = embedder
        self.lexicon: Lexicon = default_lexicon()
        self.coder: OccupationCoder | None = None
        self._write_lock = threading.Lock()
        self._ready = False
        self.policy = PriorityPolicy.load(settings.policy_file) if settings.policy_file else PriorityPolicy.load()
        self.weights = Weights()
        self.jobs_index: VectorIndex | None = None
        self.seekers_index: VectorIndex | None = None
        self.job_table = JobTable()
        self._pending: tuple[set[int], set[int]] = (set(), set())
        self.last_sync: list[SyncReport] = []

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, *, show_progress: bool = False, rebuild: bool = False) -> None:
        if self.embedder is None:
            self.embedder = load_embedder(self.settings.model, models_dir=self.settings.resolved_models_dir,
                                          threads=self.settings.threads)
        self.coder = OccupationCoder.with_embedder(self.embedder, lexicon=self.lexicon,
                                                   cache_dir=self.settings.resolved_models_dir / "cache")
        self.sync(show_progress=show_progress, rebuild=rebuild)
        with self._write_lock:
            self._ready = True
            jobs, seekers = self._pending
            self._pending = (set(), set())
        if jobs:  # writes that arrived while the first sync ran
            self.jobs_changed(sorted(jobs))
        if seekers:
            self.seekers_changed(sorted(seekers))

    def readiness(self) -> str:
        return "ok" if self._ready else "loading"

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def index_dir(self) -> Path:
        return self.settings.resolved_index_dir

    # --- keeping vectors in step with the database --------------------------------------------

    def _assign_occupations(self, session: Session, jobs: Sequence[JobPosting], seekers: Sequence[Seeker]) -> None:
        """Code postings without an occupation, and seekers' desired occupations, to 大典 细类."""
        todo = [j for j in jobs if not j.occupation_code]
        if todo:
            hits = self.coder.code_many([j.title for j in todo], [j.description or "" for j in todo], k=1)
            for job, best in zip(todo, hits, strict=True):
                if best:
                    job.occupation_code, job.occupation_auto = best[0].code, True
        for seeker in seekers:
            names = list(seeker.desired_occupations or ())
            if names and not seeker.desired_occupation_codes:
                codes = [h[0].code for h in self.coder.code_many(names, k=1) if h]
                seeker.desired_occupation_codes = list(dict.fromkeys(codes))

    def _embed_stale(self, session: Session, kind: str, ids: Sequence[int], texts: Sequence[str],
                     *, show_progress: bool) -> int:
        """Embed the records whose stored vector is missing or came from other text; return how many."""
        stored = repo.embedding_hashes(session, kind=kind, model_id=self.model_id)
        hashes = [text_hash(t) for t in texts]
        todo = [i for i, (rid, h) in enumerate(zip(ids, hashes, strict=True)) if stored.get(rid) != h]
        encode = self.embedder.encode_documents if kind == JOB else self.embedder.encode_queries
        label = "嵌入岗位" if kind == JOB else "嵌入求职者"
        with tqdm(total=len(todo), desc=label, unit="条", disable=not show_progress or not todo) as bar:
            for start in range(0, len(todo), 256):  # commit as we go: an interrupted run keeps its work
                chunk = todo[start:start + 256]
                vectors = encode([texts[i] for i in chunk])
                repo.upsert_embeddings(session, kind=kind, model_id=self.model_id, ids=[ids[i] for i in chunk],
                                       hashes=[hashes[i] for i in chunk], vectors=vectors)
                session.commit()
                bar.update(len(chunk))
        return len(todo)

    # --- sync ---------------------------------------------------------------------------------

    def sync(self, *, show_progress: bool = False, rebuild: bool = False) -> list[SyncReport]:
        """Bring stored vectors, indexes and filter columns in line with the database."""
        with self._write_lock, self.session_factory() as session:
            reports = [self._sync_jobs(session, show_progress, rebuild), self._sync_seekers(session, show_progress, rebuild)]
        self.last_sync = reports
        return reports

    def _sync_jobs(self, session: Session, show_progress: bool, rebuild: bool) -> SyncReport:
        started = time.perf_counter()
        jobs = repo.all_jobs(session)
        self._assign_occupations(session, jobs, ())
        session.commit()
        ids = [j.id for j in jobs]
        embedded = self._embed_stale(session, JOB, ids, [job_text(j) for j in jobs], show_progress=show_progress)
        today = self.today()
        live = [j for j in jobs if _is_live(j, today)]
        self._load_jobs(session, live, rebuild=rebuild)
        return SyncReport(JOB, len(jobs), embedded, len(live), len(jobs) - len(live), time.perf_counter() - started)

    def _sync_seekers(self, session: Session, show_progress: bool, rebuild: bool) -> SyncReport:
        started = time.perf_counter()
        seekers = repo.all_seekers(session)
        self._assign_occupations(session, (), seekers)
        session.commit()
        ids = [s.id for s in seekers]
        embedded = self._embed_stale(session, SEEKER, ids, [seeker_profile_text(s) for s in seekers],
                                     show_progress=show_progress)
        shown = [s for s in seekers if s.consent_to_share]
        self._load_seekers(session, shown, rebuild=rebuild)
        return SyncReport(SEEKER, len(seekers), embedded, len(shown), len(seekers) - len(shown),
                          time.perf_counter() - started)


    # --- indexes ------------------------------------------------------------------------------

    def _manifest(self) -> dict:
        return {"model_id": self.model_id, "dim": self.embedder.dim}

    def _load_or_new(self, kind: str, n: int, rebuild: bool) -> VectorIndex:
        if not rebuild:
            try:
                return VectorIndex.load(self.index_dir / kind, expect=self._manifest())[0]
            except IndexError_ as e:
                log.info("building the %s index afresh: %s", kind, e)
        return VectorIndex(self.embedder.dim, choose_spec(n, flat_threshold=self.settings.flat_threshold))

    def _apply(self, session: Session, index: VectorIndex, kind: str, wanted: dict[int, str]) -> None:
        """Make ``index`` hold exactly ``wanted`` (id → text hash) from stored vectors, then save it."""
        to_add, to_remove = reconcile(wanted, index.hashes)
        index.remove(to_remove)
        for start in range(0, len(to_add), 5000):
            ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id,
                                                          ids=to_add[start:start + 5000])
            index.add(ids, vectors, hashes)
        if to_add or to_remove or not (self.index_dir / kind).exists():
            index.save(self.index_dir / kind, {**self._manifest(), "kind": kind,
                                               "last_change": self.clock().isoformat()})

    def _load_jobs(self, session: Session, live: list[JobPosting], *, rebuild: bool) -> None:
        hashes = repo.embedding_hashes(session, kind=JOB, model_id=self.model_id)
        index = self.jobs_index if (self.jobs_index is not None and not rebuild) else self._load_or_new(JOB, len(live), rebuild)
        self._apply(session, index, JOB, {j.id: hashes[j.id] for j in live if j.id in hashes})
        table = JobTable()
        table.upsert(job_facts(j) for j in live)
        self.jobs_index, self.job_table = index, table

    def _load_seekers(self, session: Session, shown: list[Seeker], *, rebuild: bool) -> None:
        hashes = repo.embedding_hashes(session, kind=SEEKER, model_id=self.model_id)
        index = (self.seekers_index if (self.seekers_index is not None and not rebuild)
                 else self._load_or_new(SEEKER, len(shown), rebuild))
        self._apply(session, index, SEEKER, {s.id: hashes[s.id] for s in shown if s.id in hashes})
        self.seekers_index = index

    # --- change listener: called after a write's commit ----------------------------------------

    def jobs_changed(self, job_ids: Sequence[int]) -> None:
        with self._write_lock:
            if not self._ready:
                self._pending[0].update(job_ids)
                return
        with self._write_lock, self.session_factory() as session:
            jobs = repo.all_jobs(session, ids=job_ids)
            self._assign_occupations(session, jobs, ())
            session.commit()
            self._embed_stale(session, JOB, [j.id for j in jobs], [job_text(j) for j in jobs], show_progress=False)
            today = self.today()
            live = [j for j in jobs if _is_live(j, today)]
            gone = set(job_ids) - {j.id for j in live}
            hashes = repo.embedding_hashes(session, kind=JOB, model_id=self.model_id)
            wanted = {i: h for i, h in self.jobs_index.hashes.items() if i not in gone and i not in {j.id for j in live}}
            wanted.update({j.id: hashes[j.id] for j in live})
            self._apply(session, self.jobs_index, JOB, wanted)
            self.job_table.remove(gone)
            self.job_table.upsert(job_facts(j) for j in live)
            if gone:
                repo.delete_embeddings(session, kind=JOB, ids=[i for i in gone if i not in {j.id for j in jobs}])
                session.commit()

    def seekers_changed(self, seeker_ids: Sequence[int]) -> None:
        with self._write_lock:
            if not self._ready:
                self._pending[1].update(seeker_ids)
                return
        with self._write_lock, self.session_factory() as session:
            seekers = repo.all_seekers(session, ids=seeker_ids)
            self._assign_occupations(session, (), seekers)
            session.commit()
            self._embed_stale(session, SEEKER, [s.id for s in seekers], [seeker_profile_text(s) for s in seekers],
                              show_progress=False)
            shown = {s.id for s in seekers if s.consent_to_share}
            hashes = repo.embedding_hashes(session, kind=SEEKER, model_id=self.model_id)
            wanted = {i: h for i, h in self.seekers_index.hashes.items() if i not in set(seeker_ids)}
            wanted.update({i: hashes[i] for i in shown if i in hashes})
            self._apply(session, self.seekers_index, SEEKER, wanted)
            deleted = set(seeker_ids) - {s.id for s in seekers}
            if deleted:
                repo.delete_embeddings(session, kind=SEEKER, ids=list(deleted))
                session.commit()


    # --- queries ------------------------------------------------------------------------------

    def _stored_vector(self, session: Session, kind: str, record_id: int, text: str) -> np.ndarray:
        """The stored embedding (never recomputed at query time); embedded once if missing or stale."""
        ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id, ids=[record_id])
        if len(ids) and hashes[0] == text_hash(text):
            return vectors[:1]
        encode = self.embedder.encode_documents if kind == JOB else self.embedder.encode_queries
        return encode([text])

    def jobs_for_seeker(self, session: Session, seeker: Seeker, *, filters: MatchFiltersIn, k: int,
                        scope_prefix: str | None) -> MatchList:
        started = time.perf_counter()
        facts = seeker_facts(seeker, self.clock())
        text = seeker_profile_text(seeker)
        vector = self._stored_vector(session, SEEKER, seeker.id, text)
        items, eligible = self._rank_jobs(session, vector, facts, text, list(seeker.skills or ()),
                                          _filters(filters), k, scope_prefix)
        return MatchList(items=items, eligible=eligible, model_id=self.model_id,
                         took_ms=round((time.perf_counter() - started) * 1000, 2))

    def jobs_for_text(self, session: Session, request: TextMatchRequest, *, scope_prefix: str | None,
                      kiosk: bool = False) -> MatchList:
        """Ad-hoc: free text plus filters, nothing stored. Anonymous callers never see reserved posts."""
        started = time.perf_counter()
        today = self.today()
        birth = date(today.year - request.age, today.month, min(today.day, 28)) if request.age else None
        facts = SeekerFacts(id=0, region_code=request.region_code, education=request.education, birth_date=birth,
                            skills=tuple(request.skills), desired_salary_min=request.salary_floor)
        if facts.region_code:
            centroid = refdata.county_centroid(facts.region_code)
            if centroid:
                facts = replace(facts, lat=centroid[0], lon=centroid[1])
        filters = _filters(request)
        if filters.scope == "desired":
            filters = replace(filters, scope="city" if request.region_code else "anywhere")
        skills = list(request.skills) or self.lexicon.extract_skills(request.text)
        facts = replace(facts, skills=tuple(skills))
        vector = self.embedder.encode_queries([request.text])
        items, eligible = self._rank_jobs(session, vector, facts, request.text, skills, filters, request.k,
                                          scope_prefix)
        return MatchList(items=items, eligible=eligible, model_id=self.model_id,
                         took_ms=round((time.perf_counter() - started) * 1000, 2))

    def _rank_jobs(self, session: Session, vector: np.ndarray, seeker: SeekerFacts, text: str, skills: list[str],
                   filters: MatchFilters, k: int, scope_prefix: str | None) -> tuple[list[MatchItem], int]:
        today = self.today()
        table, index = self.job_table, self.jobs_index
        if len(table) == 0:
            return [], 0
        mask = scoring.eligible_jobs_mask(table, seeker, filters, today, self.policy, scope_prefix=scope_prefix)
        allowed = table.cols["id"][mask]
        if len(allowed) == 0:
            return [], 0
        scores, ids = index.search(vector, min(max(5 * k, 50), len(allowed)), allow=allowed)
        keep = ids[0] >= 0
        rows = {j.id: j for j in repo.all_jobs(session, ids=ids[0][keep].tolist())}
        pairs = [(int(i), float(c)) for i, c in zip(ids[0][keep], scores[0][keep], strict=True) if int(i) in rows]
        if not pairs:
            return [], int(len(allowed))
        cand = [rows[i] for i, _ in pairs]
        facts = [table.get(j.id) or job_facts(j) for j in cand]
        overlaps = [self.lexicon.skill_overlap(skills, f.skills) for f in facts]
        wanted_codes = list(seeker.desired_occupation_codes)
        km = scoring.distance_km(seeker.lat, seeker.lon, [f.lat for f in facts], [f.lon for f in facts])
        comps = {
            "semantic": scoring.semantic_component(np.array([c for _, c in pairs]), self.weights),
            "lexical": CharNgramScorer().fit([job_text(j) for j in cand]).scores(text),
            "skill": np.array([o[0] for o in overlaps]),
            "location": scoring.location_component(km, self.weights),
            "salary": scoring.salary_component(seeker.desired_salary_min,
                                               np.array([f.salary_min if f.salary_min is not None else np.nan for f in facts]),
                                               np.array([f.salary_max if f.salary_max is not None else np.nan for f in facts])),
            "occupation": scoring.occupation_component(wanted_codes, [f.occupation_code for f in facts]),
        }
        fit = scoring.fit_scores(comps, self.weights)
        reserved = np.array([
            1.0 if f.work_type in (WorkType.internship, WorkType.public_welfare)
            and scoring.reserved_post_check(f.work_type, seeker, today, self.policy)[0] else 0.0
            for f in facts
        ])
        boost, bound = scoring.bounded_boost(fit, reserved, self.policy)
        order = scoring.rank(fit + boost, fit)[:k]
        items = []
        for n in order:
            f, job = facts[n], cand[n]
            values = {key: float(v[n]) for key, v in comps.items()}
            boosts = []
            if boost[n] > 0:
                reason = scoring.reserved_post_check(f.work_type, seeker, today, self.policy)[1]
                boosts.append({"key": f.work_type.value, "label": WORK_TYPE_LABELS[f.work_type],
                               "reason": reason, "amount": round(float(boost[n]), 4)})
            explanation = {
                "summary": scoring.summary_line(values, overlaps[n][1], None if np.isnan(km[n]) else float(km[n]),
                                                values["salary"] >= 0.75, occupation_label(f.occupation_code)),
                "matched_skills": overlaps[n][1], "missing_skills": overlaps[n][2],
                "distance_km": None if np.isnan(km[n]) else round(float(km[n]), 1),
                "boosts": boosts, "boost_bound": round(bound, 4),
                "filters": [c.to_dict() for c in scoring.check_pair(f, seeker, today, self.policy)]
                + _filter_notes(filters),
            }
            items.append(MatchItem(
                id=job.id, score=round(float(fit[n] + boost[n]), 4), fit=round(float(fit[n]), 4),
                boost=round(float(boost[n]), 4), components=_components(values, self.weights),
                explanation=explanation, job=job_out(job, today=today)))
        return items, int(len(allowed))

    def candidates_for_job(self, session: Session, job: JobPosting, *, filters: MatchFiltersIn, k: int,
                           scope_prefix: str | None) -> MatchList:
        """Consenting seekers for a posting, with bounded priority for verified policy groups."""
        started = time.perf_counter()
        now, today = self.clock(), self.today()
        text = job_text(job)
        vector = self._stored_vector(session, JOB, job.id, text)
        index = self.seekers_index
        facts_job = job_facts(job)
        seekers = [s for s in repo.all_seekers(session, ids=index.ids().tolist())
                   if s.consent_to_share and (not scope_prefix or s.region_code.startswith(scope_prefix))]
        sfacts = {s.id: seeker_facts(s, now) for s in seekers}
        eligible = [s for s in seekers if _seeker_eligible(facts_job, sfacts[s.id], filters, today, self.policy)]
        if not eligible:
            return MatchList(items=[], eligible=0, model_id=self.model_id, took_ms=0.0)
        allowed = np.array([s.id for s in eligible], np.int64)
        scores, ids = index.search(vector, min(max(5 * k, 50), len(allowed)), allow=allowed)
        by_id = {s.id: s for s in eligible}
        pairs = [(int(i), float(c)) for i, c in zip(ids[0], scores[0], strict=True) if int(i) in by_id]
        cand = [by_id[i] for i, _ in pairs]
        facts = [sfacts[s.id] for s in cand]
        overlaps = [self.lexicon.skill_overlap(f.skills, facts_job.skills) for f in facts]
        km = np.array([scoring.distance_km(f.lat, f.lon, [job.lat], [job.lon])[0] for f in facts])
        comps = {
            "semantic": scoring.semantic_component(np.array([c for _, c in pairs]), self.weights),
            "lexical": CharNgramScorer().fit([seeker_profile_text(s) for s in cand]).scores(text),
            "skill": np.array([o[0] for o in overlaps]),
            "location": scoring.location_component(km, self.weights),
            "salary": np.array([scoring.salary_component(f.desired_salary_min,
                                                         np.array([job.salary_min if job.salary_min is not None else np.nan]),
                                                         np.array([job.salary_max if job.salary_max is not None else np.nan]))[0]
                                for f in facts]),
            "occupation": np.array([scoring.occupation_component(list(f.desired_occupation_codes), [job.occupation_code])[0]
                                    for f in facts]),
        }
        fit = scoring.fit_scores(comps, self.weights)
        raw = np.array([scoring.flag_weight(f.flags, self.policy) for f in facts])
        boost, bound = scoring.bounded_boost(fit, raw, self.policy)
        order = scoring.rank(fit + boost, fit)[:k]
        items = []
        for n in order:
            f, seeker = facts[n], cand[n]
            values = {key: float(v[n]) for key, v in comps.items()}
            boosts = [{"key": kind.value, "label": FLAG_LABELS[kind], "reason": f"已核验：{FLAG_LABELS[kind]}",
                       "weight": self.policy.weights.get(kind, 0.0)}
                      for kind in sorted(f.flags) if self.policy.weights.get(kind, 0.0) > 0] if boost[n] > 0 else []
            explanation = {
                "summary": scoring.summary_line(values, overlaps[n][1], None if np.isnan(km[n]) else float(km[n]),
                                                values["salary"] >= 0.75, occupation_label(job.occupation_code)),
                "matched_skills": overlaps[n][1], "missing_skills": overlaps[n][2],
                "distance_km": None if np.isnan(km[n]) else round(float(km[n]), 1),
                "boosts": boosts, "boost_bound": round(bound, 4),
                "filters": [c.to_dict() for c in scoring.check_pair(facts_job, f, today, self.policy)]
                + [{"key": "consent", "label": "同意向用人单位展示", "passed": True, "detail": ""}],
            }
            items.append(MatchItem(
                id=seeker.id, score=round(float(fit[n] + boost[n]), 4), fit=round(float(fit[n]), 4),
                boost=round(float(boost[n]), 4), components=_components(values, self.weights),
                explanation=explanation, seeker=seeker_out(seeker, now=now)))
        return MatchList(items=items, eligible=len(eligible), model_id=self.model_id,
                         took_ms=round((time.perf_counter() - started) * 1000, 2))


def _is_live(job: JobPosting, today: date) -> bool:
    """Open, not past valid_until, and not yet filled: the postings matching may offer."""
    return (job.status == "open" and (job.valid_until is None or job.valid_until >= today)
            and job.hired_count < job.headcount)





def _filters(f: MatchFiltersIn) -> MatchFilters:
    return MatchFilters(scope=f.scope.value, region_code=f.region_code, radius_km=f.radius_km,
                        work_types=tuple(f.work_types), salary_floor=f.salary_floor, room_board=f.room_board,
                        occupation_codes=tuple(f.occupation_codes))


def _filter_notes(filters: MatchFilters) -> list[dict]:
    scope = {"county": "同县区", "city": "同城市", "province": "同省", "radius": f"{filters.radius_km or 50:g}公里内",
             "anywhere": "不限地区", "desired": "意向地区"}[filters.scope]
    notes = [{"key": "region", "label": f"地区：{scope}", "passed": True, "detail": ""}]
    if filters.work_types:
        notes.append({"key": "work_type", "label": "工作类型：" + "、".join(WORK_TYPE_LABELS[w] for w in filters.work_types),
                      "passed": True, "detail": ""})
    if filters.room_board:
        notes.append({"key": "room_board", "label": "包吃住", "passed": True, "detail": ""})
    return notes


def _components(values: dict[str, float], weights: Weights) -> dict[str, MatchComponent]:
    return {key: MatchComponent(value=round(v, 4), weight=getattr(weights, key), label=scoring.COMPONENT_LABELS[key])
            for key, v in values.items()}


def _seeker_eligible(job, seeker: SeekerFacts, filters: MatchFiltersIn, today: date, policy: PriorityPolicy) -> bool:
    """Hard conditions for showing a seeker as a candidate for this posting."""
    if not all(c.passed for c in scoring.check_pair(job, seeker, today, policy)):
        return False
    if seeker.desired_work_types and job.work_type not in seeker.desired_work_types and job.work_type not in (
            WorkType.internship, WorkType.public_welfare):
        return False
    scope = filters.scope.value
    if scope == "anywhere":
        return True
    if scope == "radius":
        km = scoring.distance_km(seeker.lat, seeker.lon, [job.lat], [job.lon])[0]
        return not np.isnan(km) and km <= (filters.radius_km or 50)
    wants = seeker.desired_regions
    if wants and any(job.region_code.startswith(p) for p in wants):
        return True
    if seeker.willing_to_relocate:
        return True
    prefixes = scoring.region_prefixes("city" if scope == "desired" else scope, job.region_code) or []
    return bool(seeker.region_code) and any(seeker.region_code.startswith(p) for p in prefixes)
