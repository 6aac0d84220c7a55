from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from matching.enums import Education, FlagKind
from matching.identifiers import IdentifierError, validate_id_number, validate_phone
from service.deps import ContextDep, PageDep
from service.errors import InvalidInput
from service.params import RecordId
from service.presenters import flag_out, seeker_out
from service.schemas import (
    FlagDeclare,
    FlagOut,
    FlagReject,
    FlagVerify,
    Page,
    RevealOut,
    RevealRequest,
    SeekerCreate,
    SeekerOut,
    SeekerUpdate,
)
from service.usecases import seekers
from service.usecases.common import waiting_for_vectors

router = APIRouter(tags=["求职者 seekers"])


@router.post("/seekers", status_code=201, response_model=SeekerOut)
def create_seeker(ctx: ContextDep, body: SeekerCreate):
    seeker = seekers.create(ctx, data=body)
    return seeker_out(seeker, now=ctx.now(), pending=bool(waiting_for_vectors(ctx, "seeker", [seeker.id])))


def _lookup(validate, value: str | None, field: str) -> str | None:
    """A look-up number in the form it is stored in (separators and full width removed), or 422."""
    if value is None:
        return None
    try:
        return validate(value)
    except IdentifierError as e:
        raise InvalidInput(e.message, field=field, code=e.code) from None


@router.get("/seekers", response_model=Page[SeekerOut])
def list_seekers(
    ctx: ContextDep, page: PageDep,
    region: Annotated[str | None, Query(pattern=r"^[0-9]{2,6}$")] = None,
    flag: FlagKind | None = None,
    education: Education | None = None,
    registered_unemployed: bool | None = None,
    consent: bool | None = None,
    phone: Annotated[str | None, Query(max_length=30, description="按手机号精确查找")] = None,
    id_number: Annotated[str | None, Query(max_length=40, description="按身份证号精确查找")] = None,
):
    items, total = seekers.list_(
        ctx, page=page, region_prefix=region, flag_kind=flag.value if flag else None,
        education=education.value if education else None, registered_unemployed=registered_unemployed,
        consent=consent, phone=_lookup(validate_phone, phone, "phone"),
        id_number=_lookup(validate_id_number, id_number, "id_number"),
    )
    now = ctx.now()
    pending = waiting_for_vectors(ctx, "seeker", [s.id for s in items])
    return Page[SeekerOut](items=[seeker_out(s, now=now, pending=s.id in pending) for s in items], total=total,
                           page=page.page,
                           page_size=page.page_size)


@router.get("/seekers/{seeker_id}", response_model=SeekerOut)
def get_seeker(ctx: ContextDep, seeker_id: RecordId):
    seeker = seekers.get(ctx, seeker_id=seeker_id)
    return seeker_out(seeker, now=ctx.now(), pending=bool(waiting_for_vectors(ctx, "seeker", [seeker.id])))


@router.patch("/seekers/{seeker_id}", response_model=SeekerOut)
def update_seeker(ctx: ContextDep, seeker_id: RecordId, body: SeekerUpdate):
    seeker = seekers.update(ctx, seeker_id=seeker_id, data=body)
    return seeker_out(seeker, now=ctx.now(), pending=bool(waiting_for_vectors(ctx, "seeker", [seeker.id])))


@router.delete("/seekers/{seeker_id}", status_code=204)
def delete_seeker(ctx: ContextDep, seeker_id: RecordId):
    seekers.delete(ctx, seeker_id=seeker_id)
    return Response(status_code=204)


@router.post("/seekers/{seeker_id}/reveal", response_model=RevealOut,
             summary="经办人员查看完整身份证号和手机号（须说明理由，留痕）")
def reveal_identity(ctx: ContextDep, seeker_id: RecordId, body: RevealRequest):
    id_number, phone = seekers.reveal(ctx, seeker_id=seeker_id, reason=body.reason)
    return RevealOut(seeker_id=seeker_id, id_number=id_number, phone=phone)


@router.get("/seekers/{seeker_id}/flags", response_model=list[FlagOut], tags=["政策标识 flags"])
def list_flags(ctx: ContextDep, seeker_id: RecordId):
    now = ctx.now()
    return [flag_out(f, now=now) for f in seekers.flags(ctx, seeker_id=seeker_id)]


@router.post("/seekers/{seeker_id}/flags", status_code=201, response_model=FlagOut, tags=["政策标识 flags"])
def declare_flag(ctx: ContextDep, seeker_id: RecordId, body: FlagDeclare):
    return flag_out(seekers.declare_flag(ctx, seeker_id=seeker_id, data=body), now=ctx.now())


@router.post("/flags/{flag_id}/verify", response_model=FlagOut, tags=["政策标识 flags"])
def verify_flag(ctx: ContextDep, flag_id: RecordId, body: FlagVerify):
    return flag_out(seekers.verify_flag(ctx, flag_id=flag_id, data=body), now=ctx.now())


@router.post("/flags/{flag_id}/reject", response_model=FlagOut, tags=["政策标识 flags"])
def reject_flag(ctx: ContextDep, flag_id: RecordId, body: FlagReject):
    return flag_out(seekers.reject_flag(ctx, flag_id=flag_id, data=body), now=ctx.now())


@router.delete("/flags/{flag_id}", status_code=204, tags=["政策标识 flags"])
def delete_flag(ctx: ContextDep, flag_id: RecordId):
    seekers.delete_flag(ctx, flag_id=flag_id)
    return Response(status_code=204)
