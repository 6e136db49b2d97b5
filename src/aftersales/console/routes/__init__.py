"""The console's pages, one router per audience."""

from __future__ import annotations

from aftersales.console.auth import router as auth_router
from aftersales.console.routes.agent import router as agent_router
from aftersales.console.routes.buyer import router as buyer_router
from aftersales.console.routes.caseextras import router as case_extras_router
from aftersales.console.routes.casepage import router as case_router
from aftersales.console.routes.files import router as files_router
from aftersales.console.routes.governance import router as governance_router
from aftersales.console.routes.live import router as live_router
from aftersales.console.routes.portal import router as portal_router
from aftersales.console.routes.supervisor import router as supervisor_router

ROUTERS = (auth_router, agent_router, case_router, case_extras_router, buyer_router, supervisor_router, governance_router,
           portal_router, live_router, files_router)
