"""Sign-in, sign-out, the language switch and `/`: each role lands on its own home."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aftersales.console import i18n
from aftersales.console.access import HOME, Csrf, landing, safe_next
from aftersales.console.templating import render
from aftersales.problems import InvalidInput, Unauthorized
from aftersales.runtime import Runtime
from aftersales.security import accounts, sessions
from aftersales.security.accounts import TooManyAttempts
from aftersales.security.principals import Role
from aftersales.web.deps import RuntimeDep, console_identity

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "as_login_csrf"


def _set_cookie(response: Response, runtime: Runtime, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=runtime.settings.secure_cookies, path="/")


@router.get("/")
async def home(request: Request, runtime: RuntimeDep) -> Response:
    identity = await console_identity(request, runtime)
    return RedirectResponse(HOME[identity.role] if identity else "/login", status_code=303)


def _login_page(request: Request, runtime: Runtime, *, status: int = 200, error: str | None = None,
                username: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, status=status, csrf_token=token, error=error,
                      username=username, next=safe_next(request.query_params.get("next")) or "")
    _set_cookie(response, runtime, LOGIN_CSRF_COOKIE, runtime.cookie_signer.sign(token), 3600)
    return response


@router.get("/login")
async def login_form(request: Request, runtime: RuntimeDep) -> Response:
    identity = await console_identity(request, runtime)
    if identity is not None:
        return RedirectResponse(HOME[identity.role], status_code=303)
    return _login_page(request, runtime)


def _login_csrf_ok(request: Request, runtime: Runtime, offered: str) -> bool:
    signed = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    expected = runtime.cookie_signer.unsign(signed) if signed else None
    return expected is not None and hmac.compare_digest(expected, offered)


@router.post("/login")
async def login(request: Request, runtime: RuntimeDep, username: Annotated[str, Form(max_length=200)] = "",
                password: Annotated[str, Form(max_length=1000)] = "",
                csrf_token: Annotated[str, Form(max_length=200)] = "",
                next: Annotated[str, Form(max_length=2000)] = "") -> Response:
    t = i18n.Translator(i18n.language_of(request, runtime.settings.language))
    if not _login_csrf_ok(request, runtime, csrf_token):
        return _login_page(request, runtime, status=403, error=t("login.expired"), username=username)
    if not username.strip() or not password:
        return _login_page(request, runtime, status=422, error=t("login.missing"), username=username)
    address = request.client.host if request.client else "unknown"
    now = runtime.clock.now()
    try:
        account = await run_in_threadpool(accounts.sign_in, runtime.session_factory, username, password, address,
                                          now)
    except TooManyAttempts as error:
        wait = int(error.extra.get("retry_after", 60))
        response = _login_page(request, runtime, status=429, error=t("login.throttled", seconds=wait),
                               username=username)
        response.headers["Retry-After"] = str(wait)
        return response
    except (Unauthorized, InvalidInput):
        return _login_page(request, runtime, status=401, error=t("login.wrong"), username=username)
    with runtime.session() as session:
        secret = sessions.open_session(session, account, now, runtime.settings.session_hours)
        session.commit()
    response = RedirectResponse(landing(Role(account.role), next), status_code=303)
    _set_cookie(response, runtime, sessions.COOKIE, runtime.cookie_signer.sign(secret),
                int(runtime.settings.session_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, runtime: RuntimeDep, identity: Csrf) -> Response:
    raw = request.cookies.get(sessions.COOKIE, "")
    secret = runtime.cookie_signer.unsign(raw) if raw else None
    if secret is not None:
        with runtime.session() as session:
            sessions.revoke(session, secret, runtime.clock.now())
            session.commit()
        runtime.console_sessions.forget(secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get("/lang")
async def switch_language(request: Request, to: str = "zh-CN", next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    if to in i18n.LANGUAGES:
        response.set_cookie(i18n.LANG_COOKIE, to, max_age=365 * 86400, samesite="lax", path="/")
    return response
