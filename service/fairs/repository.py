"""SQL of recruitment fairs: booths, which postings a fair shows, and the kiosks' anonymous counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, and_, delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from service.models import Employer, JobPosting
from service.models.fairs import Fair, FairEmployer, FairPosting, KioskCount
from service.repository import PageRequest, matchable_postings, paginate, region_filter


def get_fair(session: Session, *, fair_id: int) -> Fair | None:
    return session.scalar(
        select(Fair).where(Fair.id == fair_id).options(selectinload(Fair.booths).selectinload(FairEmployer.employer))
    )


def list_fairs(session: Session, *, page: PageRequest, scope_prefix: str | None,
               status: str | None) -> tuple[list[Fair], int]:
    stmt = select(Fair).options(selectinload(Fair.booths).selectinload(FairEmployer.employer)).order_by(
        Fair.starts_on.desc(), Fair.id.desc())
    if scope_prefix:
        stmt = stmt.where(region_filter(Fair.region_code, scope_prefix))
    if status:
        stmt = stmt.where(Fair.status == status)
    return paginate(session, stmt, page)


def booth(session: Session, *, fair_id: int, employer_id: int) -> FairEmployer | None:
    return session.scalar(select(FairEmployer).where(FairEmployer.fair_id == fair_id,
                                                     FairEmployer.employer_id == employer_id))


def chosen_job_ids(session: Session, *, fair_id: int) -> dict[int, list[int]]:
    """employer id → ids of the postings chosen for the fair."""
    rows = session.execute(
        select(JobPosting.employer_id, JobPosting.id).join(FairPosting, FairPosting.job_id == JobPosting.id)
        .where(FairPosting.fair_id == fair_id).order_by(JobPosting.id)
    ).all()
    out: dict[int, list[int]] = {}
    for employer_id, job_id in rows:
        out.setdefault(employer_id, []).append(job_id)
    return out


def set_chosen_jobs(session: Session, *, fair_id: int, employer_id: int, job_ids: Sequence[int]) -> None:
    owned = select(JobPosting.id).where(JobPosting.employer_id == employer_id)
    session.execute(delete(FairPosting).where(FairPosting.fair_id == fair_id, FairPosting.job_id.in_(owned)))
    session.add_all(FairPosting(fair_id=fair_id, job_id=j) for j in dict.fromkeys(job_ids))


def jobs_owned_by(session: Session, *, employer_id: int, job_ids: Sequence[int]) -> set[int]:
    return set(session.scalars(select(JobPosting.id).where(JobPosting.employer_id == employer_id,
                                                           JobPosting.id.in_(list(job_ids)))))


def fair_jobs_select(fair_id: int) -> Select:
    """Ids of the postings a fair shows: every posting of an all-postings booth, else the chosen ones."""
    return (
        select(JobPosting.id)
        .join(FairEmployer, and_(FairEmployer.employer_id == JobPosting.employer_id, FairEmployer.fair_id == fair_id))
        .where(or_(FairEmployer.all_postings.is_(True),
                   exists().where(FairPosting.fair_id == fair_id, FairPosting.job_id == JobPosting.id)))
    )


def open_fair_jobs(session: Session, *, fair_id: int, today: date) -> list[tuple[JobPosting, str]]:
    """(posting, booth) for the fair's postings that are open, in date and not yet filled."""
    rows = session.execute(
        select(JobPosting, FairEmployer.booth)
        .join(FairEmployer, and_(FairEmployer.employer_id == JobPosting.employer_id, FairEmployer.fair_id == fair_id))
        .where(JobPosting.id.in_(fair_jobs_select(fair_id)), matchable_postings(today))
        .options(selectinload(JobPosting.employer))
        .order_by(FairEmployer.booth, JobPosting.id)
    ).all()
    return [(job, booth_no) for job, booth_no in rows]


def job_in_fair(session: Session, *, fair_id: int, job_id: int) -> bool:
    return session.scalar(select(exists().where(JobPosting.id == job_id,
                                                JobPosting.id.in_(fair_jobs_select(fair_id))))) or False


def add_counts(session: Session, *, fair_id: int, day: date, counts: dict[str, int]) -> None:
    """Add to the anonymous counters in one upsert per key (concurrent kiosks do not lose counts)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for key, n in counts.items():
        if n <= 0:
            continue
        stmt = insert(KioskCount).values(fair_id=fair_id, day=day, key=key, count=n)
        stmt = stmt.on_conflict_do_update(index_elements=["fair_id", "day", "key"],
                                          set_={"count": KioskCount.count + stmt.excluded.count})
        session.execute(stmt)


def counts(session: Session, *, fair_id: int) -> list[KioskCount]:
    return list(session.scalars(select(KioskCount).where(KioskCount.fair_id == fair_id)
                                .order_by(KioskCount.day, KioskCount.key)))


def demo_fair_employers(session: Session, *, limit: int) -> list[Employer]:
    """Demo employers of the city with the most postings: the booths of ``rengang seed``'s demo fair."""
    city = func.substr(Employer.region_code, 1, 4)
    top = session.scalar(select(city).join(JobPosting, JobPosting.employer_id == Employer.id)
                         .where(Employer.is_demo.is_(True)).group_by(city).order_by(func.count().desc(), city).limit(1))
    if top is None:
        return []
    return list(session.scalars(select(Employer).where(Employer.is_demo.is_(True), Employer.region_code.like(f"{top}%"))
                                .order_by(Employer.id).limit(limit)))
