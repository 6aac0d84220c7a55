"""One renderer for every error: ``{"error", "detail", "field"}`` with a Chinese message."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import AppError, TooManyRequests

log = logging.getLogger("rengang")

MESSAGES = {
    "missing": "必填字段缺失",
    "extra_forbidden": "不认识的字段",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "必须大于 {gt}",
    "less_than": "必须小于 {lt}",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "日期无效（YYYY-MM-DD）",
    "date_from_datetime_parsing": "日期无效（YYYY-MM-DD）",
    "datetime_type": "应为时间（ISO 8601）",
    "datetime_parsing": "时间无效（ISO 8601）",
    "datetime_from_date_parsing": "时间无效（ISO 8601）",
    "list_type": "应为列表",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "json_invalid": "请求体不是有效的 JSON",
}


def _field(error: dict) -> str | None:
    parts = [str(p) for p in error["loc"] if p not in ("body", "query", "path", "header")]
    named = (error.get("ctx") or {}).get("field")
    if named:
        parts.append(named)
    return ".".join(parts) or None


def _message(error: dict) -> str:
    template = MESSAGES.get(error["type"])
    if template is None:
        return error["msg"].removeprefix("Value error, ")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template


def _item(error: dict) -> dict:
    if error.get("input", ...) is None and error["type"] != "missing":  # an explicit null where none is allowed
        return {"field": _field(error), "code": "null_not_allowed", "message": "不能为 null（不修改请省略该字段）"}
    return {"field": _field(error), "code": error["type"], "message": _message(error)}


def validation_body(errors: list[dict]) -> dict:
    items = [_item(e) for e in errors]
    first = items[0]
    label = f"{first['field']}：" if first["field"] else ""
    return {"error": "validation_error", "detail": f"{label}{first['message']}", "field": first["field"],
            "code": first["code"], "errors": items}


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(TooManyRequests)
    async def _too_many(_request: Request, exc: TooManyRequests) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(list(exc.errors())), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(exc.status_code, "http_error")
        detail = {404: "接口不存在", 405: "不支持的请求方法"}.get(exc.status_code, str(exc.detail))
        return JSONResponse({"error": code, "detail": detail, "field": None}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
        return JSONResponse({"error": "internal_error", "detail": "服务器内部错误", "field": None}, status_code=500)
