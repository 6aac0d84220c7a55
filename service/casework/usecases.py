"""The officers' workbench: 失业登记, caseload and monthly follow-up, 就业援助 on a deadline,
零就业家庭 until one member works, and a seeker's timeline.

Officers see only their region; every write is audited. A hire through a referral ends the seeker's
registration, places their assistance case and clears their household (:func:`on_hired`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from matching import geo, rules
from matching.ranking import MatchResult
from matching.enums import REFERRAL_STATUS_LABELS, Education, FlagKind, Hukou, Ownership, ReferralStatus, Role, SizeClass
from matching.text import display_title
from service.casework import repository as crepo
from service import repository as repo
from service.errors import Conflict, InvalidInput
from service.models import Employer, JobPosting, Referral, Seeker
from service.models.casework import AssistanceCase, AssistanceDeadline, Contact, Household, HouseholdMember, UnemploymentSpell
from service.presenters import age_on, flag_active, region_name
from service.repository import PageRequest
from service.schemas import MatchFiltersIn, RegionScopeIn
from service.casework.schemas import (
    BASIS_LABELS,
    CHANNEL_LABELS,
    EMPLOYED_REASONS,
    END_REASON_LABELS,
    SERVICE_LABELS,
    AssistanceBasis,
    AssistanceClose,
    AssistanceOpen,
    AssistanceOut,
    AssistanceSummary,
    CaseloadItem,
    ContactChannel,
    ContactCreate,
    DeadlineRuleIn,
    EndReason,
    HouseholdCreate,
    HouseholdMemberOut,
    HouseholdOut,
    MeasureOut,
    ConditionOut,
    Service,
    SpellEnd,
    SpellOpen,
    TimelineEvent,
)
from service.usecases.common import Context, not_found

OFFICERS = (Role.officer, Role.admin)
CONTACT_INTERVAL_DAYS = 30  # 每月至少进行1次跟踪调查 (大足府办发〔2020〕41号 第51条; policy-docs/001)
DEFAULT_DEADLINE_HOURS = 48  # 不挑不选，48小时就业 (the project's default; a region sets its own rule)
DEFAULT_WARN_HOURS = 12  # 临期提醒: a case shows as due soon this many hours before its deadline (region rule: warn_hours)
LOCAL = ZoneInfo("Asia/Shanghai")
ESCALATE_TO = {1: "科室负责人", 2: "分管领导"}


def _seeker(ctx: Context, seeker_id: int, *, lock: bool = False) -> Seeker:
    ctx.require(*OFFICERS)
    seeker = ctx.session.get(Seeker, seeker_id, with_for_update=lock)
    if seeker is None or not ctx.principal.in_region(seeker.region_code):
        raise not_found("求职者")
    return seeker


def active_kinds(seeker: Seeker, now: datetime) -> list[FlagKind]:
    return [FlagKind(f.kind) for f in seeker.flags if flag_active(f, now)]


def _audit_read(ctx: Context, action: str, seeker_ids: list[int], **detail) -> None:
    """Every read of a person's data leaves one audit event per person shown, on record type "seeker"."""
    if seeker_ids:
        ctx.audit_read(action, "seeker", list(dict.fromkeys(seeker_ids)), **detail)


# --- 失业登记 ---------------------------------------------------------------------------------


# The one home of "registered unemployed" (登记失业人员): a seeker with an open UnemploymentSpell. The seeker's
# ``unemployment_registered_at`` is that spell's start date, written only here (:func:`_open_spell`,
# :func:`_close_spell`, :func:`set_registration`), so the seekers' API filter, the caseload and the statistics agree.
WITHDRAWN_NOTE = "求职者信息中撤销了失业登记日期"


def is_registered_unemployed(seeker: Seeker) -> bool:
    return seeker.unemployment_registered_at is not None


def _open_spell(ctx: Context, seeker: Seeker, started: date) -> UnemploymentSpell:
    spell = UnemploymentSpell(seeker_id=seeker.id, region_code=seeker.region_code, started_on=started,
                              registered_by=ctx.principal.key_id, end_note="")
    ctx.session.add(spell)
    seeker.unemployment_registered_at = started
    return spell


def set_registration(ctx: Context, seeker: Seeker, registered_on: date | None) -> None:
    """A seeker record written with ``unemployment_registered_at`` (the seekers' API, the demo seed): open the
    spell from that day, correct an open spell's start, or end it (reason 其他) when the date is taken away.
    Runs inside the caller's transaction, after the seeker has an id."""
    ctx.session.flush()
    spell = crepo.open_spell(ctx.session, seeker_id=seeker.id, lock=True)
    if registered_on is None:
        if spell is not None:
            _close_spell(ctx, seeker, spell, reason=EndReason.other, note=WITHDRAWN_NOTE,
                         on=max(ctx.today(), spell.started_on))
            ctx.audit("unemployment.end", "seeker", [seeker.id], spell_id=spell.id, reason=EndReason.other.value)
        seeker.unemployment_registered_at = None
        return
    if spell is None:
        spell = _open_spell(ctx, seeker, registered_on)
        ctx.session.flush()
        ctx.audit("unemployment.register", "seeker", [seeker.id], spell_id=spell.id)
    else:
        spell.started_on = seeker.unemployment_registered_at = registered_on


def register_unemployment(ctx: Context, *, seeker_id: int, data: SpellOpen) -> UnemploymentSpell:
    seeker = _seeker(ctx, seeker_id, lock=True)
    if crepo.open_spell(ctx.session, seeker_id=seeker.id):
        raise Conflict("该求职者已有未结束的失业登记", code="already_registered")
    with ctx.transaction("该求职者已有未结束的失业登记"):
        spell = _open_spell(ctx, seeker, data.started_on or ctx.today())
        ctx.session.flush()
        ctx.audit("unemployment.register", "seeker", [seeker.id], spell_id=spell.id)
    return spell


def end_unemployment(ctx: Context, *, seeker_id: int, data: SpellEnd) -> UnemploymentSpell:
    """End a registration by hand (自主就业, 迁出, …); employment also places and clears as a hire would."""
    seeker = _seeker(ctx, seeker_id, lock=True)
    spell = crepo.open_spell(ctx.session, seeker_id=seeker.id, lock=True)
    if spell is None:
        raise Conflict("该求职者没有未结束的失业登记", code="not_registered")
    ended = data.ended_on or ctx.today()
    if ended < spell.started_on:
        raise InvalidInput("结束日期不能早于登记日期", field="ended_on", code="date_order")
    with ctx.transaction():
        _close_spell(ctx, seeker, spell, reason=data.reason, note=data.note, on=ended)
        if data.reason in EMPLOYED_REASONS:
            _employment_follow_on(ctx, seeker, referral=None, on=ended)
        ctx.audit("unemployment.end", "seeker", [seeker.id], spell_id=spell.id, reason=data.reason.value)
    return spell


def _close_spell(ctx: Context, seeker: Seeker, spell: UnemploymentSpell, *, reason: EndReason, note: str,
                 on: date, referral_id: int | None = None) -> None:
    spell.ended_on, spell.end_reason, spell.end_note = on, reason.value, note
    spell.ended_by, spell.hire_referral_id = ctx.principal.key_id, referral_id
    seeker.unemployment_registered_at = None


def _employment_follow_on(ctx: Context, seeker: Seeker, *, referral: Referral | None, on: date) -> None:
    """A member at work: the assistance case is placed and the household cleared (动态清零)."""
    case = crepo.open_case(ctx.session, seeker_id=seeker.id)
    if case is not None:
        case.status, case.closed_at, case.closed_by = "placed", ctx.now(), ctx.principal.key_id
        case.placement_referral_id = referral.id if referral else None
        case.close_reason = "推荐录用" if referral else "自主就业"
        ctx.audit("assistance.placed", "assistance_case", [case.id], seeker_id=seeker.id)
    household = crepo.household_of(ctx.session, seeker_id=seeker.id)
    if household is not None and household.status == "open":
        household.status, household.cleared_on, household.cleared_by_seeker_id = "cleared", on, seeker.id
        household.cleared_referral_id = referral.id if referral else None
        ctx.audit("household.cleared", "household", [household.id], seeker_id=seeker.id)
        for other in crepo.members_of(ctx.session, household_ids=[household.id])[household.id]:
            other_case = crepo.open_case(ctx.session, seeker_id=other.seeker_id)
            if other_case is not None and other_case.basis == AssistanceBasis.zero_employment_household:
                other_case.status, other_case.closed_at = "closed", ctx.now()
                other_case.closed_by, other_case.close_reason = ctx.principal.key_id, "家庭已有成员就业，已清零"


def on_hired(ctx: Context, referral: Referral) -> None:
    """Called inside the referral's transaction when it moves to hired."""
    seeker = ctx.session.get(Seeker, referral.seeker_id)
    on = ctx.today()
    spell = crepo.open_spell(ctx.session, seeker_id=seeker.id, lock=True)
    if spell is not None:
        _close_spell(ctx, seeker, spell, reason=EndReason.hired, note="", on=max(on, spell.started_on),
                     referral_id=referral.id)
        ctx.audit("unemployment.end", "seeker", [seeker.id], spell_id=spell.id, reason=EndReason.hired.value)
    _employment_follow_on(ctx, seeker, referral=referral, on=on)


def spells(ctx: Context, *, seeker_id: int) -> list[UnemploymentSpell]:
    seeker = _seeker(ctx, seeker_id)
    spells = crepo.spells_for(ctx.session, seeker_id=seeker.id)
    _audit_read(ctx, "unemployment.read", [seeker.id])
    return spells


# --- caseload and contacts ---------------------------------------------------------------------


def months_between(start: date, end: date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day))


def caseload(
    ctx: Context, *, page: PageRequest, due_only: bool = False, sort: str = "deadline", region_prefix: str | None = None,
    flag_kind: str | None = None, assistance_only: bool = False,
) -> tuple[list[CaseloadItem], int]:
    """登记失业人员台账 and everyone on 就业援助: due_only keeps those not contacted in the last month and those
    on the placement clock; ``deadline`` sorts the soonest deadline first."""
    ctx.require(*OFFICERS)
    record_escalations(ctx)
    now, today = ctx.now(), ctx.today()
    due_before = today - timedelta(days=CONTACT_INTERVAL_DAYS)
    rows, total = crepo.caseload(ctx.session, page=page, scope_prefix=ctx.scope_prefix(), region_prefix=region_prefix,
                                 due_before=due_before if due_only else None, flag_kind=flag_kind,
                                 sort=sort if sort in crepo.CASELOAD_SORTS else "deadline", now=now,
                                 assistance_only=assistance_only)
    warn = _warn_hours_by_region(ctx, [r.assistance for r in rows if r.assistance])
    items = []
    for row in rows:
        started = row.spell.started_on if row.spell else None
        reference = row.last_contact_on or started
        items.append(CaseloadItem(
            seeker_id=row.seeker.id, name=row.seeker.name, phone=row.seeker.phone_masked,
            region_code=row.seeker.region_code, region_name=region_name(row.seeker.region_code),
            flags=active_kinds(row.seeker, now), registered=row.spell is not None, registered_on=started,
            months_unemployed=months_between(started, today) if started else None,
            last_contact_on=row.last_contact_on,
            days_since_contact=(today - row.last_contact_on).days if row.last_contact_on else None,
            contact_due_on=reference + timedelta(days=CONTACT_INTERVAL_DAYS) if reference else None,
            due=(reference is not None and reference <= due_before) or row.assistance is not None,
            assistance=_summary(row.assistance, now, warn[row.assistance.region_code]) if row.assistance else None,
        ))
    _audit_read(ctx, "caseload.read", [i.seeker_id for i in items], due_only=due_only)
    return items, total


def add_contact(ctx: Context, *, seeker_id: int, data: ContactCreate) -> Contact:
    seeker = _seeker(ctx, seeker_id)
    contact = Contact(seeker_id=seeker.id, contacted_on=data.contacted_on or ctx.today(), channel=data.channel.value,
                      services=[s.value for s in data.services], notes=data.notes, next_step=data.next_step,
                      officer=ctx.principal.key_id)
    with ctx.transaction():
        ctx.session.add(contact)
        ctx.session.flush()
        ctx.audit("contact.create", "seeker", [seeker.id], contact_id=contact.id)
    return contact


def add_contacts(ctx: Context, *, seeker_ids: list[int], data: ContactCreate) -> int:
    """批量跟踪: the same contact recorded for several seekers in one transaction (all or none)."""
    people = [_seeker(ctx, sid) for sid in seeker_ids]
    on = data.contacted_on or ctx.today()
    with ctx.transaction():
        for seeker in people:
            contact = Contact(seeker_id=seeker.id, contacted_on=on, channel=data.channel.value,
                              services=[s.value for s in data.services], notes=data.notes, next_step=data.next_step,
                              officer=ctx.principal.key_id)
            ctx.session.add(contact)
            ctx.session.flush()
            ctx.audit("contact.create", "seeker", [seeker.id], contact_id=contact.id, bulk=True)
    return len(people)


def contacts(ctx: Context, *, seeker_id: int) -> list[Contact]:
    seeker = _seeker(ctx, seeker_id)
    found = crepo.contacts_for(ctx.session, seeker_id=seeker.id)
    _audit_read(ctx, "contact.read", [seeker.id])
    return found


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL)




def timeline(ctx: Context, *, seeker_id: int) -> list[TimelineEvent]:
    """Registrations, contacts, referrals with each status change, assistance: newest first."""
    seeker = _seeker(ctx, seeker_id)
    s = ctx.session
    events: list[TimelineEvent] = []
    for sp in crepo.spells_for(s, seeker_id=seeker.id):
        events.append(TimelineEvent(at=_start_of(sp.started_on), kind="registered", title="失业登记", record_id=sp.id))
        if sp.ended_on:
            label = END_REASON_LABELS[EndReason(sp.end_reason)]
            events.append(TimelineEvent(at=_start_of(sp.ended_on), kind="unregistered", title=f"失业登记结束：{label}",
                                        detail=sp.end_note, record_id=sp.id))
    for c in crepo.contacts_for(s, seeker_id=seeker.id):
        services = "、".join(SERVICE_LABELS[Service(x)] for x in c.services)
        detail = "；".join(p for p in (services, c.notes, f"下一步：{c.next_step}" if c.next_step else "") if p)
        events.append(TimelineEvent(at=_start_of(c.contacted_on), kind="contact",
                                    title=f"跟踪服务（{CHANNEL_LABELS[ContactChannel(c.channel)]}）",
                                    detail=detail, record_id=c.id))
    jobs = {r.job_id for r in crepo.referrals_for(s, seeker_id=seeker.id)}
    titles = {j: display_title(ctx.session.get(JobPosting, j).title) for j in jobs}
    for r in crepo.referrals_for(s, seeker_id=seeker.id):
        for step in r.history:
            status = ReferralStatus(step["status"])
            detail = step.get("reason") or ""
            events.append(TimelineEvent(at=datetime.fromisoformat(step["at"]), kind="referral",
                                        title=f"推荐「{titles[r.job_id]}」：{REFERRAL_STATUS_LABELS[status]}",
                                        detail=detail, record_id=r.id))
    for case in crepo.cases_for(s, seeker_id=seeker.id):
        events.append(TimelineEvent(at=case.opened_at, kind="assistance",
                                    title=f"纳入就业援助（{BASIS_LABELS[AssistanceBasis(case.basis)]}）",
                                    detail=f"期限 {case.deadline_rule}", record_id=case.id))
        if case.closed_at:
            events.append(TimelineEvent(at=case.closed_at, kind="assistance",
                                        title="就业援助结案" if case.status == "closed" else "就业援助已安置",
                                        detail=case.close_reason, record_id=case.id))
    events.sort(key=lambda e: e.at, reverse=True)
    _audit_read(ctx, "timeline.read", [seeker.id])
    return events


# --- 就业援助 ---------------------------------------------------------------------------------


def add_working_days(start: datetime, days: int) -> datetime:
    """``days`` working days (Mon–Fri, local time) after ``start``; public holidays are not modelled."""
    local = start.astimezone(LOCAL)
    current = local
    while current.weekday() >= 5:  # opened at the weekend: the clock starts Monday morning
        current = datetime.combine(current.date() + timedelta(days=1), datetime.min.time(), LOCAL).replace(hour=9)
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def deadline_for(rule: AssistanceDeadline | None, opened: datetime) -> tuple[datetime, str]:
    if rule is not None and rule.working_days:
        return add_working_days(opened, rule.working_days), f"{rule.working_days}个工作日"
    hours = rule.hours if rule is not None and rule.hours else DEFAULT_DEADLINE_HOURS
    return opened + timedelta(hours=hours), f"{hours}小时"


def escalation(case: AssistanceCase, now: datetime) -> int:
    """督办 level a case has reached: 1 once its deadline passed (科室负责人), 2 once it is late by as long again
    as it had (分管领导). 区就业工作领导小组办公室…加强协调调度、督查督办 (大足府办发〔2020〕41号, 二、压实各方责任; policy-docs/001)."""
    if case.status != "open":
        return case.escalation_level or 0  # as recorded while it was open
    if now <= case.deadline_at:
        return 0
    return 2 if now - case.deadline_at >= case.deadline_at - case.opened_at else 1


def record_escalations(ctx: Context) -> int:
    """Record 督办 on every open case in scope whose deadline passed since it was last looked at (level, time,
    to whom; audited). Called by the lists that show deadlines, so a passed deadline is recorded the first time
    anyone looks, and by ``rengang``'s periodic callers. Returns how many cases were escalated."""
    now, changed, scope = ctx.now(), 0, ctx.scope_prefix()
    due = [c.id for c in crepo.overdue_open_cases(ctx.session, scope_prefix=scope, now=now)
           if escalation(c, now) > (c.escalation_level or 0)]
    if not due:
        return 0
    with ctx.transaction():
        for c in crepo.overdue_open_cases(ctx.session, scope_prefix=scope, now=now, ids=due, lock=True):
            level = escalation(c, now)
            if level <= (c.escalation_level or 0):
                continue  # another request recorded it meanwhile
            c.escalation_level, c.escalated_at, c.escalated_to = level, now, ESCALATE_TO[level]
            ctx.audit("assistance.escalate", "assistance_case", [c.id], seeker_id=c.seeker_id, level=level,
                      to=ESCALATE_TO[level])
            changed += 1
    return changed


def warn_hours_in(ctx: Context) -> int:
    """The warning lead time of the caller's region (its rule's, else the default)."""
    prefix = ctx.scope_prefix()
    return warn_hours_for(crepo.deadline_rule_for(ctx.session, region_code=prefix) if prefix else None)


def warn_hours_for(rule: AssistanceDeadline | None) -> int:
    return rule.warn_hours if rule is not None and rule.warn_hours else DEFAULT_WARN_HOURS


def _warn_hours_by_region(ctx: Context, cases: list[AssistanceCase]) -> dict[str, int]:
    regions = {c.region_code for c in cases}
    return {r: warn_hours_for(crepo.deadline_rule_for(ctx.session, region_code=r)) for r in regions}


def _due_soon(case: AssistanceCase, now: datetime, warn_hours: int) -> bool:
    return case.status == "open" and now <= case.deadline_at < now + timedelta(hours=warn_hours)


def _summary(case: AssistanceCase, now: datetime, warn_hours: int = DEFAULT_WARN_HOURS) -> AssistanceSummary:
    level = escalation(case, now)
    return AssistanceSummary(id=case.id, basis=AssistanceBasis(case.basis), deadline_at=case.deadline_at,
                             seconds_left=int((case.deadline_at - now).total_seconds()),
                             overdue=case.status == "open" and now > case.deadline_at, escalation_level=level,
                             due_soon=_due_soon(case, now, warn_hours), escalated_to=case.escalated_to or None,
                             escalated_at=case.escalated_at)


def assistance_out(case: AssistanceCase, seeker: Seeker, now: datetime, warn_hours: int = DEFAULT_WARN_HOURS) -> AssistanceOut:
    level = escalation(case, now)
    return AssistanceOut(
        id=case.id, seeker_id=case.seeker_id, seeker_name=seeker.name, region_code=case.region_code,
        region_name=region_name(case.region_code),
        basis=AssistanceBasis(case.basis), household_id=case.household_id, opened_at=case.opened_at,
        deadline_at=case.deadline_at, deadline_rule=case.deadline_rule, status=case.status,
        seconds_left=int((case.deadline_at - now).total_seconds()) if case.status == "open" else 0,
        overdue=case.status == "open" and now > case.deadline_at, escalation_level=level,
        escalated_to=case.escalated_to or ESCALATE_TO.get(level), escalated_at=case.escalated_at,
        due_soon=_due_soon(case, now, warn_hours), closed_at=case.closed_at,
        close_reason=case.close_reason, placement_referral_id=case.placement_referral_id,
    )


def assistance_list_out(ctx: Context, rows: list[tuple[AssistanceCase, Seeker]]) -> list[AssistanceOut]:
    now = ctx.now()
    warn = _warn_hours_by_region(ctx, [c for c, _ in rows])
    return [assistance_out(c, s, now, warn[c.region_code]) for c, s in rows]


def open_assistance(ctx: Context, *, data: AssistanceOpen) -> AssistanceCase:
    """Put a hard-to-employ or zero-employment-household seeker on the placement clock."""
    ctx.require(*OFFICERS)
    seeker = ctx.session.get(Seeker, data.seeker_id, with_for_update=True)
    if seeker is None or not ctx.principal.in_region(seeker.region_code):
        raise InvalidInput("求职者不存在或无权访问", field="seeker_id", code="unknown_seeker")
    now = ctx.now()
    if crepo.open_case(ctx.session, seeker_id=seeker.id):
        raise Conflict("该求职者已在就业援助中", code="already_on_assistance")
    household = crepo.household_of(ctx.session, seeker_id=seeker.id)
    kinds = active_kinds(seeker, now)
    if household is not None and household.status == "open":
        basis = AssistanceBasis.zero_employment_household
    elif FlagKind.zero_employment_household in kinds:
        basis = AssistanceBasis.zero_employment_household
    elif FlagKind.hard_to_employ in kinds:
        basis = AssistanceBasis.hard_to_employ
    else:
        raise InvalidInput("仅已核实的就业困难人员或零就业家庭成员可纳入就业援助", field="seeker_id",
                           code="not_eligible_for_assistance")
    deadline, rule = deadline_for(crepo.deadline_rule_for(ctx.session, region_code=seeker.region_code), now)
    case = AssistanceCase(seeker_id=seeker.id, household_id=household.id if household else None,
                          region_code=seeker.region_code, basis=basis.value, opened_at=now, deadline_at=deadline,
                          deadline_rule=rule, status="open", opened_by=ctx.principal.key_id, close_reason="")
    with ctx.transaction("该求职者已在就业援助中"):
        ctx.session.add(case)
        ctx.session.flush()
        ctx.audit("assistance.open", "assistance_case", [case.id], seeker_id=seeker.id, note=data.note)
    return case


def _case(ctx: Context, case_id: int) -> AssistanceCase:
    ctx.require(*OFFICERS)
    case = ctx.session.get(AssistanceCase, case_id)
    if case is None or not ctx.principal.in_region(case.region_code):
        raise not_found("援助记录")
    return case


def get_assistance(ctx: Context, *, case_id: int) -> tuple[AssistanceCase, Seeker]:
    case = _case(ctx, case_id)
    _audit_read(ctx, "assistance.read", [case.seeker_id], case_id=case.id)
    return case, ctx.session.get(Seeker, case.seeker_id)


def open_assistance_for(ctx: Context, *, seeker_id: int) -> AssistanceCase | None:
    seeker = _seeker(ctx, seeker_id)
    case = crepo.open_case(ctx.session, seeker_id=seeker.id)
    _audit_read(ctx, "assistance.read", [seeker.id], case_id=case.id if case else None)
    return case


def close_assistance(ctx: Context, *, case_id: int, data: AssistanceClose) -> tuple[AssistanceCase, Seeker]:
    """End a case without a placement (moved away, declined…); placement happens only through employment."""
    case = _case(ctx, case_id)
    if case.status != "open":
        raise Conflict("该援助记录已结束", code="case_closed")
    with ctx.transaction():
        case.status, case.closed_at, case.closed_by, case.close_reason = "closed", ctx.now(), ctx.principal.key_id, data.reason
        ctx.audit("assistance.close", "assistance_case", [case.id], seeker_id=case.seeker_id)
    return case, ctx.session.get(Seeker, case.seeker_id)


def list_assistance(
    ctx: Context, *, page: PageRequest, status: str | None = "open", overdue_only: bool = False,
    region_prefix: str | None = None,
) -> tuple[list[tuple[AssistanceCase, Seeker]], int]:
    ctx.require(*OFFICERS)
    record_escalations(ctx)
    cases, total = crepo.list_cases(ctx.session, page=page, scope_prefix=ctx.scope_prefix(),
                                    region_prefix=region_prefix, status=status,
                                    overdue_at=ctx.now() if overdue_only else None)
    seekers = crepo.seekers_by_id(ctx.session, ids=[c.seeker_id for c in cases])
    _audit_read(ctx, "assistance.list_read", [c.seeker_id for c in cases])
    return [(c, seekers[c.seeker_id]) for c in cases], total


def set_deadline_rule(ctx: Context, *, region_prefix: str, data: DeadlineRuleIn) -> AssistanceDeadline:
    """A region's commitment (48 hours, or e.g. 10 working days); applies to cases opened afterwards."""
    ctx.require(Role.admin)
    rule = ctx.session.get(AssistanceDeadline, region_prefix)
    with ctx.transaction():
        if rule is None:
            rule = AssistanceDeadline(region_prefix=region_prefix, updated_by=ctx.principal.key_id)
            ctx.session.add(rule)
        rule.hours, rule.working_days, rule.updated_by = data.hours, data.working_days, ctx.principal.key_id
        rule.warn_hours = data.warn_hours
        ctx.session.flush()
        ctx.audit("assistance.deadline", "region", [None], region_prefix=region_prefix, hours=data.hours,
                  working_days=data.working_days)
    return rule


def deadline_rules(ctx: Context) -> list[AssistanceDeadline]:
    ctx.require(*OFFICERS)
    return crepo.deadline_rules(ctx.session)


# --- 零就业家庭 -------------------------------------------------------------------------------


def _employed(ctx: Context, seeker_ids: list[int]) -> set[int]:
    hired = crepo.hired_seeker_ids(ctx.session, seeker_ids=seeker_ids, before=ctx.now() + timedelta(days=1))
    other = crepo.employed_by_spell_ids(ctx.session, seeker_ids=seeker_ids, before=ctx.today() + timedelta(days=1),
                                        reasons=[r.value for r in EMPLOYED_REASONS])
    return hired | other


def household_out(ctx: Context, household: Household, members: list[HouseholdMember]) -> HouseholdOut:
    seekers = crepo.seekers_by_id(ctx.session, ids=[m.seeker_id for m in members])
    employed = _employed(ctx, [m.seeker_id for m in members])
    return HouseholdOut(
        id=household.id, region_code=household.region_code, label=household.label,
        identified_on=household.identified_on, status=household.status, cleared_on=household.cleared_on,
        cleared_by_seeker_id=household.cleared_by_seeker_id, cleared_referral_id=household.cleared_referral_id,
        members=[HouseholdMemberOut(seeker_id=m.seeker_id, name=seekers[m.seeker_id].name,
                                    employed=m.seeker_id in employed) for m in members],
    )


def create_household(ctx: Context, *, data: HouseholdCreate) -> HouseholdOut:
    ctx.require(*OFFICERS)
    if not ctx.principal.in_region(data.region_code):
        raise InvalidInput("该地区不在您的管辖范围内", field="region_code", code="region_out_of_scope")
    seekers = crepo.seekers_by_id(ctx.session, ids=data.member_ids)
    for i, sid in enumerate(data.member_ids):
        if sid not in seekers or not ctx.principal.in_region(seekers[sid].region_code):
            raise InvalidInput("求职者不存在或无权访问", field=f"member_ids.{i}", code="unknown_seeker")
    if crepo.members_elsewhere(ctx.session, seeker_ids=data.member_ids):
        raise Conflict("有成员已登记在其他零就业家庭中", code="member_in_other_household")
    if _employed(ctx, data.member_ids):
        raise InvalidInput("家庭中已有成员就业，不属于零就业家庭", field="member_ids", code="member_employed")
    household = Household(region_code=data.region_code, label=data.label,
                          identified_on=data.identified_on or ctx.today(), status="open",
                          created_by=ctx.principal.key_id)
    with ctx.transaction("有成员已登记在其他零就业家庭中"):
        ctx.session.add(household)
        ctx.session.flush()
        members = [HouseholdMember(household_id=household.id, seeker_id=sid, relation="") for sid in data.member_ids]
        ctx.session.add_all(members)
        ctx.session.flush()
        ctx.audit("household.create", "household", [household.id], members=data.member_ids)
    return household_out(ctx, household, members)


def get_household(ctx: Context, *, household_id: int) -> HouseholdOut:
    ctx.require(*OFFICERS)
    household = ctx.session.get(Household, household_id)
    if household is None or not ctx.principal.in_region(household.region_code):
        raise not_found("零就业家庭")
    out = household_out(ctx, household, crepo.members_of(ctx.session, household_ids=[household.id])[household.id])
    _audit_read(ctx, "household.read", [m.seeker_id for m in out.members], household_id=household.id)
    return out


def list_households(ctx: Context, *, page: PageRequest, status: str | None = None,
                    region_prefix: str | None = None) -> tuple[list[HouseholdOut], int]:
    ctx.require(*OFFICERS)
    households, total = crepo.list_households(ctx.session, page=page, scope_prefix=ctx.scope_prefix(),
                                              region_prefix=region_prefix, status=status)
    members = crepo.members_of(ctx.session, household_ids=[h.id for h in households])
    out = [household_out(ctx, h, members[h.id]) for h in households]
    _audit_read(ctx, "household.list_read", [m.seeker_id for h in out for m in h.members])
    return out, total


def household_candidates(ctx: Context, *, limit: int = 100) -> list[Seeker]:
    """Who the create-household form offers: verified 零就业家庭 members in scope, not yet in a household."""
    ctx.require(*OFFICERS)
    found = crepo.household_candidates(ctx.session, scope_prefix=ctx.scope_prefix(), now=ctx.now(), limit=limit)
    _audit_read(ctx, "household.candidates_read", [s.id for s in found])
    return found


# --- matches for a seeker -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    job: JobPosting
    reserved: bool
    referral: Referral | None
    result: MatchResult | None = None  # the engine's ranking with its explanation (None without the engine)
    distance_km: float | None = None  # from where the seeker lives


def _distance_km(seeker: Seeker, job: JobPosting) -> float | None:
    here = geo.point_of(seeker.region_code, None, None)
    there = geo.point_of(job.region_code, job.lat, job.lon)
    return geo.haversine_km_one(*here, *there)


def _scoped(filters: MatchFiltersIn, seeker: Seeker) -> MatchFiltersIn:
    """A place-bound scope without a place means the seeker's own county (the console offers no other)."""
    if filters.scope in (RegionScopeIn.county, RegionScopeIn.city, RegionScopeIn.province, RegionScopeIn.radius) \
            and filters.region_code is None:
        filters = filters.model_copy(update={"region_code": seeker.region_code})
    if filters.scope is RegionScopeIn.radius and filters.radius_km is None:
        filters = filters.model_copy(update={"radius_km": 30.0})
    return filters


def _fallback_regions(filters: MatchFiltersIn, seeker: Seeker) -> list[str]:
    home = filters.region_code or seeker.region_code
    return {RegionScopeIn.county: [home], RegionScopeIn.city: [home[:4]], RegionScopeIn.province: [home[:2]],
            RegionScopeIn.anywhere: [], RegionScopeIn.radius: []}.get(
        filters.scope, list(seeker.desired_regions) or [seeker.region_code[:4]])


def _passes(job: JobPosting, filters: MatchFiltersIn, distance: float | None) -> bool:
    """The API's hard filters, for the ranking without the engine."""
    if filters.work_types and job.work_type not in {w.value for w in filters.work_types}:
        return False
    if filters.salary_floor is not None and (job.salary_max or job.salary_min or 0) < filters.salary_floor:
        return False
    if filters.room_board and not job.room_board:
        return False
    return not (filters.scope is RegionScopeIn.radius and (distance is None or distance > filters.radius_km))


def matches(ctx: Context, *, seeker_id: int, limit: int = 20, engine=None,
            filters: MatchFiltersIn | None = None) -> list[Match]:
    """Open postings for a seeker, ranked and explained by the matching engine when it is loaded (otherwise in
    the regions asked for, same occupation first), through the API's filters (scope, work type, salary floor,
    room and board); on assistance, reserved posts (公益性岗位) come first. Postings already referred are listed
    last."""
    seeker = _seeker(ctx, seeker_id)
    filters = _scoped(filters or MatchFiltersIn(), seeker)
    on_assistance = crepo.open_case(ctx.session, seeker_id=seeker.id) is not None
    referred = {r.job_id: r for r in crepo.referrals_for(ctx.session, seeker_id=seeker.id)}
    results: dict[int, MatchResult] = {}
    if engine is not None and engine.readiness() == "ok":
        ranked = engine.jobs_for_seeker(ctx.session, seeker, filters=filters, k=limit + len(referred),
                                        scope_prefix=ctx.scope_prefix())
        results = {r.id: r for r in ranked.results if r.id not in referred}
        wanted = list(results)[:limit]
        read = {j.id: j for j in repo.all_jobs(ctx.session, ids=wanted)}
        jobs = [read[i] for i in wanted if i in read]
        if on_assistance:
            jobs.sort(key=lambda j: j.work_type != "public_welfare")  # stable: reserved posts first
    else:
        candidates = crepo.open_jobs_for(ctx.session, regions=_fallback_regions(filters, seeker), today=ctx.today(),
                                         exclude_job_ids=list(referred),
                                         occupation_codes=list(seeker.desired_occupation_codes),
                                         reserved_first=on_assistance, limit=limit * 5)
        jobs = [j for j in candidates if _passes(j, filters, _distance_km(seeker, j))][:limit]
    if on_assistance:
        seen = {j.id for j in jobs}
        extra = crepo.reserved_jobs(ctx.session, regions=[seeker.region_code[:4]], today=ctx.today(),
                                    exclude_job_ids=[*referred, *seen], limit=5)
        jobs = extra + jobs
    out = []
    for j in jobs:
        result = results.get(j.id)
        explained = result.explanation.distance_km if result and result.explanation else None
        out.append(Match(job=j, reserved=j.work_type == "public_welfare", referral=None, result=result,
                         distance_km=explained if explained is not None else _distance_km(seeker, j)))
    for job_id, referral in referred.items():
        job = ctx.session.get(JobPosting, job_id)
        out.append(Match(job=job, reserved=False, referral=referral, distance_km=_distance_km(seeker, job)))
    _audit_read(ctx, "suggested_jobs.read", [seeker.id])
    return out


def hire_of(ctx: Context, *, seeker_id: int) -> tuple[Referral, JobPosting] | None:
    """The seeker's latest hire through a referral, if they have not registered as unemployed again since."""
    seeker = _seeker(ctx, seeker_id)
    hired = [r for r in crepo.referrals_for(ctx.session, seeker_id=seeker.id)
             if r.status == ReferralStatus.hired.value]
    if not hired or is_registered_unemployed(seeker):
        return None
    latest = max(hired, key=lambda r: (r.closed_at or r.created_at, r.id))
    return latest, ctx.session.get(JobPosting, latest.job_id)


def seeker_for_console(ctx: Context, *, seeker_id: int) -> Seeker:
    seeker = _seeker(ctx, seeker_id)
    _audit_read(ctx, "seeker.read", [seeker.id], view="console")
    return seeker


def record_exposures(ctx: Context, *, job_id: int, region_code: str, ranked_seekers: list[Seeker]) -> None:
    """Log who appeared in a candidate list's top 10 and their policy groups (for exposure statistics).

    Runs in the caller's transaction; the caller commits."""
    now = ctx.now()
    crepo.add_exposures(ctx.session, [
        {"job_id": job_id, "seeker_id": s.id, "rank": rank, "region_code": region_code, "shown_at": now,
         "groups": [k.value for k in active_kinds(s, now)]}
        for rank, s in enumerate(ranked_seekers[:10], start=1)
    ])



# --- policy eligibility (matching.rules) ------------------------------------------------------


_rules_paths: tuple[Path, ...] | None = None  # the shipped rules and the deployment's, set at start


@lru_cache(maxsize=4)
def ruleset(path: Path | tuple[Path, ...] | None = None) -> rules.RuleSet:
    """The local policy rules, loaded once per file set."""
    return rules.load_rules(path or _rules_paths or rules.RULES_DIR)


def use_rules(local: Path | None) -> rules.RuleSet:
    """Load and check the shipped rules and the deployment's (``local``: a file or folder, if it exists) now, at
    start: a broken file raises ``RuleFileError`` naming file and line, so the service does not start rather than
    answer 500 on its first eligibility request."""
    global _rules_paths
    _rules_paths = (rules.RULES_DIR, local) if local is not None and local.exists() else (rules.RULES_DIR,)
    ruleset.cache_clear()
    return ruleset()


def _measure(o: rules.RuleOutcome) -> MeasureOut:
    return MeasureOut(
        rule_id=o.rule_id, name=o.name, pays=o.pays.value, applies=o.applies,
        amount_yuan=float(o.amount_yuan) if o.amount_yuan is not None else None, amount_text=o.amount_text,
        conditions=[ConditionOut(key=c.key, label=c.label_zh, met=c.met, detail=c.detail) for c in o.conditions],
        to_verify=list(o.to_verify), source_title=o.source.title, source_clause=o.source.clause,
    )


_UNREAD = object()


def open_spells(ctx: Context, seeker_ids: list[int]) -> dict[int, UnemploymentSpell]:
    """The open unemployment spell of each of these seekers that has one (one query for a whole list)."""
    return crepo.open_spells(ctx.session, seeker_ids=seeker_ids)


def seeker_policy_facts(ctx: Context, seeker: Seeker, *, spell: UnemploymentSpell | None | object = _UNREAD
                        ) -> rules.SeekerPolicyFacts:
    """The facts the policy rules read of a seeker; ``spell`` is their open spell if the caller already read it."""
    today = ctx.today()
    if spell is _UNREAD:
        spell = crepo.open_spell(ctx.session, seeker_id=seeker.id)
    grad = seeker.graduation_date
    return rules.SeekerPolicyFacts(
        age=age_on(seeker.birth_date, today), active_flags=frozenset(active_kinds(seeker, ctx.now())),
        months_since_graduation=(None if grad is None else
                                 (months_between(grad, today) if grad <= today else -months_between(today, grad))),
        months_unemployed=months_between(spell.started_on, today) if spell else None,
        hukou=Hukou(seeker.hukou) if seeker.hukou else None,
        education=Education(seeker.education) if seeker.education else None, region_code=seeker.region_code,
    )


def seeker_eligibility(ctx: Context, *, seeker_id: int, rules_path: Path | None = None) -> list[MeasureOut]:
    """Measures a seeker can claim on their own, applicable ones first."""
    seeker = _seeker(ctx, seeker_id)
    outcomes = rules.evaluate_seeker(ruleset(rules_path), seeker_policy_facts(ctx, seeker), ctx.today())
    _audit_read(ctx, "eligibility.read", [seeker.id])
    return sorted((_measure(o) for o in outcomes), key=lambda m: not m.applies)


def employer_policy_facts(employer: Employer) -> rules.EmployerPolicyFacts:
    """What the policy rules know of an employer (size and ownership may be unrecorded)."""
    return rules.EmployerPolicyFacts(
        size_class=SizeClass(employer.size_class) if employer.size_class else None,
        ownership=Ownership(employer.ownership) if employer.ownership else None, region_code=employer.region_code,
    )


def employer_eligibility(ctx: Context, *, employer_id: int, rules_path: Path | None = None) -> list[MeasureOut]:
    ctx.require(*OFFICERS)
    employer = ctx.session.get(Employer, employer_id)
    if employer is None or not ctx.principal.in_region(employer.region_code):
        raise not_found("用人单位")
    outcomes = rules.evaluate_employer(ruleset(rules_path), employer_policy_facts(employer), ctx.today())
    return sorted((_measure(o) for o in outcomes), key=lambda m: not m.applies)
