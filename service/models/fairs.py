"""招聘会: recruitment fairs, their booths and postings, and the kiosks' anonymous counters."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.base import NO_ID_REUSE, Base, TimestampMixin
from service.models.core import Employer


class Fair(TimestampMixin, Base):
    """招聘会 (春风行动, 就业援助月, 校园招聘…): where, when, and whether kiosks may show it."""

    __tablename__ = "fairs"
    __table_args__ = (NO_ID_REUSE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    venue: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | open | closed
    lat: Mapped[float | None] = mapped_column()
    lon: Mapped[float | None] = mapped_column()
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    booths: Mapped[list[FairEmployer]] = relationship(
        back_populates="fair", cascade="all, delete-orphan", passive_deletes=True, order_by="FairEmployer.booth"
    )


class FairEmployer(Base):
    """A participating employer and its booth; ``all_postings`` or only the chosen ``FairPosting`` rows."""

    __tablename__ = "fair_employers"
    __table_args__ = (
        UniqueConstraint("fair_id", "employer_id", name="uq_fair_employers_fair_employer"),
        NO_ID_REUSE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    booth: Mapped[str] = mapped_column(String(16))
    all_postings: Mapped[bool] = mapped_column(Boolean, default=True)

    fair: Mapped[Fair] = relationship(back_populates="booths")
    employer: Mapped[Employer] = relationship()


class FairPosting(Base):
    """A posting chosen for a fair (used when its employer's booth does not bring all its postings)."""

    __tablename__ = "fair_postings"

    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"), primary_key=True)


class KioskCount(Base):
    """Anonymous kiosk counters per fair and day: 'search' or an occupation code. Never the typed text."""

    __tablename__ = "kiosk_counts"

    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
