"""招聘会 API for organisers (admins, officers in their region); a fair's kiosk may read the fair."""

from __future__ import annotations

from fastapi import APIRouter, Response

from matching.text import display_title
from service.deps import ContextDep, PageDep
from service.params import RecordId
from service.models.fairs import Fair
from service.presenters import region_name
from service.schemas import Page
from service.fairs.schemas import (
    BoothCreate,
    BoothOut,
    FairCreate,
    FairJobOut,
    FairOut,
    FairStatus,
    FairUpdate,
    KioskCountOut,
)
from service.fairs import usecases as fairs
from service.usecases.common import Context

router = APIRouter(prefix="/fairs", tags=["招聘会 fairs"])


def fair_out(ctx: Context, fair: Fair) -> FairOut:
    chosen = fairs.chosen_jobs(ctx, fair=fair)
    booths = [BoothOut(employer_id=b.employer_id, employer_name=b.employer.name, booth=b.booth,
                       all_postings=b.all_postings, job_ids=[] if b.all_postings else chosen.get(b.employer_id, []))
              for b in fair.booths]
    return FairOut(id=fair.id, name=fair.name, venue=fair.venue, region_code=fair.region_code,
                   region_name=region_name(fair.region_code), starts_on=fair.starts_on, ends_on=fair.ends_on,
                   status=fair.status, lat=fair.lat, lon=fair.lon, booths=booths, created_at=fair.created_at)


@router.post("", status_code=201, response_model=FairOut, summary="新建招聘会")
def create_fair(ctx: ContextDep, body: FairCreate):
    return fair_out(ctx, fairs.create(ctx, data=body))


@router.get("", response_model=Page[FairOut], summary="招聘会列表")
def list_fairs(ctx: ContextDep, page: PageDep, status: FairStatus | None = None):
    items, total = fairs.list_(ctx, page=page, status=status.value if status else None)
    return Page[FairOut](items=[fair_out(ctx, f) for f in items], total=total, page=page.page,
                         page_size=page.page_size)


@router.get("/{fair_id}", response_model=FairOut)
def get_fair(ctx: ContextDep, fair_id: RecordId):
    return fair_out(ctx, fairs.get(ctx, fair_id=fair_id))


@router.patch("/{fair_id}", response_model=FairOut)
def update_fair(ctx: ContextDep, fair_id: RecordId, body: FairUpdate):
    return fair_out(ctx, fairs.update(ctx, fair_id=fair_id, data=body))


@router.post("/{fair_id}/open", response_model=FairOut, summary="开始招聘会（自助机可查看）")
def open_fair(ctx: ContextDep, fair_id: RecordId):
    return fair_out(ctx, fairs.set_status(ctx, fair_id=fair_id, status=FairStatus.open))


@router.post("/{fair_id}/close", response_model=FairOut, summary="结束招聘会")
def close_fair(ctx: ContextDep, fair_id: RecordId):
    return fair_out(ctx, fairs.set_status(ctx, fair_id=fair_id, status=FairStatus.closed))


@router.post("/{fair_id}/employers", response_model=FairOut, summary="添加参会单位及展位（或修改展位）")
def add_booth(ctx: ContextDep, fair_id: RecordId, body: BoothCreate):
    return fair_out(ctx, fairs.add_booth(ctx, fair_id=fair_id, data=body))


@router.delete("/{fair_id}/employers/{employer_id}", status_code=204)
def remove_booth(ctx: ContextDep, fair_id: RecordId, employer_id: RecordId):
    fairs.remove_booth(ctx, fair_id=fair_id, employer_id=employer_id)
    return Response(status_code=204)


@router.get("/{fair_id}/jobs", response_model=list[FairJobOut], summary="本场在招岗位")
def fair_jobs(ctx: ContextDep, fair_id: RecordId):
    return [FairJobOut(id=j.id, title=j.title, display_title=display_title(j.title), employer_name=j.employer.name,
                       booth=booth,
                       occupation_code=j.occupation_code, salary_min=j.salary_min, salary_max=j.salary_max,
                       work_type=j.work_type, room_board=j.room_board)
            for j, booth in fairs.open_jobs(ctx, fair_id=fair_id)]


@router.get("/{fair_id}/counts", response_model=list[KioskCountOut], summary="自助机匿名统计")
def fair_counts(ctx: ContextDep, fair_id: RecordId):
    return [KioskCountOut(day=c.day, key=c.key, label=fairs.count_label(c.key), count=c.count)
            for c in fairs.counts(ctx, fair_id=fair_id)]
