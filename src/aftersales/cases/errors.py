"""Errors of the cases domain, rendered as problem+json by app.py."""

from __future__ import annotations

from aftersales.problems import Conflict, NotFound


class CaseNotFound(NotFound):
    code = "case-not-found"


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = "当前状态不允许该操作 / Action not allowed in the current state"


class VersionConflict(Conflict):
    code = "version-conflict"
    title = "工单已被他人修改 / The case was changed by someone else"


class IdempotencyMismatch(Conflict):
    code = "idempotency-key-reused"
    title = "幂等键已用于另一请求 / Idempotency-Key reused for a different request"
