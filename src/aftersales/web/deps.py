"""FastAPI dependencies written once: the runtime, a database session, and who is calling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aftersales.db import unit_of_work
from aftersales.problems import Forbidden, Unauthorized
from aftersales.runtime import Runtime
from aftersales.security import scopes, token_usage
from aftersales.security.principals import Principal, Role
from aftersales.security.sessions import COOKIE, ConsoleIdentity, load_identity
from aftersales.security.tokens import authenticate, hash_token, is_expired
from aftersales.web.rate_limits import RateLimited, RateLimits, client_address, too_many

#: the JSON API authenticates by bearer token only: a cookie there would let another site's form post as the user
API_PREFIX = "/api/"
#: the largest id a database integer column holds everywhere (PostgreSQL int4): a larger path id can name no row,
#: and passing it on would overflow the driver instead of answering 404
MAX_ROW_ID = 2_147_483_647
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="记录编号 / row id")]


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    """Async on purpose: FastAPI runs a plain `def` dependency in the threadpool, a thread hop per request."""
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def clock_now(request: Request) -> datetime:
    """The runtime's clock (frozen in tests), for routes that only need the time."""
    return runtime_of(request).clock.now()


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


def _load_principal(runtime: Runtime, token: str, now: datetime) -> Principal:
    with runtime.engine.connect() as connection:
        return authenticate(connection, token, now)


def _load_identity(runtime: Runtime, secret: str) -> ConsoleIdentity | None:
    with runtime.engine.connect() as connection:
        return load_identity(connection, secret, runtime.clock.now())


async def console_identity(request: Request, runtime: Runtime) -> ConsoleIdentity | None:
    """The signed-in console user of a browser request (signed session cookie), or None."""
    if hasattr(request.state, "console_identity"):
        cached: ConsoleIdentity | None = request.state.console_identity
        return cached
    identity = None
    raw = request.cookies.get(COOKIE)
    secret = runtime.cookie_signer.unsign(raw) if raw else None
    if secret is not None:
        identity = runtime.console_sessions.get(secret, runtime.clock.now())
        if identity is None:
            identity = (_load_identity(runtime, secret) if runtime.settings.is_sqlite
                        else await run_in_threadpool(_load_identity, runtime, secret))
            if identity is not None:
                runtime.console_sessions.put(secret, identity)
    request.state.console_identity = identity
    return identity


def rate_limits_of(request: Request) -> RateLimits | None:
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    return limits


async def _token_principal(request: Request, runtime: Runtime, token: str, now: datetime) -> Principal:
    """The token's principal from the short cache, else from the database; refused tokens count against the
    caller's address, and an address with too many of them is answered 429 before any lookup."""
    cache = runtime.principals
    hashed = hash_token(token)
    principal = cache.get(hashed)
    if principal is not None and not is_expired(principal.expires_at, now):
        return principal
    limits = rate_limits_of(request)
    address = client_address(request.scope)
    if limits is not None and not cache.vouches_for(hashed):
        wait = await limits.lockout_wait(address)
        if wait:
            raise RateLimited(f"认证失败次数过多，请 {wait} 秒后再试 / too many refused tokens from this address; "
                              f"retry in {wait} s", retry_after=wait, limit="auth-failures")
    try:
        if runtime.settings.is_sqlite:
            # an indexed point read on a local file: cheaper in place than a hop through the threadpool
            principal = _load_principal(runtime, token, now)
        else:
            principal = await run_in_threadpool(_load_principal, runtime, token, now)
    except Unauthorized:
        cache.forget(hashed)
        if limits is not None:
            await limits.record_failure(address)
        raise
    cache.put(hashed, principal)
    return principal


async def get_principal(request: Request, runtime: RuntimeDep, background: BackgroundTasks,
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Principal:
    """Async so intake never waits for a thread when the principal is cached.

    Console routes (everything outside /api/) also accept the console's session cookie."""
    if credentials is None and not request.url.path.startswith(API_PREFIX):
        identity = await console_identity(request, runtime)
        if identity is not None:
            return identity.principal
    token = bearer_token(credentials)
    now = runtime.clock.now()
    principal = await _token_principal(request, runtime, token, now)
    scopes.require(principal, scopes.required_scope(request.method, request.url.path))
    if principal.token_id is not None:
        limits = rate_limits_of(request)
        wait = await limits.token_wait(principal.token_id) if limits is not None else 0
        if wait:
            raise too_many(wait, "per-token")
        if runtime.token_usage.note(principal.token_id, now):
            background.add_task(token_usage.flush, runtime.token_usage, runtime.engine, now)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(principal: Principal, *roles: Role) -> None:
    if principal.role not in roles:
        raise Forbidden(f"角色 {principal.role.value} 无权访问 / role {principal.role.value} may not do this",
                        role=principal.role.value)
