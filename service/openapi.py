"""The OpenAPI document says exactly what the service sends, errors included.

FastAPI declares its own ``HTTPValidationError`` for 422; the service renders every error through one
handler (:mod:`service.error_handlers`) as ``{"error", "detail", "field"}``, with ``code`` and a list
``errors`` on validation errors. This module puts those shapes in the document and lists, on every API
operation, the error statuses any request may meet.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field


class ErrorItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    field: str | None = Field(description="出错字段（点分路径，如 items.0.title）")
    code: str = Field(description="稳定的英文错误代码")
    message: str = Field(description="中文说明")


class ErrorOut(BaseModel):
    """错误响应：所有 4xx/5xx 都是这个形状。"""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="稳定的英文错误代码，如 not_found、conflict、validation_error、rate_limited")
    detail: str = Field(description="中文说明")
    field: str | None = Field(description="出错字段；与字段无关时为 null")
    code: str | None = Field(default=None, description="更细的错误代码（如 duplicate_job）")
    errors: list[ErrorItem] | None = Field(default=None, description="全部问题（校验错误、批量导入）")


class ValidationErrorOut(ErrorOut):
    """422：请求不符合要求。``field`` 和 ``code`` 指第一个问题，``errors`` 列出全部。"""

    code: str
    errors: list[ErrorItem]


ERROR_STATUSES = {
    "400": "请求无效",
    "401": "缺少或无效的 API 密钥",
    "403": "无权执行此操作",
    "404": "记录不存在或不在您的管辖范围内",
    "409": "与已有数据冲突",
    "413": "请求体过大",
    "414": "查询字符串过长",
    "429": "请求过于频繁，请按 Retry-After 稍后重试",
}


def _ref(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        for model in (ErrorItem, ErrorOut, ValidationErrorOut):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        for path, operations in doc.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses or operation.get("parameters") or operation.get("requestBody"):
                    responses["422"] = {"description": "请求不符合要求（字段、类型、取值范围）",
                                        **_ref("ValidationErrorOut")}
                if path.startswith("/api/"):
                    for status, description in ERROR_STATUSES.items():
                        responses.setdefault(status, {"description": description, **_ref("ErrorOut")})
                    responses["429"]["headers"] = {"Retry-After": {
                        "description": "几秒后可以重试", "schema": {"type": "integer", "minimum": 1}}}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
