"""查找人员: the console's one search box, and the list of every seeker in the officer's region.

What a box holds decides how it is searched: an 18-character ID number or an 11-digit mobile number through the
keyed hash stored for look-ups (never by decrypting records), a short number as a record number, and anything
else as a part of a name (names are stored in clear). Each search leaves audit events saying what kind of
search it was and how many people it found, one per person shown (or one without a person when none was) --
never the value searched for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from matching.enums import FlagKind, Role
from matching.identifiers import IdentifierError, validate_id_number, validate_phone
from service import repository as repo
from service.errors import InvalidInput
from service.models import Seeker
from service.repository import PageRequest
from service.usecases.common import Context

MAX_QUERY = 50
_SEPARATORS = re.compile(r"[\s\-－—_]+")
_ID_SHAPE = re.compile(r"[0-9０-９]{17}[0-9０-９Xx]")
_PHONE_SHAPE = re.compile(r"(?:\+?86|0086)?1[0-9]{10}")
_RECORD_SHAPE = re.compile(r"(?:#|＃|编号|No\.?)?([0-9]{1,9})", re.IGNORECASE)


class SearchBy(StrEnum):
    name = "name"
    id_number = "id_number"
    phone = "phone"
    record = "record"


SEARCH_BY_LABELS = {SearchBy.name: "姓名", SearchBy.id_number: "身份证号", SearchBy.phone: "手机号",
                    SearchBy.record: "档案编号"}


@dataclass(frozen=True, slots=True)
class Query:
    by: SearchBy
    value: str  # normalised: what is hashed or compared


@dataclass(frozen=True, slots=True)
class Found:
    by: SearchBy
    seekers: list[Seeker]
    total: int


def read_query(text: str) -> Query:
    """How a search box's text is searched; InvalidInput (in Chinese) for what cannot be searched."""
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput("请输入姓名、身份证号、手机号或档案编号", field="q", code="empty_query")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"查询内容不能超过 {MAX_QUERY} 个字", field="q", code="query_too_long")
    compact = _SEPARATORS.sub("", text)
    try:
        if _ID_SHAPE.fullmatch(compact):
            return Query(SearchBy.id_number, validate_id_number(compact))
        if _PHONE_SHAPE.fullmatch(compact):
            return Query(SearchBy.phone, validate_phone(compact))
    except IdentifierError as e:
        raise InvalidInput(e.message, field="q", code=e.code) from None
    if m := _RECORD_SHAPE.fullmatch(compact):
        return Query(SearchBy.record, str(int(m.group(1))))
    if any(c.isdigit() for c in compact) and not any(c.isalpha() and not c.isascii() for c in compact):
        raise InvalidInput("身份证号须完整18位、手机号须完整11位才能查找（不支持部分号码）", field="q",
                           code="partial_number")
    return Query(SearchBy.name, text)


def search(ctx: Context, *, text: str, page: PageRequest) -> Found:
    """Seekers in the caller's region matching the box's text; audited."""
    ctx.require(Role.officer, Role.admin)
    query = read_query(text)
    scope = ctx.scope_prefix()
    if query.by is SearchBy.id_number:
        rows, total = repo.find_seekers(ctx.session, page=page, scope_prefix=scope,
                                        id_number_hash=ctx.cipher.lookup_hash(query.value))
    elif query.by is SearchBy.phone:
        rows, total = repo.find_seekers(ctx.session, page=page, scope_prefix=scope,
                                        phone_hash=ctx.cipher.lookup_hash(query.value))
    elif query.by is SearchBy.record:
        rows, total = repo.find_seekers(ctx.session, page=page, scope_prefix=scope, seeker_id=int(query.value))
    else:
        rows, total = repo.find_seekers(ctx.session, page=page, scope_prefix=scope, name_contains=query.value)
    ctx.audit_read("seeker.search", "seeker", [s.id for s in rows] or [None], by=query.by.value, results=total)
    return Found(by=query.by, seekers=rows, total=total)


def list_seekers(ctx: Context, *, page: PageRequest, registered: bool | None = None,
                 flag_kind: FlagKind | None = None) -> tuple[list[Seeker], int]:
    """全部人员: every seeker in the caller's region, newest first, optionally only the registered unemployed (or
    only those not registered) and only those with a policy flag of one kind; audited like a search."""
    ctx.require(Role.officer, Role.admin)
    rows, total = repo.list_seekers(ctx.session, page=page, region_prefix=None, scope_prefix=ctx.scope_prefix(),
                                    flag_kind=flag_kind.value if flag_kind else None, education=None,
                                    registered_unemployed=registered, consent=None, phone_hash=None,
                                    id_number_hash=None)
    ctx.audit_read("seekers.list", "seeker", [s.id for s in rows] or [None], results=total,
                   registered=registered, flag=flag_kind.value if flag_kind else None)
    return rows, total
