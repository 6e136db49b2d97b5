"""Mount the console on the API's FastAPI app: static files, pages, live streams, and how its errors look."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from aftersales.console import assets
from aftersales.console.access import CsrfRejected, PageRefused, SignInRequired
from aftersales.console.i18n import Translator, language_of
from aftersales.console.routes import ROUTERS
from aftersales.console.state import ConsoleState
from aftersales.console.templating import render
from aftersales.console.timing import ServerTiming
from aftersales.problems import DomainError, InvalidInput, NotFound, validation_fields
from aftersales.runtime import Runtime
from aftersales.web.deps import API_PREFIX

#: paths that are not console pages: their errors stay problem+json
NOT_CONSOLE = (API_PREFIX, "/docs", "/openapi.json", "/healthz", "/static/")


def is_console_request(request: Request) -> bool:
    return not request.url.path.startswith(NOT_CONSOLE)


def _translator(request: Request) -> Translator:
    return Translator(language_of(request, request.app.state.runtime.settings.language))


def error_page(request: Request, error: DomainError) -> Response:
    """A domain error on a console page: the same words as the API's problem+json, as a page or a fragment."""
    t = _translator(request)
    zh, _, en = error.detail.partition(" / ")
    detail = (en or zh) if t.english else zh
    title = t.pick(*error.title.split(" / ", 1)) if " / " in error.title else error.title
    if request.headers.get("hx-request"):
        return render(request, "partials/flash.html", None, status=error.status, level="error", message=detail)
    return render(request, "error.html", None, status=error.status, title=title, detail=detail)


async def _delegate(handler: Callable[[Request, Any], Response | Awaitable[Response]], request: Request,
                    error: Exception) -> Response:
    answer = handler(request, error)
    return await answer if inspect.isawaitable(answer) else answer


def _install_handlers(app: FastAPI) -> None:
    # the API's handlers (web.errors) stay in charge of /api/ and the docs; console pages get pages
    api_domain = app.exception_handlers[DomainError]
    api_invalid = app.exception_handlers[RequestValidationError]
    api_http = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        if is_console_request(request):
            return error_page(request, error)
        return await _delegate(api_domain, request, error)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if is_console_request(request):
            fields = validation_fields(error.errors())
            first = fields[0] if fields else {"field": "body", "reason": "invalid"}
            return error_page(request, InvalidInput(f"{first['field']}: {first['reason']}", field=first["field"]))
        return await _delegate(api_invalid, request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_console_request(request) and error.status_code in (404, 405):
            return error_page(request, NotFound("页面不存在 / no such page"))
        return await _delegate(api_http, request, error)

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, error: SignInRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": error.next_path})
        return RedirectResponse(error.next_path, status_code=303)

    @app.exception_handler(PageRefused)
    async def refused(request: Request, error: PageRefused) -> Response:
        t = _translator(request)
        return render(request, "error.html", error.identity, status=403, title=t("error.forbidden_title"),
                      detail=t("error.forbidden", role=t("role." + error.identity.role.value)))

    @app.exception_handler(CsrfRejected)
    async def csrf(request: Request, error: CsrfRejected) -> Response:
        t = _translator(request)
        return render(request, "error.html", None, status=403, title=t("error.csrf_title"), detail=t("error.csrf"))


def mount_console(app: FastAPI, runtime: Runtime) -> ConsoleState:
    assets.report_missing()
    app.mount("/static", StaticFiles(directory=assets.STATIC), name="console-static")
    _install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(ServerTiming)
    state = ConsoleState.build(runtime)
    app.state.console = state
    return state
