"""The schema's account of errors: every operation lists the errors it may answer, each in the
one shape `tasks.api.errors` gives them (``Error``), so that a client reads them from the
contract and a check against the schema (schemathesis, in CI) holds every answer to it."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {
            "type": "string",
            "description": (
                "稳定的错误代码 (a stable code): invalid, bad_request, not_authenticated, "
                "authentication_failed, permission_denied, refused, not_found, "
                "method_not_allowed, not_acceptable, unsupported_media_type, conflict, "
                "too_large, throttled …"
            ),
        },
        "message": {"type": "string", "description": "错误说明，中文优先 (what is wrong)."},
        "errors": {
            "type": "object",
            "description": "输入有误时，按字段列出问题 (for invalid input: field → problems).",
            "additionalProperties": {},
        },
    },
}
ERRORS = {
    "400": "输入有误 (invalid input)",
    "401": "未提供或无效的密钥 (no valid key or session)",
    "403": "无权执行 (not allowed)",
    "404": "不存在或不可见 (not found, or not yours to see)",
    "405": "不支持的方法 (method not allowed)",
    "406": "不支持的响应格式 (not acceptable)",
    "409": "冲突：已被他人修改或已存在 (conflict)",
    "413": "请求过大 (too large)",
    "415": "不支持的请求格式 (unsupported media type)",
    "429": "调用过于频繁 (rate limit reached)",
}
ONLY_WRITES = {"409", "413", "415"}


def document_errors(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular's postprocessing hook: the Error schema, and the errors of every
    operation (those of writes on the writes only)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERRORS.items():
                if status in ONLY_WRITES and method in {"get", "head", "options"}:
                    continue
                operation["responses"].setdefault(
                    status, {"description": description, "content": reference}
                )
    return result
