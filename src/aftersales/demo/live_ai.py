"""Every demo case gets what the live service would give its text: the shipped triage model's class, emotion,
confidence, risk flags and soothing script, the tier from the SLA rules, and the policy decision with its
answer from the real adjudication. Nothing is made up, so a demo case reads like one that came in live."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aftersales.cases.adjudication import Adjudication, LineInput, OrderFacts, adjudicate
from aftersales.demo.commerce import Sale
from aftersales.demo.intake import Intake
from aftersales.liability.routing import OrderParties
from aftersales.live import phrases
from aftersales.policy.price_rules import PricePoint
from aftersales.policy.service import RuleBook, load_rules
from aftersales.sla.tiering import GROUP_COMPLAINT_THRESHOLD, TierDecision, decide_tier
from aftersales.triage.assessment import TriageAssessment
from aftersales.triage.service import LOW_CONFIDENCE, assess_many

#: triage one chunk at a time: one matrix product each, memory stays small at 100,000 orders
CHUNK = 2000
#: situations the demo's story knows of that intake would see as a group of similar recent cases
GROUPED = frozenset({"group_complaint", "batch_spike"})


@dataclass(frozen=True)
class LiveAi:
    assessment: TriageAssessment
    tier: TierDecision
    judged: Adjudication
    #: the decision once the buyer's hospital report is in (allergy claims re-decided with that evidence)
    with_report: Adjudication | None = None


@dataclass(frozen=True)
class Said:
    """What the anchor promised for one product in one live session: promise ids and the 保价 days, if any."""

    promises: tuple[str, ...] = ()
    price_days: int | None = None


def promises_by_sale(claim_rows: Sequence[Mapping[str, object]]) -> dict[tuple[str, str], Said]:
    """(live session, product) → what the anchor promised for that product there."""
    ids: dict[tuple[str, str], list[str]] = {}
    days: dict[tuple[str, str], int] = {}
    for row in claim_rows:
        made = phrases.extract_promises(str(row["text"]))
        for product in row["product_ids"]:  # type: ignore[attr-defined]
            key = (str(row["session_id"]), str(product))
            ids.setdefault(key, []).extend(p.id for p in made)
            for promise in made:
                if promise.id == "price_protection_days" and promise.days:
                    days[key] = max(days.get(key, 0), promise.days)
    return {key: Said(tuple(dict.fromkeys(found)), days.get(key)) for key, found in ids.items()}


def apply(intakes: Sequence[Intake], promises: Mapping[tuple[str, str], Said], *,
          tags_of: Mapping[str, tuple[str, ...]], suppliers: Mapping[str, str | None],
          prices: Mapping[str, Sequence[PricePoint]] | None = None, book: RuleBook | None = None) -> None:
    """Replace each intake's simulated AI fields by the live service's, in place."""
    book = book or load_rules()
    for start in range(0, len(intakes), CHUNK):
        chunk = intakes[start:start + CHUNK]
        assessments = assess_many([i.text for i in chunk], case_types=[i.case_type for i in chunk])
        for intake, assessment in zip(chunk, assessments, strict=True):
            _apply_one(intake, assessment, promises, tags_of, suppliers, prices or {}, book)


def _apply_one(intake: Intake, assessment: TriageAssessment, promises: Mapping[tuple[str, str], Said],
               tags_of: Mapping[str, tuple[str, ...]], suppliers: Mapping[str, str | None],
               prices: Mapping[str, Sequence[PricePoint]], book: RuleBook) -> None:
    situational = [f for f in intake.risk_flags if f not in assessment.risk_flags]
    grouped = GROUP_COMPLAINT_THRESHOLD if GROUPED & set(situational) else 0
    tier = decide_tier(case_type=intake.case_type, category=assessment.category, emotion=assessment.emotion,
                       emotion_intensity=assessment.emotion_intensity, confidence=assessment.confidence,
                       risk_flags=assessment.risk_flags, low_confidence=LOW_CONFIDENCE,
                       similar_recent_cases=grouped)
    facts = _facts(intake.sale, promises, tags_of, suppliers, prices.get(intake.sale.product.id, ()))

    def decide(evidence: list[str]) -> Adjudication:
        return adjudicate(order=facts, case_type=intake.case_type, text=intake.text, assessment=assessment,
                          item_state=None, evidence=evidence, now=intake.created, tier=tier.tier, book=book)

    judged = decide([])
    reported = decide(["medical_report", "photo"]) if intake.case_type == "allergy_claim" else None
    intake.ai_class, intake.confidence, intake.emotion = assessment.category, round(assessment.confidence, 3), \
        assessment.emotion
    intake.symptoms = list(assessment.symptoms)
    intake.risk_flags = [*assessment.risk_flags, *situational]
    intake.tier = tier.tier
    intake.live = LiveAi(assessment, tier, judged, reported)


def _facts(sale: Sale, promises: Mapping[tuple[str, str], Said], tags_of: Mapping[str, tuple[str, ...]],
           suppliers: Mapping[str, str | None], prices: Sequence[PricePoint]) -> OrderFacts:
    """The case's facts as intake builds them: the order, and line 1 (what demo cases name) with its prices."""
    product = sale.product
    said = promises.get((sale.session.id, product.id), Said()) if sale.session is not None else Said()
    parties = OrderParties(platform_id="platform", brand_id=product.brand_id, shop_id=product.shop_id,
                           anchor_id=sale.anchor.id if sale.anchor else None,
                           carrier_id=sale.carrier[0] if sale.carrier else None, supplier_id=suppliers.get(product.id))
    tags = tags_of.get(product.id, ())
    line = LineInput(order_id=sale.id, line_no=1, item_id=sale.line_id, product_id=product.id,
                     category=product.category, tags=tags, quantity=sale.quantity, paid=sale.amount,
                     unit_price=product.price, sku=None, placed_at=sale.placed, delivered_at=sale.delivered,
                     shipping_insurance=sale.insured, promises=said.promises, promised_price_days=said.price_days,
                     anchor_id=sale.anchor.id if sale.anchor else None, prices=tuple(prices))
    return OrderFacts(category=product.category, tags=tags, amount=sale.amount, placed_at=sale.placed,
                      delivered_at=sale.delivered, shipping_insurance=sale.insured, parties=parties,
                      promises=said.promises, lines=(line,))
