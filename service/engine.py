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
from functools import lru_cache
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
from matching.facts import WORK_TYPE_CODE
from matching.occupations import project_aliases, shared_coder
from matching.postings import same_posting, shingles
from matching.ranking import Asked, MatchResult, ScoringParams, Weights
from matching.records import Card, job_facts_from_plain, seeker_facts_from_plain
from matching.understand import NEAR_HOME, Understanding, posting_intents, understand
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
# The semantic range was chosen by nDCG@10 on both dev sets (`rengang eval matching`; e5-small, "query: " on both
# sides: unrelated postings sit near cosine 0.86, relevant ones near 0.91). The relevance floors were read off the
# realistic set's 78 free-text asks, top 50 each: below 0.22 lie 59% of the postings judged irrelevant and 2 of the
# 357 judged best; below 0.35, 97.6% of the irrelevant ones.
SEMANTIC_FLOOR, SEMANTIC_CEILING = 0.78, 0.96
MIN_RELEVANCE = 0.22  # a result less relevant than this is not shown (ranking.ScoringParams.min_relevance)
CLEARLY_RELEVANT = 0.35  # a place's own weak results give way to results this relevant elsewhere
DUPLICATE_COSINE = 0.95  # postings this close may be one posting published again; their texts decide
TEXT_OCCUPATION_SHARE = 0.5  # an occupation read from a few words counts half as much as one a profile states
OCCUPATION_CONFIDENCE = 0.4  # an occupation the coder is less sure of is not taken as understood
_WORK_TYPE_OF = {code: wt.value for wt, code in WORK_TYPE_CODE.items()}


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
    understood: dict | None = None  # what a free-text request was read as (``Understood``'s shape)
    notice: str | None = None  # what the asker should be told (few results fit; a place with none)


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
        self.params = ScoringParams(semantic_floor=SEMANTIC_FLOOR, semantic_ceiling=SEMANTIC_CEILING,
                                    min_relevance=MIN_RELEVANCE)

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
        """Postings for a stored seeker (read once by the caller; their flags loaded with them). What they wrote of
        themselves is read like a free-text request for its intents (包住, 兼职, 学徒 …)."""
        started = time.perf_counter()
        with self._query_slots:
            text = seeker_profile_text(seeker)
            vector = self._vector_of(session, self.replica.views[SEEKER], SEEKER, seeker.id, text)
            said = understand(" ".join([*seeker.desired_occupations, seeker.self_intro or ""]))
            facts = seeker_facts(seeker)
            asked = Asked(intents=tuple(i for i in said.intents if i != NEAR_HOME),
                          terms=tuple(seeker.desired_occupations), near_home=NEAR_HOME in said.intents)
            ranked = self._rank_jobs(vector, facts, text, filters, k, scope_prefix, started, asked=asked)
        occupations = refdata.occupations()
        profile = replace(said, skills=tuple(seeker.skills), place=None, age=None, education=None, topic="",
                          salary_floor=None if seeker.desired_salary_min is None else int(seeker.desired_salary_min),
                          occupations=tuple((c, occupations[c].clean_name, 1.0)
                                            for c in seeker.desired_occupation_codes if c in occupations))
        ranked.understood = profile.to_plain()  # what the profile asks for, read the same way as free text
        return ranked

    def understand(self, text: str, skills: tuple[str, ...] = ()) -> Understanding:
        """A free-text request read (:func:`matching.understand.understand`), with its skills from the lexicon and
        its occupations from the coder: only one the coder is fairly sure of (``OCCUPATION_CONFIDENCE`` of the
        softmax over its five best) and that a word of the request itself names (an occupation the coder reached
        through a company word or a guess is worse than none: the occupation score would trust it)."""
        said = understand(text)
        said = said.with_skills(tuple(dict.fromkeys([*skills, *self.lexicon.extract_skills(text)])))
        topic = said.topic or said.text
        if not topic:
            return said
        return said.with_occupations(self._occupations_named(topic))

    @lru_cache(maxsize=4096)  # noqa: B019 - one engine per process; kiosks repeat the same few words all day
    def _occupations_named(self, topic: str) -> tuple[tuple[str, str, float], ...]:
        hits = shared_coder().code(topic, "", k=5)  # ~6 ms: the coder's BM25 and n-grams over every 细类
        if not hits or hits[0].score <= 0:
            return ()
        scores = np.array([h.score for h in hits], dtype=np.float64)
        share = np.exp(scores - scores.max())
        share /= share.sum()
        # Chinese words only: a tool's name (SQL, Python) is a skill several occupations share, not an occupation
        words = [w for w in self.lexicon.tokens(topic) if len(w) >= 2 and not w.isascii()]
        return tuple((h.code, h.name, float(p)) for h, p in zip(hits, share, strict=True)
                     if p >= OCCUPATION_CONFIDENCE and _named_by(h.code, words))[:2]

    def jobs_for_text(self, session: Session | None, request: TextMatchRequest, *, scope_prefix: str | None) -> Ranked:
        """Ad-hoc: free text plus filters, nothing stored (and no database read). The text is understood first
        (occupation, skills, intents, pay, place, age; :meth:`understand`); what the request's own fields say wins
        over what the text was read as. Anonymous callers never see reserved posts, and a fact they did not give
        (schooling, age) neither filters nor is stated."""
        started = time.perf_counter()
        vector = self.encode_query(request.text)[None, :]
        said = self.understand(request.text, tuple(request.skills))
        today = self.today()
        age = request.age or said.age
        birth = date(today.year - age, today.month, min(today.day, 28)) if age else None
        centroid = refdata.county_centroid(request.region_code) if request.region_code else None
        education = request.education or said.education
        unstated = frozenset(k for k, v in (("education", education), ("age", age)) if v is None)
        floor = request.salary_floor if request.salary_floor is not None else said.salary_floor
        facts = SeekerFacts(id=0, birth_date=birth, education=education, graduation_date=None,
                            region_code=request.region_code or "", lat=centroid[0] if centroid else None,
                            lon=centroid[1] if centroid else None, skills=said.skills,
                            desired_occupation_codes=tuple(c for c, _, _ in said.occupations),
                            desired_salary_min=floor,
                            willing_to_relocate=request.region_code is None)
        notes: list[str] = []
        filters = request
        place = None
        if request.scope.value == "desired":
            filters = request.model_copy(update={"scope": RegionScopeIn.city if request.region_code
                                                 else RegionScopeIn.anywhere})
            if said.place is not None:  # a place said in the words beats where the device stands
                place = said.place.code
                filters = filters.model_copy(update={"scope": RegionScopeIn.anywhere})
        elif said.place is not None:
            notes.append(f"已按您选择的范围查找，未按“{said.place.name}”筛选")
        near_home = NEAR_HOME in said.intents
        if near_home and not request.region_code:
            notes.append("未提供您的位置，无法按离家远近排序")
        asked = Asked(intents=tuple(i for i in said.intents if i != NEAR_HOME), terms=self._terms(said),
                      near_home=near_home and bool(request.region_code))
        # A student or young graduate asking (实习, 应届, 研一 …, or aged 16–24) sees 见习岗位 on their word.
        declared = said.student or (age is not None and 16 <= age <= 24)
        # An occupation read from a few words is a guess the words themselves already carry: it only breaks ties.
        weights = replace(self.weights, occupation=self.weights.occupation * TEXT_OCCUPATION_SHARE)
        with self._query_slots:
            ranked = self._rank_jobs(vector, facts, normalize(request.text), filters, request.k,
                                     _within(scope_prefix, place), started, asked=asked, unstated=unstated,
                                     weights=weights, internship_declared=declared)
            strong = [r for r in ranked.results if r.relevance >= CLEARLY_RELEVANT]
            if place is not None and len(strong) < request.k:
                # Few clearly relevant postings in the place said: the relevant ones elsewhere come next, before
                # the place's weak ones (a 园林 job in the next city beats a 保洁 job in this county).
                wide = self._rank_jobs(vector, facts, normalize(request.text), filters, request.k, scope_prefix,
                                       started, asked=asked, unstated=unstated, weights=weights,
                                       internship_declared=declared)
                shown = {i for r in ranked.results for i in (r.id, *r.similar)}
                elsewhere = [r for r in wide.results if r.relevance >= CLEARLY_RELEVANT
                             and not ({r.id, *r.similar} & shown)][: request.k - len(strong)]
                if elsewhere:
                    notes.append(f"{said.place.name}的相关岗位较少，已补充其他地区的岗位" if strong
                                 else f"{said.place.name}暂无合适岗位，已为您扩大到其他地区")
                    weak = [r for r in ranked.results if r.relevance < CLEARLY_RELEVANT]
                    results = [*strong, *elsewhere, *weak][: request.k]
                    cards = ranked.cards | wide.cards
                    ranked = replace(ranked, results=results, cards={r.id: cards[r.id] for r in results},
                                     eligible=max(ranked.eligible, wide.eligible),
                                     notice=_few(sum(1 + len(r.similar) for r in results), request.k,
                                                 max(ranked.eligible, wide.eligible), "岗位"))
        plain = said.to_plain()
        plain["notes"] = notes
        ranked.understood = plain
        return ranked

    def _terms(self, said: Understanding) -> tuple[str, ...]:
        """The request's topical words as the person wrote them (Qt, not qt), for explanations ("岗位名称含“Qt”")."""
        lower = said.topic.lower()
        words = []
        for token in self.lexicon.tokens(said.topic):
            if len(token) < 2 and not token.isascii():
                continue
            at = lower.find(token)
            words.append(said.topic[at:at + len(token)] if at >= 0 else token)
        return tuple(dict.fromkeys([*words, *said.skills]))

    def _options(self, filters: MatchFiltersIn, unstated: frozenset[str] = frozenset(),
                 internship_declared: bool = False) -> MatchFilters:
        scope = filters.scope.value
        region = RegionScope.within_km(filters.radius_km or 50) if scope == "radius" else RegionScope(ScopeKind(scope))
        return replace(self.policy.filters(), region=region, work_types=tuple(filters.work_types) or None,
                       room_board=bool(filters.room_board), unstated=unstated,
                       internship_declared=internship_declared)

    def _intents_of(self, view: View):
        columns, store = view.columns, view.store

        def intents_of(ids: list[int]) -> dict[int, frozenset[str]]:
            texts = store.texts(ids)
            rows = columns.rows_of(np.asarray(ids, dtype=np.int64))
            out = {}
            for record_id, row in zip(ids, rows, strict=True):
                if row < 0:
                    continue
                out[int(record_id)] = posting_intents(
                    texts.get(int(record_id), ""), work_type=_WORK_TYPE_OF.get(int(columns.work_type[row])),
                    room_board=bool(columns.room_board[row]))
            return out

        return intents_of

    def _rank_jobs(self, vector: np.ndarray, seeker: SeekerFacts, text: str, filters: MatchFiltersIn, k: int,
                   scope_prefix: str | None, started: float, *, asked: Asked | None = None,
                   unstated: frozenset[str] = frozenset(), weights: Weights | None = None,
                   internship_declared: bool = False) -> Ranked:
        today = self.today()
        if filters.salary_floor is not None:
            seeker = replace(seeker, desired_salary_min=filters.salary_floor)
        if filters.region_code and not seeker.region_code:
            seeker = replace(seeker, region_code=filters.region_code)
        view = self.replica.views[JOB]
        candidates_of, facts_of, cosines_of, cards = store_readers(view.columns, view.store, job_facts_from_plain)
        results, eligible = rank_jobs(
            index=view.index, columns=view.columns, vector=vector, seeker=seeker, query_text=text,
            options=self._options(filters, unstated, internship_declared), k=k, today=today,
            candidates_of=candidates_of,
            facts_of=facts_of, policy=self.policy, weights=weights or self.weights, params=self.params,
            scope_prefix=scope_prefix, cosines_of=cosines_of, asked=asked, intents_of=self._intents_of(view),
            duplicate_cosine=DUPLICATE_COSINE, same_posting=_same_posting_in(view.store))
        cards.update(view.store.cards([r.id for r in results if r.id not in cards]))
        kept = [r for r in results if r.id in cards]
        return Ranked(kind=JOB, results=kept, cards={r.id: cards[r.id] for r in kept}, eligible=eligible,
                      model_id=self.model_id, took_ms=round((time.perf_counter() - started) * 1000, 2),
                      now=self.clock(), notice=_few(sum(1 + len(r.similar) for r in kept), k, eligible, "岗位"))

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
                          model_id=self.model_id, took_ms=round((time.perf_counter() - started) * 1000, 2), now=now,
                          notice=_few(len(kept), k, eligible, "求职者"))


def _few(shown: int, k: int, eligible: int, what: str) -> str | None:
    """Said when fewer than asked are shown although more passed the filters: the rest were not relevant enough."""
    if shown >= k or eligible <= shown:
        return None
    if shown == 0:
        return f"符合条件的{what}中，暂无与需求相关的，请换个说法或放宽条件"
    return f"与需求相关的{what}只有{shown}个，其余不太相关，未列出"


def _same_posting_in(store):
    """Whether two postings the store holds are one posting published again (by their texts' shingles, each
    worked out once per query)."""
    memo: dict[int, frozenset[str]] = {}

    def pieces(record_id: int) -> frozenset[str]:
        if record_id not in memo:
            memo[record_id] = shingles(store.texts([record_id]).get(record_id, ""))
        return memo[record_id]

    return lambda a, b: same_posting(pieces(a), pieces(b))


@lru_cache(maxsize=1)
def _project_aliases() -> dict[str, tuple[str, ...]]:
    return project_aliases()


def _named_by(code: str, words: list[str]) -> bool:
    """A request's words name this 细类: one of them is part of its name or one of its aliases (the
    classification's and the project's), or contains one."""
    occ = refdata.occupations().get(code)
    if occ is None or not words:
        return False
    names = [occ.clean_name, *occ.aliases, *_project_aliases().get(code, ())]
    return any(w in n or (len(n) >= 2 and n in w) for w in words for n in names if n)


def _within(prefix: str | None, place: str | None) -> str | None:
    """The narrower of an officer's region scope and a place said in a request (a place outside the scope: the
    scope, so nothing beyond it is ever shown)."""
    if not place:
        return prefix
    if not prefix or place.startswith(prefix):
        return place
    return prefix
