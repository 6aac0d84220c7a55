"""求职者 and their policy flags (重点群体标识)."""

from __future__ import annotations

from datetime import date

from matching.enums import FlagStatus, Role
from matching.identifiers import birth_date_from_id, gender_from_id, mask_id_number, mask_phone
from matching.occupations import desired_occupation_codes
from service import repository as repo
from service.casework import usecases as casework
from service.errors import Conflict, InvalidInput
from service.models import PolicyFlag, Seeker
from service.repository import PageRequest
from service.schemas import FlagDeclare, FlagReject, FlagVerify, SeekerCreate, SeekerUpdate
from service.usecases.common import Context, not_found

READERS = (Role.app, Role.officer, Role.admin)
VERIFIERS = (Role.officer, Role.admin)
DUPLICATE_ID = "该身份证号已登记"


def _visible(ctx: Context, seeker: Seeker | None) -> Seeker:
    if seeker is None or not ctx.principal.in_region(seeker.region_code):
        raise not_found("求职者")
    return seeker


def _load(ctx: Context, seeker_id: int) -> Seeker:
    ctx.require(*READERS)
    return _visible(ctx, repo.get(ctx.session, Seeker, seeker_id))


def get(ctx: Context, *, seeker_id: int) -> Seeker:
    """Read one seeker's personal data: always audited."""
    seeker = _load(ctx, seeker_id)
    ctx.audit_read("seeker.read", "seeker", [seeker.id])
    return seeker


def _set_identity(ctx: Context, seeker: Seeker, *, id_number: str | None, phone: str | None,
                  birth_date: date | None, id_given: bool, phone_given: bool, birth_given: bool) -> None:
    if id_given:
        if id_number is None:
            seeker.id_number_enc = seeker.id_number_hash = seeker.id_number_masked = None
        else:
            derived = birth_date_from_id(id_number)
            if birth_given and birth_date is not None and birth_date != derived:
                raise InvalidInput("出生日期与身份证号不一致", field="birth_date", code="birth_date_mismatch")
            lookup = ctx.cipher.lookup_hash(id_number)
            other = repo.seeker_by_id_hash(ctx.session, id_number_hash=lookup)
            if other is not None and other.id != seeker.id:
                raise Conflict(DUPLICATE_ID, field="id_number", code="duplicate_seeker")
            seeker.id_number_enc = ctx.cipher.encrypt(id_number)
            seeker.id_number_hash = lookup
            seeker.id_number_masked = mask_id_number(id_number)
            seeker.birth_date = derived
            seeker.gender = gender_from_id(id_number)
    if birth_given and seeker.id_number_hash is None:
        seeker.birth_date = birth_date
    if phone_given:
        if phone is None:
            seeker.phone_enc = seeker.phone_hash = seeker.phone_masked = None
        else:
            seeker.phone_enc = ctx.cipher.encrypt(phone)
            seeker.phone_hash = ctx.cipher.lookup_hash(phone)
            seeker.phone_masked = mask_phone(phone)
    if seeker.birth_date and seeker.graduation_date and seeker.graduation_date <= seeker.birth_date:
        raise InvalidInput("毕业日期不能早于出生日期", field="graduation_date", code="date_order")


def create(ctx: Context, *, data: SeekerCreate, is_demo: bool = False, flag_statuses: list[dict] | None = None) -> Seeker:
    ctx.require(*READERS)
    if not ctx.principal.in_region(data.region_code):
        raise InvalidInput("户籍或居住地不在您的管辖范围内", field="region_code", code="region_out_of_scope")
    fields = data.model_dump(exclude={"id_number", "phone", "birth_date", "flags"})
    seeker = Seeker(**fields, is_demo=is_demo)
    seeker.desired_occupation_codes = desired_occupation_codes(data.desired_occupations)
    _set_identity(ctx, seeker, id_number=data.id_number, phone=data.phone, birth_date=data.birth_date,
                  id_given=True, phone_given=True, birth_given=True)
    with ctx.transaction(DUPLICATE_ID):
        ctx.session.add(seeker)
        ctx.session.flush()
        for i, flag in enumerate(data.flags):
            extra = (flag_statuses or [{}] * len(data.flags))[i]
            ctx.session.add(PolicyFlag(seeker_id=seeker.id, **flag.model_dump(), **extra))
        ctx.audit("seeker.create", "seeker", [seeker.id])
        if data.unemployment_registered_at is not None:  # 失业登记 lives in its spell: one home for both
            casework.set_registration(ctx, seeker, data.unemployment_registered_at)
        if data.flags:
            ctx.audit("flag.declare", "seeker", [seeker.id], kinds=[f.kind.value for f in data.flags])
    ctx.session.refresh(seeker)
    return seeker


def update(ctx: Context, *, seeker_id: int, data: SeekerUpdate) -> Seeker:
    seeker = _load(ctx, seeker_id)
    changes = data.model_dump(exclude_unset=True)
    if "region_code" in changes and not ctx.principal.in_region(changes["region_code"]):
        raise InvalidInput("户籍或居住地不在您的管辖范围内", field="region_code", code="region_out_of_scope")
    codes = desired_occupation_codes(changes["desired_occupations"]) if "desired_occupations" in changes else None
    with ctx.transaction(DUPLICATE_ID):
        for key, value in changes.items():
            if key not in ("id_number", "phone", "birth_date"):
                setattr(seeker, key, value)
        if codes is not None:
            seeker.desired_occupation_codes = codes
        _set_identity(ctx, seeker, id_number=changes.get("id_number"), phone=changes.get("phone"),
                      birth_date=changes.get("birth_date"), id_given="id_number" in changes,
                      phone_given="phone" in changes, birth_given="birth_date" in changes)
        ctx.audit("seeker.update", "seeker", [seeker.id], fields=sorted(changes))
        if "unemployment_registered_at" in changes:
            casework.set_registration(ctx, seeker, changes["unemployment_registered_at"])
    return seeker


def delete(ctx: Context, *, seeker_id: int) -> None:
    """Erase a seeker with their flags and referrals (个人信息删除); the audit trail keeps only ids."""
    seeker = _load(ctx, seeker_id)
    with ctx.transaction():
        ctx.session.delete(seeker)
        ctx.audit("seeker.delete", "seeker", [seeker_id])


def list_(
    ctx: Context, *, page: PageRequest, region_prefix: str | None = None, flag_kind: str | None = None,
    education: str | None = None, registered_unemployed: bool | None = None, consent: bool | None = None,
    phone: str | None = None, id_number: str | None = None,
) -> tuple[list[Seeker], int]:
    ctx.require(*READERS)
    items, total = repo.list_seekers(
        ctx.session, page=page, region_prefix=region_prefix, scope_prefix=ctx.scope_prefix(), flag_kind=flag_kind,
        education=education, registered_unemployed=registered_unemployed, consent=consent,
        phone_hash=ctx.cipher.lookup_hash(phone) if phone else None,
        id_number_hash=ctx.cipher.lookup_hash(id_number) if id_number else None,
    )
    if items:
        ctx.audit_read("seeker.list_read", "seeker", [s.id for s in items])
    return items, total


def reveal(ctx: Context, *, seeker_id: int, reason: str) -> tuple[str | None, str | None]:
    """The full ID number and phone, for an officer or admin who states why. Audited with the reason."""
    ctx.require(*VERIFIERS)
    seeker = _load(ctx, seeker_id)
    with ctx.transaction():
        ctx.audit("seeker.reveal_identity", "seeker", [seeker.id], reason=reason)
    id_number = ctx.cipher.decrypt(seeker.id_number_enc) if seeker.id_number_enc else None
    phone = ctx.cipher.decrypt(seeker.phone_enc) if seeker.phone_enc else None
    return id_number, phone


# --- policy flags ----------------------------------------------------------------------------


def flags(ctx: Context, *, seeker_id: int) -> list[PolicyFlag]:
    """A person's policy groups (disability, low income…): sensitive, so the read is audited."""
    seeker = _load(ctx, seeker_id)
    ctx.audit_read("flag.read", "seeker", [seeker.id])
    return list(seeker.flags)


def declare_flag(ctx: Context, *, seeker_id: int, data: FlagDeclare) -> PolicyFlag:
    seeker = _load(ctx, seeker_id)
    if repo.flag_for(ctx.session, seeker_id=seeker.id, kind=data.kind.value):
        raise Conflict("该求职者已有此类政策标识", field="kind", code="duplicate_flag")
    flag = PolicyFlag(seeker_id=seeker.id, **data.model_dump())
    with ctx.transaction("该求职者已有此类政策标识"):
        ctx.session.add(flag)
        ctx.session.flush()
        ctx.audit("flag.declare", "policy_flag", [flag.id], seeker_id=seeker.id, kind=data.kind.value)
    return flag


def _flag(ctx: Context, flag_id: int) -> PolicyFlag:
    flag = repo.get(ctx.session, PolicyFlag, flag_id)
    if flag is None or not ctx.principal.in_region(flag.seeker.region_code):
        raise not_found("政策标识")
    return flag


def verify_flag(ctx: Context, *, flag_id: int, data: FlagVerify) -> PolicyFlag:
    ctx.require(*VERIFIERS)
    flag = _flag(ctx, flag_id)
    with ctx.transaction():
        flag.status = FlagStatus.verified.value
        flag.verified_by = ctx.principal.key_id
        flag.verified_at = ctx.now()
        flag.rejection_reason = None
        if data.expires_at is not None:
            flag.expires_at = data.expires_at
        if data.evidence_note is not None:
            flag.evidence_note = data.evidence_note
        ctx.audit("flag.verify", "policy_flag", [flag.id], seeker_id=flag.seeker_id, kind=flag.kind)
    return flag


def reject_flag(ctx: Context, *, flag_id: int, data: FlagReject) -> PolicyFlag:
    ctx.require(*VERIFIERS)
    flag = _flag(ctx, flag_id)
    with ctx.transaction():
        flag.status = FlagStatus.rejected.value
        flag.verified_by = ctx.principal.key_id
        flag.verified_at = ctx.now()
        flag.rejection_reason = data.reason
        ctx.audit("flag.reject", "policy_flag", [flag.id], seeker_id=flag.seeker_id, kind=flag.kind)
    return flag


def delete_flag(ctx: Context, *, flag_id: int) -> None:
    ctx.require(*READERS)
    flag = _flag(ctx, flag_id)
    seeker_id = flag.seeker_id
    if flag.status == FlagStatus.verified and ctx.principal.role not in VERIFIERS:
        raise InvalidInput("已核验的标识只能由经办人员撤销", field="flag_id", code="flag_verified")
    with ctx.transaction():
        ctx.session.delete(flag)
        ctx.audit("flag.delete", "policy_flag", [flag_id], seeker_id=seeker_id, kind=flag.kind)
