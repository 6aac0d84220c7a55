"""Officer accounts (经办人员账号) and their console sessions.

An account signs in to the officers' console with a user name and a password (argon2id; only the hash is
kept). A session is a row here, found by the SHA-256 of the random id the browser holds in its cookie: the
id itself is never stored, so a copy of the database opens no session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service.models.base import NO_ID_REUSE, Base, utcnow


class OfficerAccount(Base):
    """经办人员账号: a person who signs in to the console, held to a region like an officer key."""

    __tablename__ = "officer_accounts"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="officer")
    region_prefix: Mapped[str | None] = mapped_column(String(6))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    disabled_at: Mapped[datetime | None] = mapped_column()


class ConsoleSession(Base):
    """One signed-in console session: by an account, or (kept for machines and tests) by an officer API key."""

    __tablename__ = "console_sessions"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("officer_accounts.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str | None] = mapped_column(String(32))  # a session opened with an API key
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()  # the absolute limit, however active the session
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    address: Mapped[str] = mapped_column(String(64), default="")  # where it was opened from
