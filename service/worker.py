"""Embedding workers 嵌入进程: vectors are made off the request path.

A write commits and answers at once; its records wait in ``embed_queue`` (``matching: pending``). A worker
claims a batch (a lease with an expiry, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), commits the claim, codes
postings' occupations and embeds the texts whose stored vector is missing or came from other text, and in one
transaction stores the vectors, appends the records to the change log and removes the queue rows still at the
version it claimed. So a worker killed mid-batch loses nothing (its claim runs out and another worker takes
the rows) and never stores a vector twice; a record written again while it was being embedded stays queued.

Serving comes first. A bulk import's backlog is embedded in a compute thread of its own at a low CPU priority
(``SCHED_IDLE`` by default: it gets only CPU time no request wants, and the threads the model starts inherit
that); records written on their own (a posting saved from a form: queue priority 0) are claimed first, in
batches of their own, and embedded at normal priority in another thread, so they become matchable in about a
second even while the machine is busy serving. The claims and the short write transactions stay at normal
priority: a starved thread holding SQLite's write lock or PostgreSQL's change-log lock would stall every
writer behind it.

``rengang worker`` runs one anywhere (another machine, a GPU); ``rengang serve`` starts them beside the API
processes; a service started without them (tests, one process) runs one in a thread.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy import update

from matching.embedder import Embedder, text_hash
from matching.lexical import default_lexicon
from matching.occupations import OccupationCoder
from service import changes, repository as repo, repository_changes as queue
from service.facts import job_text, seeker_profile_text
from service.models import JobPosting, Seeker
from service.settings import Settings

log = logging.getLogger("rengang.worker")

JOB, SEEKER = changes.JOB, changes.SEEKER


@dataclass
class WorkerStats:
    batches: int = 0
    records: int = 0  # queue rows finished
    embedded: int = 0  # texts encoded
    encode_seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=lambda: {JOB: 0, SEEKER: 0})


class EmbeddingWorker:
    """Claims queued records, embeds what is stale, stores vectors and change rows in one transaction."""

    def __init__(self, *, settings: Settings, session_factory: sessionmaker[Session], embedder: Embedder,
                 coder: OccupationCoder | None = None, batch: int | None = None, name: str | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 on_embedded: Callable[[str, int, float], None] | None = None, saves_snapshots: bool = False):
        self.settings = settings
        self.session_factory = session_factory
        self.embedder = embedder
        self.coder = coder or OccupationCoder.with_embedder(embedder, lexicon=default_lexicon(),
                                                            cache_dir=settings.resolved_models_dir / "cache")
        # Claim at least two forward passes' worth: 64 on a CPU (passes of 16), 512 on a GPU (passes of 256).
        self.batch = batch or max(settings.embed_batch, 2 * int(getattr(embedder, "batch_size", 0) or 0))
        self.name = name or f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self.lease = timedelta(seconds=settings.embed_claim_seconds)
        self.stats = WorkerStats()
        self.on_embedded = on_embedded
        self._wake = threading.Event()
        self._compute = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding-compute",
                                           initializer=set_thread_cpu_priority,
                                           initargs=(settings.embed_cpu_priority,))
        self._urgent = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding-urgent")
        # Snapshots are built beside the embedding, not in its place (a 100k build takes a minute at idle priority).
        self._snapshot_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshots",
                                                 initializer=set_thread_cpu_priority,
                                                 initargs=(settings.embed_cpu_priority,))
        self._snapshot_run = None
        self.saves_snapshots = saves_snapshots  # this machine's index snapshots, at the embedding's priority
        self.prepared = threading.Event()  # set once the occupation catalogue is embedded (or read from its cache)
        self.running = threading.Event()  # cleared: the loop claims nothing until set again
        self.running.set()

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    def wake(self) -> None:
        self._wake.set()

    # --- one round -----------------------------------------------------------------------------------------

    def queue_missing(self) -> int:
        """Queue the records that have no vector of this model and are not queued (after a model change)."""
        with self.session_factory() as session:
            rows = []
            for kind in (JOB, SEEKER):
                now = self.clock()
                rows += [{"kind": kind, "record_id": i, "version": 1, "queued_at": now}
                         for i in queue.records_without_vectors(session, kind=kind, model_id=self.model_id)]
            if rows:
                changes.enqueue(session, rows)
                session.commit()
        if rows:
            log.info("queued %d records without a vector of %s", len(rows), self.model_id)
        return len(rows)

    def run_once(self) -> int:
        """Claim one batch and finish it; the number of queue rows finished (0: nothing to do).

        Reading and embedding come first, outside any write transaction (SQLite has one writer: the API's writes
        must never wait for the model); the writes then go in one short transaction.
        """
        compute = self._urgent
        with self.session_factory() as session:
            claimed = queue.claim(session, worker=self.name, limit=self.batch, now=self.clock(), lease=self.lease,
                                  priority=changes.URGENT)
            if not claimed:
                compute = self._compute
                claimed = queue.claim(session, worker=self.name, limit=self.batch, now=self.clock(), lease=self.lease)
            session.commit()
        if not claimed:
            return 0
        writes = compute.submit(self._plans, claimed).result()
        with self.session_factory() as session:
            for write in writes:
                write(session)
            queue.release_done(session, done=claimed)
            session.commit()
        self.stats.batches += 1
        self.stats.records += len(claimed)
        return len(claimed)

    def _plans(self, claimed: list[tuple[str, int, int]]) -> list[Callable[[Session], None]]:
        """In the compute thread: read the claimed records, code and embed them (no write transaction open)."""
        with self.session_factory() as session:
            writes = [self._plan(session, kind, [c[1] for c in claimed if c[0] == kind]) for kind in (JOB, SEEKER)]
            session.rollback()  # end the read transaction
        return writes

    def _save_snapshots(self) -> list[str]:
        from service.replica import Replica  # the replica's builder, without following the log

        if getattr(self, "_snapshots", None) is None:
            self._snapshots = Replica(settings=self.settings, session_factory=self.session_factory,
                                      model_id=self.model_id, dim=self.embedder.dim, clock=self.clock)
        return self._snapshots.save_due()

    def _save_snapshots_logged(self) -> None:
        try:
            self._save_snapshots()
        except Exception:
            log.exception("saving snapshots failed; the log keeps everything they would hold")

    def close(self) -> None:
        self._compute.shutdown(wait=True)
        self._urgent.shutdown(wait=True)
        self._snapshot_pool.shutdown(wait=True)
        if getattr(self, "_snapshots", None) is not None:
            self._snapshots.drop_snapshot_lease()

    def drain(self, *, timeout: float | None = None) -> int:
        """Run rounds until the queue is empty (or ``timeout`` seconds pass); the rows finished."""
        deadline = None if timeout is None else time.monotonic() + timeout
        total = 0
        while deadline is None or time.monotonic() < deadline:
            n = self.run_once()
            if not n:
                break
            total += n
        return total

    def _plan(self, session: Session, kind: str, ids: list[int]) -> Callable[[Session], None]:
        """Read the records, code occupations and embed what is stale; returns the writes to make."""
        if not ids:
            return lambda _session: None
        records = repo.all_jobs(session, ids=ids) if kind == JOB else repo.all_seekers(session, ids=ids)
        present = {r.id for r in records}
        gone = [i for i in ids if i not in present]  # deleted: their vectors go too
        coded = self._code_jobs(records) if kind == JOB else self._code_seekers(records)
        texts = [job_text(r) if kind == JOB else seeker_profile_text(r) for r in records]
        hashes = [text_hash(t) for t in texts]
        stored = repo.embedding_hashes(session, kind=kind, model_id=self.model_id, ids=list(present))
        todo = sorted((i for i, r in enumerate(records) if stored.get(r.id) != hashes[i]), key=lambda i: len(texts[i]))
        vectors, seconds = None, 0.0
        if todo:  # length-sorted: little padding in each forward pass
            encode = self.embedder.encode_documents if kind == JOB else self.embedder.encode_queries
            started = time.perf_counter()
            vectors = encode([texts[i] for i in todo])
            seconds = time.perf_counter() - started
        done_ids = [records[i].id for i in todo]

        def write(session: Session) -> None:
            if gone:
                repo.delete_embeddings(session, kind=kind, ids=gone)
            for record_id, values in coded.items():
                table = JobPosting if kind == JOB else Seeker
                condition = JobPosting.occupation_code.is_(None) if kind == JOB else Seeker.id == record_id
                session.execute(update(table).where(table.id == record_id, condition).values(**values)
                                .execution_options(synchronize_session=False))
            if coded:
                changes.touch(session, kind, list(coded), embed=False)
            if done_ids:
                repo.upsert_embeddings(session, kind=kind, model_id=self.model_id, ids=done_ids,
                                       hashes=[hashes[i] for i in todo], vectors=vectors,
                                       texts=[texts[i] for i in todo])
                changes.touch(session, kind, done_ids, embed=False)
                self.stats.embedded += len(done_ids)
                self.stats.encode_seconds += seconds
                self.stats.by_kind[kind] += len(done_ids)
                if self.on_embedded is not None:
                    self.on_embedded(kind, len(done_ids), seconds)

        return write

    def _code_jobs(self, jobs: Sequence[JobPosting]) -> dict[int, dict]:
        """Code postings without an occupation to 大典 细类 (part of the text that is embedded)."""
        todo = [j for j in jobs if not j.occupation_code]
        if not todo:
            return {}
        hits = self.coder.code_many([j.title for j in todo], [j.description or "" for j in todo], k=1)
        coded = {}
        for job, best in zip(todo, hits, strict=True):
            if best:
                set_committed_value(job, "occupation_code", best[0].code)  # the text embedded below names it
                coded[job.id] = {"occupation_code": best[0].code, "occupation_auto": True}
        return coded

    def _code_seekers(self, seekers: Sequence[Seeker]) -> dict[int, dict]:
        todo = [s for s in seekers if s.desired_occupations and not s.desired_occupation_codes]
        # Each distinct name once, in one call: many seekers want the same few occupations.
        names = list(dict.fromkeys(name for s in todo for name in s.desired_occupations))
        if not names:
            return {}
        hits = dict(zip(names, self.coder.code_many(names, k=1), strict=True))
        coded = {}
        for seeker in todo:
            codes = list(dict.fromkeys(hits[n][0].code for n in seeker.desired_occupations if hits[n]))
            if codes:
                set_committed_value(seeker, "desired_occupation_codes", codes)
                coded[seeker.id] = {"desired_occupation_codes": codes}
        return coded

    # --- the loop ------------------------------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, idle_seconds: float = 0.5) -> None:
        """Work until ``stop`` is set: rounds back to back while there is work, else wait for a wake or a poll."""
        try:
            # The occupation catalogue's vectors: embedded once per model, then cached.
            self._compute.submit(self.coder.prepare).result()
            self.prepared.set()
            self.queue_missing()
        except Exception:
            log.exception("could not prepare the worker")
        next_snapshot = time.monotonic()
        while not stop.is_set():
            idle_saver = self._snapshot_run is None or self._snapshot_run.done()
            if self.saves_snapshots and idle_saver and time.monotonic() >= next_snapshot:
                next_snapshot = time.monotonic() + (self.settings.index_save_seconds or 30)
                self._snapshot_run = self._snapshot_pool.submit(self._save_snapshots_logged)
            if not self.running.is_set():
                self.running.wait(idle_seconds)
                continue
            try:
                n = self.run_once()
            except Exception:
                log.exception("embedding round failed; retrying")
                n = 0
                stop.wait(2.0)
            if not n:
                self._wake.wait(idle_seconds)
                self._wake.clear()
        try:
            with self.session_factory() as session:
                queue.release_claims(session, worker=self.name)
                session.commit()
        except Exception:
            log.exception("could not hand back claims; they run out by themselves")
        self.close()


def set_thread_cpu_priority(priority: str) -> None:
    """The calling thread's CPU priority (Linux: per thread; threads it starts later inherit it).

    ``idle``: ``SCHED_IDLE``, run only when no other thread wants the CPU; ``low``: nice 10; ``normal``: as is.
    A thread can always lower its own priority; where the platform lacks ``SCHED_IDLE``, ``idle`` is nice 19.
    """
    if priority == "normal":
        return
    try:
        if priority == "idle" and hasattr(os, "SCHED_IDLE"):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        else:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19 if priority == "idle" else 10)
    except OSError:
        log.warning("could not lower the embedding thread's CPU priority to %s", priority)
