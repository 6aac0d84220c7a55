"""Security response headers (安全响应头) on every response, and the same-site check for form posts.

:class:`SecurityHeaders` is a pure ASGI middleware: it rewrites the headers of ``http.response.start`` and
passes the body through untouched (``BaseHTTPMiddleware`` would add a task and a memory stream to every
request). It owns these headers; a route does not set them:

- every response: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``X-Frame-Options: DENY`` and a Content-Security-Policy with ``frame-ancestors 'none'``;
  ``Strict-Transport-Security`` when the request came over https (scheme as uvicorn saw it, so behind a
  proxy only with ``--proxy-headers``);
- HTML pages: ``default-src 'self'`` and nothing inline: the console's and kiosk's scripts and styles are
  static files (the kiosk's ``<script type="application/json">`` block is data, never executed);
- FastAPI's /docs, /redoc and the OAuth2 redirect page: Swagger UI and ReDoc from their CDN, exactly the
  files FastAPI links, and their inline scripts by hash (see :func:`docs_csp`);
- ``Cache-Control: no-store`` on everything under /api/v1, /console and /kiosk but their static files:
  those responses carry personal data or what a visitor typed at a kiosk.

``Referrer-Policy`` is ``same-origin``, not ``no-referrer``: under ``no-referrer`` a browser sends
``Origin: null`` on a form post, and :func:`from_this_site` could no longer tell the console's own forms
from a forged one. ``same-origin`` still sends nothing to another site.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import re
from urllib.parse import urlsplit

from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS_SECONDS = 365 * 24 * 3600

NO_STORE_PREFIXES = ("/api/v1/", "/console", "/kiosk")
STATIC_PREFIXES = ("/console/static/", "/kiosk/static/")


def _default(function, parameter: str) -> str:
    return inspect.signature(function).parameters[parameter].default


# What FastAPI's docs pages load, read from FastAPI itself so that an upgrade moving a file stays allowed.
SWAGGER_JS = _default(get_swagger_ui_html, "swagger_js_url")
SWAGGER_CSS = _default(get_swagger_ui_html, "swagger_css_url")
REDOC_JS = _default(get_redoc_html, "redoc_js_url")
FAVICON = _default(get_swagger_ui_html, "swagger_favicon_url")
GOOGLE_FONTS_CSS, GOOGLE_FONTS = "https://fonts.googleapis.com", "https://fonts.gstatic.com"  # ReDoc's fonts

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)

OWNED = frozenset({b"content-security-policy", b"x-content-type-options", b"referrer-policy", b"x-frame-options",
                   b"strict-transport-security"})
COMMON = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
          (b"x-frame-options", b"DENY")]
NO_STORE = (b"cache-control", b"no-store")
HSTS = (b"strict-transport-security", f"max-age={HSTS_SECONDS}".encode())


def docs_csp(body: bytes) -> str:
    """The policy for a FastAPI docs page: its CDN files by full URL, and its inline scripts by hash.

    The hashes are taken from the page itself. That allows no more than the page FastAPI built: these
    pages take nothing from the request (only the app's title, OpenAPI URL and root path, all set at
    start), so an inline script in them is FastAPI's own. Styles allow 'unsafe-inline': ReDoc injects its
    styles at run time, and the docs pages show no personal data. An offline deployment cannot reach the
    CDN at all; the policy then blocks nothing that would have worked.
    """
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'"
                      for s in _INLINE_SCRIPT.findall(body))
    return (f"default-src 'none'; script-src {SWAGGER_JS} {REDOC_JS} {hashes}; "
            f"style-src {SWAGGER_CSS} {GOOGLE_FONTS_CSS} 'unsafe-inline'; font-src {GOOGLE_FONTS}; "
            f"img-src 'self' data: {FAVICON}; connect-src 'self'; worker-src blob:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def secured(raw: list[tuple[bytes, bytes]], *, https: bool, no_store: bool,
            csp: str | None = None) -> list[tuple[bytes, bytes]]:
    """A response's headers with the security headers set (replacing any the route set)."""
    headers, html = [], False
    for name, value in raw:
        lower = name.lower()
        if lower in OWNED or (no_store and lower == b"cache-control"):
            continue
        if lower == b"content-type":
            html = value[:9].lower() == b"text/html"
        headers.append((name, value))
    headers.extend(COMMON)
    headers.append((b"content-security-policy", (csp or (PAGE_CSP if html else DATA_CSP)).encode()))
    if no_store:
        headers.append(NO_STORE)
    if https:
        headers.append(HSTS)
    return headers


def _route_path(scope: Scope) -> str:
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _docs_paths(app) -> tuple[str, ...]:
    names = ("docs_url", "redoc_url", "swagger_ui_oauth2_redirect_url")
    return tuple(p for p in (getattr(app, n, None) for n in names) if p)


class SecurityHeaders:
    """Pure ASGI middleware: the security headers above on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        https = scope.get("scheme") == "https"
        if path in _docs_paths(scope.get("app")):
            await self._docs_page(scope, receive, send, https=https)
            return
        no_store = path.startswith(NO_STORE_PREFIXES) and not path.startswith(STATIC_PREFIXES)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": secured(message.get("headers", []), https=https, no_store=no_store)}
            await send(message)

        await self.app(scope, receive, send_secured)

    async def _docs_page(self, scope: Scope, receive: Receive, send: Send, *, https: bool) -> None:
        """Hold the (small) page until its body is complete: its policy names its inline scripts' hashes."""
        start: Message = {}
        body = bytearray()

        async def send_buffered(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                headers = secured(start.get("headers", []), https=https, no_store=False, csp=docs_csp(bytes(body)))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, send_buffered)


def from_this_site(request: Request) -> bool:
    """Whether a browser's post came from a page of this host: its ``Origin``, or, only when it sent none,
    its ``Referer``. A post with neither (or ``Origin: null``) is refused: browsers send ``Origin`` on every
    POST. Ports are not compared: cookies are shared by all of a host's ports anyway, and a reverse proxy
    often forwards ``Host`` without the port."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    try:
        host = urlsplit(source).hostname
    except ValueError:
        return False
    return host is not None and host == request.url.hostname
