"""The console's 查找人员 (one search box) and 全部人员 (every seeker in the region, with filters).

Routes only: what is searched and how it is audited is :mod:`service.casework.search`'s.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from matching.enums import FLAG_LABELS, FlagKind
from service.casework import search
from service.casework import usecases as casework
from service.casework.console import Ctx, Form, _one, _render
from service.errors import InvalidInput
from service.presenters import region_name
from service.repository import PageRequest

PAGE_SIZE = 50

router = APIRouter(prefix="/console", include_in_schema=False)

PageNo = Annotated[int, Query(ge=1, le=100_000)]


def _rows(ctx, seekers) -> list[dict]:
    now = ctx.now()
    return [{"id": s.id, "name": s.name, "id_number": s.id_number_masked, "phone": s.phone_masked,
             "region": region_name(s.region_code), "flags": [FLAG_LABELS[k] for k in casework.active_kinds(s, now)],
             "registered_on": s.unemployment_registered_at} for s in seekers]


def _pages(total: int, page: int) -> int:
    return max(1, -(-total // PAGE_SIZE)) if total else 1


@router.get("/search", response_class=HTMLResponse)
def search_form(request: Request, ctx: Ctx):
    return _render(request, ctx, "search.html", q="", error=None, by=None, rows=[], total=0, page=1, pages=1)


@router.post("/search", response_class=HTMLResponse)
def search_page(request: Request, ctx: Ctx, form: Form):
    """A post, not a get: an ID number or phone searched for stays out of the address bar, the browser's history
    and any Referer."""
    q, page = _one(form, "q"), _one(form, "page")
    page = int(page) if page.isascii() and page.isdigit() and 0 < len(page) <= 6 and int(page) > 0 else 1
    found, error = None, None
    try:
        found = search.search(ctx, text=q, page=PageRequest(page=page, page_size=PAGE_SIZE))
    except InvalidInput as e:
        error = e.detail
    by_number = found is not None and found.by in (search.SearchBy.id_number, search.SearchBy.phone)
    return _render(request, ctx, "search.html", q="" if by_number else q, error=error, page=page,
                   by=search.SEARCH_BY_LABELS[found.by] if found else None,
                   rows=_rows(ctx, found.seekers) if found else [], total=found.total if found else 0,
                   pages=_pages(found.total, page) if found else 1, query=q)


@router.get("/seekers", response_class=HTMLResponse)
def seekers_page(request: Request, ctx: Ctx, registered: str = "", flag: str = "", page: PageNo = 1):
    registered_filter = {"yes": True, "no": False}.get(registered)
    flag_kind = FlagKind(flag) if flag in FlagKind.__members__ else None
    rows, total = search.list_seekers(ctx, page=PageRequest(page=page, page_size=PAGE_SIZE),
                                      registered=registered_filter, flag_kind=flag_kind)
    filters = {"registered": registered if registered_filter is not None else "",
               "flag": flag_kind.value if flag_kind else ""}
    return _render(request, ctx, "seekers.html", rows=_rows(ctx, rows), total=total, page=page,
                   pages=_pages(total, page), filters=filters, flag_labels=FLAG_LABELS,
                   page_url=lambda n: "/console/seekers?" + urlencode({**filters, "page": n}))
