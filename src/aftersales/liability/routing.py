"""Route a case to the responsible party's queue from its class, the policy decision and the claims. Pure.

The table reads top to bottom; the first row that applies wins. When the party a row names is missing on
the order (no anchor, no carrier), the case falls back to the brand, then the shop, then the platform, and
the reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass

#: not a triage class: the caller passes it when the platform's own system caused the problem
PLATFORM_FAULT = "platform_fault"
FALLBACK = ("brand", "shop", "platform")

_KIND_ZH = {"brand": "品牌方", "anchor": "主播", "platform": "平台", "carrier": "承运商", "shop": "店铺",
            "supplier": "供应商"}


@dataclass(frozen=True)
class OrderParties:
    platform_id: str
    brand_id: str
    shop_id: str
    anchor_id: str | None = None
    carrier_id: str | None = None
    supplier_id: str | None = None

    def id_of(self, kind: str) -> str | None:
        value: str | None = getattr(self, f"{kind}_id")
        return value


@dataclass(frozen=True)
class Route:
    party_kind: str
    party_id: str
    rule_id: str
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class _Row:
    rule_id: str
    classes: frozenset[str]
    kind: str
    zh: str
    en: str


_ROWS = (
    _Row("platform_fault", frozenset({PLATFORM_FAULT}), "platform",
         "平台系统故障由平台负责", "a platform system fault is the platform's responsibility"),
    _Row("transit_damage", frozenset({"damaged_in_transit"}), "carrier",
         "运输破损由承运商负责", "damage in transit is the carrier's responsibility"),
    _Row("transit_delay", frozenset({"logistics_delay"}), "carrier",
         "物流延误由承运商负责", "a delivery delay is the carrier's responsibility"),
    _Row("product_quality", frozenset({"quality_defect", "counterfeit", "allergy_reaction", "not_as_described"}),
         "brand", "产品质量与安全由品牌方负责", "product quality and safety are the brand's responsibility"),
    _Row("seller_service", frozenset({"missing_item", "size_fit", "no_reason_return", "refund_progress",
                                      "price_protection", "virtual_goods", "other"}), "shop",
         "退换货与售后受理由店铺负责", "returns and after-sales service are the shop's responsibility"),
)

_CLAIM_ROW = _Row("claim_mismatch", frozenset(), "anchor",
                  "主播直播宣称与实物不符，由主播负责", "the anchor's live claim does not match the product")
_DENIED_ROW = _Row("denied_no_fault", frozenset(), "shop",
                   "按规则不予支持，由店铺向买家说明", "the policy denies the request; the shop explains it to the buyer")


def _row_for(problem_class: str, decision_outcome: str, has_claim_mismatch: bool) -> _Row:
    if problem_class == PLATFORM_FAULT:
        return _ROWS[0]
    if has_claim_mismatch:
        return _CLAIM_ROW
    if decision_outcome == "deny":
        # nobody is at fault for a request the rules do not grant; the seller answers the buyer
        return _DENIED_ROW
    return next((row for row in _ROWS if problem_class in row.classes), _ROWS[-1])


def route(problem_class: str, decision_outcome: str, has_claim_mismatch: bool, parties: OrderParties) -> Route:
    row = _row_for(problem_class, decision_outcome, has_claim_mismatch)
    party_id = parties.id_of(row.kind)
    if party_id is not None:
        return Route(row.kind, party_id, row.rule_id, row.zh, row.en)
    for kind in FALLBACK:
        fallback_id = parties.id_of(kind)
        if fallback_id is not None:
            return Route(kind, fallback_id, row.rule_id,
                         f"{row.zh}；订单无{_KIND_ZH[row.kind]}，转{_KIND_ZH[kind]}处理",
                         f"{row.en}; the order has no {row.kind}, so the {kind} handles it")
    raise ValueError("an order always has a platform")  # OrderParties.platform_id is required


def is_loop(history: list[str], to_party_id: str) -> bool:
    """A handoff back to a party that already held the case: the buck-passing of indicator C4."""
    return to_party_id in history


_BRAND_CAUSES = {"counterfeit": "counterfeit", "allergy_reaction": "allergy"}
_KIND_CAUSES = {"platform": "platform_fault", "anchor": "exaggerated_claim", "carrier": "transit",
                "supplier": "quality", "shop": "seller"}


def ledger_cause(problem_class: str, party_kind: str | None) -> str:
    """The split rule (splits.toml cause) for a payment on a case, from who answers for it at that moment.

    An anchor's share defaults to exaggerated claims; pass `false_advertising` explicitly when the claim was
    proven false (the anchor then pays first and recovers).
    """
    if party_kind == "brand":
        return _BRAND_CAUSES.get(problem_class, "quality")
    return _KIND_CAUSES.get(party_kind or "", "seller")
