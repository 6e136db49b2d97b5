"""A small, valid world in one call: parties, catalog, a live session, buyers, orders and a token per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from aftersales.catalog.models import Batch, Category, Product
from aftersales.live import service as live_service
from aftersales.live.models import LiveSession
from aftersales.orders import service as order_service
from aftersales.parties.models import Party
from aftersales.runtime import Runtime
from aftersales.security.tokens import create_token
from aftersales.sla.service import ensure_default_policies

CATEGORIES = [("cosmetics", "美妆", "Cosmetics", None), ("lipstick", "口红", "Lipstick", "cosmetics"),
              ("apparel", "服饰", "Apparel", None), ("electronics", "数码", "Electronics", None),
              ("food", "食品", "Food", None)]


@dataclass
class World:
    now: datetime
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)


def _party(session: Session, pid: str, kind: str, name: str, now: datetime, parent: str | None = None,
           **attributes: Any) -> str:
    session.add(Party(id=pid, kind=kind, name=name, parent_id=parent, attributes=attributes, created_at=now))
    session.flush()
    return pid


def order_payload(order_id: str, buyer_id: str, product_id: str, now: datetime, **changes: Any) -> dict[str, Any]:
    delivered = now - timedelta(days=2)
    base: dict[str, Any] = {
        "id": order_id, "product_id": product_id, "amount": "199.00", "quantity": 1,
        "buyer": {"id": buyer_id, "name": "王小美", "phone": "13812345678",
                  "address": "浙江省杭州市西湖区文三路100号3幢201", "region": "浙江"},
        "placed_at": (delivered - timedelta(days=3)).isoformat(), "paid_at": (delivered - timedelta(days=3)).isoformat(),
        "shipped_at": (delivered - timedelta(days=2)).isoformat(), "delivered_at": delivered.isoformat(),
        "shipping_insurance": True,
    }
    base.update(changes)
    return base


def build_world(runtime: Runtime) -> World:
    now = runtime.clock.now()
    world = World(now=now)
    with runtime.session() as session:
        ensure_default_policies(session, now)
        for code, zh, en, parent in CATEGORIES:
            session.add(Category(code=code, name_zh=zh, name_en=en, parent_code=parent))
        session.flush()
        ids = world.ids
        ids["platform"] = _party(session, "P-PLATFORM", "platform", "抖快平台", now)
        ids["mcn"] = _party(session, "P-MCN1", "mcn", "星光MCN", now)
        ids["anchor"] = _party(session, "P-ANCHOR1", "anchor", "李佳佳", now, parent=ids["mcn"])
        ids["anchor2"] = _party(session, "P-ANCHOR2", "anchor", "薇娅娅", now)
        ids["brand"] = _party(session, "P-BRAND1", "brand", "花西子样", now)
        ids["brand2"] = _party(session, "P-BRAND2", "brand", "完美日记样", now)
        ids["shop"] = _party(session, "P-SHOP1", "shop", "花西子旗舰店", now, parent=ids["brand"])
        ids["shop2"] = _party(session, "P-SHOP2", "shop", "完美日记服饰店", now, parent=ids["brand2"])
        ids["carrier"] = _party(session, "P-SF", "carrier", "顺丰速运", now, code="SF")
        ids["agent"] = _party(session, "P-AGENT1", "agent", "客服小张", now, seniority="junior")
        ids["supervisor"] = _party(session, "P-SUP1", "agent", "主管老李", now, seniority="senior")
        ids["emergency"] = _party(session, "P-EMERG1", "agent", "应急小组·法务", now, team="emergency",
                                  function="legal")
        session.add_all([
            Product(id="PR-LIP1", name="玻尿酸水润口红", brand_id=ids["brand"], shop_id=ids["shop"],
                    category_code="lipstick", tags=["敏感肌"], price=Decimal("199.00"), created_at=now),
            Product(id="PR-DRESS", name="法式碎花连衣裙", brand_id=ids["brand2"], shop_id=ids["shop2"],
                    category_code="apparel", tags=[], price=Decimal("299.00"), created_at=now),
        ])
        session.flush()
        session.add(Batch(id="BA-LIP1-01", product_id="PR-LIP1", batch_no="20261001"))
        live = LiveSession(id="LS-1", anchor_id=ids["anchor"], shop_id=ids["shop"], title="双11美妆专场",
                           started_at=now - timedelta(days=6))
        session.add(live)
        session.flush()
        for offset_s, claim in ((610, "这支口红含95%玻尿酸，嘴唇干的姐妹闭眼入"), (1250, "敏感肌可用，过敏包退，放心拍")):
            live_service.record_claim(session, live, text=claim, offset_ms=offset_s * 1000, product_ids=["PR-LIP1"],
                                      now=now - timedelta(days=6))
        orders = [
            order_payload("O-1001", "B-1", "PR-LIP1", now, live_session_id="LS-1", batch_id="BA-LIP1-01",
                          outbound={"carrier_id": ids["carrier"], "tracking_no": "SF1001"}),
            order_payload("O-1002", "B-1", "PR-DRESS", now, amount="299.00"),
            order_payload("O-2001", "B-2", "PR-LIP1", now, live_session_id="LS-1",
                          buyer={"id": "B-2", "name": "赵大勇", "phone": "13900001111",
                                 "address": "广东省深圳市南山区科技园8号", "region": "广东"}),
        ]
        report = order_service.upsert_orders(session, orders, runtime.pii_key, now)
        assert not report.errors, report.errors
        for role, kwargs in {
            "buyer": {"buyer_id": "B-1"}, "buyer2": {"buyer_id": "B-2"}, "agent": {"party_id": ids["agent"]},
            "supervisor": {"party_id": ids["supervisor"]}, "platform_admin": {},
            "brand": {"party_id": ids["brand"]}, "brand2": {"party_id": ids["brand2"]},
            "anchor": {"party_id": ids["anchor"]}, "anchor2": {"party_id": ids["anchor2"]},
            "mcn": {"party_id": ids["mcn"]}, "emergency": {"party_id": ids["emergency"]},
            "carrier": {"party_id": ids["carrier"]},
        }.items():
            real_role = role.rstrip("2")
            world.tokens[role] = create_token(session, role=real_role, now=now, name=role, **kwargs).token
        session.commit()
    return world
