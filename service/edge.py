"""Checks at the edge, before routing: what no route should have to think about.

A query string longer than :data:`MAX_QUERY_BYTES` answers 414, naming its longest parameter; a query
value that is not UTF-8 or carries control or invisible characters (NUL, escape sequences, bidi
overrides, zero-width characters) answers 422 naming the parameter. Body strings are cleaned by the
request schemas (:class:`service.schemas.Schema`); query values are refused instead, because a cleaned
look-up value would silently look up something else.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException as StarletteHTTPException

from matching.sanitize import has_hidden

MAX_QUERY_BYTES = 8192


def _error(status: int, error: str, detail: str, field: str | None, code: str) -> tuple[int, bytes]:
    body = {"error": error, "detail": f"{field}：{detail}" if field else detail, "field": field, "code": code,
            "errors": [{"field": field, "code": code, "message": detail}]}
    return status, json.dumps(body, ensure_ascii=False).encode()


def check_query(raw: bytes) -> tuple[int, bytes] | None:
    """The refusal for a query string, or None when it may pass."""
    if not raw:
        return None
    if len(raw) > MAX_QUERY_BYTES:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        longest = max(pairs, key=lambda kv: len(kv[0]) + len(kv[1]), default=("", ""))[0][:64] or None
        return _error(414, "uri_too_long", f"查询字符串过长（最多 {MAX_QUERY_BYTES} 字节）", longest, "query_too_long")
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")
        bad = next((k for k, v in pairs if "\ufffd" in k + v), None)
        return _error(422, "validation_error", "不是有效的 UTF-8 文本", bad[:64] if bad else None, "invalid_encoding")
    for name, value in pairs:
        if has_hidden(name) or has_hidden(value):
            return _error(422, "validation_error", "含有控制字符或不可见字符", name[:64] if not has_hidden(name) else None,
                          "invalid_characters")
    return None


# Request bodies: a bulk import of 1,000 postings with full descriptions is ~30 MB of UTF-8; nothing else
# comes near 1 MB. Bigger bodies are refused before they are read into memory.
MAX_BODY_BYTES = 1 << 20
MAX_BULK_BODY_BYTES = 64 << 20
BULK_PATHS = ("/api/v1/jobs/bulk",)
TOO_LARGE = "请求体过大（最多 {limit} MB）"


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` when a body without a declared length grows past the limit (rendered as 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE.format(limit=limit >> 20))


def body_limit(path: str) -> int:
    return MAX_BULK_BODY_BYTES if path in BULK_PATHS else MAX_BODY_BYTES


def _declared_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class EdgeChecks:
    """Pure ASGI middleware (no per-request task or body buffering): refuses bad query strings and bodies
    over their size limit early (413 on the declared length, or once a chunked body passes it)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = check_query(scope.get("query_string", b""))
        limit = body_limit(scope.get("path", ""))
        declared = _declared_length(scope)
        if refusal is None and declared is not None and declared > limit:
            refusal = _error(413, "payload_too_large", TOO_LARGE.format(limit=limit >> 20), None, "payload_too_large")
        if refusal is not None:
            status, body = refusal
            await send({"type": "http.response.start", "status": status, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted_receive if declared is None else receive, send)


def _protocol_refusal(url: bytes) -> tuple[int, bytes]:
    """What the HTTP server answers for a request it could not parse: the same JSON shape as the app's."""
    _path, _, query = url.partition(b"?")
    if len(url) > MAX_QUERY_BYTES:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        longest = max(pairs, key=lambda kv: len(kv[0]) + len(kv[1]), default=("", ""))[0][:64] or None
        return _error(414, "uri_too_long", f"查询字符串过长（最多 {MAX_QUERY_BYTES} 字节）", longest, "query_too_long")
    status, body = _error(400, "bad_request", "无法解析的 HTTP 请求（请求行或请求头过长或格式错误）", None, "invalid_http")
    return status, body


def json_protocol() -> str:
    """uvicorn's httptools protocol, answering unparseable requests with the service's JSON error body.

    The HTTP parser refuses a request line or headers past its size limit (about 80 KB) before the app
    sees anything, with a bare ``400 Invalid HTTP request received.``; this answers 414 naming the longest
    query parameter received so far (or 400), as JSON, like the app's own refusals. Given as an import
    string (:class:`service.http_protocol.JsonErrorHttpToolsProtocol`), so worker processes import it too.
    """
    return "service.http_protocol:JsonErrorHttpToolsProtocol"


MAX_FORM_FIELDS = 200


def parse_form(raw: bytes) -> dict[str, list[str]]:
    """An URL-encoded form body: UTF-8 (else 422), at most :data:`MAX_FORM_FIELDS` fields, values cleaned."""
    from matching.sanitize import clean
    from service.errors import InvalidInput

    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise InvalidInput("表单不是有效的 UTF-8 文本", code="invalid_encoding") from None
    except ValueError:
        raise InvalidInput(f"表单字段过多（最多 {MAX_FORM_FIELDS} 个）", code="too_many_fields") from None
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(clean(key), []).append(clean(value))
    return fields
