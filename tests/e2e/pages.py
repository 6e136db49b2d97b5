"""Every console page, with the roles it is meant for; ids come from the test server's database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine, func, select

from aftersales.cases.models import Case
from aftersales.orders.models import Order
from tests.e2e.server import ConsoleServer

STAFF = frozenset({"agent", "supervisor"})
DESK = STAFF | {"emergency"}  # the emergency team works the queue too, on L3 and group cases
CASE_KIND = DESK | {"platform_admin"}
PORTAL_KIND = frozenset({"brand", "anchor", "mcn", "carrier"})
BOARD = frozenset({"supervisor", "platform_admin"})


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str
    roles: frozenset[str]
    wait_for: str = "main"
    #: who may open this kind of page at all: of them, a role outside `roles` is looking at a record it may not
    #: see and gets 404 (as if it did not exist); everyone else gets 403
    kind: frozenset[str] = frozenset()

    def refusal(self, role: str) -> int:
        return 404 if role in (self.kind or self.roles) else 403


def _ids(server: ConsoleServer) -> dict[str, str]:
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        def one(query: object) -> str:
            value = connection.execute(query).scalar()  # type: ignore[call-overload]
            assert value, f"the demo data lacks {query}"
            return str(value)

        ids = {
            "buyer_case": one(select(Case.id).where(Case.buyer_id == server.parties["buyer"]).limit(1)),
            "buyer_order": one(select(Order.id).where(Order.buyer_id == server.parties["buyer"]).limit(1)),
            "brand_case": one(select(Case.id).where(Case.responsible_party_id == server.parties["brand"],
                                                    Case.tier != "L3", Case.group_id.is_(None)).limit(1)),
            "l3_case": one(select(Case.id).where(Case.tier == "L3").limit(1)),
            "carrier_case": one(select(Case.id).where(Case.responsible_party_id == server.parties["carrier"])
                                .limit(1)),
            "group": one(select(Case.group_key).where(Case.group_key.is_not(None)).group_by(Case.group_key)
                         .order_by(func.count().desc()).limit(1)),
        }
    engine.dispose()
    return {**ids, **server.parties}


def pages(server: ConsoleServer) -> list[PageSpec]:
    i = _ids(server)
    return [
        PageSpec("queue", "/agent/queue", DESK, "#queue-table"),
        PageSpec("queue-overdue", "/agent/queue?view=overdue", DESK, "#queue-table"),
        PageSpec("case", f"/agent/cases/{i['brand_case']}", STAFF | {"platform_admin"}, "#case-status",
                 kind=CASE_KIND),
        PageSpec("case-l3", f"/agent/cases/{i['l3_case']}", DESK | {"platform_admin"}, "#case-status"),
        PageSpec("group", f"/agent/groups/{i['group']}", DESK, "form.bulk"),
        PageSpec("buyer-home", "/buyer", frozenset({"buyer"}), "[data-order]"),
        PageSpec("buyer-claim", f"/buyer/orders/{i['buyer_order']}/claim", frozenset({"buyer"}), "textarea"),
        PageSpec("buyer-case", f"/buyer/cases/{i['buyer_case']}", frozenset({"buyer"}), "#buyer-progress"),
        PageSpec("board", "/supervisor", BOARD, "#board-live canvas"),
        PageSpec("sla", "/supervisor/sla", BOARD, "table"),
        PageSpec("callbacks", "/supervisor/callbacks", BOARD, "h1"),
        PageSpec("dashboard", "/governance?type=anchor", BOARD, "#report[data-loaded] canvas"),
        PageSpec("subject", f"/governance/anchor/{i['anchor']}", BOARD, "[data-chart=subject-trend] canvas"),
        PageSpec("indicator", f"/governance/anchor/{i['anchor']}/indicators/R1", BOARD, "table"),
        PageSpec("portal", "/portal", frozenset({"brand", "anchor", "mcn", "carrier"}), "h1"),
        PageSpec("portal-carrier-case", f"/portal/cases/{i['carrier_case']}", frozenset({"carrier"}),
                 "#case-thread", kind=PORTAL_KIND),
        PageSpec("portal-case", f"/portal/cases/{i['brand_case']}", frozenset({"brand"}), "#case-thread",
                 kind=PORTAL_KIND),
        PageSpec("portal-brand-index", f"/portal/brand/{i['brand']}", frozenset({"brand"}),
                 "[data-chart=subject-radar] canvas", kind=PORTAL_KIND),
        PageSpec("portal-anchor-index", f"/portal/anchor/{i['anchor']}", frozenset({"anchor", "mcn"}),
                 "[data-chart=subject-radar] canvas", kind=PORTAL_KIND),
        PageSpec("portal-mcn-index", f"/portal/mcn/{i['mcn']}", frozenset({"mcn"}), "[data-chart=subject-radar] canvas",
                 kind=PORTAL_KIND),
    ]
