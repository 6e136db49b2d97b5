"""At intake: the policy decision, the party the case is routed to, and whether the AI can settle it alone.

Pure: the caller loads the order, product, parties and the anchor's claims; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from aftersales.clock import as_utc
from aftersales.liability.routing import OrderParties, route
from aftersales.live import claim_check
from aftersales.live.phrases import CheckableClaim
from aftersales.policy.facts import Facts, facts_as_dict
from aftersales.policy.lines import CaseDecision, LineFacts, decide_lines
from aftersales.policy.price_rules import PricePoint, comparable_drops
from aftersales.policy.service import RuleBook, decide_for, load_rules
from aftersales.policy.vocabulary import CaseType, Evidence, ItemState, Outcome, Problem, Promise
from aftersales.triage import answers, rules
from aftersales.triage.assessment import TriageAssessment
from aftersales.triage.normalize import normalize
from aftersales.vocabulary import INFORMATION_CLASSES

_USED_WORDS = ("用了", "用过", "涂了", "擦了", "穿过", "穿了", "洗过", "吃了", "试用了", "上脸", "上嘴")
_UNOPENED_WORDS = ("未拆封", "没拆封", "没拆", "未开封", "没开封", "全新", "原封", "吊牌还在", "没拆开")
_KNOWN_PROMISES = frozenset(p.value for p in Promise)
_NO_PARTIES = OrderParties(platform_id="", brand_id="", shop_id="")


@dataclass(frozen=True)
class LineInput:
    """One claimed order line as adjudication judges it: its product, payment, order and price history."""

    order_id: str
    line_no: int
    item_id: int | None
    product_id: str
    category: str
    tags: tuple[str, ...]
    quantity: int
    #: paid for the units claimed, with the line's share of the order discount and shipping
    paid: Decimal
    unit_price: Decimal
    sku: str | None
    placed_at: datetime
    delivered_at: datetime | None
    shipping_insurance: bool
    #: the share of what the order paid that bought goods, not shipping: (amount − shipping) / amount
    goods_share: Decimal = Decimal(1)
    promises: tuple[str, ...] = ()
    promised_price_days: int | None = None
    #: the order's anchor, for prices open to that anchor's fans
    anchor_id: str | None = None
    prices: tuple[PricePoint, ...] = ()


@dataclass(frozen=True)
class OrderFacts:
    """What adjudication needs to know about the order besides the case itself."""

    category: str
    tags: tuple[str, ...]
    amount: Decimal
    placed_at: datetime
    delivered_at: datetime | None
    shipping_insurance: bool
    parties: OrderParties
    promises: tuple[str, ...] = ()
    checkable_claims: tuple[CheckableClaim, ...] = ()
    #: the claimed lines, each judged on its own; empty = the order as one line (callers without lines)
    lines: tuple[LineInput, ...] = ()


@dataclass(frozen=True)
class Adjudication:
    decision: dict[str, Any]
    party_id: str
    party_kind: str
    rule_id: str
    reason_zh: str
    reason_en: str
    answer_zh: str
    answer_en: str
    claim_findings: tuple[dict[str, str], ...]
    ai_settles: str | None = None  # None, "resolved", "awaiting_return" or "refund_pending"

    def timeline(self, base: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {**base, "kind": "policy", "actor_role": "system", "from_state": None, "to_state": None,
             "reason": "；".join(r["zh"] for r in self.decision.get("reasons", [])), "buyer_visible": True,
             "data": self.decision},
            {**base, "kind": "routed", "actor_role": "system", "from_state": None, "to_state": None,
             "reason": f"{self.reason_zh} / {self.reason_en}", "buyer_visible": False,
             "data": {"party_id": self.party_id, "party_kind": self.party_kind, "rule_id": self.rule_id,
                      "claim_findings": list(self.claim_findings)}},
        ]


def infer_item_state(text: str) -> str | None:
    """The item's state from the buyer's words, when they say it."""
    if any(word in text for word in _USED_WORDS):
        return ItemState.USED.value
    if any(word in text for word in _UNOPENED_WORDS):
        return ItemState.UNOPENED.value
    return None


def build_facts(order: OrderFacts, *, case_type: str, category: str, item_state: str, evidence: Sequence[str],
                now: datetime, claim_mismatch: bool | None) -> Facts:
    delivered = as_utc(order.delivered_at) if order.delivered_at else None
    days = max(0, (as_utc(now) - delivered).days) if delivered else None
    return Facts(product_category=order.category, product_tags=tuple(sorted(set(order.tags))),
                 case_type=CaseType(case_type), problem=Problem(category), days_since_delivery=days,
                 item_state=ItemState(item_state), evidence=tuple(sorted({Evidence(e) for e in evidence})),
                 promises=tuple(sorted({Promise(p) for p in order.promises if p in _KNOWN_PROMISES})),
                 shipping_insurance=order.shipping_insurance, paid_amount=order.amount,
                 order_placed_at=as_utc(order.placed_at).date(), claim_mismatch=claim_mismatch)


def line_facts(line: LineInput, *, case_type: str, category: str, item_state: str, evidence: Sequence[str],
               now: datetime, claim_mismatch: bool | None) -> LineFacts:
    """The policy facts of one claimed line: its product and payment, its order's dates, its price history."""
    order = OrderFacts(category=line.category, tags=line.tags, amount=line.paid, placed_at=line.placed_at,
                       delivered_at=line.delivered_at, shipping_insurance=line.shipping_insurance,
                       parties=_NO_PARTIES, promises=line.promises)
    facts = build_facts(order, case_type=case_type, category=category, item_state=item_state, evidence=evidence,
                        now=now, claim_mismatch=claim_mismatch)
    placed = as_utc(line.placed_at)
    unit_paid = (line.paid * line.goods_share / line.quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    drops = comparable_drops(line.prices, sku=line.sku, ordered_at=placed, requested_at=as_utc(now),
                             line_total=line.unit_price * line.quantity, anchor_id=line.anchor_id)
    facts = replace(facts, days_since_order=max(0, (as_utc(now) - placed).days),
                    promised_price_days=line.promised_price_days, unit_paid=unit_paid, quantity=line.quantity,
                    price_drops=drops)
    return LineFacts(order_id=line.order_id, line_no=line.line_no, item_id=line.item_id, product_id=line.product_id,
                     quantity=line.quantity, facts=facts)


def _decide_case(lines: list[LineFacts], book: RuleBook | None) -> CaseDecision:
    rules = book or load_rules()
    return decide_lines(lines, lambda facts: decide_for(facts, rules))


def snapshot(facts: Facts, lines: Sequence[LineFacts]) -> dict[str, Any]:
    """The facts the decision was taken on, whole, so a replay can decide the case again without the database."""
    return {"version": 2, "lines": [{"order_id": line.order_id, "line_no": line.line_no,
                                     "order_item_id": line.item_id, "product_id": line.product_id,
                                     "quantity": line.quantity, "policy": facts_as_dict(line.facts)}
                                    for line in lines]}


def adjudicate(*, order: OrderFacts, case_type: str, text: str, assessment: TriageAssessment,
               item_state: str | None,
               evidence: Sequence[str], now: datetime, tier: str, book: RuleBook | None = None) -> Adjudication:
    judgement = claim_check.judge(order.checkable_claims, text)
    # a contradicted claim is a mismatch; a buyer's unconfirmed word about a claim still puts the anchor first
    suspected = assessment.category == "not_as_described" and judgement.needs_evidence
    mismatch: bool | None = True if judgement.has_mismatch else (None if suspected or not judgement.findings
                                                                  else False)
    said_state = item_state or infer_item_state(text)
    state = said_state or ItemState.OPENED_UNUSED.value
    facts = build_facts(order, case_type=case_type, category=assessment.category, item_state=state,
                        evidence=evidence, now=now, claim_mismatch=mismatch)
    lines = [line_facts(line, case_type=case_type, category=assessment.category, item_state=state,
                        evidence=evidence, now=now, claim_mismatch=mismatch) for line in order.lines] \
        or [LineFacts(order_id="", line_no=1, item_id=None, product_id="", quantity=1, facts=facts)]
    judged = _decide_case(lines, book)
    decision = judged.decision
    as_dict = judged.as_dict() if order.lines else decision.as_dict()
    as_dict["facts"] = {"item_state": facts.item_state.value,
                        "item_state_source": "buyer" if item_state else "text" if said_state else "assumed",
                        "days_since_delivery": facts.days_since_delivery, "promises": list(facts.promises),
                        "evidence": [e.value for e in facts.evidence], "claim_mismatch": mismatch,
                        **(snapshot(facts, lines) if order.lines else {})}
    chosen = route(assessment.category, decision.outcome.value, bool(judgement.has_mismatch or suspected),
                   order.parties)
    zh, en = answers.answer(assessment.category, policy_outcome=decision.outcome.value,
                            symptoms=tuple(assessment.symptoms), risk_flags=tuple(assessment.risk_flags),
                            remedy=decision.remedy.value, product_category=order.category,
                            already_treated=rules.already_treated(normalize(text)))
    findings = tuple({"verdict": f.verdict, "zh": f.reason_zh, "en": f.reason_en} for f in judgement.findings)
    return Adjudication(decision=as_dict, party_id=chosen.party_id, party_kind=chosen.party_kind,
                        rule_id=chosen.rule_id, reason_zh=chosen.reason_zh, reason_en=chosen.reason_en,
                        answer_zh=zh, answer_en=en, claim_findings=findings,
                        ai_settles=_ai_settles(tier, assessment, decision.outcome.value, decision.remedy.value))


def _ai_settles(tier: str, assessment: TriageAssessment, outcome: str, remedy: str) -> str | None:
    """Common L1 cases the policy allows are finished by the AI; everything else waits for a person."""
    if tier != "L1" or assessment.risk_flags or assessment.emotion == "angry":
        return None
    if assessment.category in INFORMATION_CLASSES:
        return "resolved"
    if assessment.category == "no_reason_return" and outcome == Outcome.APPROVE.value and remedy == "return_refund":
        return "awaiting_return"
    if assessment.category == "price_protection" and outcome == Outcome.APPROVE.value and remedy == "refund":
        # 价保: the difference measured on the recorded price history is refunded as platforms do, unasked
        return "refund_pending"
    return None
