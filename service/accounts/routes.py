"""Officer accounts over the API, for admins: create, list, disable, reset a password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from matching.enums import Role
from service.accounts import usecases as accounts
from service.accounts.schemas import AccountCreate, AccountOut, PasswordSet
from service.deps import ContextDep

router = APIRouter(tags=["经办人员账号 accounts"])

Username = Annotated[str, Path(min_length=3, max_length=24, pattern=r"^[A-Za-z][A-Za-z0-9._-]+$")]


@router.post("/accounts", response_model=AccountOut, status_code=201)
def create_account(ctx: ContextDep, body: AccountCreate):
    ctx.require(Role.admin)
    return accounts.create_account(ctx.session, username=body.username, password=body.password,
                                   region_prefix=body.region_prefix, role=Role(body.role),
                                   display_name=body.display_name or "", created_by=ctx.principal.key_id)


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(ctx: ContextDep):
    ctx.require(Role.admin)
    return accounts.list_accounts(ctx.session)


@router.post("/accounts/{username}/disable", response_model=AccountOut)
def disable_account(ctx: ContextDep, username: Username):
    ctx.require(Role.admin)
    return accounts.disable_account(ctx.session, username=username, now=ctx.now(), by=ctx.principal.key_id)


@router.put("/accounts/{username}/password", response_model=AccountOut)
def set_password(ctx: ContextDep, username: Username, body: PasswordSet):
    ctx.require(Role.admin)
    return accounts.set_password(ctx.session, username=username, password=body.password, now=ctx.now(),
                                 by=ctx.principal.key_id)
