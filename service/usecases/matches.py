"""Matching use-cases: access and audit around the engine's three queries."""

from __future__ import annotations

from matching.enums import Role
from service.models import JobPosting, Seeker
from service.schemas import MatchFiltersIn, MatchList, TextMatchRequest
from service.usecases import casework, fairs
from service.usecases.common import Context, not_found

PEOPLE_READERS = (Role.app, Role.officer, Role.admin)
TEXT_READERS = (Role.app, Role.officer, Role.admin, Role.kiosk)


def jobs_for_seeker(ctx: Context, *, engine, seeker_id: int, filters: MatchFiltersIn, k: int) -> MatchList:
    ctx.require(*PEOPLE_READERS)
    seeker = ctx.session.get(Seeker, seeker_id)
    if seeker is None or not ctx.principal.in_region(seeker.region_code):
        raise not_found("求职者")
    result = engine.jobs_for_seeker(ctx.session, seeker, filters=filters, k=k, scope_prefix=ctx.scope_prefix())
    with ctx.transaction():
        ctx.audit("seeker.match_jobs", "seeker", [seeker.id])
    return result


def candidates_for_job(ctx: Context, *, engine, job_id: int, filters: MatchFiltersIn, k: int) -> MatchList:
    """Only consenting seekers; personal fields masked; every listed seeker's read is audited."""
    ctx.require(*PEOPLE_READERS)
    job = ctx.session.get(JobPosting, job_id)
    if job is None or not ctx.principal.in_region(job.region_code):
        raise not_found("岗位")
    result = engine.candidates_for_job(ctx.session, job, filters=filters, k=k, scope_prefix=ctx.scope_prefix())
    shown = [ctx.session.get(Seeker, item.id) for item in result.items[:10]]
    with ctx.transaction():
        ctx.audit("seeker.candidate_read", "seeker", [item.id for item in result.items], job_id=job.id)
        casework.record_exposures(ctx, job_id=job.id, region_code=job.region_code, ranked_seekers=shown)
    return result


def jobs_for_text(ctx: Context, *, engine, request: TextMatchRequest) -> MatchList:
    """For kiosks and first-time app users: nothing typed is stored."""
    ctx.require(*TEXT_READERS)
    fairs.require_unbound(ctx)
    return engine.jobs_for_text(ctx.session, request, scope_prefix=ctx.scope_prefix(),
                                kiosk=ctx.principal.role is Role.kiosk)


