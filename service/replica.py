"""This process's copy of what matching reads, following the database's change log 副本.

Per kind (postings, consenting seekers) a :class:`View`: a :class:`~indexes.layered.LayeredIndex` — the newest
snapshot, memory-mapped and shared with the other processes on the machine, plus this process's delta — the
filter columns, and a :class:`~matching.records.RecordStore` with each record's float32 vector, text and card
(what a result shows), so a match reads no database. At start it loads the snapshot (the index, and the columns
and records saved beside it, the records memory-mapped) and replays the change log
from the sequence the snapshot reflects (or, with no usable snapshot, builds one from the records and vectors
stored in the database: it never embeds). Then it
follows the log: each change names a record, which is read again and put in (or taken out of) the index and
the columns as it now stands. A record whose vector is not stored yet waits outside both (``matching: pending``).

One process per snapshot directory at a time holds the ``snapshot:`` lease: when the deltas have grown, it
builds a new snapshot from the stored vectors and saves it; every replica on the machine swaps to it. That is
an API process, or (``snapshot_saver=worker``, as ``rengang serve`` with workers sets it) an embedding worker,
which builds at its low CPU priority instead of taking a core from the requests.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from indexes import IndexLoadError, VectorIndex, choose_spec
from indexes import snapshots
from indexes.layered import LayeredIndex
from matching import postings
from matching.facts import JobColumns, SeekerColumns
from matching.records import RecordStore
from service import changes, repository as repo, repository_changes as log_repo
from service.facts import job_facts, job_text, seeker_facts, seeker_profile_text
from service.models import JobPosting
from service.presenters import job_card, seeker_card
from service.settings import Settings

log = logging.getLogger("rengang.replica")

JOB, SEEKER = changes.JOB, changes.SEEKER
FOLLOW_BATCH = 5000  # change rows read at a time
COLUMNS = "columns."  # the snapshot's arrays that are filter columns
RECORDS = "records."  # the snapshot's memory-mapped arrays that are the record store
READ_CHUNK = 2000  # records read again at a time


def is_live(job: JobPosting, today: date) -> bool:
    """Open, not past valid_until, and not yet filled: the postings matching may offer."""
    return postings.is_matchable(job.status, job.valid_until, job.headcount, job.hired_count, today)


@dataclass
class LoadReport:
    kind: str
    source: str  # "snapshot" | "built"
    indexed: int
    replayed: int
    seconds: float
    replay_seconds: float = 0.0


@dataclass
class Base:
    """What a replica starts from: an index, the filter columns and the record store of the same records, at
    ``seq`` of the log (the columns in region order, slot ``i`` of the store is row ``i``)."""

    index: VectorIndex
    columns: JobColumns | SeekerColumns
    store: RecordStore
    seq: int


@dataclass(frozen=True)
class View:
    """What a query of one kind reads, swapped as a whole: a query takes the view once and reads the index, the
    columns and the store that belong together (a compaction or a newer snapshot makes a new view)."""

    index: LayeredIndex
    columns: JobColumns | SeekerColumns
    store: RecordStore


class Replica:
    """Indexes and columns of both kinds, applied up to ``applied_seq`` of the change log."""

    def __init__(self, *, settings: Settings, session_factory: sessionmaker[Session], model_id: str, dim: int,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.settings = settings
        self.session_factory = session_factory
        self.model_id = model_id
        self.dim = dim
        self.clock = clock
        self.views: dict[str, View] = {}
        self.applied_seq = 0
        self.head_seq = 0
        self.last_load: list[LoadReport] = []
        self.name = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = threading.RLock()  # one writer of the indexes/columns at a time; readers never wait
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.following = threading.Event()  # cleared: the follow loop waits (catch_up still works when called)
        self.following.set()
        self._threads: list[threading.Thread] = []

    @property
    def indexes(self) -> dict[str, LayeredIndex]:
        return {kind: view.index for kind, view in self.views.items()}

    @property
    def job_columns(self) -> JobColumns:
        return self.views[JOB].columns if JOB in self.views else JobColumns()

    @property
    def seeker_columns(self) -> SeekerColumns:
        return self.views[SEEKER].columns if SEEKER in self.views else SeekerColumns()

    @property
    def stores(self) -> dict[str, RecordStore]:
        return {kind: view.store for kind, view in self.views.items()}

    @property
    def root(self) -> Path:
        return self.settings.resolved_index_dir

    def _manifest(self) -> dict:
        return {"model_id": self.model_id, "dim": self.dim}

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    # --- loading -------------------------------------------------------------------------------------------

    def load(self) -> list[LoadReport]:
        """Snapshot (index and filter columns, or a build from the database) + the log since it, for both kinds."""
        with self._lock:
            reports, seqs = [], {}
            for kind in (JOB, SEEKER):
                started = time.perf_counter()
                base, source = self._base(kind)
                self.views[kind] = self._view(base)
                seqs[kind] = base.seq
                reports.append(LoadReport(kind, source, len(base.index), 0, time.perf_counter() - started))
            self.applied_seq = min(seqs.values())
            started = time.perf_counter()
            replayed = self._replay_since(seqs)
            self.head_seq = max(self.head_seq, self.applied_seq)
            for report in reports:
                report.replayed = replayed.get(report.kind, 0)
                report.replay_seconds = time.perf_counter() - started
            self.last_load = reports
            return reports

    @staticmethod
    def _view(base: Base) -> View:
        base.columns.compact_on_remove = False  # queries read while writes land: compacted copies are swapped in
        return View(LayeredIndex(base.index, seq=base.seq), base.columns, base.store)

    def _base(self, kind: str) -> tuple[Base, str]:
        """The newest snapshot of ``kind`` if it fits this model, holds columns and records that agree with its
        index, and the log still reaches back to it; else one built from the database (never embedding)."""
        try:
            snap = snapshots.load_snapshot(self.root / kind, expect=self._manifest(), mmap=self.settings.index_mmap)
            base = self._snapshot_base(kind, snap)
        except IndexLoadError as e:
            log.info("no usable %s snapshot (%s): building one from the stored vectors", kind, e)
        else:
            with self.session_factory() as session:
                low, high = log_repo.log_bounds(session)
            if snap.seq <= high and (low == 0 or low <= snap.seq + 1):
                return base, "snapshot"
            log.info("the %s snapshot reflects change %d, the log holds %d-%d: building afresh", kind, snap.seq,
                     low, high)
        base = self.build_base(kind)
        if self.holds_snapshot_lease():
            self.save_base(kind, base)
        return base, "built"

    def _snapshot_base(self, kind: str, snap: snapshots.Snapshot) -> Base:
        """The snapshot's index with the columns and records saved beside it; IndexLoadError if they are missing
        (a snapshot of an earlier version) or do not agree with the index."""
        cls = JobColumns if kind == JOB else SeekerColumns
        saved = {k.removeprefix(COLUMNS): v for k, v in snap.arrays.items() if k.startswith(COLUMNS)}
        records = {k.removeprefix(RECORDS): v for k, v in snap.mapped.items() if k.startswith(RECORDS)}
        if not saved or not records:
            raise IndexLoadError("the snapshot holds no filter columns or records")
        try:
            columns = cls.from_arrays(saved)
            store = RecordStore.from_arrays(records, self.dim)
        except ValueError as e:
            raise IndexLoadError(f"the snapshot's columns or records are unusable: {e}") from None
        if not np.array_equal(np.sort(columns.ids), np.sort(snap.index.ids())):
            raise IndexLoadError("the snapshot's columns name other records than its index")
        if not (np.array_equal(np.asarray(records["ids"]), columns.ids)
                and np.array_equal(columns.slot, np.arange(len(columns.ids)))):
            raise IndexLoadError("the snapshot's records are not laid out as its columns")
        return Base(snap.index, columns, store, snap.seq)

    def build_base(self, kind: str) -> Base:
        """An index and filter columns of every record of ``kind`` that matching may offer and that has a stored
        vector, at the log's head."""
        with self.session_factory() as session:
            seq = changes.head(session)
            records = self._matchable(session, kind)
            wanted = np.fromiter((r.id for r in records), np.int64, len(records))
            ids, hashes, vectors, stored = repo.embedding_vectors_and_texts(session, kind=kind,
                                                                           model_id=self.model_id, ids=None)
            keep = np.isin(ids, wanted)
            ids, vectors = ids[keep], vectors[keep] if len(vectors) else vectors
            hashes = [h for h, k in zip(hashes, keep, strict=True) if k]
            stored = [t for t, k in zip(stored, keep, strict=True) if k]
            queries = repo.sample_embeddings(session, kind=SEEKER if kind == JOB else JOB, model_id=self.model_id)
            indexed = set(ids.tolist())
            by_id = {r.id: r for r in records if r.id in indexed}
            facts = {i: (job_facts if kind == JOB else seeker_facts)(r) for i, r in by_id.items()}
            columns = (JobColumns if kind == JOB else SeekerColumns).from_facts(facts.values())
            columns.compact()  # in region order: a region scope's rows are one block, in the store too
            order = columns.ids.copy()
            row_of = {int(i): r for r, i in enumerate(ids.tolist())}
            texts, cards = self._texts_and_cards(kind, [by_id[int(i)] for i in order], [facts[int(i)] for i in order],
                                                 [stored[row_of[int(i)]] for i in order])
            laid = RecordStore(self.dim)
            laid.put(order, vectors[[row_of[int(i)] for i in order]] if len(order) else np.zeros((0, self.dim)),
                     texts, cards)
            store = RecordStore.from_arrays(laid.to_arrays(order), self.dim)
            columns.set_slots(np.arange(len(order)))
        index = VectorIndex(self.dim, choose_spec(len(ids), flat_threshold=self.settings.flat_threshold))
        if len(ids):
            index.build(ids, vectors, hashes, queries=queries if len(queries) else None)
        return Base(index, columns, store, seq)

    @staticmethod
    def _texts_and_cards(kind: str, records: Sequence, facts: Sequence, stored: Sequence[str | None]
                         ) -> tuple[list[str], list[bytes]]:
        """Each record's text — the one its vector was embedded from, as stored with it (normalising texts again
        was most of a snapshot's build: 8 of 12 s at 30k postings), or built for rows stored without one — and
        its card."""
        text_of, card_of = (job_text, job_card) if kind == JOB else (seeker_profile_text, seeker_card)
        texts = [t if t is not None else text_of(r) for r, t in zip(records, stored, strict=True)]
        return texts, [card_of(r, f) for r, f in zip(records, facts, strict=True)]

    def save_base(self, kind: str, base: Base) -> None:
        """Save ``base`` as the newest snapshot of ``kind``: the index and, beside it, the filter columns (in
        region order) and the record store laid out in the same order, memory-mapped when loaded."""
        columns = base.columns.to_arrays()
        order = columns["col.ids"]
        columns["col.slot"] = np.arange(len(order), dtype=np.int64)
        records = base.store.to_arrays(order)
        snapshots.save(self.root / kind, base.index, self._manifest(), seq=base.seq,
                       arrays={COLUMNS + k: v for k, v in columns.items()},
                       mapped={RECORDS + k: v for k, v in records.items()})

    def _matchable(self, session: Session, kind: str) -> list:
        if kind == JOB:
            today = self.today()
            return [j for j in repo.all_jobs(session) if is_live(j, today)]
        return [s for s in repo.all_seekers(session) if s.consent_to_share]

    def _replay_since(self, seqs: dict[str, int]) -> dict[str, int]:
        """Apply every change after each kind's base sequence; returns records re-read per kind."""
        counts = {JOB: 0, SEEKER: 0}
        start = min(seqs.values())
        while True:
            with self.session_factory() as session:
                rows = log_repo.changes_after(session, seq=start, limit=FOLLOW_BATCH)
                if not rows:
                    break
                for kind in (JOB, SEEKER):
                    ids = sorted({r for s, k, r in rows if k == kind and s > seqs[kind]})
                    if ids:
                        self._apply(session, kind, ids)
                        counts[kind] += len(ids)
            start = rows[-1][0]
            self.applied_seq = start
        return counts

    # --- following ----------------------------------------------------------------------------------------

    def catch_up(self) -> int:
        """Apply the changes committed since the last call; the number of change rows read."""
        total = 0
        with self._lock:
            with self.session_factory() as session:
                low, high = log_repo.log_bounds(session)
            self.head_seq = high
            if high < self.applied_seq or (low > self.applied_seq + 1 and self.applied_seq):
                # The log was reset (a restored or emptied database) or trimmed past us: start again from it.
                log.warning("change log is at %d-%d, this replica at %d: reloading", low, high, self.applied_seq)
                self.reload()
                return 0
            while True:
                with self.session_factory() as session:
                    rows = log_repo.changes_after(session, seq=self.applied_seq, limit=FOLLOW_BATCH)
                    if not rows:
                        break
                    for kind in (JOB, SEEKER):
                        ids = sorted({r for _s, k, r in rows if k == kind})
                        if ids:
                            self._apply(session, kind, ids)
                self.applied_seq = rows[-1][0]
                self.head_seq = max(self.head_seq, self.applied_seq)
                total += len(rows)
        return total

    def reload(self) -> None:
        """Forget everything and load again from the newest snapshot and the log."""
        with self._lock:
            self.applied_seq = 0
            self.load()

    def _apply(self, session: Session, kind: str, ids: Sequence[int]) -> None:
        self.views[kind] = self._apply_to(self.views[kind], session, kind, ids)

    def _apply_to(self, view: View, session: Session, kind: str, ids: Sequence[int]) -> View:
        """``view`` with the records ``ids`` read again: put in (or taken out of) its index, columns and store;
        returns the view to serve (a new one if the columns were compacted)."""
        for start in range(0, len(ids), READ_CHUNK):
            chunk = list(ids[start:start + READ_CHUNK])
            index, columns, store = view.index, view.columns, view.store
            vec_ids, hashes, vectors, stored = repo.embedding_vectors_and_texts(session, kind=kind,
                                                                               model_id=self.model_id, ids=chunk)
            # A record with no vector yet that this replica does not hold (a bulk import's postings, just written)
            # changes nothing here: it is read when its vector is stored, not twice.
            wanted = set(vec_ids.tolist()) | {i for i in chunk if i in columns}
            read = [i for i in chunk if i in wanted]
            if kind == JOB:
                today = self.today()
                records = [j for j in repo.all_jobs(session, ids=read) if is_live(j, today)] if read else []
            else:
                records = [s for s in repo.all_seekers(session, ids=read) if s.consent_to_share] if read else []
            keep = np.isin(vec_ids, np.fromiter((r.id for r in records), np.int64, len(records)))
            vec_ids, vectors = vec_ids[keep], vectors[keep] if len(vectors) else vectors
            hashes = [h for h, k in zip(hashes, keep.tolist(), strict=True) if k]
            stored = [t for t, k in zip(stored, keep.tolist(), strict=True) if k]
            fresh = [i for i, (rid, h) in enumerate(zip(vec_ids.tolist(), hashes, strict=True))
                     if not index.is_current(rid, h)]
            if fresh:
                index.add(vec_ids[fresh], vectors[fresh], [hashes[i] for i in fresh])
            indexed = set(vec_ids.tolist())
            gone = [i for i in chunk if i not in indexed and (i in columns or index.contains(i))]
            if gone:
                index.remove(gone)
                columns.remove(gone)
                store.remove(gone)
            kept = [r for r in records if r.id in indexed]
            if kept:
                facts = [(job_facts if kind == JOB else seeker_facts)(r) for r in kept]
                row_of = {int(i): n for n, i in enumerate(vec_ids.tolist())}
                texts, cards = self._texts_and_cards(kind, kept, facts, [stored[row_of[r.id]] for r in kept])
                put = [r.id for r in kept]
                slots = store.put(put, vectors[[row_of[i] for i in put]], texts, cards)
                columns.upsert(facts, slots=dict(zip(put, slots.tolist(), strict=True)))
            if columns.wants_compaction():
                view = replace(view, columns=columns.compacted())
        return view

    def follow(self) -> None:
        """Catch up whenever woken (PostgreSQL NOTIFY, a commit in this process) or every poll interval."""
        listener = _Listener(self.settings.resolved_database_url)
        poll = self.settings.follow_poll_seconds
        try:
            while not self._stop.is_set():
                if not self.following.wait(poll):
                    continue
                try:
                    self.catch_up()
                    self._adopt_newer_snapshot()
                except Exception:
                    log.exception("following the change log failed; retrying")
                    self._stop.wait(1.0)
                listener.wait(poll, self._wake)
        finally:
            listener.close()

    def wake(self) -> None:
        self._wake.set()

    def start_following(self) -> None:
        undo = changes.on_commit(self.wake)
        self._undo_on_commit = undo
        loops = [(self.follow, "replica-follow")]
        if self.settings.snapshot_saver == "api":
            loops.append((self._maintain_snapshots, "replica-snapshots"))
        for target, name in loops:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        undo = getattr(self, "_undo_on_commit", None)
        if undo:
            undo()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []
        self.drop_snapshot_lease()

    def drop_snapshot_lease(self) -> None:
        """Hand the snapshot lease back (if held) so that another process takes it at once."""
        try:
            with self.session_factory() as session:
                log_repo.drop_lease(session, name=self._lease_name, holder=self.name)
                session.commit()
        except Exception:
            log.exception("could not hand back the snapshot lease; it runs out by itself")

    # --- snapshots ------------------------------------------------------------------------------------------

    @property
    def _lease_name(self) -> str:
        group = self.settings.snapshot_group or f"{socket.gethostname()}:{self.root.resolve()}"
        return f"snapshot:{group}"[:300]

    def holds_snapshot_lease(self) -> bool:
        ttl = timedelta(seconds=max(3 * self.settings.index_save_seconds, 30))
        with self.session_factory() as session:
            held = log_repo.take_lease(session, name=self._lease_name, holder=self.name, now=self.clock(), ttl=ttl)
            session.commit()
        return held

    def wants_snapshot(self, kind: str) -> bool:
        index = self.indexes.get(kind)
        if index is None:
            return False
        changed = len(index.delta) + index.shadowed
        return changed > 0 and (changed >= max(self.settings.snapshot_min_changes, len(index.base) // 50)
                                or time.time() - index.base.built_at > self.settings.snapshot_max_age_seconds)

    def save_snapshots(self, *, force: bool = False) -> list[str]:
        """If this process holds the lease: a new snapshot of each kind whose delta has grown; returns the kinds."""
        saved = []
        if not self.holds_snapshot_lease():
            return saved
        for kind in (JOB, SEEKER):
            if not (force or self.wants_snapshot(kind)):
                continue
            base = self.build_base(kind)
            self.save_base(kind, base)
            saved.append(kind)
            log.info("saved a %s snapshot at change %d: %d vectors (%s)", kind, base.seq, len(base.index),
                     base.index.spec.describe())
        if saved:
            self._adopt_newer_snapshot()
        return saved

    def due_kinds(self) -> list[str]:
        """Kinds whose newest snapshot on disk is missing, or behind the log by enough changes (or old and behind).

        Judged from the database and the disk alone, for a process that saves snapshots without following the log
        (an embedding worker, ``snapshot_saver=worker``)."""
        due = []
        with self.session_factory() as session:
            for kind in (JOB, SEEKER):
                manifest = snapshots.manifest_of(self.root / kind)
                if manifest is None:
                    due.append(kind)
                    continue
                changed = log_repo.count_changes(session, kind=kind, after=int(manifest.extra.get("seq", 0)))
                if changed and (changed >= max(self.settings.snapshot_min_changes, manifest.count // 50)
                                or time.time() - manifest.built_at > self.settings.snapshot_max_age_seconds):
                    due.append(kind)
        return due

    def save_due(self) -> list[str]:
        """If this process holds the lease: save the snapshots :meth:`due_kinds` names and trim the log."""
        if not self.holds_snapshot_lease():
            return []
        saved = []
        for kind in self.due_kinds():
            base = self.build_base(kind)
            self.save_base(kind, base)
            saved.append(kind)
            log.info("saved a %s snapshot at change %d: %d vectors (%s)", kind, base.seq, len(base.index),
                     base.index.spec.describe())
        self._trim_log()
        return saved

    def _adopt_newer_snapshot(self) -> None:
        """Swap to a snapshot newer than ours (saved by the lease holder), replaying the log since it."""
        for kind in (JOB, SEEKER):
            current = self.indexes.get(kind)
            newest = snapshots.current_seq(self.root / kind)
            if current is None or newest is None or newest <= current.seq:
                continue
            try:
                snap = snapshots.load_snapshot(self.root / kind, expect=self._manifest(),
                                               mmap=self.settings.index_mmap)
                base, seq = self._snapshot_base(kind, snap), snap.seq
            except IndexLoadError:
                log.exception("could not load the newer %s snapshot", kind)
                continue
            with self._lock:
                fresh = self._view(base)
                ids: set[int] = set()
                with self.session_factory() as session:
                    start = seq
                    while start < self.applied_seq:
                        rows = log_repo.changes_after(session, seq=start, limit=FOLLOW_BATCH)
                        rows = [r for r in rows if r[0] <= self.applied_seq]
                        if not rows:
                            break
                        ids.update(r for _s, k, r in rows if k == kind)
                        start = rows[-1][0]
                    if ids:
                        fresh = self._apply_to(fresh, session, kind, sorted(ids))
                    self.views[kind] = fresh
            log.info("now serving the %s snapshot of change %d (+%d records since)", kind, seq, len(ids))

    def _maintain_snapshots(self) -> None:
        while not self._stop.wait(self.settings.index_save_seconds or 30):
            try:
                if self.holds_snapshot_lease():  # the holder of a directory's lease does both, not every process
                    self.save_snapshots()
                    self._trim_log()
            except Exception:
                log.exception("saving snapshots failed; the log keeps everything they would hold")

    def _trim_log(self) -> None:
        days = self.settings.change_retention_days
        if days <= 0:
            return
        with self.session_factory() as session:
            trimmed = log_repo.trim_changes(session, before=self.clock() - timedelta(days=days))
            session.commit()
        if trimmed:
            log.info("trimmed %d change rows older than %d days", trimmed, days)

    # --- what it holds --------------------------------------------------------------------------------------

    def status(self) -> dict:
        return {
            "applied_seq": self.applied_seq,
            "head_seq": self.head_seq,
            "lag": max(0, self.head_seq - self.applied_seq),
            "index_size": {kind: len(index) for kind, index in self.indexes.items()},
            "delta": {kind: len(index.delta) for kind, index in self.indexes.items()},
            "shadowed": {kind: index.shadowed for kind, index in self.indexes.items()},
            "snapshot_seq": {kind: index.seq for kind, index in self.indexes.items()},
        }


class _Listener:
    """PostgreSQL ``LISTEN`` on its own connection; on SQLite only the in-process wake and the poll interval."""

    def __init__(self, url: str):
        self._conn = None
        if url.startswith("postgresql"):
            import psycopg
            from sqlalchemy import make_url

            try:
                dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
                self._conn = psycopg.connect(dsn, autocommit=True)
                self._conn.execute(f"LISTEN {changes.NOTIFY_CHANNEL}")
            except psycopg.Error:
                log.exception("LISTEN failed: following the change log by polling")
                self._conn = None

    def wait(self, timeout: float, wake: threading.Event) -> bool:
        """Until a notification, a wake or the timeout; True if woken early."""
        if wake.is_set():
            wake.clear()
            return True
        if self._conn is None:
            woken = wake.wait(timeout)
            wake.clear()
            return woken
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ready, _, _ = select.select([self._conn.fileno()], [], [], min(0.05, timeout))
                if ready:
                    got = list(self._conn.notifies(timeout=0, stop_after=100))
                    if got:
                        return True
            except Exception:
                log.exception("LISTEN connection lost: polling")
                self.close()
                return False
            if wake.is_set():
                wake.clear()
                return True
        return False

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                log.warning("closing the LISTEN connection failed", exc_info=True)
            self._conn = None
