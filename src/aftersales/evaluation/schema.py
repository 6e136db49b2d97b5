"""The input schema of the health index: the tables and columns every data source must provide.

One definition serves the readers (casting and renaming), the synthetic generator, the operational
mapping and docs/evaluation-schema.md, so a column cannot mean two things in two places.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # an Ibis type string: string, int64, float64, boolean, timestamp (UTC, naive)
    meaning: str
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    required: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def names(self) -> list[str]:
        return [col.name for col in self.columns]


# Naive timestamps holding UTC: zone-aware arithmetic goes through ICU on DuckDB and was 10× slower here
TS = "timestamp"

# Fact tables carry the ids of every subject they belong to (copied from the order at intake) so that
# one indicator definition serves anchor, brand, shop and MCN by switching the grouping column.
_SUBJECT_KEYS = (
    Column("anchor_id", "string", "anchor (主播) who sold it; null if not sold by an anchor"),
    Column("mcn_id", "string", "MCN agency (MCN机构) of that anchor, if any"),
    Column("brand_id", "string", "brand / supplier (品牌方) of the product"),
    Column("shop_id", "string", "shop (店铺) that sold it"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "subjects",
            "anchors, brands, shops and MCNs with their links",
            (
                Column("subject_type", "string", "anchor | brand | shop | mcn", True),
                Column("subject_id", "string", "id, unique within its type", True),
                Column("name", "string", "display name"),
                Column("mcn_id", "string", "for an anchor: the MCN it belongs to"),
                Column("started_at", TS, "when the subject started selling (months_active counts from here)"),
            ),
        ),
        Table(
            "products",
            "products and their published responsibility lists",
            (
                Column("product_id", "string", "product id", True),
                Column("brand_id", "string", "brand of the product"),
                Column("shop_id", "string", "shop that lists it"),
                Column("category", "string", "category, e.g. cosmetics, 3c, food"),
                Column("tags", "string", "comma-separated tags; 敏感肌 marks sensitive-skin products"),
                Column(
                    "responsibility_list_published",
                    "boolean",
                    "a responsibility list (责任清单) is published",
                ),
            ),
        ),
        Table(
            "orders",
            "orders (GMV and which products were sold live)",
            (
                Column("order_id", "string", "order id", True),
                Column("buyer_id", "string", "buyer"),
                Column("product_id", "string", "product ordered"),
                *_SUBJECT_KEYS,
                Column("live_session_id", "string", "live session it was sold in; null if not sold live"),
                Column("placed_at", TS, "when the order was placed (UTC)", True),
                Column("amount", "float64", "order value in CNY (GMV)"),
            ),
        ),
        Table(
            "live_sessions",
            "live-stream sessions",
            (
                Column("session_id", "string", "session id", True),
                Column("anchor_id", "string", "anchor streaming"),
                Column("mcn_id", "string", "MCN of the anchor"),
                Column("started_at", TS, "start (UTC)", True),
                Column("ended_at", TS, "end (UTC)"),
                Column("evidence_hashed", "boolean", "the session's content evidence is hashed (hash chain)"),
            ),
        ),
        Table(
            "claims",
            "anchor promises made live (过敏包退, 假一赔十 ...)",
            (
                Column("claim_id", "string", "claim id", True),
                Column("session_id", "string", "live session"),
                Column("product_id", "string", "product the promise is about"),
                *_SUBJECT_KEYS,
                Column("made_at", TS, "when it was said (UTC)", True),
                Column("text", "string", "the promise"),
                Column("bound_to_order_terms", "boolean", "recorded and bound to the terms of the orders"),
            ),
        ),
        Table(
            "cases",
            "after-sales cases (售后工单), one timestamp per status",
            (
                Column("case_id", "string", "case id", True),
                Column("order_id", "string", "order"),
                Column("buyer_id", "string", "buyer"),
                *_SUBJECT_KEYS,
                Column(
                    "case_type",
                    "string",
                    "refund_only | return_refund | exchange | repair | complaint | allergy | "
                    "price_protection",
                ),
                Column("tier", "string", "L1 | L2 | L3 (三级响应)"),
                Column("created_at", TS, "opened (UTC)", True),
                Column("first_response_at", TS, "first answer of any kind, AI included"),
                Column("first_human_response_at", TS, "first answer by a human agent"),
                Column("resolved_at", TS, "solution given"),
                Column("refunded_at", TS, "refund paid"),
                Column("closed_at", TS, "closed"),
                Column("ai_class", "string", "problem class given by the AI"),
                Column("confirmed_class", "string", "problem class confirmed by the agent"),
                Column("resolved_by_ai", "boolean", "closed by the AI without a human"),
                Column("handoffs", "int64", "handoffs between parties (跨主体协调次数)"),
                Column(
                    "first_route_correct",
                    "boolean",
                    "the first party it was routed to was the responsible one",
                ),
                Column("routing_loop", "boolean", "it came back to a party it had left"),
                Column("compensation_offered", "boolean", "a personalised compensation was offered"),
                Column("compensation_accepted", "boolean", "the buyer accepted it"),
                Column("allergy_verified", "boolean", "allergy claim verified (report or promise)"),
                Column("medical_compensation", "boolean", "medical compensation paid"),
                Column("emotion", "string", "calm | disappointed | angry (at intake)"),
                Column(
                    "during_live_peak",
                    "boolean",
                    "opened during a live-session peak (promo windows are added)",
                ),
            ),
            required=True,
        ),
        Table(
            "case_events",
            "timeline of each case (not read by the indicators; handoffs derive from it)",
            (
                Column("event_id", "string", "event id", True),
                Column("case_id", "string", "case", True),
                Column("at", TS, "when (UTC)", True),
                Column("kind", "string", "status change, handoff, escalation, ..."),
                Column("party", "string", "party holding the case after the event"),
            ),
        ),
        Table(
            "messages",
            "conversation messages",
            (
                Column("message_id", "string", "message id", True),
                Column("case_id", "string", "case", True),
                Column("sent_at", TS, "when (UTC)"),
                Column("author_role", "string", "buyer | agent | ai | system"),
                Column("sentiment", "string", "positive | empathetic | neutral | negative"),
                Column("quality_checked", "boolean", "covered by the automated quality check"),
            ),
        ),
        Table(
            "surveys",
            "after-close surveys",
            (
                Column("survey_id", "string", "survey id", True),
                Column("case_id", "string", "case", True),
                Column("submitted_at", TS, "when (UTC)"),
                Column("csat", "int64", "CSAT 1–5"),
                Column("nps", "int64", "NPS answer 0–10"),
            ),
        ),
        Table(
            "callbacks",
            "callback visits (回访)",
            (
                Column("callback_id", "string", "callback id", True),
                Column("case_id", "string", "case", True),
                Column("done_at", TS, "when (UTC)"),
                Column("satisfied", "boolean", "the buyer was satisfied with the visit"),
            ),
        ),
        Table(
            "arbitration",
            "disputes sent to arbitration",
            (
                Column("arbitration_id", "string", "arbitration id", True),
                Column("case_id", "string", "case", True),
                Column("requested_at", TS, "requested (UTC)", True),
                Column("decided_at", TS, "decided (UTC)"),
            ),
        ),
        Table(
            "external_measurements",
            "validation: one indicator measured by independent sources",
            (
                Column("subject_type", "string", "anchor | brand | shop | mcn | platform", True),
                Column("subject_id", "string", "subject", True),
                Column("period", "string", "YYYY-MM or YYYY-Qn", True),
                Column("indicator", "string", "R1..M4", True),
                Column("source", "string", "platform | mystery_shopper | survey", True),
                Column("value", "float64", "measured value, in the indicator's unit", True),
            ),
        ),
        Table(
            "panel_scores",
            "validation: blind panel scores",
            (
                Column("subject_type", "string", "subject type", True),
                Column("subject_id", "string", "subject", True),
                Column("period", "string", "period", True),
                Column("panel", "string", "expert | consumer", True),
                Column("score", "float64", "0–100", True),
            ),
        ),
        Table(
            "outcomes",
            "validation: business outcomes per subject",
            (
                Column("subject_type", "string", "subject type", True),
                Column("subject_id", "string", "subject", True),
                Column("period", "string", "period", True),
                Column("repurchase_rate", "float64", "share of buyers who bought again"),
                Column("recommendation_rate", "float64", "share of buyers who would recommend"),
                Column("complaints", "float64", "complaints in the period"),
            ),
        ),
    )
}

SUBJECT_TYPES = ("anchor", "brand", "shop", "mcn", "platform")
SUBJECT_KEY = {"anchor": "anchor_id", "brand": "brand_id", "shop": "shop_id", "mcn": "mcn_id"}
SENSITIVE_SKIN_TAG = "敏感肌"
PLATFORM_ID = "platform"
