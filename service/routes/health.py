from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from service import metrics
from service.db import ping
from service.errors import Forbidden

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: Literal["ok"]


class BacklogOut(BaseModel):
    """What this replica has still to catch up on; informational: a backlog never makes it unready. Shown, as
    /metrics is, to loopback and private addresses or with the monitoring token (the sizes are nobody else's)."""

    pending: dict[str, int]  # records waiting for their vector, per kind (the whole service's queue)
    applied_seq: int  # the change-log position this process has applied
    head_seq: int  # the newest change it has seen in the log
    lag: int  # head_seq - applied_seq
    index_size: dict[str, int]


class ReadyOut(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str]
    backlog: BacklogOut | None = None


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
    body: dict = {"status": "ready" if ready else "not_ready", "checks": checks}
    matcher = getattr(request.app.state, "matcher", None)
    operator = _operator(request)
    if operator and matcher is not None and matcher.readiness() == "ok" and checks.get("database") == "ok":
        state = matcher.status()
        body["backlog"] = {key: state[key] for key in BacklogOut.model_fields}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False)  # Prometheus text, not JSON
def metrics_text(request: Request):
    """For Prometheus: from loopback or a private network, or with the monitoring token (Bearer)."""
    if not _operator(request):
        raise Forbidden("监控指标仅对内网地址或携带监控令牌的请求开放")
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)


def _operator(request: Request) -> bool:
    """Loopback, a private network, or the monitoring token: who may see metrics and the backlog."""
    token = request.app.state.settings.metrics_token
    return metrics.scrape_allowed(request.client.host if request.client else None,
                                  request.headers.get("authorization"), token.get_secret_value() if token else None)
