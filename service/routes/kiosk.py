"""招聘会自助机: the touch-screen page, its small JSON API, and the public take-away list behind the QR code.

Staff set a kiosk up once by entering a kiosk key bound to the fair (``/kiosk/setup``); the key is
exchanged for a signed HttpOnly cookie and never reaches the page's script. The page carries the
fair's postings inline and scores them itself when the network drops (see README).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Annotated


from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from matching.enums import Role
from matching.text import display_title
from service import repository as repo
from service.deps import SessionDep
from service.params import RecordId
from service.errors import AppError, TooManyRequests, Unauthorized
from service.headers import from_this_site
from service.ratelimit import throttle, verify_key
from service.fairs.schemas import KioskCountsIn, KioskMatchIn
from service.edge import parse_form
from service.security import Principal, same_secret
from service.fairs import usecases as fairs
from service.usecases.common import Context
from service.usecases.keys import authenticate

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=HERE / "templates" / "kiosk")
templates.env.filters["display_title"] = display_title
STATIC = HERE / "static" / "kiosk"
COOKIE = "rengang_kiosk"
SESSION_SECONDS = 30 * 24 * 3600  # a kiosk stays set up for a month of fairs; revoking the key ends it

router = APIRouter(prefix="/kiosk", include_in_schema=False)


def _sign(request: Request, payload: str) -> str:
    key = hashlib.sha256(b"rengang-kiosk-session\x00" + request.app.state.settings.secret()).digest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _cookie_key_id(request: Request) -> str | None:
    raw = request.cookies.get(COOKIE, "")
    payload, _, sig = raw.rpartition(".")
    if not payload or not same_secret(sig, _sign(request, payload)):
        return None
    key_id, _, expires = payload.partition(".")
    return key_id if expires.isdigit() and int(expires) >= time.time() else None


def kiosk_principal(request: Request, session: SessionDep,
                    authorization: Annotated[str | None, Header()] = None) -> Principal:
    """A bearer kiosk key, or the kiosk's session cookie; the key must be live, kiosk, and bound to a fair.

    A bearer key is checked under the sign-in lock-out; a signed cookie is not, so the fair's kiosks keep
    working when someone on the hall's shared address guesses keys.
    """
    if authorization and authorization.lower().startswith("bearer "):
        principal = verify_key(request, authorization[7:], lambda token: authenticate(session, token))
    else:
        key = repo.api_key_by_key_id(session, key_id=_cookie_key_id(request) or "")
        if key is None or key.revoked_at is not None:
            raise Unauthorized("自助机尚未设置或密钥已吊销", code="kiosk_not_set_up")
        principal = Principal(key_id=key.key_id, role=Role(key.role), region_prefix=key.region_prefix,
                              fair_id=key.fair_id)
    return principal


def kiosk_context(request: Request, session: SessionDep,
                  principal: Annotated[Principal, Depends(kiosk_principal)]) -> Context:
    throttle(request, "kiosk", key_id=principal.key_id)
    state = request.app.state
    return Context(session=session, principal=principal, cipher=state.cipher,
                   clock=state.clock)


Ctx = Annotated[Context, Depends(kiosk_context)]


def _engine(request: Request):
    return getattr(request.app.state, "matcher", None)


# --- setup -----------------------------------------------------------------------------------


@router.get("/static/{name}")
def static(name: str):
    path = STATIC / name
    if path.parent != STATIC or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, headers={"Cache-Control": "max-age=86400"})


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request, err: str = ""):
    return templates.TemplateResponse(request, "setup.html", {"err": err})


@router.post("/setup")
async def setup(request: Request, session: SessionDep):
    if not from_this_site(request):  # a post from another site's page (see service.headers)
        return templates.TemplateResponse(request, "setup.html", {"err": "请求来源与本站不符，已拒绝"},
                                          status_code=403)
    form = {k: v[0] for k, v in parse_form(await request.body()).items()}
    try:
        principal = await run_in_threadpool(verify_key, request, form.get("key", ""),
                                            lambda token: authenticate(session, token))
    except TooManyRequests as e:
        return templates.TemplateResponse(request, "setup.html", {"err": e.detail}, status_code=e.status_code,
                                          headers={"Retry-After": str(e.retry_after)})
    except AppError:
        return templates.TemplateResponse(request, "setup.html", {"err": "密钥无效"}, status_code=401)
    if principal.role is not Role.kiosk or principal.fair_id is None:
        return templates.TemplateResponse(request, "setup.html", {"err": "这不是绑定招聘会的自助机密钥"},
                                          status_code=403)
    payload = f"{principal.key_id}.{int(time.time()) + SESSION_SECONDS}"
    response = RedirectResponse("/kiosk/", status_code=303)
    response.set_cookie(COOKIE, f"{payload}.{_sign(request, payload)}", max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", path="/kiosk", secure=request.url.scheme == "https")
    return response


# --- the page --------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def kiosk_page(request: Request, session: SessionDep):
    try:
        ctx = kiosk_context(request, session, kiosk_principal(request, session))
        data = fairs.kiosk_payload(ctx, engine=_engine(request))
    except TooManyRequests:
        raise
    except AppError:
        return RedirectResponse("/kiosk/setup", status_code=303)
    return templates.TemplateResponse(request, "kiosk.html", {
        "fair": data["fair"], "data_json": json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
    })  # no-store and the referrer policy come from service.headers, like every kiosk response's


@router.get("/api/fair")
def kiosk_fair(request: Request, ctx: Ctx):
    return fairs.kiosk_payload(ctx, engine=_engine(request))


@router.post("/api/match")
def kiosk_match(request: Request, ctx: Ctx, body: KioskMatchIn):
    return fairs.match(ctx, engine=_engine(request), data=body)


@router.get("/api/similar/{job_id}")
def kiosk_similar(request: Request, ctx: Ctx, job_id: RecordId):
    return fairs.similar(ctx, engine=_engine(request), job_id=job_id)


@router.post("/api/counts", status_code=204)
def kiosk_counts(ctx: Ctx, body: KioskCountsIn):
    fairs.record_counts(ctx, data=body)
    return Response(status_code=204)


# --- the take-away list (public: a fair's open postings are public notices) -------------------


@router.get("/take/{fair_id}", response_class=HTMLResponse)
def take_away(request: Request, session: SessionDep, fair_id: RecordId,
              j: Annotated[str, Query(max_length=400, pattern=r"^[0-9.,]*$")] = ""):
    throttle(request, "public")
    ids = [int(x) for x in j.replace(".", ",").split(",") if x.isdigit() and len(x) <= 15][:20]
    today = request.app.state.clock().date()
    fair, rows = fairs.take_away(session, fair_id=fair_id, job_ids=ids, today=today)
    if fair is None:
        return Response("招聘会不存在", status_code=404, media_type="text/plain; charset=utf-8")
    return templates.TemplateResponse(request, "take.html", {
        "fair": fairs.fair_info(fair), "rows": rows, "booth_rows": fairs.take_away_map(fair, rows),
    })
