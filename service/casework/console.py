"""经办台: the officers' web console, server-rendered in Chinese.

An officer signs in with a user name and password (:mod:`service.accounts`; an officer API key is still
accepted, for machines and tests) and gets a server-side session: a random id in an HttpOnly, SameSite=Strict
cookie, ended by signing out, by ``console_idle_minutes`` without a request, by ``console_session_max_hours``
after sign-in, or by disabling the account or revoking the key. Forms are plain HTML posts carrying a CSRF token derived from the
session; every action goes through the same use-cases as the JSON API.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from matching.enums import (
    EDUCATION_LABELS,
    FLAG_LABELS,
    FLAG_STATUS_LABELS,
    GENDER_LABELS,
    HUKOU_LABELS,
    JOB_STATUS_LABELS,
    REFERRAL_STATUS_LABELS,
    WORK_TYPE_LABELS,
    ReferralStatus,
    Role,
)
from matching import geo
from matching.text import display_title
from service.deps import SessionDep
from service.params import RecordId
from service.errors import AppError, InvalidInput, TooManyRequests
from service.headers import from_this_site
from service.presenters import region_name
from service.ratelimit import client_address
from service.repository import PageRequest
from service.schemas import SCOPE_LABELS, MatchFiltersIn, ReferralCreate, ReferralTransition, RegionScopeIn
from service.casework.schemas import (
    BASIS_LABELS,
    CHANNEL_LABELS,
    END_REASON_LABELS,
    SERVICE_LABELS,
    AssistanceOpen,
    ContactCreate,
    EndReason,
    HouseholdCreate,
    SpellEnd,
    SpellOpen,
)
from service.edge import parse_form
from service.security import Principal, same_secret
from service.casework import letter as letters
from service.casework import usecases as casework
from service.usecases import referrals, stats
from service.usecases.common import Context
from service.usecases.keys import authenticate
from service.accounts import usecases as accounts
from service.usecases.referrals import TRANSITIONS

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=HERE / "templates" / "console")
templates.env.filters["display_title"] = display_title
# Every code a page shows reads in Chinese from its one home (matching.enums, matching.geo): no labels in templates.
templates.env.globals.update(
    region_name=region_name, EDUCATION_LABELS=EDUCATION_LABELS, HUKOU_LABELS=HUKOU_LABELS,
    GENDER_LABELS=GENDER_LABELS, JOB_STATUS_LABELS=JOB_STATUS_LABELS, FLAG_STATUS_LABELS=FLAG_STATUS_LABELS,
    SCOPE_LABELS=SCOPE_LABELS,
)
STATIC = HERE / "static" / "console"
COOKIE = "rengang_console"

router = APIRouter(prefix="/console", include_in_schema=False)


# --- sessions --------------------------------------------------------------------------------


def _signing_key(request: Request) -> bytes:
    return hashlib.sha256(b"rengang-console-session\x00" + request.app.state.settings.secret()).digest()


def _sign(request: Request, payload: str) -> str:
    return hmac.new(_signing_key(request), payload.encode(), hashlib.sha256).hexdigest()


def _session_limits(request: Request) -> accounts.SessionLimits:
    return accounts.SessionLimits.from_settings(request.app.state.settings)


class LoginRequired(Exception):
    pass


class ForeignOrigin(Exception):
    """A post that did not come from a page of this site (跨站提交): answered with a 403 page."""


def this_site(request: Request) -> None:
    """Refuse a post whose ``Origin`` (or, without one, ``Referer``) is not this host; see
    :func:`service.headers.from_this_site`. The CSRF token is the second lock, not the only one."""
    if not from_this_site(request):
        raise ForeignOrigin


def console_principal(request: Request, session: SessionDep) -> Principal:
    principal = accounts.resolve_session(session, token=request.cookies.get(COOKIE, ""),
                                         now=request.app.state.clock(), limits=_session_limits(request))
    if principal is None:
        raise LoginRequired
    return principal


def console_context(request: Request, session: SessionDep,
                    principal: Annotated[Principal, Depends(console_principal)]) -> Context:
    state = request.app.state
    return Context(session=session, principal=principal, cipher=state.cipher,
                   clock=state.clock)


Ctx = Annotated[Context, Depends(console_context)]


def csrf_token(request: Request) -> str:
    return _sign(request, "csrf:" + request.cookies.get(COOKIE, ""))[:32]


async def form_data(request: Request) -> dict[str, list[str]]:
    """URL-encoded form fields (no multipart needed); refuses a post from another site or without this
    session's CSRF token."""
    this_site(request)
    fields = parse_form(await request.body())
    if not same_secret(fields.get("csrf", [""])[0], csrf_token(request)):
        raise LoginRequired
    return fields


Form = Annotated[dict[str, list[str]], Depends(form_data)]


def _one(form: dict[str, list[str]], name: str) -> str:
    return form.get(name, [""])[0].strip()


def _redirect(url: str, message: str = "", error: str = "") -> RedirectResponse:
    sep = "&" if "?" in url else "?"
    if message:
        url += f"{sep}msg={quote(message)}"
    elif error:
        url += f"{sep}err={quote(error)}"
    return RedirectResponse(url, status_code=303)


def _error_text(e: Exception) -> str:
    if isinstance(e, AppError):
        return e.detail
    if isinstance(e, ValidationError):
        return "；".join(err["msg"].removeprefix("Value error, ") for err in e.errors())
    raise e


def _render(request: Request, ctx: Context | None, name: str, **data) -> HTMLResponse:
    principal = ctx.principal if ctx else None
    return templates.TemplateResponse(request, name, {
        "principal": principal, "region_label": region_name(principal.region_prefix) if principal and
        principal.region_prefix else "全部地区", "csrf": csrf_token(request), "msg": request.query_params.get("msg"),
        "err": request.query_params.get("err"), "FLAG_LABELS": FLAG_LABELS, "WORK_TYPE_LABELS": WORK_TYPE_LABELS,
        "STATUS_LABELS": REFERRAL_STATUS_LABELS, "CHANNEL_LABELS": CHANNEL_LABELS, "SERVICE_LABELS": SERVICE_LABELS,
        "BASIS_LABELS": BASIS_LABELS, "LOCAL": casework.LOCAL, "END_REASON_LABELS": END_REASON_LABELS, **data,
    })


def install(app) -> None:
    """Serve the console, and send a visitor without a valid session to the login page."""
    from service.casework import finding  # its routes use this module's session and rendering

    app.include_router(router)
    app.include_router(finding.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired):
        return RedirectResponse(f"/console/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(ForeignOrigin)
    async def _foreign(request: Request, _exc: ForeignOrigin):
        response = _render(request, None, "refused.html")
        response.status_code = 403
        return response


# --- login -----------------------------------------------------------------------------------


@router.get("/static/{name}")
def static(name: str):
    path = STATIC / name
    if path.parent != STATIC or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, headers={"Cache-Control": "max-age=3600"})


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request):
    return _render(request, None, "login.html", next=request.query_params.get("next", "/console/"))


async def _login_fields(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_form(await request.body()).items()}


@router.post("/login", dependencies=[Depends(this_site)])
def login(request: Request, session: SessionDep, fields: Annotated[dict[str, str], Depends(_login_fields)]):
    """Sign in with a user name and password (or an officer key); each failure counts towards the address's
    lock-out (``rate_limit_console_failures``) and is audited without the password. A ``def`` route: checking
    a password is deliberately slow (argon2id) and must not hold the event loop."""
    limiter, address, now = request.app.state.limiter, client_address(request), request.app.state.clock()
    next_ = fields.get("next", "/console/")
    try:
        limiter.ensure_unlocked("console", address=address)  # before any password is checked
    except TooManyRequests as e:
        return _login_refused(request, e, next_=next_)
    account, principal = None, None
    if "username" in fields:
        account = accounts.check_password(session, username=fields.get("username", ""),
                                          password=fields.get("password", ""), address=address)
        principal = accounts.principal_of(account) if account is not None else None
        refusal = "用户名或密码错误"
    else:
        try:
            principal = authenticate(session, fields.get("key", "").strip())
        except AppError:
            principal = None
        refusal = "密钥无效，或不是经办人员密钥"
    if principal is None or principal.role not in (Role.officer, Role.admin):
        if (locked := limiter.failed("console", address=address)) is not None:
            return _login_refused(request, locked, next_=next_)
        return RedirectResponse(f"/console/login?err={quote(refusal)}&next={quote(next_)}", status_code=303)
    limits = _session_limits(request)
    token = accounts.open_session(session, principal=principal, account=account, now=now, limits=limits,
                                  address=address)
    target = next_ if next_.startswith("/console/") and not next_.startswith("/console//") else "/console/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(limits.absolute.total_seconds()), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/console")
    return response


def _login_refused(request: Request, e: TooManyRequests, *, next_: str) -> HTMLResponse:
    """The login page again, answering 429 with Retry-After and how long to wait."""
    response = _render(request, None, "login.html", next=next_, err=e.detail)
    response.status_code = e.status_code
    response.headers["Retry-After"] = str(e.retry_after)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, form: Form):
    accounts.end_session(session, token=request.cookies.get(COOKIE, ""), now=request.app.state.clock())
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


# --- caseload --------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: Ctx):
    return caseload_page(request, ctx, due=True)


CASELOAD_SORTS = [("deadline", "截止时间"), ("contact", "距上次联系"), ("months", "失业时长"), ("priority", "重点群体优先")]


@router.get("/caseload", response_class=HTMLResponse)
def caseload_page(request: Request, ctx: Ctx, due: bool = False, sort: str = "deadline", flag: str = "",
                  region: str = "", assistance: bool = False, page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    sort = sort if sort in dict(CASELOAD_SORTS) else "deadline"
    flag = flag if flag in {k.value for k in FLAG_LABELS} else ""
    prefix = ctx.scope_prefix()
    districts = geo.counties_under(prefix) if prefix else None
    region = region if districts and region in dict(districts) else ""
    items, total = casework.caseload(ctx, page=PageRequest(page=max(page, 1), page_size=50), due_only=due, sort=sort,
                                     flag_kind=flag or None, region_prefix=region or None, assistance_only=assistance)
    pager = "&".join(f"{k}={v}" for k, v in (("due", "1" if due else ""), ("sort", sort), ("flag", flag),
                                              ("region", region), ("assistance", "1" if assistance else "")) if v)
    return _render(request, ctx, "caseload.html", items=items, total=total, due=due, sort=sort, page=page,
                   sorts=CASELOAD_SORTS, flag=flag, region=region, districts=districts, assistance=assistance,
                   today=ctx.today(), pager=pager)


@router.post("/caseload/contacts")
def bulk_contact(ctx: Ctx, form: Form):
    """批量跟踪: one contact record for each person ticked on the due list (same channel, services and note)."""
    back = _one(form, "back")
    back = back if back.startswith("/console/caseload") else "/console/caseload?due=1"
    ids = form.get("seeker_id", [])
    try:
        if not ids:
            raise InvalidInput("请至少选择一人", field="seeker_id")
        if len(ids) > 50 or not all(i.isascii() and i.isdigit() and len(i) <= 10 for i in ids):
            raise InvalidInput("求职者编号无效", field="seeker_id", code="int_parsing")
        data = ContactCreate(channel=_one(form, "channel"), services=form.get("services", []),
                             notes=_one(form, "notes"))
        done = casework.add_contacts(ctx, seeker_ids=[int(i) for i in dict.fromkeys(ids)], data=data)
    except (AppError, ValidationError) as e:
        return _redirect(back, error=_error_text(e))
    return _redirect(back, message=f"已为 {done} 人记录跟踪服务")


# --- one seeker ------------------------------------------------------------------------------


@router.get("/seekers/{seeker_id}", response_class=HTMLResponse)
def seeker_page(request: Request, ctx: Ctx, seeker_id: RecordId):
    seeker = casework.seeker_for_console(ctx, seeker_id=seeker_id)
    now = ctx.now()
    spells = casework.spells(ctx, seeker_id=seeker_id)
    open_spell = next((s for s in spells if s.ended_on is None), None)
    hire = casework.hire_of(ctx, seeker_id=seeker_id)
    filters, filter_error = _match_filters(request)
    # After a hire the page shows the hire: no registration, assistance or further jobs to offer.
    matches = casework.matches(ctx, seeker_id=seeker_id, limit=0 if hire else 20, filters=filters,
                               engine=None if hire else getattr(request.app.state, "matcher", None))
    refs = [m for m in matches if m.referral is not None]
    open_case = casework.open_assistance_for(ctx, seeker_id=seeker_id)
    case = casework.assistance_list_out(ctx, [(open_case, seeker)])[0] if open_case else None
    return _render(
        request, ctx, "seeker.html", seeker=seeker, flags=casework.active_kinds(seeker, now), spell=open_spell,
        suggestions=[m for m in matches if m.referral is None], referrals=refs, case=case, hire=hire,
        timeline=casework.timeline(ctx, seeker_id=seeker_id), today=ctx.today(),
        transitions={m.referral.id: sorted(TRANSITIONS[ReferralStatus(m.referral.status)]) for m in refs},
        eligibility=_eligibility(ctx, seeker), region=region_name(seeker.region_code),
        end_reasons=[r for r in EndReason if r is not EndReason.hired], filters=filters,
        filter_error=filter_error, scopes=[RegionScopeIn.desired, RegionScopeIn.county, RegionScopeIn.city,
                                           RegionScopeIn.radius, RegionScopeIn.anywhere],
    )


def _match_filters(request: Request) -> tuple[MatchFiltersIn, str | None]:
    """The match list's filters from the page's query (the API's names); unreadable ones are reported, not used."""
    q = request.query_params
    try:
        floor, radius = q.get("salary_floor", "").strip(), q.get("radius_km", "").strip()
        if not (floor.isascii() and floor.isdigit() or not floor) or len(floor) > 7:
            raise InvalidInput("月薪下限须为整数（元）", field="salary_floor")
        try:
            radius_km = float(radius) if radius and len(radius) <= 8 else None
        except ValueError:
            raise InvalidInput("距离须为数字（公里）", field="radius_km") from None
        raw = {"scope": q.get("scope") or None, "work_types": q.getlist("work_types")[:6],
               "salary_floor": int(floor) if floor else None, "room_board": True if q.get("room_board") else None,
               "radius_km": radius_km}
        return MatchFiltersIn.model_validate({k: v for k, v in raw.items() if v not in (None, [])}), None
    except (AppError, ValidationError) as e:
        return MatchFiltersIn(), "筛选条件无效：" + _error_text(e)


def _eligibility(ctx: Context, seeker) -> list | None:
    """Policy measures the seeker may qualify for, when the rules engine is available."""
    return casework.seeker_eligibility(ctx, seeker_id=seeker.id)


def _seeker_action(seeker_id: RecordId, action) -> RedirectResponse:
    url = f"/console/seekers/{seeker_id}"
    try:
        message = action()
    except (AppError, ValidationError) as e:
        return _redirect(url, error=_error_text(e))
    return _redirect(url, message=message)


@router.post("/seekers/{seeker_id}/contacts")
def add_contact(ctx: Ctx, form: Form, seeker_id: RecordId):
    def run():
        data = ContactCreate(channel=_one(form, "channel"), services=form.get("services", []),
                             notes=_one(form, "notes"), next_step=_one(form, "next_step"),
                             contacted_on=_one(form, "contacted_on") or None)
        casework.add_contact(ctx, seeker_id=seeker_id, data=data)
        return "已记录跟踪服务"
    return _seeker_action(seeker_id, run)


@router.post("/seekers/{seeker_id}/unemployment")
def register(ctx: Ctx, form: Form, seeker_id: RecordId):
    def run():
        casework.register_unemployment(ctx, seeker_id=seeker_id,
                                       data=SpellOpen(started_on=_one(form, "started_on") or None))
        return "已办理失业登记"
    return _seeker_action(seeker_id, run)


@router.post("/seekers/{seeker_id}/unemployment/end")
def end_registration(ctx: Ctx, form: Form, seeker_id: RecordId):
    def run():
        casework.end_unemployment(ctx, seeker_id=seeker_id,
                                  data=SpellEnd(reason=_one(form, "reason"), note=_one(form, "note")))
        return "已结束失业登记"
    return _seeker_action(seeker_id, run)


@router.post("/seekers/{seeker_id}/assistance")
def open_assistance(ctx: Ctx, form: Form, seeker_id: RecordId):
    def run():
        case = casework.open_assistance(ctx, data=AssistanceOpen(seeker_id=seeker_id))
        return f"已纳入就业援助，须在{case.deadline_rule}内安置"
    return _seeker_action(seeker_id, run)


@router.post("/seekers/{seeker_id}/referrals")
def refer(ctx: Ctx, form: Form, seeker_id: RecordId):
    def run():
        job_ids = form.get("job_id", [])
        if not job_ids:
            raise InvalidInput("请至少选择一个岗位", field="job_id")
        if not all(j.isascii() and j.isdigit() and len(j) <= 10 for j in job_ids):
            raise InvalidInput("岗位编号无效", field="job_id", code="int_parsing")
        for job_id in job_ids:
            referrals.create(ctx, data=ReferralCreate(seeker_id=seeker_id, job_id=int(job_id),
                                                      note=_one(form, "note")))
        return f"已推荐 {len(job_ids)} 个岗位"
    return _seeker_action(seeker_id, run)


@router.get("/referrals/{referral_id}/letter", response_class=HTMLResponse)
def referral_letter(request: Request, ctx: Ctx, referral_id: RecordId):
    """介绍信: printable (the page's print styles leave only the letter)."""
    letter = letters.referral_letter(ctx, referral_id=referral_id, secret=request.app.state.settings.secret())
    return _render(request, ctx, "letter.html", letter=letter, today=ctx.today())


@router.post("/referrals/{referral_id}/transition")
def transition(ctx: Ctx, form: Form, referral_id: RecordId):
    referral = referrals.get(ctx, referral_id=referral_id)

    def run():
        data = ReferralTransition(status=_one(form, "status"), reason=_one(form, "reason") or None)
        referrals.transition(ctx, referral_id=referral_id, data=data)
        return f"推荐结果已更新为“{REFERRAL_STATUS_LABELS[data.status]}”"
    return _seeker_action(referral.seeker_id, run)


# --- assistance, households, statistics ---------------------------------------------------------


@router.get("/assistance", response_class=HTMLResponse)
def assistance_page(request: Request, ctx: Ctx, status: str = "open"):
    status = status if status in ("open", "placed", "closed") else "open"
    rows, total = casework.list_assistance(ctx, page=PageRequest(page=1, page_size=200), status=status)
    return _render(request, ctx, "assistance.html", cases=casework.assistance_list_out(ctx, rows),
                   total=total, status=status, warn_hours=casework.warn_hours_in(ctx))


@router.get("/households", response_class=HTMLResponse)
def households_page(request: Request, ctx: Ctx, status: str | None = None):
    status = status if status in ("open", "cleared") else None
    items, total = casework.list_households(ctx, page=PageRequest(page=1, page_size=200), status=status)
    prefix = ctx.scope_prefix()
    return _render(request, ctx, "households.html", households=items, total=total, status=status,
                   candidates=casework.household_candidates(ctx), today=ctx.today(),
                   counties=geo.counties_under(prefix) if prefix else None)


@router.post("/households")
def create_household(ctx: Ctx, form: Form):
    """登记零就业家庭: members ticked from the verified candidates and/or typed as record numbers."""
    try:
        typed = [p for p in _one(form, "member_numbers").replace("，", ",").replace(" ", ",").split(",") if p]
        if not all(p.isascii() and p.isdigit() and len(p) <= 10 for p in [*form.get("member_id", []), *typed]):
            raise InvalidInput("成员编号须为数字", field="member_ids", code="int_parsing")
        members = list(dict.fromkeys(int(p) for p in [*form.get("member_id", []), *typed]))
        household = casework.create_household(ctx, data=HouseholdCreate(
            region_code=_one(form, "region_code"), label=_one(form, "label"), member_ids=members,
            identified_on=_one(form, "identified_on") or None))
    except (AppError, ValidationError) as e:
        return _redirect("/console/households", error=_error_text(e))
    return _redirect("/console/households", message=f"已登记零就业家庭“{household.label}”（{len(members)} 人）")


def _period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    try:
        s = date.fromisoformat(start) if start else today.replace(month=1, day=1)
        e = date.fromisoformat(end) if end else today
    except ValueError:
        s, e = today.replace(month=1, day=1), today
    return s, e


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, ctx: Ctx, start: str | None = None, end: str | None = None):
    s, e = _period(start, end, ctx.today())
    try:
        st, error = stats.compute(ctx, region_prefix=None, start=s, end=e), None
        months = stats.trend(ctx, region_prefix=None, today=e)
        districts = stats.by_district(ctx, region_prefix=None, start=s, end=e)
    except AppError as exc:
        st, error, months, districts = None, exc.detail, [], []
    return _render(request, ctx, "stats.html", st=st, start=s, end=e, error=error, months=months,
                   districts=districts, TREND_COLUMNS=stats.TREND_COLUMNS, DISTRICT_COLUMNS=stats.DISTRICT_COLUMNS,
                   quick={"本月": (ctx.today().replace(day=1), ctx.today()),
                          "近30天": (ctx.today() - timedelta(days=29), ctx.today()),
                          "本年": (ctx.today().replace(month=1, day=1), ctx.today())})


@router.get("/stats.csv")
def stats_csv(ctx: Ctx, start: str | None = None, end: str | None = None):
    s, e = _period(start, end, ctx.today())
    body = stats.to_csv(stats.compute(ctx, region_prefix=None, start=s, end=e),
                        months=stats.trend(ctx, region_prefix=None, today=e),
                        districts=stats.by_district(ctx, region_prefix=None, start=s, end=e))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="rengang-stats-{s}-{e}.csv"'})

