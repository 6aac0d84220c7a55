"""The matching engine inside the service: embeddings kept in step with the database, FAISS
indexes and filter columns in memory, and the three matching queries.

The database is the source of truth. Vectors are stored with the model id, the hash of the text
they came from and the text itself, so a restart rebuilds the indexes without re-embedding,
re-embeds only records whose text changed (or everything, after a model change), and the rerank
reads candidates' texts without rebuilding them. Writes through the API call ``jobs_changed`` /
``seekers_changed`` after their commit, at a cost in proportion to the records written; indexes are
saved in the background every ``index_save_seconds`` and at shutdown, and a crash between a commit
and a save is repaired by ``sync`` at the next start.

The query path (:func:`retrieve` and :func:`rank_jobs` / :func:`rank_seekers`) works on memory alone:
the region index narrows the columns, the hard filters make an allow-list, the index searches inside
it, and the vectorised rerank scores the pool; only candidates' texts and the returned records' facts
come through callables (the database here, plain dictionaries in the benchmarks).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from indexes import IndexHolder, IndexLoadError, VectorIndex, choose_spec, fingerprint, reconcile, set_search_threads
from matching import refdata
from matching.eligibility import MatchFilters, eligible_job_rows, eligible_seeker_rows
from matching.embedder import USE_MODEL_NAME, Embedder, load_embedder, text_hash
from matching.enums import Education
from matching.facts import JobColumns, JobFacts, SeekerColumns, SeekerFacts, region_range
from matching.geo import RegionScope, ScopeKind
from matching.lexical import Lexicon, default_lexicon, ngram_pool_scores
from matching.occupations import OccupationCoder
from matching.text import normalize
from matching.priority import PriorityPolicy, default_policy, load_policy
from matching.ranking import (
    COMPONENT_LABELS,
    MatchResult,
    ScoringParams,
    Weights,
    rank_jobs_for_seeker,
    rank_seekers_for_job,
)
from service import repository as repo
from service.facts import job_facts, job_text, seeker_facts, seeker_profile_text
from service.models import JobPosting, Seeker
from service.presenters import job_out, seeker_out
from service.schemas import MatchComponent, MatchFiltersIn, MatchItem, MatchList, RegionScopeIn, TextMatchRequest
from service.settings import Settings

log = logging.getLogger("rengang.engine")

JOB, SEEKER = "job", "seeker"
T, R = TypeVar("T"), TypeVar("R")
POOL_MIN, POOL_PER_RESULT = 50, 5  # candidates the index returns for the rerank: max(50, 5·k)


@dataclass
class SyncReport:
    kind: str
    records: int
    embedded: int
    indexed: int
    removed: int
    seconds: float


# --- the query path, on memory alone -----------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """What the index returned for one query inside the hard filters: candidate ids and their cosines."""

    ids: np.ndarray
    dense: np.ndarray
    eligible: int  # records that passed the hard filters


def retrieve(index: VectorIndex | IndexHolder, columns: JobColumns | SeekerColumns, rows: np.ndarray,
             vector: np.ndarray, k: int) -> Pool:
    """The ``max(50, 5·k)`` nearest of the records at ``rows`` of ``columns``, searched inside that allow-list."""
    allowed = columns.ids[rows]
    if not len(allowed):
        return Pool(np.zeros(0, np.int64), np.zeros(0), 0)
    scores, ids = index.search(vector, min(max(POOL_PER_RESULT * k, POOL_MIN), len(allowed)), allow=allowed)
    keep = ids[0] >= 0
    return Pool(ids[0][keep], scores[0][keep].astype(np.float64), int(len(allowed)))


@dataclass(frozen=True)
class Candidates:
    """What the rerank needs of the pool besides the columns: each record's text and full-precision vector."""

    texts: Mapping[int, str]
    vectors: Mapping[int, np.ndarray]


CandidatesOf = Callable[[list[int]], Candidates]
FactsOf = Callable[[list[int]], Mapping[int, object]]


def refine(pool: Pool, candidates: Candidates, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pool's records that still exist, each with its exact cosine to the query.

    The index keeps 8-bit codes (a quarter of the memory), whose scores swap near-ties; the pool is five
    times wider than the answer and is scored again with the stored float32 vectors, so both the ranking's
    semantic component and which ten come first are exact.
    """
    present = np.array([int(i) in candidates.texts for i in pool.ids], dtype=bool)
    ids, dense = pool.ids[present], pool.dense[present].copy()
    have = np.array([int(i) in candidates.vectors for i in ids], dtype=bool)
    if have.any():
        matrix = np.stack([candidates.vectors[int(i)] for i in ids[have]])
        dense[have] = matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)
    return ids, dense


def _narrow(columns: JobColumns | SeekerColumns, rows: np.ndarray, scope_prefix: str | None) -> np.ndarray:
    """Rows inside a caller's region scope (an officer's prefix), if it has one."""
    if not scope_prefix:
        return rows
    lo, hi = region_range(scope_prefix)
    region = columns.region[rows]
    return rows[(region >= lo) & (region <= hi)]


def _pool(index, columns, rows, vector, k, query_text, candidates_of: CandidatesOf):
    """Search inside the rows, refine the pool, score its texts: (ids, dense, lexical, eligible)."""
    pool = retrieve(index, columns, rows, vector, k)
    if not len(pool.ids):
        return None, pool.eligible
    candidates = candidates_of(pool.ids.tolist())
    ids, dense = refine(pool, candidates, vector)
    lexical = ngram_pool_scores(query_text, [candidates.texts[int(i)] for i in ids], query_normalised=True)
    return (ids, dense, lexical), pool.eligible


def rank_jobs(*, index: VectorIndex | IndexHolder, columns: JobColumns, vector: np.ndarray, seeker: SeekerFacts,
              query_text: str, options: MatchFilters, k: int, today: date, candidates_of: CandidatesOf,
              facts_of: FactsOf, policy: PriorityPolicy, weights: Weights, params: ScoringParams,
              scope_prefix: str | None = None, room_board: bool | None = None) -> tuple[list[MatchResult], int]:
    """Postings for a seeker: filters → allow-list → index → exact pool → lexical scores → vectorised rerank.

    ``query_text`` is normalised (:func:`matching.text.normalize`), as stored profile texts are."""
    rows = _narrow(columns, eligible_job_rows(columns, seeker, options, today), scope_prefix)
    if room_board:
        rows = rows[columns.room_board[rows]]
    found, eligible = _pool(index, columns, rows, vector, k, query_text, candidates_of)
    if found is None:
        return [], eligible
    ids, dense, lexical = found
    return rank_jobs_for_seeker(seeker, ids, dense, columns, today=today, jobs=facts_of, lexical=lexical,
                                weights=weights, params=params, policy=policy, options=options, limit=k), eligible


def rank_seekers(*, index: VectorIndex | IndexHolder, columns: SeekerColumns, vector: np.ndarray, job: JobFacts,
                 query_text: str, options: MatchFilters, k: int, now: datetime, candidates_of: CandidatesOf,
                 facts_of: FactsOf, policy: PriorityPolicy, weights: Weights, params: ScoringParams,
                 scope_prefix: str | None = None) -> tuple[list[MatchResult], int]:
    """Consenting seekers for a posting, the same way, with the bounded priority boost in the rerank."""
    rows = _narrow(columns, eligible_seeker_rows(columns, job, options, now.date()), scope_prefix)
    found, eligible = _pool(index, columns, rows, vector, k, query_text, candidates_of)
    if found is None:
        return [], eligible
    ids, dense, lexical = found
    return rank_seekers_for_job(job, ids, dense, columns, today=now, seekers=facts_of, lexical=lexical,
                                weights=weights, params=params, policy=policy, options=options, limit=k), eligible


def load_service_embedder(settings: Settings) -> Embedder:
    """The embedder a service with these settings uses (model, precision, token limit, threads)."""
    return load_embedder(settings.model, models_dir=settings.resolved_models_dir, threads=settings.threads,
                         precision=settings.model_precision,
                         max_tokens=None if settings.model == USE_MODEL_NAME else settings.model_max_tokens)


# --- writes from many requests, one batch ---------------------------------------------------------------


class Combiner(Generic[T, R]):
    """Callers hand an item in and wait; one of them processes every item handed in so far, as one batch.

    While one batch is processed, new items queue up, and the next waiting caller takes them all: under load
    each batch grows (an embedding model encodes many texts at once several times faster per text than one
    at a time), and every caller still returns only once its own item is done.
    """

    def __init__(self, process: Callable[[list[T]], Sequence[R]]):
        self._process = process
        self._queue_lock = threading.Lock()
        self._work_lock = threading.Lock()
        self._queue: list[tuple[T, threading.Event, list]] = []
        self.batches = 0

    def submit(self, item: T) -> R:
        done, slot = threading.Event(), []
        with self._queue_lock:
            self._queue.append((item, done, slot))
        while not done.is_set():
            with self._work_lock:
                if done.is_set():
                    break
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                if not batch:
                    continue
                try:
                    results = self._process([entry[0] for entry in batch])
                    for (_, _, out), result in zip(batch, results, strict=True):
                        out.append(("ok", result))
                except BaseException as e:  # every caller in the batch learns its item failed
                    for _, _, out in batch:
                        out[:] = [("error", e)]
                finally:
                    self.batches += 1
                    for _, event, _ in batch:
                        event.set()
        status, value = slot[0]
        if status == "error":
            raise value
        return value


class ChangeBatcher(Combiner[Sequence[int], None]):
    """Writes from concurrent requests: the union of their ids is embedded and indexed in one batch."""

    def __init__(self, process: Callable[[list[int]], None]):
        def run(batches: list[Sequence[int]]) -> list[None]:
            process(sorted({int(i) for ids in batches for i in ids}))
            return [None] * len(batches)

        super().__init__(run)


# --- the engine ------------------------------------------------------------------------------------------


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
        self.indexes: dict[str, IndexHolder] = {}
        self.job_columns = JobColumns()
        self.seeker_columns = SeekerColumns()
        self._pending: tuple[set[int], set[int]] = (set(), set())
        self._dirty: set[str] = set()
        self._stop = threading.Event()
        self._saver: threading.Thread | None = None
        self._respec: dict[str, threading.Thread] = {}
        self._batchers = {JOB: ChangeBatcher(self._jobs_changed), SEEKER: ChangeBatcher(self._seekers_changed)}
        # Admission: queries are mostly Python holding the GIL between short C calls, so threads running them
        # side by side hand the GIL back and forth and each costs twice the CPU (measured: 16 threads in one
        # process served 75 queries/s where one at a time served 150). Queries take turns instead.
        self._query_slots = threading.BoundedSemaphore(settings.match_concurrency)
        # Free-text queries arriving together (a fair's kiosks, app users) are encoded together.
        self._query_encoder: Combiner[str, np.ndarray] = Combiner(lambda texts: self.embedder.encode_queries(texts))
        self.last_sync: list[SyncReport] = []

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, *, show_progress: bool = False, rebuild: bool = False) -> None:
        set_search_threads(self.settings.search_threads)
        if self.embedder is None:
            self.embedder = load_service_embedder(self.settings)
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
        if self.settings.index_save_seconds > 0 and self._saver is None:
            self._saver = threading.Thread(target=self._save_periodically, name="index-saver", daemon=True)
            self._saver.start()

    def close(self) -> None:
        """Stop the background saver and save what changed since the last save."""
        self._stop.set()
        if self._saver is not None:
            self._saver.join(timeout=60)
        for thread in list(self._respec.values()):
            thread.join(timeout=600)
        if self._ready:
            self.save()

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

    @property
    def jobs_index(self) -> VectorIndex:
        return self.indexes[JOB].current

    @property
    def seekers_index(self) -> VectorIndex:
        return self.indexes[SEEKER].current

    # --- saving --------------------------------------------------------------------------------

    def _manifest(self) -> dict:
        return {"model_id": self.model_id, "dim": self.embedder.dim}

    def save(self) -> None:
        """Save the indexes changed since their last save (a snapshot is taken under the index's read lock)."""
        with self._write_lock:
            dirty, self._dirty = self._dirty, set()
        for kind in sorted(dirty):
            try:
                self.indexes[kind].save(self.index_dir / kind, {**self._manifest(), "kind": kind,
                                                                "last_change": self.clock().isoformat()})
            except OSError:
                log.exception("saving the %s index failed; it will be rebuilt from the database at start", kind)
                with self._write_lock:
                    self._dirty.add(kind)

    def _save_periodically(self) -> None:
        while not self._stop.wait(self.settings.index_save_seconds):
            self.save()

    # --- keeping vectors in step with the database --------------------------------------------

    def _assign_occupations(self, session: Session, jobs: Sequence[JobPosting], seekers: Sequence[Seeker]) -> None:
        """Code postings without an occupation, and seekers' desired occupations, to 大典 细类."""
        todo = [j for j in jobs if not j.occupation_code]
        if todo:
            hits = self.coder.code_many([j.title for j in todo], [j.description or "" for j in todo], k=1)
            for job, best in zip(todo, hits, strict=True):
                if best:
                    job.occupation_code, job.occupation_auto = best[0].code, True
        todo_seekers = [s for s in seekers if s.desired_occupations and not s.desired_occupation_codes]
        # Each distinct name once, in one call: many seekers want the same few occupations, and the coder
        # embeds every title it is given (a 2,000-seeker start spent ~25 s on 2 cores coding repeats).
        names = list(dict.fromkeys(name for s in todo_seekers for name in s.desired_occupations))
        if names:
            coded = dict(zip(names, self.coder.code_many(names, k=1), strict=True))
            for seeker in todo_seekers:
                hits = [coded[name] for name in seeker.desired_occupations]
                seeker.desired_occupation_codes = list(dict.fromkeys(h[0].code for h in hits if h))

    def _embed_stale(self, session: Session, kind: str, ids: Sequence[int], texts: Sequence[str],
                     *, show_progress: bool, all_records: bool = False) -> int:
        """Embed the records whose stored vector is missing or came from other text; return how many."""
        stored = repo.embedding_hashes(session, kind=kind, model_id=self.model_id,
                                       ids=None if all_records else ids)
        hashes = [text_hash(t) for t in texts]
        todo = [i for i, (rid, h) in enumerate(zip(ids, hashes, strict=True)) if stored.get(rid) != h]
        encode = self.embedder.encode_documents if kind == JOB else self.embedder.encode_queries
        label = "嵌入岗位" if kind == JOB else "嵌入求职者"
        with tqdm(total=len(todo), desc=label, unit="条", disable=not show_progress or not todo) as bar:
            for start in range(0, len(todo), 256):  # commit as we go: an interrupted run keeps its work
                chunk = todo[start:start + 256]
                vectors = encode([texts[i] for i in chunk])
                repo.upsert_embeddings(session, kind=kind, model_id=self.model_id, ids=[ids[i] for i in chunk],
                                       hashes=[hashes[i] for i in chunk], vectors=vectors,
                                       texts=[texts[i] for i in chunk])
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
        embedded = self._embed_stale(session, JOB, ids, [job_text(j) for j in jobs], show_progress=show_progress,
                                     all_records=True)
        today = self.today()
        live = [j for j in jobs if _is_live(j, today)]
        hashes = repo.embedding_hashes(session, kind=JOB, model_id=self.model_id)
        self._load_index(session, JOB, {j.id: hashes[j.id] for j in live if j.id in hashes}, rebuild=rebuild)
        columns = JobColumns.from_facts(job_facts(j) for j in live)
        columns.compact()  # in region order: a region scope's rows are one block (see JobColumns.compact)
        columns.compact_on_remove = False  # queries read while writes land: compacted copies are swapped in
        self.job_columns = columns
        return SyncReport(JOB, len(jobs), embedded, len(live), len(jobs) - len(live), time.perf_counter() - started)

    def _sync_seekers(self, session: Session, show_progress: bool, rebuild: bool) -> SyncReport:
        started = time.perf_counter()
        seekers = repo.all_seekers(session)
        self._assign_occupations(session, (), seekers)
        session.commit()
        ids = [s.id for s in seekers]
        embedded = self._embed_stale(session, SEEKER, ids, [seeker_profile_text(s) for s in seekers],
                                     show_progress=show_progress, all_records=True)
        shown = [s for s in seekers if s.consent_to_share]
        hashes = repo.embedding_hashes(session, kind=SEEKER, model_id=self.model_id)
        self._load_index(session, SEEKER, {s.id: hashes[s.id] for s in shown if s.id in hashes}, rebuild=rebuild)
        columns = SeekerColumns.from_facts(seeker_facts(s) for s in shown)
        columns.compact()
        columns.compact_on_remove = False
        self.seeker_columns = columns
        return SyncReport(SEEKER, len(seekers), embedded, len(shown), len(seekers) - len(shown),
                          time.perf_counter() - started)

    # --- indexes ------------------------------------------------------------------------------

    def _load_index(self, session: Session, kind: str, wanted: dict[int, str], *, rebuild: bool) -> None:
        """Make the ``kind`` index hold exactly ``wanted`` (id → text hash), then save it if anything changed."""
        holder = self.indexes.get(kind)
        index = holder.current if holder is not None and not rebuild else self._load_or_new(kind, len(wanted), rebuild)
        changed = self._apply(session, index, kind, wanted)
        if holder is None:
            self.indexes[kind] = IndexHolder(index)
        elif holder.current is not index:
            holder.swap(index)
        if changed or not (self.index_dir / kind).exists():
            self.indexes[kind].save(self.index_dir / kind, {**self._manifest(), "kind": kind,
                                                            "last_change": self.clock().isoformat()})

    def _load_or_new(self, kind: str, n: int, rebuild: bool) -> VectorIndex:
        if not rebuild:
            try:
                return VectorIndex.load(self.index_dir / kind, expect=self._manifest())[0]
            except IndexLoadError as e:
                log.info("building the %s index afresh: %s", kind, e)
        return VectorIndex(self.embedder.dim, choose_spec(n, flat_threshold=self.settings.flat_threshold))

    def _apply(self, session: Session, index: VectorIndex, kind: str, wanted: dict[int, str]) -> bool:
        """Make ``index`` hold exactly ``wanted`` from stored vectors; True when anything changed."""
        to_add, to_remove = reconcile(wanted, index)
        index.remove(to_remove)
        if len(index) == 0 and to_add:  # one build: IVF trains on all vectors, not on the first chunk
            ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id, ids=to_add)
            index.build(ids, vectors, hashes, queries=self._calibration_queries(session, kind))
            return True
        for start in range(0, len(to_add), 5000):
            ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id,
                                                          ids=to_add[start:start + 5000])
            index.add(ids, vectors, hashes)
        return bool(to_add or to_remove)

    def _calibration_queries(self, session: Session, kind: str) -> np.ndarray | None:
        """What the ``kind`` index is asked with: seekers' vectors for postings, postings' for seekers."""
        sample = repo.sample_embeddings(session, kind=SEEKER if kind == JOB else JOB, model_id=self.model_id)
        return sample if len(sample) else None

    def _upsert(self, session: Session, kind: str, wanted: dict[int, str], gone: Sequence[int]) -> None:
        """Add or replace the ``wanted`` records whose vector the index lacks, drop ``gone``: cost ∝ records."""
        holder = self.indexes[kind]
        have = holder.current.hashes
        stale = [i for i, h in wanted.items() if have.get(i) != fingerprint(h)]
        for start in range(0, len(stale), 5000):
            ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id,
                                                          ids=stale[start:start + 5000])
            holder.add(ids, vectors, hashes)
        if gone:
            holder.remove(list(gone))
        if stale or gone:
            self._dirty.add(kind)
            self._respec_if_outgrown(kind)

    def _respec_if_outgrown(self, kind: str) -> None:
        """An index that grew (or shrank) past the flat threshold is rebuilt aside in the new spec and swapped in."""
        holder = self.indexes[kind]
        current = holder.current
        wanted = choose_spec(len(current), flat_threshold=self.settings.flat_threshold)
        if wanted.kind == current.spec.kind or len(current) < 2 * wanted.nlist or kind in self._respec:
            return
        if wanted.kind == "flat" and len(current) > self.settings.flat_threshold // 2:
            return  # hysteresis: shrink back to flat only well below the threshold

        def build() -> VectorIndex:
            with self.session_factory() as session:
                ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id,
                                                              ids=current.ids().tolist())
                queries = self._calibration_queries(session, kind)
            index = VectorIndex(self.embedder.dim, wanted)
            index.build(ids, vectors, hashes, queries=queries)
            return index

        def run() -> None:
            try:
                holder.rebuild(build)
                log.info("the %s index now uses %s", kind, holder.current.spec.describe())
                with self._write_lock:
                    self._dirty.add(kind)
            except Exception:
                log.exception("rebuilding the %s index in a new spec failed; the current one stays", kind)
            finally:
                self._respec.pop(kind, None)

        thread = threading.Thread(target=run, name=f"respec-{kind}", daemon=True)
        self._respec[kind] = thread
        thread.start()

    # --- change listener: called after a write's commit ----------------------------------------

    def jobs_changed(self, job_ids: Sequence[int]) -> None:
        """Called after a write's commit: the postings are matchable (or gone) when this returns."""
        with self._write_lock:
            if not self._ready:
                self._pending[0].update(job_ids)
                return
        self._batchers[JOB].submit(job_ids)

    def _jobs_changed(self, job_ids: list[int]) -> None:
        with self._write_lock, self.session_factory() as session:
            jobs = repo.all_jobs(session, ids=job_ids)
            self._assign_occupations(session, jobs, ())
            session.commit()
            texts = {j.id: job_text(j) for j in jobs}
            self._embed_stale(session, JOB, list(texts), list(texts.values()), show_progress=False)
            today = self.today()
            live = [j for j in jobs if _is_live(j, today)]
            live_ids = {j.id for j in live}
            gone = [int(i) for i in job_ids if int(i) not in live_ids]
            self._upsert(session, JOB, {j.id: text_hash(texts[j.id]) for j in live}, gone)
            self.job_columns.remove(gone)
            self.job_columns.upsert(job_facts(j) for j in live)
            if self.job_columns.wants_compaction():
                self.job_columns = self.job_columns.compacted()
            deleted = set(job_ids) - set(texts)
            if deleted:
                repo.delete_embeddings(session, kind=JOB, ids=sorted(deleted))
                session.commit()

    def seekers_changed(self, seeker_ids: Sequence[int]) -> None:
        """Called after a write's commit: the seekers are matchable (or gone) when this returns."""
        with self._write_lock:
            if not self._ready:
                self._pending[1].update(seeker_ids)
                return
        self._batchers[SEEKER].submit(seeker_ids)

    def _seekers_changed(self, seeker_ids: list[int]) -> None:
        with self._write_lock, self.session_factory() as session:
            seekers = repo.all_seekers(session, ids=seeker_ids)
            self._assign_occupations(session, (), seekers)
            session.commit()
            texts = {s.id: seeker_profile_text(s) for s in seekers}
            self._embed_stale(session, SEEKER, list(texts), list(texts.values()), show_progress=False)
            shown = [s for s in seekers if s.consent_to_share]
            shown_ids = {s.id for s in shown}
            gone = [int(i) for i in seeker_ids if int(i) not in shown_ids]
            self._upsert(session, SEEKER, {s.id: text_hash(texts[s.id]) for s in shown}, gone)
            self.seeker_columns.remove(gone)
            self.seeker_columns.upsert(seeker_facts(s) for s in shown)
            if self.seeker_columns.wants_compaction():
                self.seeker_columns = self.seeker_columns.compacted()
            deleted = set(seeker_ids) - set(texts)
            if deleted:
                repo.delete_embeddings(session, kind=SEEKER, ids=sorted(deleted))
                session.commit()

    # --- queries ------------------------------------------------------------------------------

    def _stored_vector(self, session: Session, kind: str, record_id: int, text: str) -> np.ndarray:
        """The stored embedding (never recomputed at query time); embedded once if missing or stale."""
        ids, hashes, vectors = repo.embedding_vectors(session, kind=kind, model_id=self.model_id, ids=[record_id])
        if len(ids) and hashes[0] == text_hash(text):
            return vectors[:1]
        encode = self.embedder.encode_documents if kind == JOB else self.embedder.encode_queries
        return encode([text])

    def _candidates_of(self, session: Session, kind: str) -> CandidatesOf:
        """Candidates' texts and float32 vectors as stored (texts built again only for rows stored before texts
        were kept)."""

        def candidates_of(ids: list[int]) -> Candidates:
            texts, vectors = repo.embedding_texts_and_vectors(session, kind=kind, model_id=self.model_id, ids=ids)
            missing = [i for i in ids if i not in texts]
            if missing:
                rows = repo.all_jobs(session, ids=missing) if kind == JOB else repo.all_seekers(session, ids=missing)
                texts.update({r.id: job_text(r) if kind == JOB else seeker_profile_text(r) for r in rows})
            return Candidates(texts, vectors)

        return candidates_of

    def encode_query(self, text: str) -> np.ndarray:
        """One free-text query's vector, encoded together with the queries arriving at the same time."""
        return self._query_encoder.submit(text)

    def jobs_for_seeker(self, session: Session, seeker: Seeker, *, filters: MatchFiltersIn, k: int,
                        scope_prefix: str | None) -> MatchList:
        with self._query_slots:
            return self._jobs_for_seeker(session, seeker, filters=filters, k=k, scope_prefix=scope_prefix)

    def _jobs_for_seeker(self, session: Session, seeker: Seeker, *, filters: MatchFiltersIn, k: int,
                         scope_prefix: str | None) -> MatchList:
        started = time.perf_counter()
        text = seeker_profile_text(seeker)
        vector = self._stored_vector(session, SEEKER, seeker.id, text)
        items, eligible, records = self._rank_jobs(session, vector, seeker_facts(seeker), text, filters, k,
                                                   scope_prefix)
        result = MatchList(items=items, eligible=eligible, model_id=self.model_id,
                           took_ms=round((time.perf_counter() - started) * 1000, 2))
        result._records = records
        return result

    def jobs_for_text(self, session: Session, request: TextMatchRequest, *, scope_prefix: str | None,
                      kiosk: bool = False) -> MatchList:
        """Ad-hoc: free text plus filters, nothing stored. Anonymous callers never see reserved posts."""
        started = time.perf_counter()
        vector = self.encode_query(request.text)[None, :]
        with self._query_slots:
            return self._jobs_for_text(session, request, vector, scope_prefix=scope_prefix, started=started)

    def _jobs_for_text(self, session: Session, request: TextMatchRequest, vector: np.ndarray, *,
                       scope_prefix: str | None, started: float) -> MatchList:
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
            filters = request.model_copy(update={"scope": RegionScopeIn.city if request.region_code else RegionScopeIn.anywhere})
        items, eligible, records = self._rank_jobs(session, vector, facts, normalize(request.text), filters,
                                                   request.k, scope_prefix)
        result = MatchList(items=items, eligible=eligible, model_id=self.model_id,
                           took_ms=round((time.perf_counter() - started) * 1000, 2))
        result._records = records
        return result

    def _options(self, filters: MatchFiltersIn) -> MatchFilters:
        scope = filters.scope.value
        region = RegionScope.within_km(filters.radius_km or 50) if scope == "radius" else RegionScope(ScopeKind(scope))
        return replace(self.policy.filters(), region=region, work_types=tuple(filters.work_types) or None)

    def _rank_jobs(self, session: Session, vector: np.ndarray, seeker: SeekerFacts, text: str,
                   filters: MatchFiltersIn, k: int, scope_prefix: str | None
                   ) -> tuple[list[MatchItem], int, dict[int, JobPosting]]:
        today = self.today()
        if filters.salary_floor is not None:
            seeker = replace(seeker, desired_salary_min=filters.salary_floor)
        if filters.region_code and not seeker.region_code:
            seeker = replace(seeker, region_code=filters.region_code)
        loaded: dict[int, JobPosting] = {}

        def facts_of(ids: list[int]) -> dict[int, JobFacts]:
            loaded.update({j.id: j for j in repo.all_jobs(session, ids=ids)})
            return {i: job_facts(loaded[i]) for i in ids if i in loaded}

        results, eligible = rank_jobs(
            index=self.indexes[JOB], columns=self.job_columns, vector=vector, seeker=seeker, query_text=text,
            options=self._options(filters), k=k, today=today, candidates_of=self._candidates_of(session, JOB),
            facts_of=facts_of, policy=self.policy, weights=self.weights, params=self.params,
            scope_prefix=scope_prefix, room_board=filters.room_board)
        kept = [r for r in results if r.id in loaded]
        return [_item(r, job=job_out(loaded[r.id], today=today)) for r in kept], eligible, {r.id: loaded[r.id] for r in kept}

    def candidates_for_job(self, session: Session, job: JobPosting, *, filters: MatchFiltersIn, k: int,
                           scope_prefix: str | None) -> MatchList:
        """Consenting seekers for a posting, with bounded priority for verified policy groups."""
        with self._query_slots:
            return self._candidates_for_job(session, job, filters=filters, k=k, scope_prefix=scope_prefix)

    def _candidates_for_job(self, session: Session, job: JobPosting, *, filters: MatchFiltersIn, k: int,
                            scope_prefix: str | None) -> MatchList:
        started = time.perf_counter()
        now = self.clock()
        text = job_text(job)
        loaded: dict[int, Seeker] = {}

        def facts_of(ids: list[int]) -> dict[int, SeekerFacts]:
            loaded.update({s.id: s for s in repo.all_seekers(session, ids=ids) if s.consent_to_share})
            return {i: seeker_facts(loaded[i]) for i in ids if i in loaded}

        results, eligible = rank_seekers(
            index=self.indexes[SEEKER], columns=self.seeker_columns,
            vector=self._stored_vector(session, JOB, job.id, text), job=job_facts(job), query_text=text,
            options=replace(self._options(filters), now=now), k=k, now=now,
            candidates_of=self._candidates_of(session, SEEKER), facts_of=facts_of, policy=self.policy, weights=self.weights,
            params=self.params, scope_prefix=scope_prefix)
        kept = [r for r in results if r.id in loaded]
        result = MatchList(items=[_item(r, seeker=seeker_out(loaded[r.id], now=now)) for r in kept], eligible=eligible,
                           model_id=self.model_id, took_ms=round((time.perf_counter() - started) * 1000, 2))
        result._records = {r.id: loaded[r.id] for r in kept}
        return result


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
