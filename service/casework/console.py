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

from matching.enums import FLAG_LABELS, REFERRAL_STATUS_LABELS, WORK_TYPE_LABELS, ReferralStatus, Role
from matching.text import display_title
from service.deps import SessionDep
from service.params import RecordId
from service.errors import AppError, InvalidInput, TooManyRequests
from service.headers import from_this_site
from service.presenters import region_name
from service.ratelimit import client_address
from service.repository import PageRequest
from service.schemas import ReferralCreate, ReferralTransition
from service.casework.schemas import (
    BASIS_LABELS,
    CHANNEL_LABELS,
    END_REASON_LABELS,
    SERVICE_LABELS,
    AssistanceOpen,
    ContactCreate,
    EndReason,
    SpellEnd,
    SpellOpen,
)
from service.edge import parse_form
from service.security import Principal, same_secret
from service.casework import usecases as casework
from service.usecases import referrals, stats
from service.usecases.common import Context
from service.usecases.keys import authenticate
from service.accounts import usecases as accounts
from service.usecases.referrals import TRANSITIONS

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=HERE / "templates" / "console")
templates.env.filters["display_title"] = display_title
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
                                          password=fields.get("password", ""), now=now, address=address)
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


@router.get("/caseload", response_class=HTMLResponse)
def caseload_page(request: Request, ctx: Ctx, due: bool = False, sort: str = "contact",
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    sort = sort if sort in ("contact", "months", "priority") else "contact"
    items, total = casework.caseload(ctx, page=PageRequest(page=max(page, 1), page_size=50), due_only=due, sort=sort)
    return _render(request, ctx, "caseload.html", items=items, total=total, due=due, sort=sort, page=page)


# --- one seeker ------------------------------------------------------------------------------


@router.get("/seekers/{seeker_id}", response_class=HTMLResponse)
def seeker_page(request: Request, ctx: Ctx, seeker_id: RecordId):
    seeker = casework.seeker_for_console(ctx, seeker_id=seeker_id)
    now = ctx.now()
    spells = casework.spells(ctx, seeker_id=seeker_id)
    open_spell = next((s for s in spells if s.ended_on is None), None)
    matches = casework.matches(ctx, seeker_id=seeker_id, engine=getattr(request.app.state, "matcher", None))
    refs = [m for m in matches if m.referral is not None]
    open_case = casework.open_assistance_for(ctx, seeker_id=seeker_id)
    case = casework.assistance_list_out(ctx, [(open_case, seeker)])[0] if open_case else None
    return _render(
        request, ctx, "seeker.html", seeker=seeker, flags=casework.active_kinds(seeker, now), spell=open_spell,
        suggestions=[m for m in matches if m.referral is None], referrals=refs, case=case,
        timeline=casework.timeline(ctx, seeker_id=seeker_id), today=ctx.today(),
        transitions={m.referral.id: sorted(TRANSITIONS[ReferralStatus(m.referral.status)]) for m in refs},
        eligibility=_eligibility(ctx, seeker), region=region_name(seeker.region_code),
        end_reasons=[r for r in EndReason if r is not EndReason.hired],
    )


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
                   total=total, status=status)


@router.get("/households", response_class=HTMLResponse)
def households_page(request: Request, ctx: Ctx, status: str | None = None):
    status = status if status in ("open", "cleared") else None
    items, total = casework.list_households(ctx, page=PageRequest(page=1, page_size=200), status=status)
    return _render(request, ctx, "households.html", households=items, total=total, status=status)


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
    except AppError as exc:
        st, error = None, exc.detail
    return _render(request, ctx, "stats.html", st=st, start=s, end=e, error=error,
                   quick={"本月": (ctx.today().replace(day=1), ctx.today()),
                          "近30天": (ctx.today() - timedelta(days=29), ctx.today()),
                          "本年": (ctx.today().replace(month=1, day=1), ctx.today())})


@router.get("/stats.csv")
def stats_csv(ctx: Ctx, start: str | None = None, end: str | None = None):
    s, e = _period(start, end, ctx.today())
    body = stats.to_csv(stats.compute(ctx, region_prefix=None, start=s, end=e))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="rengang-stats-{s}-{e}.csv"'})

