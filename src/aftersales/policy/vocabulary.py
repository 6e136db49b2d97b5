"""The policy's own vocabularies (item states, evidence, promises, payers), beside the shared ones it re-exports."""

from __future__ import annotations

from enum import StrEnum

from aftersales.vocabulary import CaseType, Outcome, Remedy
from aftersales.vocabulary import ProblemClass as Problem

__all__ = ["OUTCOME_RANK", "REFUNDING_REMEDIES", "REQUESTED_REMEDY", "CaseType", "Evidence", "ItemState",
           "Outcome", "Party", "Payer", "Problem", "Promise", "Remedy"]


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
