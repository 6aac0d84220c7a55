"""招聘岗位."""

from __future__ import annotations

from matching import refdata
from matching.enums import JobStatus, Role
from service import repository as repo
from service.errors import Conflict, InvalidInput
from service.models import Employer, JobPosting
from service.repository import PageRequest
from service.schemas import JobCreate, JobUpdate
from service.usecases import fairs
from service.usecases.common import Context, content_hash, not_found

WRITERS = (Role.app, Role.officer, Role.admin)
READERS = (Role.app, Role.officer, Role.admin, Role.kiosk)
DUPLICATE = "该单位已发布过标题和描述相同的岗位"


def effective_status(ctx: Context, job: JobPosting) -> str:
    if job.status == JobStatus.open and job.valid_until is not None and job.valid_until < ctx.today():
        return JobStatus.expired.value
    return job.status


def _visible(ctx: Context, job: JobPosting | None) -> JobPosting:
    if job is None or not ctx.principal.in_region(job.region_code):
        raise not_found("岗位")
    if ctx.principal.role is Role.kiosk and effective_status(ctx, job) != JobStatus.open:
        raise not_found("岗位")
    if (scope := fairs.kiosk_job_scope(ctx)) is not None and job.id not in ctx.session.scalars(scope).all():
        raise not_found("岗位")
    return job


def get(ctx: Context, *, job_id: int) -> JobPosting:
    ctx.require(*READERS)
    return _visible(ctx, repo.get(ctx.session, JobPosting, job_id))


def _default_coordinates(job: JobPosting) -> None:
    if job.lat is None or job.lon is None:
        centroid = refdata.county_centroid(job.region_code)
        job.lat, job.lon = centroid if centroid else (None, None)


def create(ctx: Context, *, data: JobCreate, is_demo: bool = False) -> JobPosting:
    ctx.require(*WRITERS)
    employer = ctx.session.get(Employer, data.employer_id)
    if employer is None or not ctx.principal.in_region(employer.region_code):
        raise InvalidInput("用人单位不存在或无权访问", field="employer_id", code="unknown_employer")
    if not ctx.principal.in_region(data.region_code):
        raise InvalidInput("岗位所在地不在您的管辖范围内", field="region_code", code="region_out_of_scope")
    dedup = content_hash(data.title, data.description)
    if repo.job_by_dedup(ctx.session, employer_id=employer.id, dedup_hash=dedup):
        raise Conflict(DUPLICATE, field="title", code="duplicate_job")
    job = JobPosting(**data.model_dump(), dedup_hash=dedup, is_demo=is_demo, status=JobStatus.open.value)
    _default_coordinates(job)
    with ctx.transaction(DUPLICATE):
        ctx.session.add(job)
        ctx.session.flush()
        job.employer = employer
    ctx.notify_jobs([job.id])
    return job


def update(ctx: Context, *, job_id: int, data: JobUpdate) -> JobPosting:
    ctx.require(*WRITERS)
    job = get(ctx, job_id=job_id)
    changes = data.model_dump(exclude_unset=True)
    merged = {c: changes.get(c, getattr(job, c)) for c in ("salary_min", "salary_max", "age_min", "age_max")}
    if None not in (merged["salary_min"], merged["salary_max"]) and merged["salary_min"] > merged["salary_max"]:
        raise InvalidInput("最低月薪不能高于最高月薪", field="salary_min", code="salary_range")
    if None not in (merged["age_min"], merged["age_max"]) and merged["age_min"] > merged["age_max"]:
        raise InvalidInput("最低年龄不能高于最高年龄", field="age_min", code="age_range")
    if "region_code" in changes and not ctx.principal.in_region(changes["region_code"]):
        raise InvalidInput("岗位所在地不在您的管辖范围内", field="region_code", code="region_out_of_scope")
    if changes.get("valid_until") is not None and changes["valid_until"] < ctx.today():
        raise InvalidInput("有效期不能早于今天", field="valid_until", code="date_in_past")
    if changes.get("status") == JobStatus.expired:
        raise InvalidInput("岗位过期由系统根据有效期自动标记", field="status", code="status_not_settable")
    with ctx.transaction(DUPLICATE):
        for key, value in changes.items():
            setattr(job, key, value)
        if "region_code" in changes and not ({"lat", "lon"} & changes.keys()):
            job.lat = job.lon = None
        _default_coordinates(job)
        if {"title", "description"} & changes.keys():
            job.dedup_hash = content_hash(job.title, job.description)
        if "occupation_code" in changes:
            job.occupation_auto = False
        if job.status == JobStatus.expired and job.valid_until is not None and job.valid_until >= ctx.today():
            job.status = JobStatus.open.value  # extended validity reopens an expired posting
    ctx.notify_jobs([job.id])
    return job


def delete(ctx: Context, *, job_id: int) -> None:
    ctx.require(*WRITERS)
    job = get(ctx, job_id=job_id)
    if repo.job_has_referrals(ctx.session, job_id=job_id):
        raise Conflict("该岗位已有推荐记录，请将状态改为 closed 而非删除", code="job_has_referrals")
    with ctx.transaction():
        ctx.session.delete(job)
    ctx.notify_jobs([job_id])


def list_(
    ctx: Context, *, page: PageRequest, employer_id: int | None = None, region_prefix: str | None = None,
    occupation_code: str | None = None, work_type: str | None = None, status: str | None = None,
    salary_at_least: int | None = None, q: str | None = None,
) -> tuple[list[JobPosting], int]:
    ctx.require(*READERS)
    if ctx.principal.role is Role.kiosk:
        status = JobStatus.open.value
    return repo.list_jobs(
        ctx.session, page=page, employer_id=employer_id, region_prefix=region_prefix,
        scope_prefix=ctx.scope_prefix(), occupation_code=occupation_code, work_type=work_type, status=status,
        salary_at_least=salary_at_least, q=q, job_ids=fairs.kiosk_job_scope(ctx),
    )


def expire_due(ctx_session, *, today) -> list[int]:
    """Sweep: mark postings past valid_until as expired (run at start and periodically)."""
    ids = repo.expire_jobs(ctx_session, today=today)
    ctx_session.commit()
    return ids
