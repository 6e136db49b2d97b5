"""Security headers on every answer: no MIME sniffing, no caching of anything but static assets (cases, orders
and buyers carry personal data), and on HTML pages a Content-Security-Policy that allows only this origin's
scripts and forbids framing.

The console's scripts are all files under /static (htmx, its SSE extension, ECharts, console.js): no inline
script and no eval (htmx's `hx-on` is not used, console.js handles those events). Inline `style=""`
attributes remain in the templates, hence 'unsafe-inline' for styles only: a style cannot run code.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: what a browser may load on our pages: everything from this origin, data: images (ECharts' export), no
#: plugins, no <base> rewrites, forms only to us, and no page of ours inside another site's frame
CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: static assets are public and versioned by the console (asset URLs carry a hash): they may be cached
CACHEABLE_PREFIXES = ("/static/", "/docs-assets/")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def content_security_policy(**overrides: str) -> str:
    return "; ".join(f"{name} {value}" for name, value in {**CSP_DIRECTIVES, **overrides}.items())


CSP = content_security_policy()


def policy_allowing_inline_scripts(html: str) -> str:
    """The page policy plus the hashes of this page's own inline scripts (the Swagger UI page has one)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html))
    return content_security_policy(**{"script-src": f"'self' {hashes}".strip()})


class SecurityHeaders:
    """Adds the headers a route did not set itself (a route's own Cache-Control or CSP wins)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope.get("path", "").startswith(CACHEABLE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not cacheable:
                    headers.setdefault("Cache-Control", "no-store")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CSP)
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, with_headers)
