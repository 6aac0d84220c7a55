"""The matching engine inside an API process: the model for queries, this process's replica of the indexes
and filter columns (:mod:`service.replica`, following the database's change log), and the matching queries.

The database is the source of truth. Writes never wait for the model: embedding workers
(:mod:`service.worker`) store each record's vector with the model id, the hash and the text it came from, and
replicas pick the vectors up from the change log, so a start loads a snapshot and the log instead of
embedding, and the rerank reads candidates' texts as stored.

The query path itself (:mod:`matching.query`) works on memory alone; the engine hands it one view of this
replica (index, filter columns, record store): candidates' vectors and texts and the returned records' facts
and cards come from the store, so a match reads no database; only the asking record (a stored seeker's or
posting's vector) is read, and only if the replica does not hold it as it stands. Answers are plain data
(:class:`Ranked`); the use-cases present them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from indexes import set_search_threads
from indexes.layered import LayeredIndex
from matching import refdata
from matching.eligibility import MatchFilters
from matching.embedder import USE_MODEL_NAME, Embedder, load_embedder, text_hash
from matching.enums import Education
from matching.facts import JobColumns, SeekerColumns, SeekerFacts
from matching.geo import RegionScope, ScopeKind
from matching.lexical import Lexicon, default_lexicon
from matching.priority import default_policy, load_policy
from matching.query import rank_jobs, rank_seekers, store_readers
from matching.ranking import MatchResult, ScoringParams, Weights
from matching.records import Card, job_facts_from_plain, seeker_facts_from_plain
from matching.text import normalize
from service import changes, repository as repo, repository_changes as log_repo
from service.batching import Combiner
from service.facts import job_facts, job_text, seeker_facts, seeker_profile_text
from service.models import JobPosting, Seeker
from service.replica import Replica, View
from service.schemas import MatchFiltersIn, RegionScopeIn, TextMatchRequest
from service.settings import Settings
from service.worker import EmbeddingWorker

log = logging.getLogger("rengang.engine")

JOB, SEEKER = "job", "seeker"
STATE_EVERY_S = 5.0


def load_service_embedder(settings: Settings) -> Embedder:
    """The embedder a service with these settings uses (model, precision, token limit, threads)."""
    return load_embedder(settings.model, models_dir=settings.resolved_models_dir, threads=settings.threads,
                         precision=settings.model_precision,
                         max_tokens=None if settings.model == USE_MODEL_NAME else settings.model_max_tokens)


# --- the engine ------------------------------------------------------------------------------------------


@dataclass
class Ranked:
    """A matching query's answer as plain data: the ranked results, the cards of the records behind them (as the
    replica holds them), how many records passed the hard filters; the use-case presents it
    (:func:`service.presenters.match_list`)."""

    kind: str  # what was ranked: "job" or "seeker"
    results: list[MatchResult]
    cards: dict[int, Card]
    eligible: int
    model_id: str
    took_ms: float
    now: datetime  # the instant the query ranked at (ages, flags, open postings)


class MatchingEngine:
    """Owns the embedder, the occupation coder and the two indexes; safe for concurrent reads."""

    def __init__(self, *, settings: Settings, session_factory: sessionmaker[Session],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), embedder: Embedder | None = None):
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock
        self.embedder = embedder
        self.lexicon: Lexicon = default_lexicon()
        self.replica: Replica | None = None
        self.worker: EmbeddingWorker | None = None
        self._worker_thread: threading.Thread | None = None
        self._worker_stop = threading.Event()
        self._undo_worker_wake: Callable[[], None] | None = None
        self._ready = False
        self.policy = load_policy(settings.policy_file) if settings.policy_file else default_policy()
        self.weights = Weights()
        self.params = ScoringParams(semantic_floor=0.70)  # e5 cosines of unrelated Chinese texts sit near 0.7
        # Admission: queries are mostly Python holding the GIL between short C calls, so threads running them
        # side by side hand the GIL back and forth and each costs twice the CPU (measured: 16 threads in one
        # process served 75 queries/s where one at a time served 150). Queries take turns instead.
        self._query_slots = threading.BoundedSemaphore(settings.match_concurrency)
        # Free-text queries arriving together (a fair's kiosks, app users) are encoded together.
        self._query_encoder: Combiner[str, np.ndarray] = Combiner(lambda texts: self.embedder.encode_queries(texts))

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, *, follow: bool = True) -> None:
        """Load the model, then the indexes (snapshot + change log; never embedding), then follow the log.

        With ``embed_in_process`` an embedding worker runs in a thread of this process (a single-process
        service); ``rengang serve`` runs workers as processes of their own instead.
        """
        set_search_threads(self.settings.search_threads)
        if self.embedder is None:
            started = time.perf_counter()
            self.embedder = load_service_embedder(self.settings)
            log.info("model %s loaded in %.1f s", self.embedder.model_id, time.perf_counter() - started)
        self.replica = Replica(settings=self.settings, session_factory=self.session_factory,
                               model_id=self.model_id, dim=self.embedder.dim, clock=self.clock)
        reports = self.replica.load()
        for r in reports:
            log.info("%s index and filter columns: %d records from the %s in %.1f s; %d re-read from the change "
                     "log in %.1f s", r.kind, r.indexed, "snapshot" if r.source == "snapshot" else "database",
                     r.seconds, r.replayed, r.replay_seconds)
        self._ready = True
        if follow:
            self.replica.start_following()
            threading.Thread(target=self._report_state, name="engine-metrics", daemon=True).start()
        if self.settings.embed_in_process:
            self.start_worker()

    def start_worker(self) -> None:
        """An embedding worker in a thread of this process (sharing its model)."""
        from service import metrics

        self.worker = EmbeddingWorker(settings=self.settings, session_factory=self.session_factory,
                                      embedder=self.embedder, clock=self.clock, on_embedded=metrics.embedded)
        self._undo_worker_wake = changes.on_commit(self.worker.wake)
        self._worker_thread = threading.Thread(target=self.worker.run, args=(self._worker_stop,),
                                               name="embedding-worker", daemon=True)
        self._worker_thread.start()

    def close(self) -> None:
        """Stop following the log and the worker thread (a new start needs no save: the log has it all)."""
        self._worker_stop.set()
        if self.worker is not None:
            self.worker.wake()
        if self._undo_worker_wake is not None:
            self._undo_worker_wake()
        if self._worker_thread is not None:
            self._worker_thread.join(timeout=120)
        if self.replica is not None:
            self.replica.stop()

    def _report_state(self) -> None:
        """Every few seconds, this replica's position and the backlog for /metrics (per process)."""
        from service import metrics

        while not self.replica._stop.wait(STATE_EVERY_S):
            try:
                metrics.set_engine_state(self.status())
            except Exception:
                log.exception("could not report the engine's state")

    def pause(self) -> None:
        """Stop embedding and following until :meth:`resume` (a test suite sharing the database with other apps)."""
        if self.worker is not None:
            self.worker.running.clear()
        if self.replica is not None:
            self.replica.following.clear()

    def resume(self) -> None:
        if self.worker is not None:
            self.worker.running.set()
        if self.replica is not None:
            self.replica.following.set()

    def readiness(self) -> str:
        return "ok" if self._ready else "loading"

    def status(self) -> dict:
        """What /readyz and /metrics show: the replica's position in the log and the embedding backlog."""
        state = self.replica.status() if self.replica is not None else {}
        with self.session_factory() as session:
            state["pending"] = log_repo.pending_counts(session)
        return state

    def settle(self, *, timeout: float = 60.0) -> None:
        """Wait until every queued record is embedded and this replica has applied the whole log (tests, tools)."""
        if self.worker is not None and not self.worker.prepared.wait(900):
            raise TimeoutError("the embedding worker did not get ready in 900 s")
        deadline = time.monotonic() + timeout
        while True:
            with self.session_factory() as session:
                pending = sum(log_repo.pending_counts(session).values())
                head = changes.head(session)
            if not pending and self.replica.applied_seq >= head:
                self.replica.catch_up()  # what a concurrent follow round read may still be applying
                return
            if self.worker is not None and pending:
                self.worker.wake()
            self.replica.wake()
            if time.monotonic() > deadline:
                raise TimeoutError(f"not settled after {timeout} s: {pending} pending, log at {head}, "
                                   f"replica at {self.replica.applied_seq}")
            time.sleep(0.02)

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def indexes(self) -> dict[str, LayeredIndex]:
        return self.replica.indexes

    @property
    def job_columns(self) -> JobColumns:
        return self.replica.job_columns

    @property
    def seeker_columns(self) -> SeekerColumns:
        return self.replica.seeker_columns

    @property
    def jobs_index(self) -> LayeredIndex:
        return self.indexes[JOB]

    @property
    def seekers_index(self) -> LayeredIndex:
        return self.indexes[SEEKER]

    # --- queries ------------------------------------------------------------------------------

    def _vector_of(self, session: Session, view: View, kind: str, record_id: int, text: str) -> np.ndarray:
        """The asking record's embedding, never recomputed at query time if stored: from the replica when it holds
        the record's current vector, else from the database; embedded once if missing or stale."""
        if view.index.is_current(record_id, text_hash(text)):
            slots = view.store.slots_of([record_id])
            if slots[0] >= 0:
                return view.store.vectors_at(slots)
        ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id, ids=[record_id])
        if len(ids) and hashes[0] == text_hash(text):
            return vectors[:1]
        encode = self.embedder.encode_documents if kind == JOB else self.embedder.encode_queries
        return encode([text])

    def encode_query(self, text: str) -> np.ndarray:
        """One free-text query's vector, encoded together with the queries arriving at the same time."""
        return self._query_encoder.submit(text)

    def jobs_for_seeker(self, session: Session, seeker: Seeker, *, filters: MatchFiltersIn, k: int,
                        scope_prefix: str | None) -> Ranked:
        """Postings for a stored seeker (read once by the caller; their flags loaded with them)."""
        started = time.perf_counter()
        with self._query_slots:
            text = seeker_profile_text(seeker)
            vector = self._vector_of(session, self.replica.views[SEEKER], SEEKER, seeker.id, text)
            return self._rank_jobs(vector, seeker_facts(seeker), text, filters, k, scope_prefix, started)

    def jobs_for_text(self, session: Session | None, request: TextMatchRequest, *, scope_prefix: str | None) -> Ranked:
        """Ad-hoc: free text plus filters, nothing stored (and no database read). Anonymous callers never see
        reserved posts."""
        started = time.perf_counter()
        vector = self.encode_query(request.text)[None, :]
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
            filters = request.model_copy(update={"scope": RegionScopeIn.city if request.region_code
                                                 else RegionScopeIn.anywhere})
        with self._query_slots:
            return self._rank_jobs(vector, facts, normalize(request.text), filters, request.k, scope_prefix, started)

    def _options(self, filters: MatchFiltersIn) -> MatchFilters:
        scope = filters.scope.value
        region = RegionScope.within_km(filters.radius_km or 50) if scope == "radius" else RegionScope(ScopeKind(scope))
        return replace(self.policy.filters(), region=region, work_types=tuple(filters.work_types) or None,
                       room_board=bool(filters.room_board))

    def _rank_jobs(self, vector: np.ndarray, seeker: SeekerFacts, text: str, filters: MatchFiltersIn, k: int,
                   scope_prefix: str | None, started: float) -> Ranked:
        today = self.today()
        if filters.salary_floor is not None:
            seeker = replace(seeker, desired_salary_min=filters.salary_floor)
        if filters.region_code and not seeker.region_code:
            seeker = replace(seeker, region_code=filters.region_code)
        view = self.replica.views[JOB]
        candidates_of, facts_of, cosines_of, cards = store_readers(view.columns, view.store, job_facts_from_plain)
        results, eligible = rank_jobs(
            index=view.index, columns=view.columns, vector=vector, seeker=seeker, query_text=text,
            options=self._options(filters), k=k, today=today, candidates_of=candidates_of, facts_of=facts_of,
            policy=self.policy, weights=self.weights, params=self.params, scope_prefix=scope_prefix,
            cosines_of=cosines_of)
        cards.update(view.store.cards([r.id for r in results if r.id not in cards]))
        kept = [r for r in results if r.id in cards]
        return Ranked(kind=JOB, results=kept, cards={r.id: cards[r.id] for r in kept}, eligible=eligible,
                      model_id=self.model_id, took_ms=round((time.perf_counter() - started) * 1000, 2),
                      now=self.clock())

    def candidates_for_job(self, session: Session, job: JobPosting, *, filters: MatchFiltersIn, k: int,
                           scope_prefix: str | None) -> Ranked:
        """Consenting seekers for a posting, with bounded priority for verified policy groups."""
        started = time.perf_counter()
        with self._query_slots:
            now = self.clock()
            text = job_text(job)
            vector = self._vector_of(session, self.replica.views[JOB], JOB, job.id, text)
            view = self.replica.views[SEEKER]
            candidates_of, facts_of, cosines_of, cards = store_readers(view.columns, view.store, seeker_facts_from_plain)
            results, eligible = rank_seekers(
                index=view.index, columns=view.columns, vector=vector, job=job_facts(job), query_text=text,
                options=replace(self._options(filters), now=now), k=k, now=now, candidates_of=candidates_of,
                facts_of=facts_of, policy=self.policy, weights=self.weights, params=self.params,
                scope_prefix=scope_prefix, cosines_of=cosines_of)
            cards.update(view.store.cards([r.id for r in results if r.id not in cards]))
            kept = [r for r in results if r.id in cards]
            return Ranked(kind=SEEKER, results=kept, cards={r.id: cards[r.id] for r in kept}, eligible=eligible,
                          model_id=self.model_id, took_ms=round((time.perf_counter() - started) * 1000, 2), now=now)
