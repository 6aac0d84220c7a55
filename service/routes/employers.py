from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from matching.enums import SizeClass
from service.deps import ContextDep, PageDep
from service.params import RecordId
from service.schemas import EmployerCreate, EmployerOut, EmployerUpdate, Page
from service.usecases import employers

router = APIRouter(prefix="/employers", tags=["用人单位 employers"])


@router.post("", status_code=201, response_model=EmployerOut)
def create_employer(ctx: ContextDep, body: EmployerCreate):
    return employers.create(ctx, data=body)


@router.get("", response_model=Page[EmployerOut])
def list_employers(
    ctx: ContextDep, page: PageDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{2,6}$", description="行政区划前缀")] = None,
    industry: Annotated[str | None, Query(max_length=5)] = None,
    size_class: SizeClass | None = None,
    q: Annotated[str | None, Query(max_length=50, description="名称包含")] = None,
):
    items, total = employers.list_(ctx, page=page, region_prefix=region, industry_code=industry,
                                   size_class=size_class.value if size_class else None, q=q)
    return Page[EmployerOut](items=items, total=total, page=page.page, page_size=page.page_size)


@router.get("/{employer_id}", response_model=EmployerOut)
def get_employer(ctx: ContextDep, employer_id: RecordId):
    return employers.get(ctx, employer_id=employer_id)


@router.patch("/{employer_id}", response_model=EmployerOut)
def update_employer(ctx: ContextDep, employer_id: RecordId, body: EmployerUpdate):
    return employers.update(ctx, employer_id=employer_id, data=body)


@router.delete("/{employer_id}", status_code=204)
def delete_employer(ctx: ContextDep, employer_id: RecordId):
    employers.delete(ctx, employer_id=employer_id)
    return Response(status_code=204)


@router.post("/{employer_id}/verification", response_model=EmployerOut,
             summary="核验用人单位（经办人员标记已对照登记信息核实）")
def verify_employer(ctx: ContextDep, employer_id: RecordId):
    return employers.verify(ctx, employer_id=employer_id)


@router.delete("/{employer_id}/verification", response_model=EmployerOut, summary="撤销核验")
def unverify_employer(ctx: ContextDep, employer_id: RecordId):
    return employers.unverify(ctx, employer_id=employer_id)
