"""SQL of the change log, the embedding queue and leases (see :mod:`service.changes`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.models import Change, Embedding, EmbedQueue, JobPosting, Lease, Seeker

TABLES = {"job": JobPosting, "seeker": Seeker}


# --- the change log ----------------------------------------------------------------------------------------


def changes_after(session: Session, *, seq: int, limit: int) -> list[tuple[int, str, int]]:
    """``(seq, kind, record_id)`` of the changes after ``seq``, oldest first."""
    rows = session.execute(select(Change.seq, Change.kind, Change.record_id).where(Change.seq > seq)
                           .order_by(Change.seq).limit(limit))
    return [(int(s), k, int(r)) for s, k, r in rows]


def log_bounds(session: Session) -> tuple[int, int]:
    """``(lowest seq kept, highest seq)``; (0, 0) when the log is empty."""
    # Two scalar subqueries: SQLite answers a lone min() or max() from the primary key, but both in one SELECT
    # scan the whole table (7.5% of an API process's time at 150k change rows, polled four times a second).
    low, high = session.execute(select(select(func.min(Change.seq)).scalar_subquery(),
                                       select(func.max(Change.seq)).scalar_subquery())).one()
    return int(low or 0), int(high or 0)


def count_changes(session: Session, *, kind: str, after: int) -> int:
    """Change rows of ``kind`` after ``seq`` (how far a snapshot at ``after`` is behind)."""
    return int(session.scalar(select(func.count()).select_from(Change).where(Change.seq > after, Change.kind == kind))
               or 0)


def trim_changes(session: Session, *, before: datetime) -> int:
    """Drop change rows older than ``before`` (a replica further behind rebuilds from the stored vectors)."""
    return session.execute(delete(Change).where(Change.at < before)).rowcount or 0


# --- the embedding queue -------------------------------------------------------------------------------------


def claim(session: Session, *, worker: str, limit: int, now: datetime, lease: timedelta,
          priority: int | None = None) -> list[tuple[str, int, int]]:
    """Claim up to ``limit`` queued records nobody holds (or whose claim ran out): ``(kind, id, version)``,
    small writes first (``priority``), then oldest first; only rows of ``priority`` when given.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets workers claim side by side without waiting for each other;
    SQLite runs one writer at a time. The claim is committed by the caller before embedding starts, so no
    row lock is held while the model runs and a write that queues the record again never waits for it.
    """
    free = or_(EmbedQueue.claimed_until.is_(None), EmbedQueue.claimed_until < now)
    if priority is not None:
        free = and_(free, EmbedQueue.priority == priority)
    picked = (select(EmbedQueue.kind, EmbedQueue.record_id).where(free)
              .order_by(EmbedQueue.priority, EmbedQueue.queued_at)
              .limit(limit).with_for_update(skip_locked=True))
    # One statement: on SQLite the pick happens inside the write it is part of, so two workers never pick alike.
    rows = session.execute(update(EmbedQueue).where(tuple_(EmbedQueue.kind, EmbedQueue.record_id).in_(picked), free)
                           .values(claimed_by=worker, claimed_until=now + lease)
                           .returning(EmbedQueue.kind, EmbedQueue.record_id, EmbedQueue.version)
                           .execution_options(synchronize_session=False))
    return [(k, int(r), int(v)) for k, r, v in rows]


def release_done(session: Session, *, done: Sequence[tuple[str, int, int]]) -> int:
    """Remove queue rows still at the version claimed; a row queued again meanwhile stays for the next round."""
    removed = 0
    for start in range(0, len(done), 1000):
        chunk = done[start:start + 1000]
        removed += session.execute(delete(EmbedQueue).where(
            tuple_(EmbedQueue.kind, EmbedQueue.record_id, EmbedQueue.version).in_(chunk))
            .execution_options(synchronize_session=False)).rowcount or 0
    return removed


def release_claims(session: Session, *, worker: str) -> None:
    """Hand back what ``worker`` claimed and did not finish (a worker stopping cleanly)."""
    session.execute(update(EmbedQueue).where(EmbedQueue.claimed_by == worker)
                    .values(claimed_by=None, claimed_until=None).execution_options(synchronize_session=False))


def pending_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(EmbedQueue.kind, func.count()).group_by(EmbedQueue.kind))
    return {"job": 0, "seeker": 0, **{k: int(n) for k, n in rows}}


def pending_ids(session: Session, *, kind: str, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` wait for their vector."""
    if not ids:
        return set()
    return set(session.scalars(select(EmbedQueue.record_id).where(
        EmbedQueue.kind == kind, EmbedQueue.record_id.in_([int(i) for i in ids]))))


def records_without_vectors(session: Session, *, kind: str, model_id: str) -> list[int]:
    """Ids of ``kind`` with no stored vector of ``model_id`` and not queued (after a model change, say)."""
    table = TABLES[kind]
    has_vector = select(Embedding.record_id).where(Embedding.kind == kind, Embedding.model_id == model_id,
                                                   Embedding.record_id == table.id).exists()
    queued = select(EmbedQueue.record_id).where(EmbedQueue.kind == kind, EmbedQueue.record_id == table.id).exists()
    return list(session.scalars(select(table.id).where(~has_vector, ~queued)))


def vectorless_ids(session: Session, *, kind: str, model_id: str, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` have no stored vector of ``model_id``."""
    if not ids:
        return set()
    have = set(session.scalars(select(Embedding.record_id).where(
        Embedding.kind == kind, Embedding.model_id == model_id, Embedding.record_id.in_([int(i) for i in ids]))))
    return {int(i) for i in ids} - have


# --- leases -----------------------------------------------------------------------------------------------------


def take_lease(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder``: True when ``holder`` holds it until ``now + ttl``.

    A conditional update (held by us, or expired) or, when nobody ever held it, an insert that the primary
    key lets only one process win; the caller commits.
    """
    renewed = session.execute(update(Lease).where(
        Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl).execution_options(synchronize_session=False)).rowcount
    if renewed:
        return True
    if session.scalar(select(func.count()).where(Lease.name == name)):
        return False
    try:
        with session.begin_nested():
            session.execute(insert(Lease).values(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


def drop_lease(session: Session, *, name: str, holder: str) -> None:
    session.execute(delete(Lease).where(and_(Lease.name == name, Lease.holder == holder)))
