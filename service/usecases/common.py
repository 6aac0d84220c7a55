"""What every use-case gets: the session, the caller and the PII cipher.

What a write changed reaches matching through the change log written in its transaction (service.changes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matching.enums import Role
from matching.redact import mask_personal_numbers
from service import repository as repo
from service.errors import Conflict, Forbidden, NotFound
from service.security import PiiCipher, Principal


@dataclass
class Context:
    session: Session
    principal: Principal
    cipher: PiiCipher
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    read_audit: Any = None  # service.audit.ReadAudit: reads' events committed together with others'

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    def require(self, *roles: Role) -> None:
        if self.principal.role not in roles:
            raise Forbidden("当前密钥无权执行此操作", code="forbidden_role")

    def scope_prefix(self) -> str | None:
        """The region an officer is held to; None for other roles."""
        return self.principal.region_prefix if self.principal.role is Role.officer else None

    def audit(self, action: str, record_type: str, record_ids: Sequence[int | None], **detail: Any) -> None:
        """Events of a write, in the write's own transaction."""
        repo.add_audit_events(self.session, self._events(action, record_type, record_ids, detail))

    def audit_read(self, action: str, record_type: str, record_ids: Sequence[int | None], **detail: Any) -> None:
        """Events of a read that writes nothing else: committed (with other requests' events, when the app groups
        them) before this returns."""
        if self.read_audit is None or self.session.new or self.session.dirty or self.session.deleted:
            # (changes waiting in this session: commit them with the events, in one transaction, as a write would)
            with self.transaction():
                self.audit(action, record_type, record_ids, **detail)
        else:
            self.read_audit.record(self._events(action, record_type, record_ids, detail))

    def _events(self, action: str, record_type: str, record_ids: Sequence[int | None],
                detail: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"key_id": self.principal.key_id, "role": self.principal.role.value, "action": action,
                 "record_type": record_type, "record_id": rid, "detail": detail} for rid in record_ids]

    @contextmanager
    def transaction(self, conflict_message: str = "记录与已有数据冲突") -> Iterator[None]:
        """One write, one transaction: commit on success, roll back everything on any error."""
        try:
            yield
            self.session.commit()
        except IntegrityError as e:
            self.session.rollback()
            raise Conflict(conflict_message) from e
        except BaseException:
            self.session.rollback()
            raise


def not_found(kind_zh: str) -> NotFound:
    return NotFound(f"{kind_zh}不存在或无权访问")


def content_hash(*parts: str) -> str:
    """Of the text as stored: personal numbers masked (a hash of the clear text would give the hidden digits
    of a phone back in 10^4 tries)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(" ".join(mask_personal_numbers(p).split()).encode())
        h.update(b"\x1f")
    return h.hexdigest()


def waiting_for_vectors(ctx: Context, kind: str, ids: Sequence[int]) -> set[int]:
    """Which of these records wait for an embedding worker (shown as ``matching: pending``)."""
    from service import repository_changes

    return repository_changes.pending_ids(ctx.session, kind=kind, ids=ids)
