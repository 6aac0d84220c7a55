"""The change log 变更日志: the database is the hub, everything derived follows it.

Every transaction that writes a posting, a seeker, a seeker's policy flags, a stored vector, or an employer
field a posting's match result shows (name, size, ownership, region: the replicas' cards) appends one row
per record to ``changes`` before it commits, in the same transaction (a transactional outbox), and queues the
records whose embedded text may have changed in ``embed_queue``. So a record is never written without its
change, and a change is never recorded for a write that was rolled back. Index replicas read ``changes`` by
``seq`` from any point (:mod:`service.replica`); embedding workers claim ``embed_queue`` (:mod:`service.worker`).

ORM writes are noted by a flush hook; statements that bypass the ORM's unit of work (a conditional ``UPDATE``
of a hire count, an expiry sweep) call :func:`touch` themselves.

Order. A follower reads ``seq > last seen``, so a row must never become visible after a row with a higher
``seq``. SQLite runs one writer at a time, so ``seq`` order is commit order. On PostgreSQL sequence values are
taken when the row is inserted, and two transactions may commit in the other order; so the change rows are
written in the last step before commit, under a transaction-scoped advisory lock: the lock is held from the
insert to the commit, and the next transaction takes its ``seq`` only after that. A ``NOTIFY`` in the same
transaction wakes followers when (and only when) it commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy import event, func, insert, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from service.models import Change, EmbedQueue, Employer, JobPosting, PolicyFlag, Seeker

JOB, SEEKER = "job", "seeker"
NOTIFY_CHANNEL = "rengang_changes"
ADVISORY_LOCK_KEY = 0x72656E67  # "reng": one lock for the tail of every transaction that writes changes
# A transaction queuing at most this many records is a small write (a form saved, a profile edited): its records
# are embedded before those of larger ones (bulk imports, backfills) queued earlier.
SMALL_WRITE = 20
URGENT, BULK = 0, 1

# The fields each kind's embedded text is made of (service.facts.job_text / seeker_profile_text): a change to
# any of them queues the record for embedding; other changes (a hire, a status) are followed without it.
JOB_TEXT_FIELDS = ("title", "occupation_code", "skills", "requirements", "description")
SEEKER_TEXT_FIELDS = ("desired_occupations", "desired_occupation_codes", "skills", "experience", "major",
                      "self_intro")

# The employer fields a posting's card holds (service.presenters.job_card): a change to one is a change of every
# posting of that employer.
EMPLOYER_CARD_FIELDS = ("name", "size_class", "ownership", "region_code")

_PENDING = "rengang.changes.pending"
_EMPLOYERS = "rengang.changes.employers"
_WROTE = "rengang.changes.wrote"
_listeners: list[Callable[[], None]] = []
_listeners_lock = threading.Lock()


def touch(session: Session, kind: str, ids: Iterable[int], *, embed: bool) -> None:
    """Record that ``ids`` of ``kind`` changed in this transaction (``embed``: their text may have changed)."""
    pending: dict[tuple[str, int], bool] = session.info.setdefault(_PENDING, {})
    for record_id in ids:
        key = (kind, int(record_id))
        pending[key] = pending.get(key, False) or embed


def on_commit(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` in this process after every commit that wrote changes; returns the undo."""
    with _listeners_lock:
        _listeners.append(callback)

    def remove() -> None:
        with _listeners_lock:
            if callback in _listeners:
                _listeners.remove(callback)

    return remove


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _note_flush)
    event.listen(factory, "before_commit", _write)
    event.listen(factory, "after_commit", _committed)
    event.listen(factory, "after_rollback", _forget)


def head(session: Session) -> int:
    """The highest ``seq`` in the log (0 when it is empty)."""
    return int(session.scalar(select(func.max(Change.seq))) or 0)


def _text_changed(obj: object, fields: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _note_flush(session: Session, _flush_context) -> None:
    # after_flush: new rows have their ids, and new/dirty/deleted and attribute histories still show this flush.
    for obj in session.new:
        if isinstance(obj, JobPosting):
            touch(session, JOB, [obj.id], embed=True)
        elif isinstance(obj, Seeker):
            touch(session, SEEKER, [obj.id], embed=True)
        elif isinstance(obj, PolicyFlag):
            touch(session, SEEKER, [obj.seeker_id], embed=False)
    for obj in session.dirty:
        if isinstance(obj, JobPosting):
            if session.is_modified(obj):
                touch(session, JOB, [obj.id], embed=_text_changed(obj, JOB_TEXT_FIELDS))
        elif isinstance(obj, Seeker):
            if session.is_modified(obj):
                touch(session, SEEKER, [obj.id], embed=_text_changed(obj, SEEKER_TEXT_FIELDS))
        elif isinstance(obj, PolicyFlag) and session.is_modified(obj):
            touch(session, SEEKER, [obj.seeker_id], embed=False)
        elif isinstance(obj, Employer) and session.is_modified(obj) and _text_changed(obj, EMPLOYER_CARD_FIELDS):
            session.info.setdefault(_EMPLOYERS, set()).add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, JobPosting):
            touch(session, JOB, [obj.id], embed=True)  # the worker drops its stored vector
        elif isinstance(obj, Seeker):
            touch(session, SEEKER, [obj.id], embed=True)
        elif isinstance(obj, PolicyFlag):
            touch(session, SEEKER, [obj.seeker_id], embed=False)


def _write(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit flushes after this hook: flush now so this flush's changes are noted
    employers = session.info.pop(_EMPLOYERS, None)
    if employers:
        touch(session, JOB, session.scalars(select(JobPosting.id).where(JobPosting.employer_id.in_(employers))),
              embed=False)
    pending: dict[tuple[str, int], bool] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    now = datetime.now(UTC)
    keys = sorted(pending)
    session.execute(insert(Change), [{"kind": k, "record_id": i, "at": now} for k, i in keys])
    queued = [{"kind": k, "record_id": i, "version": 1, "queued_at": now} for k, i in keys if pending[(k, i)]]
    if queued:
        enqueue(session, queued, priority=URGENT if len(queued) <= SMALL_WRITE else BULK)
    if postgres:
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
    session.info[_WROTE] = True


def enqueue(session: Session, rows: list[dict], *, priority: int = BULK) -> None:
    """Queue records for embedding; a record already queued gets a new version (and this write's priority) and
    is released if claimed."""
    rows = [{**row, "priority": priority} for row in rows]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    for start in range(0, len(rows), 2000):
        stmt = upsert(EmbedQueue).values(rows[start:start + 2000])
        session.execute(stmt.on_conflict_do_update(
            index_elements=[EmbedQueue.kind, EmbedQueue.record_id],
            set_={"version": EmbedQueue.version + 1, "priority": stmt.excluded.priority, "claimed_by": None,
                  "claimed_until": None}))


def _committed(session: Session) -> None:
    if session.info.pop(_WROTE, False):
        with _listeners_lock:
            listeners = list(_listeners)
        for callback in listeners:
            callback()


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_EMPLOYERS, None)
    session.info.pop(_WROTE, None)
