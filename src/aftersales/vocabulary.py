"""The closed vocabularies every domain shares: case types, problem classes, policy outcomes and remedies, and
the information classes the AI answers from data. Ids are part of the API and never renamed."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class CaseType(StrEnum):
    """What the buyer asks for when opening a case (SPEC §1)."""

    REFUND_ONLY = "refund_only"
    RETURN_REFUND = "return_refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COMPLAINT = "complaint"
    ALLERGY_CLAIM = "allergy_claim"
    PRICE_PROTECTION = "price_protection"


class ProblemClass(StrEnum):
    """What went wrong, as triage classifies the buyer's words (SPEC §2 L1)."""

    LOGISTICS_DELAY = "logistics_delay"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    QUALITY_DEFECT = "quality_defect"
    NOT_AS_DESCRIBED = "not_as_described"
    COUNTERFEIT = "counterfeit"
    SIZE_FIT = "size_fit"
    ALLERGY_REACTION = "allergy_reaction"
    MISSING_ITEM = "missing_item"
    NO_REASON_RETURN = "no_reason_return"
    REFUND_PROGRESS = "refund_progress"
    PRICE_PROTECTION = "price_protection"
    VIRTUAL_GOODS = "virtual_goods"
    OTHER = "other"


class Outcome(StrEnum):
    """What the policy engine (or an agent overriding it) decides."""

    APPROVE = "approve"
    DENY = "deny"
    NEEDS_EVIDENCE = "needs_evidence"
    NEEDS_HUMAN = "needs_human"


class Remedy(StrEnum):
    REFUND = "refund"
    RETURN_REFUND = "return_refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    NONE = "none"


#: questions the AI answers from data (where is my parcel, where is my refund), whatever form they came in:
#: no human is needed to tell a buyer a fact the system holds
INFORMATION_CLASSES: Final[frozenset[str]] = frozenset({ProblemClass.LOGISTICS_DELAY.value,
                                                        ProblemClass.REFUND_PROGRESS.value})
