"""Which tier and queue priority a new case gets, from its type and the triage of its text. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales.sla.rules import Tier
from aftersales.vocabulary import INFORMATION_CLASSES

#: SPEC §2: quality disputes, false advertising and allergy need a human (L2)
HUMAN_CLASSES = frozenset({"quality_defect", "not_as_described", "counterfeit", "allergy_reaction"})
HUMAN_CASE_TYPES = frozenset({"complaint", "allergy_claim"})
#: this many similar open cases on one batch or live session within the window make a group complaint (L3)
GROUP_COMPLAINT_THRESHOLD = 5
GROUP_COMPLAINT_WINDOW_HOURS = 6


@dataclass(frozen=True)
class TierDecision:
    tier: str
    priority: int  # 1 most urgent … 4
    senior_required: bool
    reasons: tuple[str, ...]


#: emotion intensity (0..1) at which a buyer who is not read as angry still jumps the queue
URGENT_INTENSITY = 0.7
#: intensity at which a calm-read message still gets the priority of an upset buyer ("在吗？？？？")
UPSET_INTENSITY = 0.4


def decide_tier(*, case_type: str, category: str, emotion: str, confidence: float,
                risk_flags: tuple[str, ...] | list[str], low_confidence: float,
                similar_recent_cases: int = 0, emotion_intensity: float = 0.0) -> TierDecision:
    reasons: list[str] = []
    tier = Tier.L1
    if risk_flags:
        tier = Tier.L3
        reasons.append("风险标记 / risk flags: " + ", ".join(risk_flags))
    if similar_recent_cases >= GROUP_COMPLAINT_THRESHOLD:
        tier = Tier.L3
        reasons.append(f"群体投诉：同批次/同场直播近{GROUP_COMPLAINT_WINDOW_HOURS}小时内{similar_recent_cases}件同类工单"
                       f" / group complaint: {similar_recent_cases} similar cases in {GROUP_COMPLAINT_WINDOW_HOURS} h")
    if tier is Tier.L1:
        if case_type in HUMAN_CASE_TYPES and not (category in INFORMATION_CLASSES and case_type == "complaint"):
            tier = Tier.L2
            reasons.append(f"工单类型需人工 / case type {case_type} needs a human")
        elif category in HUMAN_CLASSES:
            tier = Tier.L2
            reasons.append(f"问题类型需人工 / problem class {category} needs a human")
        elif confidence < low_confidence:
            tier = Tier.L2
            reasons.append(f"AI置信度低 ({confidence:.2f}) / low AI confidence")
    if not reasons:
        reasons.append("常见问题，AI直接答复 / common issue answered by the AI")
    angry = emotion == "angry"
    priority = 1 if (tier is Tier.L3 or angry or emotion_intensity >= URGENT_INTENSITY) else \
        2 if (emotion in ("disappointed", "anxious") or emotion_intensity >= UPSET_INTENSITY) else 3
    if angry:
        reasons.append("买家情绪激动：优先处理并由资深客服接手 / angry buyer: jumps the queue, senior agent")
    return TierDecision(tier=tier.value, priority=priority, senior_required=angry or tier is Tier.L3,
                        reasons=tuple(reasons))
