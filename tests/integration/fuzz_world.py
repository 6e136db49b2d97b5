"""Data for the schema fuzzer to land on: cases in several states, an offer, evidence, a callback task, a
notification channel and its deliveries, risk warnings. Seeded through the API, the way users make it.

`known_values` maps a parameter or body field name to ids that exist, so that some generated requests reach
past the 404 into the code that works on a real record."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from aftersales.app import create_app
from aftersales.cases.lifecycle import Action
from aftersales.runtime import Runtime
from aftersales.vocabulary import CaseType
from tests.factories import World, order_payload


def _photo(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 40)).save(out, format=fmt)
    return out.getvalue()


class _Seeder:
    def __init__(self, client: TestClient, world: World) -> None:
        self.client = client
        self.world = world

    def call(self, who: str, method: str, url: str, expect: tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        response = self.client.request(method, url, headers={"Authorization": f"Bearer {self.world.tokens[who]}"},
                                       **kw)
        assert response.status_code in expect, f"{method} {url}: {response.status_code} {response.text}"
        return response.json()

    def open_case(self, who: str, order_id: str, case_type: str, text: str) -> str:
        case = self.call(who, "POST", "/api/v1/cases", json={"order_id": order_id, "case_type": case_type,
                                                             "text": text})
        return str(case["id"])

    def act(self, case_id: str, action: str, **body: Any) -> None:
        self.call("agent", "POST", f"/api/v1/cases/{case_id}/actions/{action}", json=body)


def seed(runtime: Runtime, world: World) -> dict[str, list[Any]]:
    """Seeds through a separate app instance (its intake writer is closed afterwards) and returns the ids."""
    with TestClient(create_app(runtime, background=False)) as client:
        s = _Seeder(client, world)
        open_refund = s.open_case("buyer", "O-1001", "refund_only", "口红断了，要求退款")
        allergy = s.open_case("buyer", "O-1002", "allergy_claim", "涂了嘴唇过敏红肿")
        complaint = s.open_case("buyer2", "O-2001", "complaint", "质量太差了，我要投诉！")
        s.act(open_refund, "reply", message="您好，马上为您处理")
        offer = s.call("supervisor", "POST", f"/api/v1/cases/{open_refund}/offers",
                       json={"kind": "cash", "amount": "20.00"})
        evidence = [s.call("buyer", "POST", f"/api/v1/cases/{allergy}/evidence",
                           files={"file": (f"photo.{fmt.lower()}", _photo(fmt))})["evidence"]["id"]
                    for fmt in ("JPEG", "PNG")]
        # a closed case with a low score opens a callback task
        s.act(complaint, "resolve", message="已补发赠品")
        s.act(complaint, "close")
        survey = s.call("buyer2", "POST", f"/api/v1/cases/{complaint}/survey", json={"csat": 1, "nps": 2})
        channel = s.call("platform_admin", "POST", "/api/v1/notifications/channels",
                         json={"name": "webhook 通道", "kind": "webhook",
                               "target": "https://hooks.example.test/aftersales", "events": ["case.opened"]})
        # five allergy cases on one batch: the risk monitor raises a warning and groups them at L3
        group = []
        for number in range(5):
            buyer = {"id": f"B-FZ{number}", "name": "买家", "phone": "13800000000", "address": "上海市浦东新区1号"}
            order = order_payload(f"O-FZ{number}", buyer["id"], "PR-LIP1", world.now, buyer=buyer,
                                  live_session_id="LS-1", batch_id="BA-LIP1-01")
            s.call("platform_admin", "POST", "/api/v1/orders", json=order)
            group.append(s.call("agent", "POST", "/api/v1/cases", json={
                "order_id": order["id"], "case_type": "allergy_claim", "text": "涂了嘴巴红肿起疹子",
                "buyer_id": buyer["id"]})["id"])
        scan = s.call("supervisor", "POST", "/api/v1/risk/scan")
        warnings = [w["id"] for w in s.call("supervisor", "GET", "/api/v1/risk/warnings")]
        # one member stands for the five; the group case the monitor made is in the listing
        listed = s.call("supervisor", "GET", "/api/v1/cases", params={"limit": 200})["items"]
        cases = [c["id"] for c in listed if c["id"] not in group[1:]]
        assert scan["warnings"] and warnings, "the seeded batch raises a risk warning"
    period = world.now.strftime("%Y-%m")
    ids = world.ids
    return {
        "case_id": sorted(cases),
        "action": [a.value for a in Action],
        "offer_id": [offer["id"]],
        "evidence_id": evidence,
        "task_id": [survey["callback_task_id"]],
        "channel_id": [channel["id"]],
        "delivery_id": [1],
        "policy_id": [1, 2],
        "warning_id": warnings,
        "order_id": ["O-1001", "O-1002", "O-2001", *(f"O-FZ{n}" for n in range(5))],
        "buyer_id": ["B-1", "B-2"],
        "product_id": ["PR-LIP1", "PR-DRESS"],
        "session_id": ["LS-1"],
        "live_session_id": ["LS-1"],
        "batch_id": ["BA-LIP1-01"],
        "party_id": [ids["brand"], ids["anchor"], ids["carrier"], ids["shop"]],
        "party": [ids["brand"], ids["anchor"]],
        "brand_id": [ids["brand"]],
        "shop_id": [ids["shop"]],
        "anchor_id": [ids["anchor"]],
        "supplier_id": [ids["brand"]],
        "carrier_id": [ids["carrier"]],
        "subject_type": ["anchor", "brand", "shop", "mcn"],
        "subject_id": [ids["anchor"], ids["brand"], ids["shop"], ids["mcn"]],
        "case_type": [t.value for t in CaseType],
        "state": ["submitted", "answered", "closed", "open"],
        "tier": ["L1", "L2", "L3"],
        "period": [period, f"{world.now.year}-Q{(world.now.month - 1) // 3 + 1}"],
        "month": [period],
    }
