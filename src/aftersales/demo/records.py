"""A story as database rows: the case itself, its routing and hand-offs, messages and timeline."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from aftersales.cases.adjudication import Adjudication
from aftersales.cases.lifecycle import State
from aftersales.cases.reply_quality import review_reply
from aftersales.demo.journey import Story
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
    live = intake.live
    judged = _holding(story)
    row: Row = {
        "id": story.case_id, "order_id": sale.id, "buyer_id": sale.buyer.id, "idempotency_key": None,
        "request_fingerprint": None, "claimed_amount": sale.amount,
        "group_key": sale.batch_id or (sale.session.id if sale.session else None) or sale.product.id,
        "case_type": intake.case_type, "state": story.state.value, "tier": story.tier,
        "priority": priority_of(story),
        "version": len(story.steps) + 1, "text": intake.text, "attachments": _attachments(story),
        "requested_amount": amount if intake.case_type in REFUNDING else None,
        "refund_amount": amount if refund_asked else None,
        "category": intake.ai_class,
        "categories": {k: round(float(v), 4) for k, v in live.assessment.categories.items()},
        "secondary_category": live.assessment.secondary_category,
        "emotion": intake.emotion, "emotion_intensity": round(float(live.assessment.emotion_intensity), 3),
        "confidence": intake.confidence, "risk_flags": intake.risk_flags,
        "symptoms": intake.symptoms, "triage_model": live.assessment.model_version,
        "confirmed_category": intake.true_class if touched else None,
        "answer_zh": judged.answer_zh, "answer_en": judged.answer_en,
        "soothing_zh": live.assessment.soothing_zh, "soothing_en": live.assessment.soothing_en,
        "senior_required": live.tier.senior_required,
        "ai_resolved": story.plan.ai_resolved and marks.get("resolved_at") is not None,
        "decision": _decision(story, judged), "responsible_party_id": responsible, "responsible_kind": kind,
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


def _holding(story: Story) -> Adjudication:
    """The decision the case holds now: an allergy claim is decided again once the buyer's report is in."""
    live = story.intake.live
    reported = live.with_report is not None and story.plan.allergy_report and any(
        step.action.value == "reply" and step.role == "buyer" for step in story.steps)
    return live.with_report if reported else live.judged


def _decision(story: Story, judged: Adjudication) -> dict[str, Any]:
    """The real policy decision with its reasons; an arbitration the story went through is added on top."""
    decision = dict(judged.decision)
    if story.milestones.get("decided_at") is not None:
        buyer = story.plan.buyer_wins
        decision["arbitration"] = {"outcome": "support_buyer" if buyer else "uphold_original",
                                   "reason": "支持买家诉求，责任按品牌80%/主播20%分担" if buyer else "维持原处理结果"}
    return decision


def case_item_row(story: Story) -> Row:
    """A demo case names line 1 of its order, whole."""
    sale = story.intake.sale
    return {"case_id": story.case_id, "order_item_id": sale.line_id, "order_id": sale.id,
            "quantity": sale.quantity, "paid_amount": sale.amount}


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
