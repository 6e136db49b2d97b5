"""The triage taxonomy: class, emotion and risk ids are part of the API and never renamed."""

from __future__ import annotations

from typing import Final

from aftersales.vocabulary import Outcome, ProblemClass

CATEGORIES: Final[tuple[str, ...]] = tuple(p.value for p in ProblemClass)

EMOTIONS: Final[tuple[str, ...]] = ("calm", "anxious", "disappointed", "angry")

RISK_FLAGS: Final[tuple[str, ...]] = ("public_opinion", "group_complaint", "safety")

POLICY_OUTCOMES: Final[tuple[str, ...]] = tuple(o.value for o in Outcome)

CATEGORY_LABELS: Final[dict[str, tuple[str, str]]] = {
    "logistics_delay": ("物流延迟", "Logistics delay"),
    "damaged_in_transit": ("运输破损", "Damaged in transit"),
    "quality_defect": ("质量问题", "Quality defect"),
    "not_as_described": ("货不对板/与主播描述不符", "Not as described / not what the anchor said"),
    "counterfeit": ("疑似假货", "Suspected counterfeit"),
    "size_fit": ("尺码不合适", "Size or fit"),
    "allergy_reaction": ("过敏反应", "Allergic reaction"),
    "missing_item": ("少件/漏发赠品", "Missing item or gift"),
    "no_reason_return": ("七天无理由退货", "No-reason return"),
    "refund_progress": ("退款进度", "Refund progress"),
    "price_protection": ("价格保护", "Price protection"),
    "virtual_goods": ("虚拟商品/服务", "Virtual goods or services"),
    "other": ("其他", "Other"),
}

EMOTION_LABELS: Final[dict[str, tuple[str, str]]] = {
    "calm": ("平静", "Calm"),
    "anxious": ("焦急", "Anxious"),
    "disappointed": ("失望", "Disappointed"),
    "angry": ("愤怒", "Angry"),
}

RISK_LABELS: Final[dict[str, tuple[str, str]]] = {
    "public_opinion": ("舆情风险", "Public-opinion risk"),
    "group_complaint": ("群体投诉", "Group complaint"),
    "safety": ("人身安全", "Personal safety"),
}
