"""推荐: seeker ↔ posting, and the pipeline recommended → applied → interviewing → hired/rejected/withdrawn."""

from __future__ import annotations

from matching import postings
from matching.enums import REFERRAL_STATUS_LABELS, Channel, JobStatus, ReferralStatus, Role
from service import repository as repo
from service.errors import Conflict, InvalidInput
from service.models import JobPosting, Referral, Seeker
from service.repository import PageRequest
from service.schemas import ReferralCreate, ReferralTransition
from service.casework import usecases as casework
from service.usecases.common import Context, not_found

ACTORS = (Role.app, Role.officer, Role.admin)

S = ReferralStatus
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.recommended: frozenset({S.applied, S.rejected, S.withdrawn}),
    S.applied: frozenset({S.interviewing, S.hired, S.rejected, S.withdrawn}),
    S.interviewing: frozenset({S.hired, S.rejected, S.withdrawn}),
    S.hired: frozenset(),
    S.rejected: frozenset(),
    S.withdrawn: frozenset(),
}
DEFAULT_CHANNEL = {Role.app: Channel.app, Role.officer: Channel.officer, Role.admin: Channel.officer}


def _visible(ctx: Context, referral: Referral | None) -> Referral:
    if referral is None:
        raise not_found("推荐记录")
    seeker = ctx.session.get(Seeker, referral.seeker_id)
    if not ctx.principal.in_region(seeker.region_code):
        raise not_found("推荐记录")
    return referral


def _load(ctx: Context, referral_id: int) -> Referral:
    ctx.require(*ACTORS)
    return _visible(ctx, repo.get(ctx.session, Referral, referral_id))


def get(ctx: Context, *, referral_id: int) -> Referral:
    """Read one referral: that a person applied for a job is their personal data, so the read is audited."""
    referral = _load(ctx, referral_id)
    ctx.audit_read("referral.read", "seeker", [referral.seeker_id], referral_id=referral.id)
    return referral


def create(ctx: Context, *, data: ReferralCreate) -> Referral:
    ctx.require(*ACTORS)
    seeker = ctx.session.get(Seeker, data.seeker_id)
    if seeker is None or not ctx.principal.in_region(seeker.region_code):
        raise InvalidInput("求职者不存在或无权访问", field="seeker_id", code="unknown_seeker")
    job = ctx.session.get(JobPosting, data.job_id)
    if job is None:
        raise InvalidInput("岗位不存在", field="job_id", code="unknown_job")
    if not postings.is_open(job.status, job.valid_until, ctx.today()):
        raise InvalidInput("岗位已不在招聘中", field="job_id", code="job_not_open")
    if repo.referral_for(ctx.session, seeker_id=seeker.id, job_id=job.id):
        raise Conflict("已向该岗位推荐过此求职者", code="duplicate_referral")
    now = ctx.now()
    referral = Referral(
        seeker_id=seeker.id, job_id=job.id, channel=(data.channel or DEFAULT_CHANNEL[ctx.principal.role]).value,
        created_by=ctx.principal.key_id, status=S.recommended.value, note=data.note,
        history=[{"status": S.recommended.value, "at": now.isoformat(), "by": ctx.principal.key_id}],
    )
    with ctx.transaction("已向该岗位推荐过此求职者"):
        ctx.session.add(referral)
        ctx.session.flush()
        ctx.audit("referral.create", "referral", [referral.id], seeker_id=seeker.id, job_id=job.id)
    return referral


def transition(ctx: Context, *, referral_id: int, data: ReferralTransition) -> Referral:
    referral = _load(ctx, referral_id)
    current, target = ReferralStatus(referral.status), data.status
    if target not in TRANSITIONS[current]:
        allowed = "、".join(REFERRAL_STATUS_LABELS[s] for s in sorted(TRANSITIONS[current])) or "无（已结束）"
        raise InvalidInput(
            f"不能从“{REFERRAL_STATUS_LABELS[current]}”变为“{REFERRAL_STATUS_LABELS[target]}”；可选：{allowed}",
            field="status", code="invalid_transition",
        )
    now = ctx.now()
    with ctx.transaction():
        if not repo.hold_referral(ctx.session, referral_id=referral.id, status=current.value):
            raise Conflict("该推荐记录的状态刚被他人更新，请刷新后重试", code="referral_changed")
        if target is S.hired:
            _fill_a_place(ctx, job_id=referral.job_id)
        referral.status = target.value
        referral.history = [*referral.history, {"status": target.value, "at": now.isoformat(),
                                                "by": ctx.principal.key_id, "reason": data.reason}]
        if target is S.applied:
            referral.applied_at = now
        elif target is S.interviewing:
            referral.interviewing_at = now
        else:
            referral.closed_at = now
        if target is S.rejected:
            referral.refusal_reason = data.reason
        if target is S.hired:
            casework.on_hired(ctx, referral)  # ends 失业登记, places 就业援助, clears 零就业家庭
        ctx.audit("referral.transition", "referral", [referral.id], to=target.value, **{"from": current.value})
    return referral


def _fill_a_place(ctx: Context, *, job_id: int) -> None:
    """Counts a hire on the posting, refused once its headcount is filled; the last place fills it."""
    counted = repo.count_hire(ctx.session, job_id=job_id)
    job = ctx.session.get(JobPosting, job_id, populate_existing=True)
    if job is None:
        raise not_found("岗位")
    if not counted:
        raise Conflict(f"该岗位招聘人数已满（招{job.headcount}人，已录用{job.hired_count}人）", code="headcount_filled")
    if job.hired_count >= job.headcount and job.status == JobStatus.open:
        job.status = JobStatus.filled.value


def list_(
    ctx: Context, *, page: PageRequest, seeker_id: int | None = None, job_id: int | None = None,
    status: str | None = None,
) -> tuple[list[Referral], int]:
    ctx.require(*ACTORS)
    items, total = repo.list_referrals(
        ctx.session, page=page, seeker_id=seeker_id, job_id=job_id, status=status, scope_prefix=ctx.scope_prefix()
    )
    if items:  # each listed person, once: who was referred where is theirs
        ctx.audit_read("referral.list_read", "seeker", list(dict.fromkeys(r.seeker_id for r in items)))
    return items, total
