"""A story as database rows: the case itself, its routing and hand-offs, messages and timeline."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from aftersales.cases.lifecycle import State
from aftersales.cases.reply_quality import review_reply
from aftersales.demo.journey import Story
from aftersales.demo.phrases import AI_ANSWERS, SOOTHING
from aftersales.demo.seeded import Seeded

Row = dict[str, Any]
STATE_LABEL = {
    "submitted": "申请已提交", "answered": "已答复", "awaiting_buyer": "待您补充资料", "awaiting_return": "待寄回商品",
    "return_in_transit": "退货已揽收", "return_received": "商家已收货", "refund_pending": "退款审核中",
    "refunded": "退款已到账", "exchanged": "换货已发出", "resolved": "已解决", "closed": "已关闭",
    "escalated": "已升级处理", "disputed": "平台介入中", "in_arbitration": "仲裁中", "decided": "仲裁已裁决",
    "reopened": "已重新打开",
}
# who answers for each problem class (SPEC §6: brand → quality, anchor → claims, carrier → transit)
RESPONSIBLE_KIND = {
    "quality_defect": "brand", "counterfeit": "brand", "allergy_reaction": "brand", "missing_item": "brand",
    "not_as_described": "anchor", "damaged_in_transit": "carrier", "logistics_delay": "carrier",
    "refund_progress": "platform", "size_fit": "shop", "no_reason_return": "shop", "price_protection": "shop",
    "virtual_goods": "shop", "other": "shop",
}
RULES: dict[str, tuple[str, str, str]] = {
    "no_reason_return": ("no_reason_7d", "7天无理由退货：商品完好，买家承担运费", "7-day no-reason return"),
    "size_fit": ("no_reason_7d", "尺码不合适：7天无理由退换", "size issue: 7-day return or exchange"),
    "quality_defect": ("quality_fault", "质量问题：商家承担运费，支持退换", "quality fault: seller pays shipping"),
    "allergy_reaction": ("allergy_report", "过敏凭医院报告退款，无需寄回", "allergy with report: refund, no return"),
    "damaged_in_transit": ("transit_damage", "运输破损：由快递/商家承担", "transit damage: carrier or seller pays"),
    "not_as_described": ("claim_mismatch", "与直播承诺不符：主播先行赔付", "claim mismatch: anchor pays first"),
}
REFUNDING = frozenset({"refund_only", "return_refund", "price_protection", "allergy_claim"})


def case_row(rng: Seeded, story: Story, now: datetime) -> tuple[Row, list[tuple[datetime, str, str]]]:
    """The `cases` row and the hand-offs (when, from, to) that produced its routing."""
    intake, marks, sale = story.intake, story.milestones, story.intake.sale
    kind = RESPONSIBLE_KIND[intake.true_class]
    responsible = _party_of(story, kind)
    handoffs = _handoffs(rng, story, responsible, now)
    touched = marks.get("human_response_at") is not None
    amount = sale.amount if intake.case_type != "price_protection" else (sale.amount * Decimal("0.12")).quantize(
        Decimal("0.01"))
    refund_asked = marks.get("refund_requested_at") is not None
    rest = round(1 - intake.confidence, 3)
    row: Row = {
        "id": story.case_id, "order_id": sale.id, "buyer_id": sale.buyer.id, "idempotency_key": None,
        "group_key": sale.batch_id or (sale.session.id if sale.session else None) or sale.product.id,
        "case_type": intake.case_type, "state": story.state.value, "tier": story.tier,
        "priority": priority_of(story),
        "version": len(story.steps) + 1, "text": intake.text, "attachments": _attachments(story),
        "requested_amount": amount if intake.case_type in REFUNDING else None,
        "refund_amount": amount if refund_asked else None,
        "category": intake.ai_class, "categories": {intake.ai_class: intake.confidence, "other": rest},
        "emotion": intake.emotion, "confidence": intake.confidence, "risk_flags": intake.risk_flags,
        "symptoms": intake.symptoms, "triage_model": "demo-generator",
        "confirmed_category": intake.true_class if touched else None,
        "answer_zh": AI_ANSWERS[intake.ai_class][0], "answer_en": AI_ANSWERS[intake.ai_class][1],
        "soothing_zh": SOOTHING[0] if intake.emotion == "angry" else None,
        "soothing_en": SOOTHING[1] if intake.emotion == "angry" else None,
        "senior_required": intake.emotion == "angry" or story.tier == "L3",
        "ai_resolved": story.plan.ai_resolved and marks.get("resolved_at") is not None,
        "decision": _decision(story, amount), "responsible_party_id": responsible, "responsible_kind": kind,
        "handoff_count": len(handoffs), "assigned_agent_id": story.agent[0] if not story.plan.ai_resolved else None,
        "created_at": intake.created, "updated_at": story.steps[-1].at if story.steps else intake.created,
    }
    for name in ("first_response_at", "human_response_at", "escalated_at", "return_requested_at",
                 "return_shipped_at", "return_received_at", "refund_requested_at", "refunded_at", "exchanged_at",
                 "resolved_at", "closed_at", "disputed_at", "arbitration_at", "decided_at", "reopened_at"):
        row[name] = marks.get(name)
    return row, handoffs


def priority_of(story: Story) -> int:
    """1 is most urgent: L3 first, then L2 and angry buyers (who jump the queue, SPEC §3)."""
    intake = story.intake
    return 1 if intake.tier == "L3" else 2 if (intake.tier == "L2" or intake.emotion == "angry") else 3


def _party_of(story: Story, kind: str) -> str:
    sale = story.intake.sale
    if kind == "anchor" and sale.anchor is not None:
        return sale.anchor.id
    if kind == "carrier" and sale.carrier is not None:
        return sale.carrier[0]
    if kind == "platform":
        return "platform"
    return sale.product.brand_id if kind in ("brand", "carrier") else sale.product.shop_id


def _attachments(story: Story) -> list[str]:
    klass = story.intake.true_class
    if klass == "allergy_reaction" and story.plan.allergy_report:
        return ["photo_1.jpg", "hospital_report.pdf"]
    if klass in ("quality_defect", "damaged_in_transit", "counterfeit", "not_as_described"):
        return ["photo_1.jpg", "photo_2.jpg"]
    return []


REMEDY = {"refund_only": "refund", "price_protection": "refund", "allergy_claim": "refund",
          "return_refund": "return_refund", "exchange": "exchange", "repair": "repair", "complaint": "none"}
SHIPPING_PAYER = {"no_reason_return": "buyer", "size_fit": "buyer", "damaged_in_transit": "carrier"}


def _decision(story: Story, amount: Decimal) -> dict[str, Any]:
    """Shaped like policy.rules.Decision.as_dict(), so the API and console read demo cases like real ones."""
    intake = story.intake
    code, zh, en = RULES.get(intake.true_class, ("standard", "按平台售后标准处理", "standard after-sales policy"))
    remedy = REMEDY[intake.case_type]
    if intake.case_type == "allergy_claim" and not story.plan.allergy_report:
        outcome = "needs_evidence"
    else:
        outcome = "needs_human" if intake.tier != "L1" else "approve"
    payer = "none" if remedy in ("none", "refund") else SHIPPING_PAYER.get(intake.true_class, "seller")
    if payer == "buyer" and intake.sale.insured:
        payer = "insurance"
    decision: dict[str, Any] = {
        "outcome": outcome, "remedy": remedy, "shipping_payer": payer,
        "refund_amount": f"{amount if remedy != 'none' else Decimal(0):.2f}", "compensation_amount": "0.00",
        "deadline": None, "rules_version": "demo",
        "reasons": [{"rule_id": code, "fact": intake.true_class, "zh": zh, "en": en}],
    }
    if story.milestones.get("decided_at") is not None:
        buyer = story.plan.buyer_wins
        decision["arbitration"] = {"outcome": "support_buyer" if buyer else "uphold_original",
                                   "reason": "支持买家诉求，责任按品牌80%/主播20%分担" if buyer else "维持原处理结果"}
    return decision


def _poisson(rng: Seeded, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit and k < 6:
        k += 1
        product *= rng.random()
    return k


def _handoffs(rng: Seeded, story: Story, responsible: str, now: datetime) -> list[tuple[datetime, str, str]]:
    """Hand-offs between parties before the case reached the one responsible (buck-passing on poor service)."""
    marks, sale = story.milestones, story.intake.sale
    begin = marks.get("human_response_at")
    end = marks.get("resolved_at") or (story.steps[-1].at if story.steps else None)
    if begin is None or end is None or end <= begin:
        return []
    count = _poisson(rng, story.intake.service.handoffs)
    pool = [p for p in (sale.product.brand_id, sale.product.shop_id, sale.anchor.id if sale.anchor else None,
                        sale.carrier[0] if sale.carrier else None, "platform") if p is not None]
    chain = [responsible]
    for _ in range(count):
        chain.insert(0, rng.choice([p for p in pool if p != chain[0]] or pool))
    moments = sorted(begin + (end - begin) * rng.random() for _ in range(count))
    return [(at, chain[i], chain[i + 1]) for i, at in enumerate(moments) if at < now]


def handoff_rows(story: Story, handoffs: list[tuple[datetime, str, str]]) -> tuple[list[Row], list[Row]]:
    """The hand-offs as timeline events and as rows of the liability domain's `handoffs` table."""
    events, rows = [], []
    held: set[str] = {handoffs[0][1]} if handoffs else set()
    for at, source, target in handoffs:
        events.append(event_row(story.case_id, at, "handoff", "agent", story.agent[0], reason="转交责任方",
                                data={"from_party": source, "to_party": target}, visible=False))
        rows.append({"case_id": story.case_id, "from_party_id": source, "to_party_id": target,
                     "to_kind": _kind(target), "reason": "转交责任方 / passed to the responsible party",
                     "loop": target in held, "actor_role": "agent", "actor_id": story.agent[0], "at": at})
        held.add(target)
    return events, rows


def _kind(party_id: str) -> str:
    # the demo's party ids start with their kind: brand-03, shop-03, anchor-12, carrier-sf, platform
    return party_id.split("-", 1)[0]


def event_row(case_id: str, at: datetime, kind: str, role: str, actor: str | None, *, action: str | None = None,
           from_state: str | None = None, to_state: str | None = None, reason: str = "",
           data: dict[str, Any] | None = None, visible: bool = True) -> Row:
    return {"case_id": case_id, "at": at, "kind": kind, "actor_role": role, "actor_id": actor, "action": action,
            "from_state": from_state, "to_state": to_state, "reason": reason, "data": data or {},
            "buyer_visible": visible}


def timeline_rows(story: Story) -> list[Row]:
    intake = story.intake
    rows = [event_row(story.case_id, intake.created, "opened", "buyer", intake.sale.buyer.id,
                   to_state=State.submitted.value, reason=STATE_LABEL["submitted"]),
            event_row(story.case_id, intake.created + timedelta(seconds=1), "triage", "ai", None,
                   reason="智能分类", visible=False,
                   data={"category": intake.ai_class, "emotion": intake.emotion, "confidence": intake.confidence,
                         "tier": intake.tier})]
    for step in story.steps:
        if step.from_state == step.to_state and step.action.value != "escalate":
            continue
        rows.append(event_row(story.case_id, step.at, "transition", step.role, step.actor_id,
                           action=step.action.value, from_state=step.from_state.value,
                           to_state=step.to_state.value, reason=STATE_LABEL[step.to_state.value]))
    return rows


def message_rows(story: Story) -> list[Row]:
    rows: list[Row] = []
    for at, role, author, body in story.messages:
        # staff replies pass the same automated QC as live ones (M1 empathy, T3 coverage)
        review = review_reply(body) if role not in ("buyer", "ai") else None
        rows.append({"case_id": story.case_id, "author_role": role, "author_id": author, "body": body,
                     "created_at": at, "sentiment": review.sentiment if review else None,
                     "quality_checked": review is not None, "quality_flags": list(review.flags) if review else []})
    return rows
