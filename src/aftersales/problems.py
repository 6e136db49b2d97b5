"""Domain errors: each domain subclasses DomainError; app.py renders them once as RFC 9457 problem+json."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    """An expected failure a caller can act on; carries its HTTP status and a machine-readable code."""

    status: int = 400
    code: str = "bad-request"
    title: str = "请求有误 / Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title = "未找到 / Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "状态冲突 / Conflict"


class InvalidInput(DomainError):
    """Bad input naming the field: `InvalidInput("...", field="order_id")`."""

    status = 422
    code = "invalid-input"
    title = "输入无效 / Invalid input"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "无权操作 / Forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "未认证 / Unauthorized"


_NAMED_REASON = re.compile(r"^Value error, (?P<field>[A-Za-z_][A-Za-z0-9_.]*): (?P<reason>.+)$", re.S)


def validation_fields(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic errors as (field, reason): a model-level check that starts its message with `field: ` names
    that field, so a cross-field rule points at the field to correct, not at the whole body."""
    found = []
    for error in errors:
        path = [str(p) for p in error.get("loc", ()) if p != "body"]
        reason = str(error.get("msg", "invalid"))
        named = _NAMED_REASON.match(reason)
        if named:
            path.append(named["field"])
            reason = named["reason"]
        found.append({"field": ".".join(path) or "body", "reason": reason})
    return found


class Unavailable(DomainError):
    """Something the request needs (the database) is away for now; `retry_after` says when to try again."""

    status = 503
    code = "unavailable"
    title = "服务暂不可用 / Service unavailable"


class InsufficientStorage(DomainError):
    """The database's disk is full: nothing was written, and retrying helps only once space is freed."""

    status = 507
    code = "insufficient-storage"
    title = "存储空间不足 / Insufficient storage"
