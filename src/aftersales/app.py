"""The FastAPI application: every domain's router, problem+json errors, offline docs, background work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from aftersales import __version__
from aftersales.cases.api import router as cases_router
from aftersales.cases.evidence_api import router as evidence_router
from aftersales.cases.followup_api import router as followup_router
from aftersales.cases.group_commit import GroupCommitter
from aftersales.cases.operations_api import router as operations_router
from aftersales.cases.party_api import router as case_party_router
from aftersales.cases.performance_api import router as performance_router
from aftersales.cases.replay_api import router as replay_router
from aftersales.catalog.api import router as catalog_router
from aftersales.commands.background import Background
from aftersales.console.mount import mount_console
from aftersales.evaluation.api import router as evaluation_router
from aftersales.liability.api import router as liability_router
from aftersales.live.api import router as live_router
from aftersales.notifications.api import router as notifications_router
from aftersales.orders.api import router as orders_router
from aftersales.privacy.api import router as privacy_router
from aftersales.risk.api import router as risk_router
from aftersales.runtime import Runtime, build_runtime
from aftersales.security import token_usage
from aftersales.sla.api import router as sla_router
from aftersales.web.errors import UnexpectedErrors, install_error_handlers, install_problem_docs
from aftersales.web.headers import SecurityHeaders, policy_allowing_inline_scripts
from aftersales.web.identity import router as identity_router
from aftersales.web.input_guard import InputGuard, refuse_nul_in_path
from aftersales.web.limits import BodyLimit
from aftersales.web.rate_limits import AddressLimit, RateLimits
from aftersales.web.tokens_api import router as tokens_router

log = logging.getLogger(__name__)
ROUTERS = (cases_router, evidence_router, operations_router, case_party_router, orders_router, sla_router, followup_router, identity_router, live_router, liability_router,
           evaluation_router, catalog_router, replay_router, risk_router, notifications_router,
           performance_router, privacy_router, tokens_router)
#: what a browser on an allowed origin may send and read (CORS is off unless AFTERSALES_CORS_ALLOW_ORIGINS is set)
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "Accept-Language"]
CORS_EXPOSED = ["Retry-After", "ETag", "Location"]


def _install_docs(app: FastAPI) -> None:
    # Swagger UI comes from a wheel, never a CDN: nothing may be fetched at run time
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    page = get_swagger_ui_html(openapi_url="/openapi.json", title="aftersales API 文档",
                               swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                               swagger_css_url="/docs-assets/swagger-ui.css",
                               swagger_favicon_url="/docs-assets/favicon-32x32.png",
                               # Swagger UI would otherwise send the document to an online validator
                               swagger_ui_parameters={"validatorUrl": None})
    html = bytes(page.body).decode()
    # the page starts Swagger UI with one inline script: the policy allows exactly that script by its hash
    policy = policy_allowing_inline_scripts(html)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": policy})


def _install_edge(app: FastAPI, runtime: Runtime) -> None:
    """What every request meets first (outermost last): security headers, CORS when configured, and the
    per-address rate limit; the per-token and failed-authentication limits apply where tokens are read."""
    limits = RateLimits.from_settings(runtime.settings)
    app.state.rate_limits = limits
    if limits is not None:
        app.add_middleware(AddressLimit, limits=limits)
    origins = runtime.settings.cors_origins
    if origins:
        # bearer tokens, never cookies, cross origins: credentials stay off
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                           allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=CORS_HEADERS, expose_headers=CORS_EXPOSED, max_age=600)
    app.add_middleware(SecurityHeaders)


async def _sweeper(runtime: Runtime) -> None:
    """SLA sweeps, risk monitors, the outbox and the monthly steps, in this process (the embedded default)."""
    interval = min(runtime.settings.sweeper_interval_seconds, runtime.settings.monitor_interval_seconds)
    loop = asyncio.get_running_loop()
    work = Background(runtime, interval=interval)
    while True:
        await asyncio.sleep(work.pause())  # longer while the database is away
        try:
            await loop.run_in_executor(None, work.tick)
        except Exception:  # a failed round is retried on the next tick; it must not kill the server
            log.exception("background round failed")


def create_app(runtime: Runtime | None = None, *, background: bool | None = None) -> FastAPI:
    runtime = runtime or build_runtime()
    run_sweeper = runtime.settings.run_sweeper_in_process if background is None else background

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_sweeper(runtime)) if run_sweeper else None
        yield
        if task is not None:
            task.cancel()
        await console.close()
        await committer.close()
        # last-used times noted since the last batch would otherwise be lost with the process
        await asyncio.get_running_loop().run_in_executor(None, token_usage.flush, runtime.token_usage,
                                                         runtime.engine, runtime.clock.now())

    app = FastAPI(title="aftersales 直播电商售后服务中枢", version=__version__, docs_url=None, redoc_url=None,
                  lifespan=lifespan, dependencies=[Depends(refuse_nul_in_path)],
                  description="售后工单、三级响应、SLA、AI分诊、规则引擎与健康指数 / after-sales hub API")
    committer = GroupCommitter(runtime.session_factory, runtime.clock, runtime.calendar,
                               max_batch=runtime.settings.group_commit_max_batch)
    app.state.intake = committer
    app.state.runtime = runtime
    install_error_handlers(app)
    install_problem_docs(app)
    # the last added runs first: an unexpected error anywhere, the size limit included, is answered, not raised;
    # the input guard reads a body only through the size limit
    app.add_middleware(InputGuard)
    app.add_middleware(BodyLimit)
    app.add_middleware(UnexpectedErrors)
    _install_docs(app)
    for router in ROUTERS:
        app.include_router(router)
    # the console's pages, its static files and its live streams; `/` is its sign-in or the role's home
    console = mount_console(app, runtime)
    _install_edge(app, runtime)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
