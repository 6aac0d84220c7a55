"""SQL for officer accounts and console sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from service.models.accounts import ConsoleSession, OfficerAccount


def account_by_username(session: Session, *, username: str) -> OfficerAccount | None:
    return session.scalar(select(OfficerAccount).where(OfficerAccount.username == username))


def list_accounts(session: Session) -> list[OfficerAccount]:
    return list(session.scalars(select(OfficerAccount).order_by(OfficerAccount.username)))


def session_by_token_hash(session: Session, *, token_hash: str) -> ConsoleSession | None:
    return session.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


def end_sessions_of(session: Session, *, account_id: int, now: datetime) -> None:
    session.execute(update(ConsoleSession)
                    .where(ConsoleSession.account_id == account_id, ConsoleSession.ended_at.is_(None))
                    .values(ended_at=now))


def forget_old_sessions(session: Session, *, before: datetime) -> None:
    """Sessions that ended or ran out before ``before`` (sign-ins and sign-outs stay in the audit log)."""
    session.execute(delete(ConsoleSession).where(or_(ConsoleSession.expires_at < before,
                                                     ConsoleSession.ended_at < before)))
