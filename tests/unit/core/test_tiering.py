"""Tiering: risk and group complaints go to L3, complex classes to L2, common cases stay with the AI."""

from __future__ import annotations

from aftersales.sla.tiering import GROUP_COMPLAINT_THRESHOLD, decide_tier


def tier(**changes: object) -> object:
    facts: dict[str, object] = {"case_type": "return_refund", "category": "size_fit", "emotion": "calm",
                                "confidence": 0.95, "risk_flags": (), "low_confidence": 0.6}
    facts.update(changes)
    return decide_tier(**facts)  # type: ignore[arg-type]


def test_common_case_stays_l1() -> None:
    result = tier()
    assert result.tier == "L1" and result.priority == 3 and not result.senior_required


def test_public_opinion_goes_l3_first_in_queue() -> None:
    result = tier(risk_flags=("public_opinion",))
    assert result.tier == "L3" and result.priority == 1


def test_group_complaint_goes_l3() -> None:
    assert tier(similar_recent_cases=GROUP_COMPLAINT_THRESHOLD).tier == "L3"
    assert tier(similar_recent_cases=GROUP_COMPLAINT_THRESHOLD - 1).tier == "L1"


def test_allergy_and_false_advertising_need_a_human() -> None:
    assert tier(case_type="allergy_claim").tier == "L2"
    assert tier(category="not_as_described").tier == "L2"


def test_low_confidence_needs_a_human() -> None:
    assert tier(confidence=0.3).tier == "L2"


def test_angry_buyer_jumps_the_queue_to_a_senior() -> None:
    result = tier(emotion="angry")
    assert result.priority == 1 and result.senior_required


def test_a_complaint_that_only_asks_where_the_parcel_is_stays_with_the_ai() -> None:
    assert tier(case_type="complaint", category="logistics_delay").tier == "L1"
    assert tier(case_type="complaint", category="quality_defect").tier == "L2"
