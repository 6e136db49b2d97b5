"""Input no route should ever see: NUL characters, which PostgreSQL refuses in text (a 500 deep in a query), and
duplicate keys in a JSON object, which the parser would silently resolve to the last one (two readers of one
body could then disagree on what it says). Both are answered 422 problem+json naming the field, before the
route runs.

The JSON check parses the body once more with a hook that sees each object's key list; walking the parsed tree
to name the field happens only when something was found."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftersales.problems import InvalidInput
from aftersales.web.errors import problem

NUL = "\x00"
NUL_REASON = "不能包含空字符 U+0000 / must not contain the NUL character (U+0000)"
DUPLICATE_REASON = "JSON 对象中的键重复 / duplicate key in a JSON object"
#: a JSON text can carry NUL only as this escape (a raw NUL byte is not valid JSON); `\\u0000` also matches,
#: which is why a hit is confirmed on the parsed value
_NUL_ESCAPE = b"\\u0000"


class _Repeated(Exception):
    """Raised from inside the parser at the first object that repeats a key."""


class _Duplicated(dict[str, Any]):
    """An object whose key list repeated `key`; the walk that names the field looks for it."""

    key: str


def _field(path: list[str | int]) -> str:
    return ".".join(str(p) for p in path) or "body"


def _duplicate(value: Any, path: list[str | int]) -> str | None:
    if isinstance(value, _Duplicated):
        return _field([*path, value.key])
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for name, child in children:
        found = _duplicate(child, [*path, name])
        if found is not None:
            return found
    return None


def _nul(value: Any, path: list[str | int]) -> str | None:
    if isinstance(value, str):
        return _field(path) if NUL in value else None
    if isinstance(value, dict):
        for name, child in value.items():
            if NUL in name:
                return _field([*path, name.replace(NUL, "\\u0000")])
            found = _nul(child, [*path, name])
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _nul(child, [*path, index])
            if found is not None:
                return found
    return None


def _refuse_repeats(items: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(items)
    if len(built) != len(items):
        raise _Repeated
    return built


def _mark_repeats(items: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(items)
    if len(built) == len(items):
        return built
    marked = _Duplicated(built)
    seen: set[str] = set()
    for name, _ in items:
        if name in seen:
            marked.key = name
            break
        seen.add(name)
    return marked


#: built once: `json.loads` with a hook builds a new decoder, and its scanner, on every call
_STRICT = json.JSONDecoder(object_pairs_hook=_refuse_repeats)
_MARKING = json.JSONDecoder(object_pairs_hook=_mark_repeats)


def json_problem(body: bytes) -> tuple[str, str] | None:
    """(field, reason) for a JSON body that holds a NUL or a duplicate key; None for a clean or malformed one
    (malformed JSON is the route's parser's to answer, with its position)."""
    try:
        # decoded as `json.loads` decodes bytes, so both read the same text
        text = body.decode(json.detect_encoding(body), "surrogatepass")
        try:
            parsed = _STRICT.decode(text)
        except _Repeated:
            return _duplicate(_MARKING.decode(text), []) or "body", DUPLICATE_REASON
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    if _NUL_ESCAPE in body:
        field = _nul(parsed, [])
        if field is not None:
            return field, NUL_REASON
    return None


def _form_problem(body: bytes) -> tuple[str, str] | None:
    if b"%00" not in body:
        return None
    for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                 errors="replace"):
        if NUL in name or NUL in value:
            return name.replace(NUL, "\\u0000") or "body", NUL_REASON
    return None


async def refuse_nul_in_path(request: Request) -> None:
    """An app-wide dependency: only after routing are the path parameters known by name. (A path no route
    claims reaches no database; the static mounts answer it 404.)"""
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise InvalidInput(f"{name}: {NUL_REASON}", field=name, errors=[{"field": name, "reason": NUL_REASON}])


def _query_problem(scope: Scope) -> tuple[str, str] | None:
    query: bytes = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                 errors="replace"):
        if NUL in name or NUL in value:
            return name.replace(NUL, "\\u0000") or "query", NUL_REASON
    return None


def _header_problem(scope: Scope) -> tuple[str, str] | None:
    # an HTTP server refuses NUL in a header; this covers whatever hands the app a scope without one in front
    for name, value in scope.get("headers") or ():
        if b"\x00" in value:
            return name.decode("latin-1"), NUL_REASON
    return None


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower()
    return ""


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (content_type.startswith("application/")
                                                   and content_type.endswith("+json"))


class InputGuard:
    """Checks the query and headers of every request, and the body of a JSON or form one (path parameters: see
    `refuse_nul_in_path`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = _query_problem(scope) or _header_problem(scope)
        if found is not None:
            await _refuse(scope, receive, send, *found)
            return
        content_type = _content_type(scope)
        if _is_json(content_type):
            check = json_problem
        elif content_type == "application/x-www-form-urlencoded":
            check = _form_problem
        else:
            await self.app(scope, receive, send)
            return
        body, replay = await _buffered(receive)
        found = check(body) if body else None
        if found is not None:
            await _refuse(scope, receive, send, *found)
            return
        await self.app(scope, replay, send)


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


async def _refuse(scope: Scope, receive: Receive, send: Send, field: str, reason: str) -> None:
    response = problem(422, "输入无效 / Invalid input", f"{field}: {reason}", "invalid-input", scope.get("path", ""),
                       field=field, errors=[{"field": field, "reason": reason}])
    await response(scope, receive, send)
