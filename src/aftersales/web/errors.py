"""Every error as RFC 9457 problem+json, rendered once; an unexpected one never drops the connection."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftersales.db_faults import as_problem, summary
from aftersales.problems import DomainError, validation_fields

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
INTERNAL_TITLE = "服务器内部错误 / Internal error"
INVALID_TITLE = "输入无效 / Invalid input"
INTERNAL_DETAIL = "请求未完成，可安全重试（带同一 Idempotency-Key） / not completed; safe to retry"


def problem(status: int, title: str, detail: str, code: str, instance: str, **extra: Any) -> JSONResponse:
    body = {"type": f"https://aftersales.invalid/problems/{code}", "title": title, "status": status,
            "detail": detail, "instance": instance, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


#: what every error answer looks like; the OpenAPI document names it for every operation (`document_problems`)
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status", "detail", "instance"],
    "description": "错误（RFC 9457 problem+json），field 指出要改的字段 / an error as RFC 9457 problem details; "
                   "`field` names the input to correct",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"}, "field": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "required": ["field", "reason"], "properties": {
            "field": {"type": "string"}, "reason": {"type": "string"}}}},
    },
    "additionalProperties": True,
}
_PROBLEM_CONTENT = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents a 422 with its own `detail` list; this app answers every error, 422 included, as
    problem+json. Says so for every operation, so the document is the contract a client can check against."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {"description": "输入无效 / invalid input", "content": _PROBLEM_CONTENT}
            responses["default"] = {"description": "错误 / error", "content": _PROBLEM_CONTENT}
    return document


def install_problem_docs(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class RefusedInput(StarletteHTTPException):
    """Bad input found while the body is still being read, before the route has acted on it. An HTTP exception
    because only that passes FastAPI's body parsing unchanged (any other becomes a bare 400)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(422, f"{field}: {reason}")
        self.field = field
        self.reason = reason


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        response = problem(error.status, error.title, error.detail, error.code, request.url.path,
                           **{k: v for k, v in error.extra.items() if v is not None})
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        scope = error.extra.get("scope")
        if error.status == 403 and scope:  # RFC 6750 §3.1: which scope the token would need
            response.headers["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{scope}"'
        if error.extra.get("retry_after") is not None:
            response.headers["Retry-After"] = str(error.extra["retry_after"])
        return response

    async def database_fault(request: Request, error: Exception) -> Response:
        """The database away (503 + Retry-After) or its disk full (507); any other database error is a bug."""
        answer = as_problem(error)
        if answer is None:
            log.error("database error on %s", request.url.path, exc_info=error)
            return problem(500, INTERNAL_TITLE, INTERNAL_DETAIL, "internal-error", request.url.path)
        log.warning("database fault on %s: %s", request.url.path, summary(error))
        # looked up per call: the console replaces the DomainError handler with one that renders pages
        render = request.app.exception_handlers[DomainError]
        response: Response = await render(request, answer)
        retry_after = answer.extra.get("retry_after")
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    for fault in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(fault, database_fault)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = validation_fields(error.errors())
        first = errors[0] if errors else {"field": "body", "reason": "invalid"}
        return problem(422, INVALID_TITLE, f"{first['field']}: {first['reason']}", "invalid-input",
                       request.url.path, field=first["field"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if isinstance(error, RefusedInput):
            return problem(422, INVALID_TITLE, str(error.detail), "invalid-input", request.url.path,
                           field=error.field, errors=[{"field": error.field, "reason": error.reason}])
        return problem(error.status_code, str(error.detail), str(error.detail), "http-error", request.url.path)


class UnexpectedErrors:
    """Turns an unexpected exception into a 500 problem+json and stops it there.

    Starlette's own handler for `Exception` answers and then re-raises, and uvicorn closes a kept-alive connection
    whenever an exception leaves the application; stopping it here keeps the client's connection usable.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:  # the one place an unexpected error is caught: logged in full, answered in brief
            log.exception("unhandled error on %s", scope.get("path"))
            if not started:
                response = problem(500, INTERNAL_TITLE, INTERNAL_DETAIL, "internal-error", scope.get("path", ""))
                await response(scope, receive, send)
