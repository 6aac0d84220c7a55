"""The access log: one line per request, naming the route, never what was sent.

``GET /api/v1/seekers/{seeker_id} seeker_id=12 200 3.1ms``. This service's query strings and bodies carry
personal data (``?phone=…``, ``?id_number=…``, a self-introduction), and so can a path (a number typed where
an id belongs). So the line holds the method, the route's template, the path parameters that are record
ids (digits only), the status and the duration; a request that matches no route is logged as
``<unmatched>``. The same values are on the record as extra fields for a structured formatter. It replaces
uvicorn's access log, which writes the path with its query string (``rengang serve`` turns that one off).
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import metrics

log = logging.getLogger("rengang.access")

UNMATCHED = "<unmatched>"
INVALID = "<invalid>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_RECORD_ID = re.compile(r"[0-9]{1,10}")
_STATIC_PREFIX = re.compile(r"(?:/[a-z][a-z0-9_-]*)*")  # /api/v1: no parameter, nothing a caller typed


class AccessLog:
    """Pure ASGI middleware (no request object, no body read): wraps ``send`` to see the status.

    It also counts and times every request in :mod:`service.metrics`, by the same route template, whatever
    the log level.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the application fails before it does

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            seconds = time.perf_counter() - started
            method = scope.get("method", "")
            method = method if method in _METHODS else "<other>"
            route = route_template(scope)
            metrics.http_request(method, route, status, seconds)
            if log.isEnabledFor(logging.INFO):
                _log(scope, method, route, status, seconds * 1000)


def _log(scope: Scope, method: str, route: str, status: int, duration_ms: float) -> None:
    ids = record_ids(scope) if route != UNMATCHED else {}
    shown = "".join(f" {name}={value}" for name, value in ids.items())
    log.info("%s %s%s %d %.1fms", method, route, shown, status, duration_ms,
             extra={"method": method, "route": route, "record_ids": ids, "status": status,
                    "duration_ms": round(duration_ms, 3)})


def route_template(scope: Scope) -> str:
    """The matched route's path template, e.g. ``/api/v1/seekers/{seeker_id}``; ``<unmatched>`` if none.

    Routers included in others keep their own path (``/seekers/{seeker_id}``) on ``scope["route"]``; the
    prefixes above it are the part of the request path before the route's own, and are kept only when they
    are fixed words (no parameter in them).
    """
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return UNMATCHED
    params = scope.get("path_params") or {}
    try:
        own = re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(params[m.group(1)]), template)
    except KeyError:
        return template
    path = scope.get("path", "")
    prefix = path[: len(path) - len(own)] if path.endswith(own) else None
    if prefix is None or not _STATIC_PREFIX.fullmatch(prefix):
        return "…" + template
    return prefix + template


def record_ids(scope: Scope) -> dict[str, Any]:
    """Path parameters named ``id`` or ``…_id``, as numbers; anything else sent there is not repeated."""
    ids: dict[str, Any] = {}
    for name, value in (scope.get("path_params") or {}).items():
        if name == "id" or name.endswith("_id"):
            text = str(value)
            ids[name] = int(text) if _RECORD_ID.fullmatch(text) else INVALID
    return ids
