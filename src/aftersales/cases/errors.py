"""Errors of the cases domain, rendered as problem+json by app.py."""

from __future__ import annotations

from aftersales.problems import Conflict, InvalidInput, NotFound


class CaseNotFound(NotFound):
    code = "case-not-found"


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = "当前状态不允许该操作 / Action not allowed in the current state"


class VersionConflict(Conflict):
    code = "version-conflict"
    title = "工单已被他人修改 / The case was changed by someone else"


class IdempotencyMismatch(InvalidInput):
    """The key was used for another request body: a client bug, answered 422 as payment APIs do."""

    code = "idempotency-key-reused"
    title = "幂等键已用于另一请求 / Idempotency-Key reused for a different request"


class DuplicateCase(Conflict):
    """An open case of the same type already names this order line: the buyer is pointed at it."""

    code = "duplicate-case"
    title = "该商品已有处理中的同类售后 / An open case of this type already covers the item"
