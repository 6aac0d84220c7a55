from __future__ import annotations

from fastapi import APIRouter

from matching.enums import Role
from service import repository as repo
from service.deps import ContextDep, PageDep
from service.params import IdQuery
from service.schemas import AuditOut, Page

router = APIRouter(prefix="/audit", tags=["审计 audit"])


@router.get("", response_model=Page[AuditOut])
def list_audit(ctx: ContextDep, page: PageDep, record_type: str | None = None, record_id: IdQuery = None,
               action: str | None = None):
    ctx.require(Role.admin)
    items, total = repo.list_audit(ctx.session, page=page, record_type=record_type, record_id=record_id,
                                   action=action)
    return Page[AuditOut](items=items, total=total, page=page.page, page_size=page.page_size)
