"""Request-size limits: a JSON body over 1 MB is refused with 413 before the application reads it; uploads
(multipart) have a larger ceiling here and their own per-file limits in the evidence routes."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftersales.web.errors import problem

#: JSON bodies: an order or a case is a few KB; a bulk import of 5,000 orders stays under this
MAX_JSON_BYTES = 1024 * 1024
#: multipart uploads: nine files of 10 MB and their part headers
MAX_UPLOAD_BYTES = 9 * 10 * 1024 * 1024 + 256 * 1024
_BULK_PATHS = ("/api/v1/orders/bulk",)
MAX_BULK_BYTES = 8 * 1024 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def limit_for(scope: Scope) -> int:
    headers = dict(scope.get("headers") or ())
    content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
    if content_type.startswith("multipart/"):
        return MAX_UPLOAD_BYTES
    if scope.get("path") in _BULK_PATHS:
        return MAX_BULK_BYTES
    return MAX_JSON_BYTES


class BodyLimit:
    """Refuses a declared Content-Length over the limit at once, and stops a chunked body when it passes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, limit)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracking)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, receive, send, limit)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = problem(413, "请求体过大 / Request body too large",
                       f"请求体不能超过 {limit // 1024} KB / the body may not exceed {limit // 1024} KB",
                       "payload-too-large", scope.get("path", ""), field="body", limit_bytes=limit)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
