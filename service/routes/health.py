from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from service.db import ping

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str]


@router.get("/healthz", response_model=HealthOut, summary="进程存活")
def healthz():
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, summary="可以接收请求（数据库可达、匹配引擎已加载）",
            responses={503: {"model": ReadyOut, "description": "尚未就绪：checks 说明哪一项"}})
def readyz(request: Request):
    checks: dict[str, str] = {}
    try:
        ping(request.app.state.engine)
        checks["database"] = "ok"
    except SQLAlchemyError as e:
        checks["database"] = f"error: {type(e).__name__}"
    for name, check in request.app.state.readiness.items():
        checks[name] = check()
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks},
                        status_code=200 if ready else 503)
