"""A buyer's complaint or a lab report is judged against what the anchor claimed (not_as_described)."""

from __future__ import annotations

from decimal import Decimal

from aftersales.live import claim_check, phrases

CLAIMS = phrases.extract_checkable("含95%玻尿酸，七天美白")


def _verdicts(judgement: claim_check.Judgement) -> dict[str, str]:
    return {finding.claim.kind: finding.verdict for finding in judgement.findings}


def test_lab_report_far_below_the_claim_is_a_mismatch() -> None:
    judgement = claim_check.judge(CLAIMS, "检测结果出来了", {"hyaluronic_acid": Decimal("1.2")})
    assert judgement.has_mismatch
    finding = judgement.findings[0]
    assert "1.2" in finding.reason_zh and "95" in finding.reason_en


def test_lab_report_within_tolerance_is_consistent() -> None:
    judgement = claim_check.judge(CLAIMS, "", {"hyaluronic_acid": Decimal("90")})
    assert _verdicts(judgement) == {"ingredient": "consistent"}
    assert not judgement.has_mismatch


def test_buyer_word_alone_is_suspected_and_asks_for_evidence() -> None:
    judgement = claim_check.judge(CLAIMS, "自己送检玻尿酸只有2%，骗人")
    assert _verdicts(judgement) == {"ingredient": "suspected"}
    assert judgement.needs_evidence and not judgement.has_mismatch


def test_buyer_saying_the_ingredient_is_absent_is_suspected() -> None:
    assert _verdicts(claim_check.judge(CLAIMS, "根本不含玻尿酸")) == {"ingredient": "suspected"}


def test_no_effect_after_the_promised_days_is_a_mismatch() -> None:
    judgement = claim_check.judge(CLAIMS, "用了两周一点效果都没有")
    assert _verdicts(judgement) == {"efficacy": "mismatch"}


def test_no_effect_before_the_promised_days_is_premature() -> None:
    judgement = claim_check.judge(CLAIMS, "用了3天没效果")
    assert _verdicts(judgement) == {"efficacy": "premature"} and not judgement.has_mismatch


def test_explicit_usage_days_override_the_text() -> None:
    assert _verdicts(claim_check.judge(CLAIMS, "没效果", used_days=30)) == {"efficacy": "mismatch"}


def test_a_complaint_about_something_else_finds_nothing() -> None:
    judgement = claim_check.judge(CLAIMS, "快递太慢了")
    assert judgement.findings == () and not judgement.needs_evidence


def test_usage_duration_is_read_in_days_weeks_and_months() -> None:
    assert claim_check.days_used("用了两周") == 14
    assert claim_check.days_used("用了一个月了") == 30
    assert claim_check.days_used("才用了5天") == 5
    assert claim_check.days_used("很失望") is None
