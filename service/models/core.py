"""The core tables: employers, postings, seekers and their flags, referrals, keys, audit, vectors, the change log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.base import NO_ID_REUSE, Base, TimestampMixin, utcnow


class Employer(TimestampMixin, Base):
    """用人单位."""

    __tablename__ = "employers"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    industry_code: Mapped[str] = mapped_column(String(8))  # GB/T 4754-2017
    size_class: Mapped[str] = mapped_column(String(16))
    ownership: Mapped[str] = mapped_column(String(32), default="private")
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    contact_note: Mapped[str] = mapped_column(String(500), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # 核验: an officer checked the employer against the registration (cleared when what was checked changes)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by: Mapped[str] = mapped_column(String(64), default="")

    jobs: Mapped[list[JobPosting]] = relationship(back_populates="employer")


class JobPosting(TimestampMixin, Base):
    """招聘岗位."""

    __tablename__ = "job_postings"
    __table_args__ = (
        UniqueConstraint("employer_id", "dedup_hash", name="uq_job_postings_employer_dedup"),
        Index("ix_job_postings_status_region", "status", "region_code"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list] = mapped_column(default=list)
    occupation_code: Mapped[str | None] = mapped_column(String(10), index=True)
    occupation_auto: Mapped[bool] = mapped_column(Boolean, default=False)
    region_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    education_min: Mapped[str | None] = mapped_column(String(16))
    experience_years: Mapped[int | None] = mapped_column(Integer)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    work_type: Mapped[str] = mapped_column(String(16), default="full_time")
    room_board: Mapped[bool] = mapped_column(Boolean, default=False)  # 包吃住
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    hired_count: Mapped[int] = mapped_column(Integer, default=0)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    dedup_hash: Mapped[str] = mapped_column(String(64))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    employer: Mapped[Employer] = relationship(back_populates="jobs")


class Seeker(TimestampMixin, Base):
    """求职者. ID number and phone are stored encrypted, with keyed hashes for look-up."""

    __tablename__ = "seekers"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_masked: Mapped[str | None] = mapped_column(String(16))
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(8))
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # residence county
    education: Mapped[str | None] = mapped_column(String(16))
    major: Mapped[str] = mapped_column(String(100), default="")
    graduation_date: Mapped[date | None] = mapped_column(Date)
    skills: Mapped[list] = mapped_column(default=list)
    experience: Mapped[str] = mapped_column(Text, default="")
    experience_years: Mapped[int | None] = mapped_column(Integer)
    self_intro: Mapped[str] = mapped_column(Text, default="")
    desired_occupations: Mapped[list] = mapped_column(default=list)
    desired_occupation_codes: Mapped[list] = mapped_column(default=list)
    desired_regions: Mapped[list] = mapped_column(default=list)
    desired_salary_min: Mapped[int | None] = mapped_column(Integer)
    desired_work_types: Mapped[list] = mapped_column(default=list)
    willing_to_relocate: Mapped[bool] = mapped_column(Boolean, default=False)
    hukou: Mapped[str | None] = mapped_column(String(8))
    unemployment_registered_at: Mapped[date | None] = mapped_column(Date)  # 失业登记
    consent_to_share: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    flags: Mapped[list[PolicyFlag]] = relationship(
        back_populates="seeker", cascade="all, delete-orphan", passive_deletes=True, order_by="PolicyFlag.id"
    )


class PolicyFlag(TimestampMixin, Base):
    """A seeker's membership of a policy group (重点群体), counted only once verified and unexpired."""

    __tablename__ = "policy_flags"
    __table_args__ = (UniqueConstraint("seeker_id", "kind", name="uq_policy_flags_seeker_kind"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("seekers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="self_declared")
    evidence_note: Mapped[str] = mapped_column(String(500), default="")
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    rejection_reason: Mapped[str | None] = mapped_column(String(500))

    seeker: Mapped[Seeker] = relationship(back_populates="flags")


class Referral(TimestampMixin, Base):
    """推荐: a seeker put forward for a posting, and what came of it."""

    __tablename__ = "referrals"
    __table_args__ = (UniqueConstraint("seeker_id", "job_id", name="uq_referrals_seeker_job"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("seekers.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="recommended")
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(String(500), default="")
    history: Mapped[list] = mapped_column(default=list)  # [{status, at, by}]
    applied_at: Mapped[datetime | None] = mapped_column()
    interviewing_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()


class ApiKey(Base):
    """An API key; only its SHA-256 is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    region_prefix: Mapped[str | None] = mapped_column(String(6))
    fair_id: Mapped[int | None] = mapped_column(ForeignKey("fairs.id", ondelete="RESTRICT"))  # kiosk keys: one fair
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class AuditEvent(Base):
    """Who read a seeker's personal data or changed a flag or referral. Never holds the data itself."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_record", "record_type", "record_id"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    key_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(default=dict)


class Embedding(Base):
    """A stored vector: rebuild an index without re-embedding; re-embed only what changed."""

    __tablename__ = "embeddings"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # job | seeker
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # what was embedded: the rerank's lexical input
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Change(Base):
    """The change log (a transactional outbox): one row for each posting, seeker or stored vector a transaction
    wrote, in the same transaction. Everything derived from the database (indexes, filter columns) follows it
    by ``seq``; see :mod:`service.changes`."""

    __tablename__ = "changes"
    __table_args__ = (NO_ID_REUSE,)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # job | seeker
    record_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class EmbedQueue(Base):
    """Records whose vector is missing or may be stale, waiting for an embedding worker (待嵌入).

    ``version`` goes up with every write that queues the record again; a worker removes the row only if the
    version is still the one it claimed, so a write made while it was embedding is embedded again."""

    __tablename__ = "embed_queue"
    __table_args__ = (Index("ix_embed_queue_order", "priority", "queued_at"),)

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # 0: a small write (a posting or profile saved on its own), embedded first; 1: a bulk import or backfill.
    priority: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column()


class Lease(Base):
    """A named lease held by one process until it expires (e.g. who saves the index snapshots of a directory)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column()
