"""Input no route should ever see (see `body_checks`): a NUL character, which PostgreSQL refuses in text (a 500
deep in a query), anywhere in the path, query, headers or body; a key repeated in a JSON object. Answered 422
problem+json naming the field, before the route does anything with the request.

A JSON or URL-encoded body is read whole here (the route would read it whole anyway) and handed on unchanged; a
multipart one streams past a scanner, so an upload is never held in memory."""

from __future__ import annotations

from python_multipart.multipart import parse_options_header
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftersales.problems import InvalidInput
from aftersales.web.body_checks import NUL, NUL_REASON, MultipartScan, Problem, json_problem, pairs_problem
from aftersales.web.errors import INVALID_TITLE, RefusedInput, problem


async def refuse_nul_in_path(request: Request) -> None:
    """An app-wide dependency: only after routing are the path parameters known by name. (A path no route
    claims reaches no database; the static mounts answer it 404.)"""
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise InvalidInput(f"{name}: {NUL_REASON}", field=name, errors=[{"field": name, "reason": NUL_REASON}])


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers") or ():
        if name == wanted:
            return str(value.decode("latin-1"))
    return ""


def _header_problem(scope: Scope) -> Problem | None:
    # an HTTP server refuses NUL in a header; this covers whatever hands the app a scope without one in front
    for name, value in scope.get("headers") or ():
        if b"\x00" in value:
            return name.decode("latin-1"), NUL_REASON
    return None


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class InputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = pairs_problem(scope.get("query_string", b""), "query") or _header_problem(scope)
        if found is not None:
            await _refuse(scope, receive, send, found)
            return
        content_type = _header(scope, b"content-type")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if _is_json(media_type) or media_type == "application/x-www-form-urlencoded":
            body, replay = await _buffered(receive)
            found = (json_problem(body) if _is_json(media_type) else pairs_problem(body, "body")) if body else None
            if found is not None:
                await _refuse(scope, receive, send, found)
                return
            await self.app(scope, replay, send)
        elif media_type.startswith("multipart/") and "boundary=" in content_type:
            await self._scanned(scope, receive, send, content_type)
        else:
            await self.app(scope, receive, send)

    async def _scanned(self, scope: Scope, receive: Receive, send: Send, content_type: str) -> None:
        scan = MultipartScan(parse_options_header(content_type)[1].get(b"boundary", b""))

        async def scanning() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                found = scan.feed(message.get("body", b""))
                if found is not None:
                    # raised inside the route's form reading: it has not acted on any of the form yet
                    raise RefusedInput(*found)
            return message

        await self.app(scope, scanning, send)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a receive that hands it on as one message; whatever follows comes from the client."""
    chunks: list[bytes] = []
    last: Message = {"type": "http.request", "body": b"", "more_body": False}
    while True:
        message = await receive()
        if message["type"] != "http.request":
            last = message
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    pending = [{"type": "http.request", "body": body, "more_body": False} if last["type"] == "http.request"
               else last]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return body, replay


async def _refuse(scope: Scope, receive: Receive, send: Send, found: Problem) -> None:
    field, reason = found
    response = problem(422, INVALID_TITLE, f"{field}: {reason}", "invalid-input", scope.get("path", ""),
                       field=field, errors=[{"field": field, "reason": reason}])
    await response(scope, receive, send)
