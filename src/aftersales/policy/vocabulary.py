"""The closed vocabularies of the policy: case types, problems, item states, evidence, promises, outcomes."""

from __future__ import annotations

from enum import StrEnum


class CaseType(StrEnum):
    REFUND_ONLY = "refund_only"
    RETURN_REFUND = "return_refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COMPLAINT = "complaint"
    ALLERGY_CLAIM = "allergy_claim"
    PRICE_PROTECTION = "price_protection"


class Problem(StrEnum):
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


class ItemState(StrEnum):
    UNOPENED = "unopened"
    OPENED_UNUSED = "opened_unused"
    USED = "used"


class Evidence(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    MEDICAL_REPORT = "medical_report"
    TEST_REPORT = "test_report"


class Promise(StrEnum):
    """Normalised anchor promise ids; the live domain's phrase library emits exactly these."""

    ALLERGY_REFUND = "allergy_refund"
    FAKE_PAYS_TEN = "fake_pays_ten"
    FAKE_PAYS_THREE = "fake_pays_three"
    AUTHENTIC_GUARANTEE = "authentic_guarantee"
    DAMAGE_COVERED = "damage_covered"
    SEVEN_DAY_RETURN = "seven_day_return"
    PRICE_PROTECTION_DAYS = "price_protection_days"
    SENSITIVE_SKIN_SAFE = "sensitive_skin_safe"


class Outcome(StrEnum):
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


class Payer(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    INSURANCE = "insurance"
    CARRIER = "carrier"
    NONE = "none"


class Party(StrEnum):
    """Who must act before a decision's deadline."""

    BUYER = "buyer"
    SELLER = "seller"


# How good an outcome is for the buyer. needs_human ranks above needs_evidence because it moves the
# burden to the seller side (a person must look), while needs_evidence leaves the buyer with work to do.
OUTCOME_RANK: dict[Outcome, int] = {
    Outcome.DENY: 0,
    Outcome.NEEDS_EVIDENCE: 1,
    Outcome.NEEDS_HUMAN: 2,
    Outcome.APPROVE: 3,
}

REFUNDING_REMEDIES = frozenset({Remedy.REFUND, Remedy.RETURN_REFUND})

# The remedy a case type asks for, used by rules whose remedy is "as_requested".
REQUESTED_REMEDY: dict[CaseType, Remedy] = {
    CaseType.REFUND_ONLY: Remedy.REFUND,
    CaseType.RETURN_REFUND: Remedy.RETURN_REFUND,
    CaseType.EXCHANGE: Remedy.EXCHANGE,
    CaseType.REPAIR: Remedy.REPAIR,
}
