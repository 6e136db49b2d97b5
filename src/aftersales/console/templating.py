"""Jinja2 for the console: one environment, filters for Shanghai time and money, and the context every page gets."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from aftersales.clock import as_utc, to_shanghai
from aftersales.console import i18n, labels
from aftersales.console.access import NAV
from aftersales.console.assets import asset_url
from aftersales.security.sessions import ConsoleIdentity

TEMPLATES = Path(__file__).parent / "templates"


def _local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Stored UTC, shown in Asia/Shanghai."""
    return to_shanghai(moment).strftime(pattern) if moment else "—"


def _iso(moment: datetime | None) -> str:
    return as_utc(moment).isoformat() if moment else ""


def _money(amount: Decimal | float | int | str | None) -> str:
    if amount is None or amount == "":
        return "—"
    return f"¥{Decimal(str(amount)):,.2f}"


def _percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def commands_json(t: i18n.Translator, identity: ConsoleIdentity | None, extra: list[dict[str, str]]) -> Markup:
    """The command palette's entries: the role's pages, the queue views, help, language, then the page's own."""
    commands: list[dict[str, str]] = []
    if identity is not None:
        commands += [{"label": t(key), "href": href} for href, key in NAV.get(identity.role, ())]
        if identity.role.value in ("agent", "supervisor"):
            commands += [{"label": f"{t('nav.queue')} · {t('view.' + view)}", "href": f"/agent/queue?view={view}"}
                         for view in ("soon", "overdue", "mine", "angry")]
    commands += [*extra, {"label": t("help.title"), "open": "help"},
                 {"label": "English" if not t.english else "中文",
                  "href": f"/lang?to={'zh-CN' if t.english else 'en'}&next=/"}]
    # inside <script>: no "</" may close the element early
    return Markup(json.dumps(commands, ensure_ascii=False).replace("</", "<\\/"))


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(local=_local, iso=_iso, money=_money, percent=_percent, number=_number)
    env.globals.update(asset=asset_url, labels=labels, commands_json=commands_json)
    return env


templates = Jinja2Templates(env=_environment())


def page_context(request: Request, identity: ConsoleIdentity | None, **extra: Any) -> dict[str, Any]:
    lang = i18n.language_of(request, request.app.state.runtime.settings.language)
    translator = i18n.Translator(lang)
    return {"request": request, "t": translator, "lang": lang, "identity": identity,
            "csrf_token": identity.csrf_token if identity else extra.pop("csrf_token", ""),
            "nav": NAV.get(identity.role, ()) if identity else (), "path": request.url.path,
            "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""), **extra}


def render(request: Request, template: str, identity: ConsoleIdentity | None, *, status: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, page_context(request, identity, **context),
                                          status_code=status, headers=headers)
    # pages carry a CSRF token and personal data: never from a shared cache
    response.headers.setdefault("Cache-Control", "no-store")
    return response
