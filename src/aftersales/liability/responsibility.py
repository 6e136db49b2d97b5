"""A product's published responsibility list (责任清单), canonical-JSON hashed so it can be bound and verified.

Pure: the service stores the body and its hash; anyone holding both can check them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales.clock import as_utc

FORMAT = "aftersales-responsibility-list/1"

#: (party kind, scope id, zh, en): what each party answers for, in the order the buyer reads them
DUTIES = (
    ("brand", "product_quality", "产品质量：质量缺陷、假货、过敏等安全问题", "product quality: defects, counterfeits, "
     "allergies and other safety problems"),
    ("anchor", "truth_of_claims", "直播宣称的真实性：功效、成分、承诺（如过敏包退）", "truth of live claims: efficacy, "
     "ingredients, promises such as refund on allergy"),
    ("platform", "oversight", "平台监管及平台自身系统故障", "oversight, and faults of the platform's own systems"),
    ("carrier", "transit", "运输途中的破损、丢失与延误", "damage, loss and delay in transit"),
    ("shop", "service", "售后受理、无责退换货与发货差错", "after-sales service, no-fault returns and packing errors"),
)


@dataclass(frozen=True)
class Duty:
    party_kind: str
    party_id: str | None
    scope: str
    zh: str
    en: str


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def build_list(*, product_id: str, version: int, published_at: datetime,
               parties: dict[str, str | None]) -> dict[str, Any]:
    """The list body. `parties` maps a kind to its party id; None means "whoever carries/sells it"."""
    duties = [Duty(kind, parties.get(kind), scope, zh, en) for kind, scope, zh, en in DUTIES]
    return {
        "format": FORMAT,
        "product_id": product_id,
        "version": version,
        "published_at": as_utc(published_at).isoformat(timespec="seconds"),
        "duties": [duty.__dict__ for duty in duties],
    }


def list_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def verify_list(body: dict[str, Any], stored_hash: str, product_id: str) -> bool:
    """True when the body is unchanged since publication and belongs to this product."""
    return body.get("product_id") == product_id and list_hash(body) == stored_hash


def party_for(body: dict[str, Any], kind: str) -> str | None:
    return next((duty["party_id"] for duty in body["duties"] if duty["party_kind"] == kind), None)
