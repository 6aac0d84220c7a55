"""The declarative base every table shares, its column types and table options."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# Table option for every table with an integer id: an id is never given out twice. SQLite otherwise hands the
# highest id to the next row once that row is deleted, and with it the deleted record's audit trail and every
# outside reference to it. (PostgreSQL's sequences never go back.) Migration 0005 rebuilt existing tables.
NO_ID_REUSE = {"sqlite_autoincrement": True}


# A Python None in a JSON column is SQL NULL, never the JSON value null: so a NOT NULL list column refuses it
# at the database, the last line behind the API's one policy for nulls (see service.schemas.Patch).
StrictJSON = JSON(none_as_null=True)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict: StrictJSON, list: StrictJSON}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
