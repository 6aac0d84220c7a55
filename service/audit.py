"""Read audits, committed together 审计分组提交.

Every read of a person's data leaves an audit event, and the read is answered only once its event is committed:
none is lost to a crash. Committing each request's events in a transaction of its own made every read a
write with its own commit (and, on SQLite, a turn at the one write lock). Requests arriving together hand their
events to one :class:`~service.batching.Combiner`: one of them writes every event handed in so far in one
transaction, and each returns once the transaction holding its own events has committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from service import repository as repo
from service.batching import Combiner


class ReadAudit:
    def __init__(self, session_factory: sessionmaker[Session]):
        self._session_factory = session_factory
        self._combiner: Combiner[list[dict[str, Any]], None] = Combiner(self._write)

    @property
    def commits(self) -> int:
        """Transactions written so far (fewer than the calls when requests arrived together)."""
        return self._combiner.batches

    def record(self, events: Sequence[dict[str, Any]]) -> None:
        """Returns once ``events`` are committed (raises if they could not be: the read must then fail too)."""
        if events:
            self._combiner.submit(list(events))

    def _write(self, batches: list[list[dict[str, Any]]]) -> list[None]:
        with self._session_factory() as session:
            repo.add_audit_events(session, [e for events in batches for e in events])
            session.commit()
        return [None] * len(batches)
