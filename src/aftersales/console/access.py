"""Who may open which console page, where each role lands after sign-in, and the page-level dependencies."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from aftersales.runtime import Runtime
from aftersales.security.principals import GOVERNANCE_ROLES, PARTY_ROLES, Role
from aftersales.security.sessions import ConsoleIdentity, csrf_matches
from aftersales.web.deps import RuntimeDep, console_identity

#: the emergency team (应急小组) works the same desk, on the cases it may see (L3 and group cases)
WORKBENCH = frozenset({Role.agent, Role.supervisor, Role.emergency})
CASE_PAGE = frozenset({Role.agent, Role.supervisor, Role.platform_admin, Role.emergency})
BUYER = frozenset({Role.buyer})
BOARD = frozenset({Role.supervisor, Role.platform_admin})
GOVERNANCE = GOVERNANCE_ROLES
#: partners: brand, anchor, MCN, and a carrier for the transit cases routed to it
PORTAL = PARTY_ROLES | {Role.carrier}

HOME = {Role.agent: "/agent/queue", Role.buyer: "/buyer", Role.supervisor: "/supervisor",
        Role.platform_admin: "/governance", Role.brand: "/portal", Role.anchor: "/portal", Role.mcn: "/portal",
        Role.emergency: "/agent/queue", Role.carrier: "/portal"}

#: the navigation of each role: (path, catalogue key), every entry a page the role may open
NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.agent: (("/agent/queue", "nav.queue"),),
    Role.supervisor: (("/supervisor", "nav.board"), ("/agent/queue", "nav.queue"),
                      ("/supervisor/sla", "nav.sla"), ("/supervisor/callbacks", "nav.callbacks"),
                      ("/governance", "nav.governance")),
    Role.platform_admin: (("/governance", "nav.governance"), ("/supervisor", "nav.board"),
                          ("/supervisor/sla", "nav.sla"), ("/supervisor/callbacks", "nav.callbacks")),
    Role.buyer: (("/buyer", "nav.my"),),
    Role.brand: (("/portal", "nav.portal"),),
    Role.anchor: (("/portal", "nav.portal"),),
    Role.mcn: (("/portal", "nav.portal"),),
    Role.emergency: (("/agent/queue", "nav.queue"),),
    Role.carrier: (("/portal", "nav.portal"),),
}


#: where a role's pages live: a `next` outside them after sign-in would only show a refusal
_AREAS: dict[Role, tuple[str, ...]] = {
    Role.agent: ("/agent/",), Role.supervisor: ("/supervisor", "/agent/", "/governance"),
    Role.platform_admin: ("/governance", "/supervisor", "/agent/cases/"), Role.buyer: ("/buyer",),
    Role.brand: ("/portal",), Role.anchor: ("/portal",), Role.mcn: ("/portal",),
    Role.emergency: ("/agent/",), Role.carrier: ("/portal",),
}


def landing(role: Role, next_path: str | None) -> str:
    """After sign-in: the page asked for when it is one of the role's, else the role's home."""
    wanted = safe_next(next_path)
    if wanted and wanted.startswith(_AREAS[role]):
        return wanted
    return HOME[role]


class SignInRequired(Exception):
    """Rendered as a redirect to /login (or an HX-Redirect for an htmx request)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageRefused(Exception):
    """A signed-in user opened a page that is not for their role: a 403 page, never the page."""

    def __init__(self, identity: ConsoleIdentity) -> None:
        super().__init__(identity.role.value)
        self.identity = identity


class CsrfRejected(Exception):
    pass


def safe_next(path: str | None) -> str | None:
    """Only a local path may follow sign-in (no //host, no scheme): an open redirect would help phishing."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return path


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"


async def signed_in(request: Request, runtime: RuntimeDep) -> ConsoleIdentity:
    identity = await console_identity(request, runtime)
    if identity is None:
        raise SignInRequired(login_url(request))
    return identity


SignedIn = Annotated[ConsoleIdentity, Depends(signed_in)]


def allow(*groups: frozenset[Role]) -> Any:
    """A dependency: the signed-in identity, if its role is in one of the groups; otherwise a 403 page."""
    roles = frozenset().union(*groups)

    async def dependency(identity: SignedIn) -> ConsoleIdentity:
        if identity.role not in roles:
            raise PageRefused(identity)
        return identity

    return Depends(dependency)


async def check_csrf(request: Request, identity: SignedIn) -> ConsoleIdentity:
    """Every state-changing console request carries the session's CSRF token (header or form field)."""
    offered = request.headers.get("x-csrf-token")
    if offered is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        offered = value if isinstance(value, str) else None
    if not csrf_matches(identity, offered):
        raise CsrfRejected()
    return identity


Csrf = Annotated[ConsoleIdentity, Depends(check_csrf)]


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
