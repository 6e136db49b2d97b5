"""FastAPI dependencies written once: the runtime, a database session, and who is calling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aftersales.db import unit_of_work
from aftersales.problems import Forbidden, Unauthorized
from aftersales.runtime import Runtime
from aftersales.security.principals import Principal, Role
from aftersales.security.tokens import authenticate, hash_token

#: the largest id a database integer column holds everywhere (PostgreSQL int4): a larger path id can name no row,
#: and passing it on would overflow the driver instead of answering 404
MAX_ROW_ID = 2_147_483_647
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="记录编号 / row id")]


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def clock_now(request: Request) -> datetime:
    """The runtime's clock (frozen in tests), for routes that only need the time."""
    return get_runtime(request).clock.now()


def get_db(runtime: RuntimeDep) -> Iterator[Session]:
    session = runtime.session()
    try:
        yield session
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db)]


def get_transaction(runtime: RuntimeDep) -> Iterator[Session]:
    """One unit of work per write request: committed when the route returns, rolled back when it raises."""
    with unit_of_work(runtime.session_factory) as session:
        yield session


#: scope="function" closes the unit of work before the response is sent, so a failed commit is the caller's
#: error answer, never a 2xx for writes that did not land
Transaction = Annotated[Session, Depends(get_transaction, scope="function")]


#: declared so the OpenAPI document (and /docs "Authorize") knows every route takes a bearer token
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", description="API 令牌 / API token (as_…)")


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials.strip():
        raise Unauthorized("缺少令牌：请提供 Authorization: Bearer <token> / missing bearer token",
                           field="Authorization")
    return credentials.credentials.strip()


def _load_principal(runtime: Runtime, token: str) -> Principal:
    with runtime.engine.connect() as connection:
        return authenticate(connection, token)


async def get_principal(runtime: RuntimeDep,
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Principal:
    """Async so intake never waits for a thread when the principal is cached."""
    token = bearer_token(credentials)
    cache = runtime.principals
    hashed = hash_token(token)
    principal = cache.get(hashed)
    if principal is None:
        if runtime.settings.is_sqlite:
            # an indexed point read on a local file: cheaper in place than a hop through the threadpool
            principal = _load_principal(runtime, token)
        else:
            principal = await run_in_threadpool(_load_principal, runtime, token)
        cache.put(hashed, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise Forbidden(f"角色 {principal.role.value} 无权访问 / role {principal.role.value} may not do this",
                        role=principal.role.value)
