from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from matching.enums import JobStatus, WorkType
from service.deps import ContextDep, PageDep
from service.params import RecordId, IdQuery, YuanQuery
from matching import compliance
from service.presenters import job_out, job_checked_out
from service.schemas import JobBulkCreate, JobBulkOut, JobCreate, JobOut, JobUpdate, JobCheckedOut, Page
from service.usecases import jobs
from service.usecases.common import waiting_for_vectors

router = APIRouter(prefix="/jobs", tags=["岗位 jobs"])


def _checks(request: Request) -> jobs.Checks:
    settings = request.app.state.settings
    return jobs.Checks(minimum_wages=compliance.minimum_wages(settings.minimum_wage_file),
                       refuse_block=settings.compliance_refuse_block)


@router.post("", status_code=201, response_model=JobCheckedOut)
def create_job(ctx: ContextDep, body: JobCreate, request: Request):
    """`compliance` lists what the 岗位审核 checks found (nothing is held back yet; with
    `RENGANG_COMPLIANCE_REFUSE_BLOCK=true` a `block` finding refuses the posting: 422 `compliance_{rule}`
    naming the field)."""
    checks = _checks(request)
    job = jobs.create(ctx, data=body, checks=checks)
    return job_checked_out(job, today=ctx.today(), pending=bool(waiting_for_vectors(ctx, "job", [job.id])),
                           findings=jobs.findings(ctx, [job], checks=checks)[0])


@router.post("/bulk", status_code=201, response_model=JobBulkOut,
             summary="批量发布岗位（每次 1–1000 个，全部有效才写入）Bulk create postings: 1–1,000, all or nothing")
def create_jobs_bulk(ctx: ContextDep, body: JobBulkCreate, request: Request):
    """同一事务写入全部岗位，返回的 id 与 items 顺序一致；任何一项无效则一条也不写入。

    Errors name the item and field as `items.{index}.{field}` (index from 0) and list every problem under
    `errors`: 422 for invalid items (schema, `unknown_employer`, `region_out_of_scope`), otherwise 409
    `duplicate_job` for a posting the employer already has, or one repeated within the batch (its entry in
    `errors` then carries `duplicate_of`, the index of the first occurrence). `compliance` holds each new
    posting's 岗位审核 findings, in item order (returned, not enforced).
    """
    created = jobs.create_many(ctx, items=body.items)
    found = jobs.findings(ctx, created, checks=_checks(request))
    return JobBulkOut(ids=[job.id for job in created], count=len(created),
                      compliance=[[f.to_dict() for f in one] for one in found])


@router.get("", response_model=Page[JobOut])
def list_jobs(
    ctx: ContextDep, page: PageDep,
    employer_id: IdQuery = None,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{2,6}$", description="行政区划前缀")] = None,
    occupation: Annotated[str | None, Query(max_length=10, description="职业代码前缀")] = None,
    work_type: WorkType | None = None,
    status: JobStatus | None = None,
    salary_at_least: YuanQuery = None,
    q: Annotated[str | None, Query(max_length=50)] = None,
):
    items, total = jobs.list_(
        ctx, page=page, employer_id=employer_id, region_prefix=region, occupation_code=occupation,
        work_type=work_type.value if work_type else None, status=status.value if status else None,
        salary_at_least=salary_at_least, q=q,
    )
    today = ctx.today()
    pending = waiting_for_vectors(ctx, "job", [j.id for j in items])
    return Page[JobOut](items=[job_out(j, today=today, pending=j.id in pending) for j in items], total=total, page=page.page,
                        page_size=page.page_size)


@router.get("/{job_id}", response_model=JobCheckedOut)
def get_job(ctx: ContextDep, job_id: RecordId, request: Request):
    """`compliance`: what the 岗位审核 checks find in the posting as it stands (as its writes answered)."""
    job = jobs.get(ctx, job_id=job_id)
    return job_checked_out(job, today=ctx.today(), pending=bool(waiting_for_vectors(ctx, "job", [job.id])),
                           findings=jobs.findings(ctx, [job], checks=_checks(request))[0])


@router.patch("/{job_id}", response_model=JobCheckedOut)
def update_job(ctx: ContextDep, job_id: RecordId, body: JobUpdate, request: Request):
    job = jobs.update(ctx, job_id=job_id, data=body)
    return job_checked_out(job, today=ctx.today(), pending=bool(waiting_for_vectors(ctx, "job", [job.id])),
                           findings=jobs.findings(ctx, [job], checks=_checks(request))[0])


@router.delete("/{job_id}", status_code=204)
def delete_job(ctx: ContextDep, job_id: RecordId):
    jobs.delete(ctx, job_id=job_id)
    return Response(status_code=204)
