"""Errors that carry their HTTP status and a stable code; one handler renders them.

Body: ``{"error": code, "detail": Chinese message, "field": dotted field or null}``.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code is not None:
            self.code = code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail, "field": self.field, **self.extra}


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class InvalidInput(AppError):
    """A value that passed the schema but fails a rule that needs the database or other fields.

    Rendered like a schema validation error, so every 422 has one shape.
    """

    status_code = 422
    code = "invalid"

    def body(self) -> dict[str, Any]:
        item = {"field": self.field, "code": self.code, "message": self.detail}
        label = f"{self.field}：" if self.field else ""
        return {"error": "validation_error", "detail": f"{label}{self.detail}", "field": self.field,
                "code": self.code, "errors": [item], **self.extra}


class Unavailable(AppError):
    status_code = 503
    code = "unavailable"


class TooManyRequests(AppError):
    """Too many requests, or too many failed sign-ins: the caller waits ``retry_after`` seconds (Retry-After)."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str | None = None, *, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail or f"请求过于频繁，请在 {self.retry_after} 秒后重试")
