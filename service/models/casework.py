"""ORM tables for the officers' workbench: unemployment registrations, contacts, 就业援助 cases,
zero-employment households and the candidate-list exposures that statistics read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from service.models.base import NO_ID_REUSE, Base, TimestampMixin, utcnow

OPEN_ONLY = {"sqlite_where": text("ended_on IS NULL"), "postgresql_where": text("ended_on IS NULL")}
OPEN_CASE = {"sqlite_where": text("status = 'open'"), "postgresql_where": text("status = 'open'")}


class UnemploymentSpell(TimestampMixin, Base):
    """失业登记: one registered spell of unemployment at the seeker's place of residence.

    At most one spell per seeker is open (``ended_on IS NULL``); a hire through a referral ends it.
    """

    __tablename__ = "unemployment_spells"
    __table_args__ = (Index("uq_unemployment_spells_open", "seeker_id", unique=True, **OPEN_ONLY), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("seekers.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    end_note: Mapped[str] = mapped_column(String(500), default="")
    hire_referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    registered_by: Mapped[str] = mapped_column(String(64))
    ended_by: Mapped[str | None] = mapped_column(String(64))


class Contact(Base):
    """跟踪服务记录: one contact with a seeker and the services given."""

    __tablename__ = "casework_contacts"
    __table_args__ = (Index("ix_casework_contacts_seeker_day", "seeker_id", "contacted_on"), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("seekers.id", ondelete="CASCADE"))
    contacted_on: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    services: Mapped[list] = mapped_column(default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(String(500), default="")
    officer: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssistanceDeadline(Base):
    """How long a region commits to for placing an assistance case: hours (48) or working days (10)."""

    __tablename__ = "assistance_deadlines"

    region_prefix: Mapped[str] = mapped_column(String(6), primary_key=True)
    hours: Mapped[int | None] = mapped_column(Integer)
    working_days: Mapped[int | None] = mapped_column(Integer)
    warn_hours: Mapped[int | None] = mapped_column(Integer)  # 临期提醒: hours before the deadline (default 12)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Household(TimestampMixin, Base):
    """零就业家庭: tracked until one member is employed (动态清零)."""

    __tablename__ = "zero_employment_households"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    label: Mapped[str] = mapped_column(String(100))
    identified_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    cleared_on: Mapped[date | None] = mapped_column(Date)
    cleared_by_seeker_id: Mapped[int | None] = mapped_column(ForeignKey("seekers.id", ondelete="SET NULL"))
    cleared_referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(64))


class HouseholdMember(Base):
    __tablename__ = "zero_employment_household_members"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("zero_employment_households.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("seekers.id", ondelete="CASCADE"), unique=True)
    relation: Mapped[str] = mapped_column(String(16), default="")


class AssistanceCase(TimestampMixin, Base):
    """就业援助: a hard-to-employ or zero-employment-household seeker on the placement clock."""

    __tablename__ = "assistance_cases"
    __table_args__ = (Index("uq_assistance_cases_open", "seeker_id", unique=True, **OPEN_CASE), NO_ID_REUSE)

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("seekers.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("zero_employment_households.id", ondelete="SET NULL"))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    basis: Mapped[str] = mapped_column(String(32))  # hard_to_employ | zero_employment_household
    opened_at: Mapped[datetime] = mapped_column()
    deadline_at: Mapped[datetime] = mapped_column()
    deadline_rule: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | placed | closed
    closed_at: Mapped[datetime | None] = mapped_column()
    close_reason: Mapped[str] = mapped_column(String(500), default="")
    placement_referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    opened_by: Mapped[str] = mapped_column(String(64))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    # 督办: the highest escalation recorded once the deadline passed (1 科室负责人, 2 分管领导), when and to whom
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column()
    escalated_to: Mapped[str] = mapped_column(String(32), default="")


class CandidateExposure(Base):
    """A seeker shown in a posting's candidate top 10, with the policy groups counted at the time."""

    __tablename__ = "candidate_exposures"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"), index=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("seekers.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    groups: Mapped[list] = mapped_column(default=list)
    region_code: Mapped[str] = mapped_column(String(6))
    shown_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
