"""Every SQL statement of the officers' workbench and its statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from matching.enums import FlagStatus, ReferralStatus
from service.models import JobPosting, PolicyFlag, Referral, Seeker
from service.models.casework import (
    AssistanceCase,
    AssistanceDeadline,
    CandidateExposure,
    Contact,
    Household,
    HouseholdMember,
    UnemploymentSpell,
)
from service.repository import PageRequest, _where, matchable_postings, paginate, region_filter

# --- unemployment spells ---------------------------------------------------------------------


def open_spell(session: Session, *, seeker_id: int, lock: bool = False) -> UnemploymentSpell | None:
    stmt = select(UnemploymentSpell).where(UnemploymentSpell.seeker_id == seeker_id,
                                           UnemploymentSpell.ended_on.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def open_spells(session: Session, *, seeker_ids: list[int]) -> dict[int, UnemploymentSpell]:
    if not seeker_ids:
        return {}
    rows = session.scalars(select(UnemploymentSpell).where(UnemploymentSpell.seeker_id.in_(seeker_ids),
                                                           UnemploymentSpell.ended_on.is_(None)))
    return {s.seeker_id: s for s in rows}


def spells_for(session: Session, *, seeker_id: int) -> list[UnemploymentSpell]:
    return list(session.scalars(select(UnemploymentSpell).where(UnemploymentSpell.seeker_id == seeker_id)
                                .order_by(UnemploymentSpell.started_on, UnemploymentSpell.id)))


# --- caseload --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    seeker: Seeker
    spell: UnemploymentSpell | None  # None: on 就业援助 without a registration
    last_contact_on: date | None
    assistance: AssistanceCase | None


CASELOAD_SORTS = ("deadline", "contact", "months", "priority")


def caseload(
    session: Session, *, page: PageRequest, scope_prefix: str | None, region_prefix: str | None,
    due_before: date | None, flag_kind: str | None, sort: str, now: datetime, assistance_only: bool = False,
) -> tuple[list[CaseloadRow], int]:
    """Registered unemployed seekers and seekers on 就业援助, with their last contact. ``due_before`` keeps
    those whose last contact (or, never contacted, registration) falls on or before that day, and everyone on
    the placement clock. Sort ``deadline``: open assistance deadlines first (soonest first), then the follow-up
    longest overdue."""
    last = (select(Contact.seeker_id, func.max(Contact.contacted_on).label("last_on"))
            .group_by(Contact.seeker_id).subquery())
    active_flags = (select(func.count(PolicyFlag.id))
                    .where(PolicyFlag.seeker_id == Seeker.id, PolicyFlag.status == FlagStatus.verified.value,
                           or_(PolicyFlag.expires_at.is_(None), PolicyFlag.expires_at > now))
                    .correlate(Seeker).scalar_subquery())
    open_case = (select(AssistanceCase.seeker_id, AssistanceCase.deadline_at)
                 .where(AssistanceCase.status == "open").subquery())
    on_assistance = case((open_case.c.seeker_id.is_not(None), 1), else_=0)
    reference = func.coalesce(last.c.last_on, UnemploymentSpell.started_on)
    order = {
        "deadline": (open_case.c.deadline_at.is_(None).asc(), open_case.c.deadline_at.asc(),
                     reference.is_(None).asc(), reference.asc()),
        "contact": (last.c.last_on.is_(None).desc(), last.c.last_on.asc(), UnemploymentSpell.started_on.asc()),
        "months": (UnemploymentSpell.started_on.is_(None).asc(), UnemploymentSpell.started_on.asc()),
        "priority": ((on_assistance * 10 + active_flags).desc(), reference.asc()),
    }[sort]
    stmt = _where(
        select(Seeker, UnemploymentSpell, last.c.last_on)
        .outerjoin(UnemploymentSpell, and_(UnemploymentSpell.seeker_id == Seeker.id,
                                           UnemploymentSpell.ended_on.is_(None)))
        .outerjoin(last, last.c.seeker_id == Seeker.id)
        .outerjoin(open_case, open_case.c.seeker_id == Seeker.id)
        .where(or_(UnemploymentSpell.id.is_not(None), open_case.c.seeker_id.is_not(None)))
        .options(selectinload(Seeker.flags))
        .order_by(*order, Seeker.id),
        region_filter(Seeker.region_code, scope_prefix),
        region_filter(Seeker.region_code, region_prefix),
        or_(reference <= due_before, open_case.c.seeker_id.is_not(None)) if due_before else None,
        open_case.c.seeker_id.is_not(None) if assistance_only else None,
        Seeker.id.in_(select(PolicyFlag.seeker_id).where(PolicyFlag.kind == flag_kind)) if flag_kind else None,
    )
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.offset(page.offset).limit(page.page_size)).all()
    cases = open_cases_for(session, seeker_ids=[r[0].id for r in rows])
    return [CaseloadRow(seeker=s, spell=sp, last_contact_on=lc, assistance=cases.get(s.id)) for s, sp, lc in rows], total


def overdue_open_cases(session: Session, *, scope_prefix: str | None, now: datetime,
                       ids: Sequence[int] | None = None, lock: bool = False) -> list[AssistanceCase]:
    """Open assistance cases in scope whose deadline has passed (for recording 督办); ``lock`` re-reads ``ids``
    FOR UPDATE so two requests escalate a case once."""
    stmt = _where(select(AssistanceCase).where(AssistanceCase.status == "open", AssistanceCase.deadline_at < now)
                  .order_by(AssistanceCase.id),
                  region_filter(AssistanceCase.region_code, scope_prefix),
                  AssistanceCase.id.in_(list(ids)) if ids is not None else None)
    if lock:  # fresh values, not the ones this session read before the lock
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(stmt))


# --- contacts --------------------------------------------------------------------------------


def contacts_for(session: Session, *, seeker_id: int) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.seeker_id == seeker_id)
                                .order_by(Contact.contacted_on.desc(), Contact.id.desc())))


def referrals_for(session: Session, *, seeker_id: int) -> list[Referral]:
    return list(session.scalars(select(Referral).where(Referral.seeker_id == seeker_id).order_by(Referral.id)))


# --- matches without the engine ----------------------------------------------------------------


def open_jobs_for(
    session: Session, *, regions: Sequence[str], today: date, exclude_job_ids: Sequence[int],
    occupation_codes: Sequence[str], reserved_first: bool, limit: int,
) -> list[JobPosting]:
    """Open, unexpired postings in any of ``regions`` (prefixes); reserved posts first when asked."""
    in_region = or_(*[JobPosting.region_code.like(f"{r}%") for r in regions]) if regions else literal(True)
    reserved = case((JobPosting.work_type == "public_welfare", 0), else_=1)
    same_occupation = (case((JobPosting.occupation_code.in_(list(occupation_codes)), 0), else_=1)
                       if occupation_codes else literal(1))
    stmt = _where(
        select(JobPosting).options(selectinload(JobPosting.employer))
        .where(matchable_postings(today), in_region)
        .order_by(*((reserved,) if reserved_first else ()), same_occupation,
                  JobPosting.salary_max.desc().nulls_last(), JobPosting.id.desc())
        .limit(limit),
        JobPosting.id.not_in(list(exclude_job_ids)) if exclude_job_ids else None,
    )
    return list(session.scalars(stmt))


def reserved_jobs(session: Session, *, regions: Sequence[str], today: date, exclude_job_ids: Sequence[int],
                  limit: int) -> list[JobPosting]:
    in_region = or_(*[JobPosting.region_code.like(f"{r}%") for r in regions]) if regions else literal(True)
    stmt = _where(
        select(JobPosting).options(selectinload(JobPosting.employer))
        .where(matchable_postings(today), JobPosting.work_type == "public_welfare", in_region)
        .order_by(JobPosting.id).limit(limit),
        JobPosting.id.not_in(list(exclude_job_ids)) if exclude_job_ids else None,
    )
    return list(session.scalars(stmt))


# --- assistance ------------------------------------------------------------------------------


def deadline_rules(session: Session) -> list[AssistanceDeadline]:
    return list(session.scalars(select(AssistanceDeadline).order_by(AssistanceDeadline.region_prefix)))


def deadline_rule_for(session: Session, *, region_code: str) -> AssistanceDeadline | None:
    """The rule of the longest prefix of ``region_code`` that has one."""
    prefixes = [region_code[:n] for n in (6, 4, 2)]
    rules = {r.region_prefix: r for r in session.scalars(
        select(AssistanceDeadline).where(AssistanceDeadline.region_prefix.in_(prefixes)))}
    return next((rules[p] for p in prefixes if p in rules), None)


def open_case(session: Session, *, seeker_id: int) -> AssistanceCase | None:
    return session.scalar(select(AssistanceCase).where(AssistanceCase.seeker_id == seeker_id,
                                                       AssistanceCase.status == "open"))


def open_cases_for(session: Session, *, seeker_ids: Sequence[int]) -> dict[int, AssistanceCase]:
    if not seeker_ids:
        return {}
    return {c.seeker_id: c for c in session.scalars(
        select(AssistanceCase).where(AssistanceCase.seeker_id.in_(list(seeker_ids)), AssistanceCase.status == "open"))}


def cases_for(session: Session, *, seeker_id: int) -> list[AssistanceCase]:
    return list(session.scalars(select(AssistanceCase).where(AssistanceCase.seeker_id == seeker_id)
                                .order_by(AssistanceCase.id)))


def list_cases(
    session: Session, *, page: PageRequest, scope_prefix: str | None, region_prefix: str | None,
    status: str | None, overdue_at: datetime | None,
) -> tuple[list[AssistanceCase], int]:
    stmt = _where(
        select(AssistanceCase).order_by(AssistanceCase.deadline_at, AssistanceCase.id),
        region_filter(AssistanceCase.region_code, scope_prefix),
        region_filter(AssistanceCase.region_code, region_prefix),
        AssistanceCase.status == status if status else None,
        and_(AssistanceCase.status == "open", AssistanceCase.deadline_at < overdue_at) if overdue_at else None,
    )
    return paginate(session, stmt, page)


def seekers_by_id(session: Session, *, ids: Sequence[int]) -> dict[int, Seeker]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Seeker).options(selectinload(Seeker.flags))
                                                 .where(Seeker.id.in_(list(ids))))}


# --- households ------------------------------------------------------------------------------


def household_of(session: Session, *, seeker_id: int) -> Household | None:
    return session.scalar(select(Household).join(HouseholdMember, HouseholdMember.household_id == Household.id)
                          .where(HouseholdMember.seeker_id == seeker_id))


def members_of(session: Session, *, household_ids: Sequence[int]) -> dict[int, list[HouseholdMember]]:
    out: dict[int, list[HouseholdMember]] = {i: [] for i in household_ids}
    if household_ids:
        for m in session.scalars(select(HouseholdMember).where(HouseholdMember.household_id.in_(list(household_ids)))
                                 .order_by(HouseholdMember.id)):
            out[m.household_id].append(m)
    return out


def members_elsewhere(session: Session, *, seeker_ids: Sequence[int]) -> list[int]:
    return list(session.scalars(select(HouseholdMember.seeker_id)
                                .where(HouseholdMember.seeker_id.in_(list(seeker_ids)))))


def household_candidates(session: Session, *, scope_prefix: str | None, now: datetime, limit: int) -> list[Seeker]:
    """Seekers with a verified, unexpired 零就业家庭 flag who belong to no household yet (for the create form)."""
    stmt = _where(
        select(Seeker).where(
            Seeker.id.in_(select(PolicyFlag.seeker_id).where(
                PolicyFlag.kind == "zero_employment_household", PolicyFlag.status == FlagStatus.verified.value,
                or_(PolicyFlag.expires_at.is_(None), PolicyFlag.expires_at > now))),
            Seeker.id.not_in(select(HouseholdMember.seeker_id)))
        .order_by(Seeker.region_code, Seeker.id).limit(limit),
        region_filter(Seeker.region_code, scope_prefix),
    )
    return list(session.scalars(stmt))


def list_households(
    session: Session, *, page: PageRequest, scope_prefix: str | None, region_prefix: str | None, status: str | None,
) -> tuple[list[Household], int]:
    stmt = _where(
        select(Household).order_by(Household.status.desc(), Household.identified_on, Household.id),
        region_filter(Household.region_code, scope_prefix),
        region_filter(Household.region_code, region_prefix),
        Household.status == status if status else None,
    )
    return paginate(session, stmt, page)


# --- exposures -------------------------------------------------------------------------------


def add_exposures(session: Session, rows: Sequence[dict]) -> None:
    session.add_all(CandidateExposure(**r) for r in rows)


# --- statistics ------------------------------------------------------------------------------


def hires(session: Session, *, region_prefix: str | None, start: datetime, end: datetime) -> list[tuple[Referral, Seeker]]:
    """Referrals moved to hired within [start, end), with their seekers (flags loaded)."""
    stmt = _where(
        select(Referral, Seeker).join(Seeker, Seeker.id == Referral.seeker_id)
        .options(selectinload(Seeker.flags))
        .where(Referral.status == ReferralStatus.hired.value, Referral.closed_at >= start, Referral.closed_at < end),
        region_filter(Seeker.region_code, region_prefix),
    )
    return [(r, s) for r, s in session.execute(stmt).all()]


def spells_ended_employed(session: Session, *, region_prefix: str | None, start: date, end: date,
                          reasons: Sequence[str]) -> list[UnemploymentSpell]:
    """Spells an officer ended because the person found work outside a referral, ended in [start, end)."""
    stmt = _where(
        select(UnemploymentSpell).where(UnemploymentSpell.end_reason.in_(list(reasons)),
                                        UnemploymentSpell.ended_on >= start, UnemploymentSpell.ended_on < end),
        region_filter(UnemploymentSpell.region_code, region_prefix),
    )
    return list(session.scalars(stmt))


def spells_overlapping(session: Session, *, region_prefix: str | None, start: date, end: date) -> list[UnemploymentSpell]:
    """Spells open at some point in [start, end)."""
    stmt = _where(
        select(UnemploymentSpell).where(UnemploymentSpell.started_on < end,
                                        or_(UnemploymentSpell.ended_on.is_(None), UnemploymentSpell.ended_on >= start)),
        region_filter(UnemploymentSpell.region_code, region_prefix),
    )
    return list(session.scalars(stmt))


def spell_for_referral(session: Session, *, referral_ids: Sequence[int]) -> dict[int, UnemploymentSpell]:
    if not referral_ids:
        return {}
    return {s.hire_referral_id: s for s in session.scalars(
        select(UnemploymentSpell).where(UnemploymentSpell.hire_referral_id.in_(list(referral_ids))))}


def seekers_with_flags(session: Session, *, region_prefix: str | None, kinds: Sequence[str]) -> list[Seeker]:
    stmt = _where(
        select(Seeker).options(selectinload(Seeker.flags))
        .where(Seeker.id.in_(select(PolicyFlag.seeker_id).where(PolicyFlag.kind.in_(list(kinds))))),
        region_filter(Seeker.region_code, region_prefix),
    )
    return list(session.scalars(stmt))


def hired_seeker_ids(session: Session, *, seeker_ids: Sequence[int], before: datetime) -> set[int]:
    if not seeker_ids:
        return set()
    return set(session.scalars(select(Referral.seeker_id).where(
        Referral.seeker_id.in_(list(seeker_ids)), Referral.status == ReferralStatus.hired.value,
        Referral.closed_at < before)))


def employed_by_spell_ids(session: Session, *, seeker_ids: Sequence[int], before: date, reasons: Sequence[str]) -> set[int]:
    if not seeker_ids:
        return set()
    return set(session.scalars(select(UnemploymentSpell.seeker_id).where(
        UnemploymentSpell.seeker_id.in_(list(seeker_ids)), UnemploymentSpell.end_reason.in_(list(reasons)),
        UnemploymentSpell.ended_on < before)))


def contacts_between(session: Session, *, region_prefix: str | None, start: date, end: date) -> list[Contact]:
    stmt = _where(
        select(Contact).join(Seeker, Seeker.id == Contact.seeker_id)
        .where(Contact.contacted_on >= start, Contact.contacted_on < end),
        region_filter(Seeker.region_code, region_prefix),
    )
    return list(session.scalars(stmt))


def households_in(session: Session, *, region_prefix: str | None) -> list[Household]:
    return list(session.scalars(_where(select(Household), region_filter(Household.region_code, region_prefix))))


def cases_in(session: Session, *, region_prefix: str | None, start: datetime, end: datetime) -> list[AssistanceCase]:
    stmt = _where(select(AssistanceCase).where(AssistanceCase.opened_at >= start, AssistanceCase.opened_at < end),
                  region_filter(AssistanceCase.region_code, region_prefix))
    return list(session.scalars(stmt))


def exposures_between(session: Session, *, region_prefix: str | None, start: datetime, end: datetime,
                      top: int) -> list[CandidateExposure]:
    stmt = _where(
        select(CandidateExposure).where(CandidateExposure.shown_at >= start, CandidateExposure.shown_at < end,
                                        CandidateExposure.rank <= top),
        region_filter(CandidateExposure.region_code, region_prefix),
    )
    return list(session.scalars(stmt))
