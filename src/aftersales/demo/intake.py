"""Which orders turn into cases, and what each case is at intake: class, type, emotion, tier, text, AI triage."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from aftersales.demo.assortment import BEAUTY
from aftersales.demo.commerce import Sale
from aftersales.demo.phrases import ANGRY_TAILS, BUYER_TEXTS, PUBLIC_OPINION_TAILS
from aftersales.demo.seeded import Seeded


@dataclass(frozen=True)
class Service:
    """How well the party behind an order runs after-sales; drives rates, speed, CSAT and disputes."""

    case_rate: float
    ai_first: float  # share of cases the AI answers first
    human_median_min: float  # median minutes to the first human answer
    slowness: float  # multiplier on every staff-side step
    handoffs: float  # mean hand-offs between parties
    csat: float  # mean CSAT before adjustments
    dispute: float
    offer_accept: float
    medical: float  # verified allergy claims that get medical compensation
    ai_resolve: float  # simple L1 cases the AI closes alone
    stuck: float  # cases that stall in some intermediate state
    night: float  # how much slower humans answer off-hours (22:00–08:00 Beijing time)
    repeat: float  # buyers who complain again about the same order within 30 days


SERVICE = {
    "excellent": Service(0.055, 0.95, 12, 0.6, 0.4, 4.8, 0.01, 0.75, 0.75, 0.8, 0.004, 1.3, 0.02),
    "average": Service(0.10, 0.82, 30, 1.0, 1.5, 4.3, 0.035, 0.5, 0.35, 0.6, 0.012, 3.0, 0.05),
    "poor": Service(0.18, 0.5, 200, 2.3, 3.6, 3.3, 0.11, 0.3, 0.12, 0.35, 0.03, 4.0, 0.12),
}
REPEAT_OPENERS = ("上次的问题还没解决，", "又来了，", "第二次反馈了，")
BRAND_FACTOR = {"good": 0.75, "average": 1.0, "bad": 1.5}
CATEGORY_FACTOR = {"apparel": 1.6, "shoes": 1.4, "electronics": 1.1, "food": 0.55, "fresh": 1.1, "virtual": 0.5,
                   "customised": 0.5, "hygiene": 0.6, "home": 0.8, "baby": 0.8}
CASE_TYPES: dict[str, dict[str, float]] = {
    "logistics_delay": {"complaint": 5, "refund_only": 3},
    "damaged_in_transit": {"refund_only": 5, "return_refund": 3, "exchange": 2},
    "quality_defect": {"return_refund": 5, "exchange": 3, "repair": 2, "complaint": 1},
    "not_as_described": {"return_refund": 6, "complaint": 3, "refund_only": 1},
    "counterfeit": {"return_refund": 5, "complaint": 3},
    "size_fit": {"exchange": 6, "return_refund": 4},
    "allergy_reaction": {"allergy_claim": 1},
    "missing_item": {"refund_only": 1},
    "no_reason_return": {"return_refund": 1},
    "refund_progress": {"complaint": 1},
    "price_protection": {"price_protection": 1},
    "virtual_goods": {"refund_only": 1},
    "other": {"complaint": 1},
}
COMPLEX = frozenset({"quality_defect", "not_as_described", "allergy_reaction", "counterfeit"})
# what the AI confuses each class with when it is wrong
CONFUSED = {"quality_defect": "damaged_in_transit", "damaged_in_transit": "quality_defect",
            "not_as_described": "quality_defect", "allergy_reaction": "quality_defect",
            "counterfeit": "not_as_described", "size_fit": "no_reason_return", "no_reason_return": "size_fit",
            "logistics_delay": "refund_progress", "refund_progress": "logistics_delay",
            "missing_item": "logistics_delay", "price_protection": "refund_progress", "virtual_goods": "other",
            "other": "refund_progress"}
SYMPTOMS = ("红肿", "瘙痒", "刺痛", "起疹子", "脱皮")


@dataclass
class Intake:
    sale: Sale
    service: Service
    true_class: str
    ai_class: str
    confidence: float
    case_type: str
    created: datetime
    emotion: str
    tier: str
    text: str
    risk_flags: list[str] = field(default_factory=list)
    symptoms: list[str] = field(default_factory=list)
    #: what the live service gives this text (set by demo.live_ai once every case is drawn)
    live: Any = None

    @property
    def denied(self) -> bool:
        """The policy refuses the request: the agent explains, no refund or return follows."""
        return self.live is not None and self.live.judged.decision.get("outcome") == "deny"


def service_of(sale: Sale) -> Service:
    return SERVICE[sale.anchor.quality if sale.anchor else "average"]


def case_probability(sale: Sale) -> float:
    rate = service_of(sale).case_rate * BRAND_FACTOR[sale.product.brand_quality]
    rate *= CATEGORY_FACTOR.get(sale.product.category, 1.0) * (1.2 if sale.peak else 1.0)
    if sale.buyer.high_returner:
        rate *= 4
    if sale.session is not None and sale.session.group_complaint:
        rate += 0.35
    if sale.batch_id is not None and sale.batch_id.endswith("-SPIKE"):
        rate += 0.3
    return min(rate, 0.9)


def open_intake(rng: Seeded, sale: Sale, now: datetime) -> Intake | None:
    """Draw the case an order produces, or None when it would fall after `now`."""
    true_class = _true_class(rng, sale)
    created = _created(rng, sale, true_class)
    if created is None or created >= now - timedelta(minutes=2):
        return None
    service = service_of(sale)
    accuracy = 0.76 if sale.product.category in BEAUTY else 0.86
    correct = rng.chance(accuracy)
    ai_class = true_class if correct else CONFUSED[true_class]
    emotion = _emotion(rng, sale, true_class)
    text = rng.choice(BUYER_TEXTS[true_class]).replace("{p}", sale.product.name)
    flags: list[str] = []
    if emotion == "angry":
        if rng.chance(0.22):
            text += rng.choice(PUBLIC_OPINION_TAILS)
            flags.append("public_opinion")
        else:
            text += rng.choice(ANGRY_TAILS)
    if sale.session is not None and sale.session.group_complaint and true_class == "not_as_described":
        flags.append("group_complaint")
    if sale.batch_id is not None and sale.batch_id.endswith("-SPIKE") and true_class == "allergy_reaction":
        flags.append("batch_spike")
    if sale.buyer.high_returner:
        flags.append("high_return_buyer")
    tier = "L3" if {"public_opinion", "group_complaint", "batch_spike"} & set(flags) else (
        "L2" if ai_class in COMPLEX else "L1")
    case_type = rng.pick_weighted(_types(true_class, sale.product.category))
    symptoms = rng.sample(SYMPTOMS, 2) if true_class == "allergy_reaction" else []
    return Intake(sale, service, true_class, ai_class,
                  round(rng.uniform(0.7, 0.98) if correct else rng.uniform(0.4, 0.75), 3),
                  case_type, created, emotion, tier, text, flags, symptoms)


def repeat_intake(rng: Seeded, first: Intake, now: datetime) -> Intake | None:
    """The same buyer back about the same order (indicator S4), crosser than the first time."""
    if not rng.chance(first.service.repeat):
        return None
    created = first.created + timedelta(days=rng.uniform(2, 25))
    if created >= now - timedelta(minutes=2):
        return None
    emotion = "angry" if first.emotion in ("angry", "disappointed") else "disappointed"
    return replace(first, created=created, emotion=emotion, text=rng.choice(REPEAT_OPENERS) + first.text,
                   risk_flags=[*first.risk_flags, "repeat_complaint"])


def _types(true_class: str, category: str) -> dict[str, float]:
    options = dict(CASE_TYPES[true_class])
    if category != "electronics":
        options.pop("repair", None)
    return options


def _true_class(rng: Seeded, sale: Sale) -> str:
    if sale.batch_id is not None and sale.batch_id.endswith("-SPIKE") and rng.chance(0.8):
        return "allergy_reaction"
    if sale.session is not None and sale.session.group_complaint and rng.chance(0.75):
        return "not_as_described"
    return rng.pick_weighted(_class_weights(sale))


def _class_weights(sale: Sale) -> dict[str, float]:
    category, quality = sale.product.category, sale.anchor.quality if sale.anchor else "average"
    if category == "virtual":
        return {"virtual_goods": 20, "refund_progress": 2, "not_as_described": 2, "other": 2}
    brand = BRAND_FACTOR[sale.product.brand_quality] ** 2
    weights = {"logistics_delay": 10 * (1.8 if sale.peak else 1.0), "damaged_in_transit": 4,
               "quality_defect": 8 * brand, "missing_item": 3, "no_reason_return": 8, "refund_progress": 3,
               "price_protection": 3 * (3 if sale.peak else 1), "other": 2, "counterfeit": 0.8 * brand,
               "not_as_described": 4 * {"excellent": 0.5, "average": 1.0, "poor": 3.0}[quality]}
    if category in ("food", "fresh", "customised", "hygiene"):
        weights["no_reason_return"] = 1.5  # excluded from no-reason returns; a few ask anyway
    if category == "fresh":
        weights["damaged_in_transit"] *= 3
    if category in ("apparel", "shoes"):
        weights["size_fit"] = 28
    if category in BEAUTY:
        weights["allergy_reaction"] = 7 * (1.6 if sale.product.sensitive_skin else 1.0)
    if category == "electronics":
        weights["quality_defect"] *= 2
    if sale.buyer.high_returner:
        weights["no_reason_return"] *= 5
    return weights


def _created(rng: Seeded, sale: Sale, true_class: str) -> datetime | None:
    if true_class == "price_protection":
        return sale.paid + timedelta(hours=rng.uniform(6, 120))
    if true_class == "logistics_delay":
        if sale.shipped is not None and sale.delivered is not None:
            return sale.shipped + (sale.delivered - sale.shipped) * rng.uniform(0.3, 0.9)
        return sale.paid + timedelta(hours=rng.uniform(50, 120))
    if sale.delivered is None:
        return None
    if true_class == "refund_progress":
        return sale.delivered + timedelta(days=rng.uniform(5, 12))
    if true_class in ("allergy_reaction", "damaged_in_transit", "missing_item"):
        return sale.delivered + timedelta(hours=rng.uniform(2, 96))
    return sale.delivered + min(rng.minutes(36 * 60, 0.9), timedelta(days=14))


def _emotion(rng: Seeded, sale: Sale, true_class: str) -> str:
    quality = sale.anchor.quality if sale.anchor else "average"
    angry = 13 * {"excellent": 0.6, "average": 1.0, "poor": 1.7}[quality]
    if sale.session is not None and sale.session.group_complaint:
        angry *= 3
    if true_class in ("counterfeit", "allergy_reaction", "not_as_described"):
        angry *= 1.5
    anxious = 20 * (2 if true_class in ("logistics_delay", "refund_progress") else 1)
    return rng.pick_weighted({"calm": 45, "anxious": anxious, "disappointed": 22, "angry": angry})
