"""What a token may do, beside what its role may do: read, write, admin. Pure; no database.

A role says *whose* data a caller sees; a scope narrows *how* a token may use it, so a dashboard or an export
job can hold a token that cannot change a case even though its role could.

- ``read``: GET and HEAD (and CORS preflights).
- ``write``: every other method — opening, answering, deciding, importing.
- ``admin``: token administration under ``/api/v1/admin/``; only a platform_admin token may carry it.
"""

from __future__ import annotations

from collections.abc import Iterable

from aftersales.problems import Forbidden, InvalidInput
from aftersales.security.principals import Principal, Role

READ, WRITE, ADMIN = "read", "write", "admin"
SCOPES = (READ, WRITE, ADMIN)
ALL_SCOPES = frozenset(SCOPES)
ADMIN_PREFIX = "/api/v1/admin/"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def default_scopes(role: Role) -> frozenset[str]:
    """A token created without --scope may do everything its role may."""
    return ALL_SCOPES if role is Role.platform_admin else frozenset({READ, WRITE})


def parse_scopes(raw: str | Iterable[str] | None, role: Role) -> frozenset[str]:
    """Scopes from `read,write` / `read write` / a list; None or empty means the role's default."""
    words = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw or ())
    if not words:
        return default_scopes(role)
    chosen = frozenset(word.strip().lower() for word in words)
    unknown = sorted(chosen - ALL_SCOPES)
    if unknown:
        raise InvalidInput(f"未知权限范围 / unknown scope {', '.join(unknown)}; choose from {', '.join(SCOPES)}",
                           field="scope")
    if ADMIN in chosen and role is not Role.platform_admin:
        raise InvalidInput("只有 platform_admin 令牌可带 admin 范围 / only a platform_admin token may carry the "
                           "admin scope", field="scope")
    return chosen


def stored(scopes: frozenset[str]) -> str:
    return " ".join(scope for scope in SCOPES if scope in scopes)


def loaded(column: str | None) -> frozenset[str]:
    return frozenset((column or "").split()) & ALL_SCOPES


def required_scope(method: str, path: str) -> str:
    if path.startswith(ADMIN_PREFIX):
        return ADMIN
    return READ if method.upper() in _SAFE_METHODS else WRITE


class InsufficientScope(Forbidden):
    code = "insufficient-scope"
    title = "令牌权限范围不足 / Insufficient scope"


def require(principal: Principal, needed: str) -> None:
    """A token without the scope is refused; a console session (scopes None) is bounded by its role alone."""
    if principal.scopes is not None and needed not in principal.scopes:
        raise InsufficientScope(f"此令牌没有 {needed} 权限范围 / this token lacks the {needed} scope",
                                scope=needed, field="Authorization")
