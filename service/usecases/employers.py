"""用人单位."""

from __future__ import annotations

from matching.enums import Role
from service import repository as repo
from service.errors import Conflict
from service.models import Employer
from service.repository import PageRequest
from service.schemas import EmployerCreate, EmployerUpdate
from service.usecases.common import Context, not_found

WRITERS = (Role.app, Role.officer, Role.admin)
VERIFIERS = (Role.officer, Role.admin)
# What an officer's verification vouches for: changing any of it clears the mark.
VERIFIED_FIELDS = frozenset({"name", "credit_code", "region_code", "ownership", "size_class", "industry_code"})


def _scoped(ctx: Context, employer: Employer | None) -> Employer:
    if employer is None or not ctx.principal.in_region(employer.region_code):
        raise not_found("用人单位")
    return employer


def get(ctx: Context, *, employer_id: int) -> Employer:
    ctx.require(*WRITERS)
    return _scoped(ctx, repo.get(ctx.session, Employer, employer_id))


def create(ctx: Context, *, data: EmployerCreate, is_demo: bool = False) -> Employer:
    ctx.require(*WRITERS)
    if not ctx.principal.in_region(data.region_code):
        raise not_found("行政区划")
    if repo.employer_by_credit_code(ctx.session, credit_code=data.credit_code):
        raise Conflict("该统一社会信用代码的用人单位已存在", field="credit_code", code="duplicate_employer")
    employer = Employer(**data.model_dump(), is_demo=is_demo)
    with ctx.transaction("该统一社会信用代码的用人单位已存在"):
        ctx.session.add(employer)
    return employer


def update(ctx: Context, *, employer_id: int, data: EmployerUpdate) -> Employer:
    employer = get(ctx, employer_id=employer_id)
    changes = data.model_dump(exclude_unset=True)
    if "region_code" in changes and not ctx.principal.in_region(changes["region_code"]):
        raise not_found("行政区划")
    with ctx.transaction():
        if employer.verified_at is not None and any(
                getattr(employer, key) != value for key, value in changes.items() if key in VERIFIED_FIELDS):
            employer.verified_at, employer.verified_by = None, ""
        for key, value in changes.items():
            setattr(employer, key, value)
    return employer


def verify(ctx: Context, *, employer_id: int) -> Employer:
    """An officer's (or admin's) mark that the employer was checked against its registration (核验)."""
    ctx.require(*VERIFIERS)
    employer = _scoped(ctx, repo.get(ctx.session, Employer, employer_id))
    with ctx.transaction():
        employer.verified_at, employer.verified_by = ctx.now(), ctx.principal.key_id
    return employer


def unverify(ctx: Context, *, employer_id: int) -> Employer:
    ctx.require(*VERIFIERS)
    employer = _scoped(ctx, repo.get(ctx.session, Employer, employer_id))
    with ctx.transaction():
        employer.verified_at, employer.verified_by = None, ""
    return employer


def delete(ctx: Context, *, employer_id: int) -> None:
    employer = get(ctx, employer_id=employer_id)
    if repo.employer_has_jobs(ctx.session, employer_id=employer_id):
        raise Conflict("该单位仍有招聘岗位，请先删除或关闭岗位", code="employer_has_jobs")
    with ctx.transaction():
        ctx.session.delete(employer)


def list_(
    ctx: Context, *, page: PageRequest, region_prefix: str | None = None, industry_code: str | None = None,
    size_class: str | None = None, q: str | None = None,
) -> tuple[list[Employer], int]:
    ctx.require(*WRITERS)
    return repo.list_employers(
        ctx.session, page=page, region_prefix=region_prefix, scope_prefix=ctx.scope_prefix(), industry_code=industry_code,
        size_class=size_class, q=q,
    )

