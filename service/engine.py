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

from indexes import IndexLoadError, VectorIndex, choose_spec, reconcile
from matching import refdata
from matching.enums import Education
from matching.eligibility import MatchFilters, eligible_jobs_mask, eligible_seekers_mask
from matching.embedder import Embedder, load_embedder, text_hash
from matching.facts import JobColumns, SeekerColumns, SeekerFacts, region_range
from matching.geo import RegionScope, ScopeKind
from matching.lexical import CharNgramScorer, Lexicon, default_lexicon
from matching.occupations import OccupationCoder
from matching.priority import default_policy, load_policy
from matching.ranking import COMPONENT_LABELS, MatchResult, ScoringParams, Weights, rank_jobs_for_seeker, rank_seekers_for_job
from service import repository as repo
from service.facts import job_facts, job_text, seeker_facts, seeker_profile_text
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
        self.policy = load_policy(settings.policy_file) if settings.policy_file else default_policy()
        self.weights = Weights()
        self.params = ScoringParams(semantic_floor=0.70)  # e5 cosines of unrelated Chinese texts sit near 0.7
        self.jobs_index: VectorIndex | None = None
        self.seekers_index: VectorIndex | None = None
        self.job_columns = JobColumns()
        self.seeker_columns = SeekerColumns()
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
            except IndexLoadError as e:
                log.info("building the %s index afresh: %s", kind, e)
        return VectorIndex(self.embedder.dim, choose_spec(n, flat_threshold=self.settings.flat_threshold))

    def _apply(self, session: Session, index: VectorIndex, kind: str, wanted: dict[int, str]) -> None:
        """Make ``index`` hold exactly ``wanted`` (id → text hash) from stored vectors, then save it."""
        to_add, to_remove = reconcile(wanted, index.hashes)
        index.remove(to_remove)
        if len(index) == 0 and to_add:  # one build: IVF trains on all vectors, not on the first chunk
            ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id, ids=to_add)
            index.build(ids, vectors, hashes)
            to_add = []
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
        self.jobs_index, self.job_columns = index, JobColumns.from_facts(job_facts(j) for j in live)

    def _load_seekers(self, session: Session, shown: list[Seeker], *, rebuild: bool) -> None:
        hashes = repo.embedding_hashes(session, kind=SEEKER, model_id=self.model_id)
        index = (self.seekers_index if (self.seekers_index is not None and not rebuild)
                 else self._load_or_new(SEEKER, len(shown), rebuild))
        self._apply(session, index, SEEKER, {s.id: hashes[s.id] for s in shown if s.id in hashes})
        self.seekers_index, self.seeker_columns = index, SeekerColumns.from_facts(seeker_facts(s) for s in shown)

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
            self.job_columns.remove(gone)
            self.job_columns.upsert(job_facts(j) for j in live)
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
            self.seeker_columns.remove(set(seeker_ids) - shown)
            self.seeker_columns.upsert(seeker_facts(s) for s in seekers if s.id in shown)
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
        text = seeker_profile_text(seeker)
        vector = self._stored_vector(session, SEEKER, seeker.id, text)
        items, eligible = self._rank_jobs(session, vector, seeker_facts(seeker), text, filters, k, scope_prefix)
        return MatchList(items=items, eligible=eligible, model_id=self.model_id,
                         took_ms=round((time.perf_counter() - started) * 1000, 2))

    def jobs_for_text(self, session: Session, request: TextMatchRequest, *, scope_prefix: str | None,
                      kiosk: bool = False) -> MatchList:
        """Ad-hoc: free text plus filters, nothing stored. Anonymous callers never see reserved posts."""
        started = time.perf_counter()
        today = self.today()
        birth = date(today.year - request.age, today.month, min(today.day, 28)) if request.age else None
        centroid = refdata.county_centroid(request.region_code) if request.region_code else None
        skills = tuple(request.skills) or tuple(self.lexicon.extract_skills(request.text))
        # Not saying one's schooling should not hide postings: an anonymous query is not filtered by education.
        education = request.education or max(Education, key=lambda e: e.rank)
        facts = SeekerFacts(id=0, birth_date=birth, education=education, graduation_date=None,
                            region_code=request.region_code or "", lat=centroid[0] if centroid else None,
                            lon=centroid[1] if centroid else None, skills=skills,
                            desired_salary_min=request.salary_floor,
                            willing_to_relocate=request.region_code is None)
        filters = request
        if request.scope.value == "desired":
            filters = request.model_copy(update={"scope": "city" if request.region_code else "anywhere"})
        vector = self.embedder.encode_queries([request.text])
        items, eligible = self._rank_jobs(session, vector, facts, request.text, filters, request.k, scope_prefix)
        return MatchList(items=items, eligible=eligible, model_id=self.model_id,
                         took_ms=round((time.perf_counter() - started) * 1000, 2))

    def _options(self, filters: MatchFiltersIn) -> MatchFilters:
        scope = filters.scope.value
        region = RegionScope.within_km(filters.radius_km or 50) if scope == "radius" else RegionScope(ScopeKind(scope))
        return replace(self.policy.filters(), region=region, work_types=tuple(filters.work_types) or None)

    def _rank_jobs(self, session: Session, vector: np.ndarray, seeker: SeekerFacts, text: str,
                   filters: MatchFiltersIn, k: int, scope_prefix: str | None) -> tuple[list[MatchItem], int]:
        today = self.today()
        columns, index = self.job_columns, self.jobs_index
        if filters.salary_floor is not None:
            seeker = replace(seeker, desired_salary_min=filters.salary_floor)
        if filters.region_code and not seeker.region_code:
            seeker = replace(seeker, region_code=filters.region_code)
        options = self._options(filters)
        mask = eligible_jobs_mask(columns, seeker, options, today)
        if scope_prefix:
            lo, hi = region_range(scope_prefix)
            mask &= (columns.region >= lo) & (columns.region <= hi)
        if filters.room_board:
            mask &= columns.room_board
        allowed = columns.ids[mask]
        if len(allowed) == 0:
            return [], 0
        scores, ids = index.search(vector, min(max(5 * k, 50), len(allowed)), allow=allowed)
        keep = ids[0] >= 0
        rows = {j.id: j for j in repo.all_jobs(session, ids=ids[0][keep].tolist())}
        cand = [(int(i), float(c)) for i, c in zip(ids[0][keep], scores[0][keep], strict=True) if int(i) in rows]
        if not cand:
            return [], int(len(allowed))
        cand_ids = np.array([i for i, _ in cand], np.int64)
        lexical = CharNgramScorer().fit([job_text(rows[i]) for i, _ in cand]).scores(text)
        results = rank_jobs_for_seeker(
            seeker, cand_ids, np.array([c for _, c in cand]), columns, today=today,
            jobs={i: job_facts(rows[i]) for i, _ in cand}, lexical=lexical, weights=self.weights,
            params=self.params, policy=self.policy, options=options, limit=k)
        return [_item(r, job=job_out(rows[r.id], today=today)) for r in results], int(len(allowed))

    def candidates_for_job(self, session: Session, job: JobPosting, *, filters: MatchFiltersIn, k: int,
                           scope_prefix: str | None) -> MatchList:
        """Consenting seekers for a posting, with bounded priority for verified policy groups."""
        started = time.perf_counter()
        now, today = self.clock(), self.today()
        columns, index = self.seeker_columns, self.seekers_index
        facts_job = job_facts(job)
        options = replace(self._options(filters), now=now)
        mask = eligible_seekers_mask(columns, facts_job, options, today)
        if scope_prefix:
            lo, hi = region_range(scope_prefix)
            mask &= (columns.region >= lo) & (columns.region <= hi)
        allowed = columns.ids[mask]
        if len(allowed) == 0:
            return MatchList(items=[], eligible=0, model_id=self.model_id, took_ms=0.0)
        text = job_text(job)
        vector = self._stored_vector(session, JOB, job.id, text)
        scores, ids = index.search(vector, min(max(5 * k, 50), len(allowed)), allow=allowed)
        keep = ids[0] >= 0
        rows = {s.id: s for s in repo.all_seekers(session, ids=ids[0][keep].tolist()) if s.consent_to_share}
        cand = [(int(i), float(c)) for i, c in zip(ids[0][keep], scores[0][keep], strict=True) if int(i) in rows]
        if not cand:
            return MatchList(items=[], eligible=int(len(allowed)), model_id=self.model_id, took_ms=0.0)
        lexical = CharNgramScorer().fit([seeker_profile_text(rows[i]) for i, _ in cand]).scores(text)
        results = rank_seekers_for_job(
            facts_job, np.array([i for i, _ in cand], np.int64), np.array([c for _, c in cand]), columns,
            today=now, seekers={i: seeker_facts(rows[i]) for i, _ in cand}, lexical=lexical, weights=self.weights,
            params=self.params, policy=self.policy, options=options, limit=k)
        items = [_item(r, seeker=seeker_out(rows[r.id], now=now)) for r in results]
        return MatchList(items=items, eligible=int(len(allowed)), model_id=self.model_id,
                         took_ms=round((time.perf_counter() - started) * 1000, 2))

def _is_live(job: JobPosting, today: date) -> bool:
    """Open, not past valid_until, and not yet filled: the postings matching may offer."""
    return (job.status == "open" and (job.valid_until is None or job.valid_until >= today)
            and job.hired_count < job.headcount)






def _item(result: MatchResult, **record) -> MatchItem:
    """A ranking result as the API shows it: components with weights and Chinese labels, the explanation."""
    explanation = result.explanation.to_dict() if result.explanation else {}
    weights = {key: c["weight"] for key, c in explanation.get("components", {}).items()}
    components = {key: MatchComponent(value=round(v, 4), weight=round(weights.get(key, 0.0), 4),
                                      label=COMPONENT_LABELS[key]) for key, v in result.components.items()}
    explanation.pop("components", None)
    return MatchItem(id=result.id, score=round(result.score, 4), fit=round(result.fit, 4),
                     boost=round(result.boost, 4), components=components, explanation=explanation, **record)
