"""One test group per rule of SPEC §Operations 4, as a buyer would notice it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from policy_factories import OLD_ORDER, rule_ids

from aftersales.policy.facts import FIELD_NAMES
from aftersales.policy.rules import Decision
from aftersales.policy.vocabulary import Outcome, Party, Payer, Remedy

Judge = Callable[..., Decision]


class TestNoReasonExclusions:
    @pytest.mark.parametrize("category", ["food", "fresh", "customised", "formula"])
    def test_excluded_categories_are_denied_a_no_reason_return_even_unopened(
        self, judge: Judge, category: str
    ) -> None:
        decision = judge(product_category=category, item_state="unopened")
        assert decision.outcome == Outcome.DENY
        assert decision.refund_amount == 0

    def test_fresh_produce_gets_its_own_reason_not_the_generic_food_one(self, judge: Judge) -> None:
        decision = judge(product_category="fresh")
        assert rule_ids(decision) == ["exclude.fresh"]
        assert decision.reasons[0].fact == "product_category=fresh"

    def test_food_with_a_quality_problem_is_still_handled(self, judge: Judge) -> None:
        decision = judge(product_category="food", problem="quality_defect", evidence=["photo"])
        assert decision.outcome == Outcome.APPROVE
        assert decision.shipping_payer == Payer.SELLER

    @pytest.mark.parametrize("tag", ["no_reason_excluded", "不支持7天无理由", "定制"])
    def test_a_product_marked_excluded_is_denied(self, judge: Judge, tag: str) -> None:
        decision = judge(product_category="home", product_tags=[tag])
        assert decision.outcome == Outcome.DENY
        assert rule_ids(decision) == ["exclude.marked"]


class TestOpenedHygieneGoods:
    @pytest.mark.parametrize("state", ["opened_unused", "used"])
    def test_opened_hygiene_goods_are_denied(self, judge: Judge, state: str) -> None:
        decision = judge(product_category="hygiene", item_state=state)
        assert decision.outcome == Outcome.DENY
        assert "exclude.hygiene_opened" in rule_ids(decision)

    def test_unopened_hygiene_goods_can_be_returned(self, judge: Judge) -> None:
        assert judge(product_category="hygiene", item_state="unopened").outcome == Outcome.APPROVE

    def test_hygiene_flag_inherits_down_the_tree_to_underwear(self, judge: Judge) -> None:
        # apparel opened-but-unused returns fine; its subcategory underwear is a hygiene good.
        assert judge(product_category="apparel", item_state="opened_unused").outcome == Outcome.APPROVE
        assert judge(product_category="underwear", item_state="opened_unused").outcome == Outcome.DENY

    def test_a_chinese_hygiene_tag_excludes_an_opened_item(self, judge: Judge) -> None:
        decision = judge(product_category="apparel", product_tags=["贴身衣物"], item_state="opened_unused")
        assert decision.outcome == Outcome.DENY


class TestAffectsResaleLadder:
    def test_unopened_within_seven_days_is_returned_for_a_full_refund(self, judge: Judge) -> None:
        decision = judge(item_state="unopened", paid_amount="259.90")
        assert (decision.outcome, decision.remedy) == (Outcome.APPROVE, Remedy.RETURN_REFUND)
        assert decision.refund_amount == Decimal("259.90")
        assert rule_ids(decision)[0] == "resale.unopened"

    def test_opened_but_unused_is_return_and_refund(self, judge: Judge) -> None:
        decision = judge(product_category="lipstick", item_state="opened_unused")
        assert (decision.outcome, decision.remedy) == (Outcome.APPROVE, Remedy.RETURN_REFUND)
        assert rule_ids(decision)[0] == "resale.opened_unused"

    def test_used_items_get_no_no_reason_return(self, judge: Judge) -> None:
        decision = judge(item_state="used")
        assert decision.outcome == Outcome.DENY
        assert decision.reasons[0].fact == "item_state=used"

    @pytest.mark.parametrize(("days", "outcome"), [(7, Outcome.APPROVE), (8, Outcome.DENY)])
    def test_the_window_is_seven_days_after_delivery(self, judge: Judge, days: int, outcome: Outcome) -> None:
        assert judge(days_since_delivery=days).outcome == outcome

    def test_size_problem_can_be_exchanged(self, judge: Judge) -> None:
        decision = judge(problem="size_fit", case_type="exchange", item_state="opened_unused")
        assert (decision.outcome, decision.remedy) == (Outcome.APPROVE, Remedy.EXCHANGE)
        assert decision.refund_amount == 0


class TestElectronics:
    def test_quality_problem_within_15_days_is_exchanged_at_the_sellers_cost(self, judge: Judge) -> None:
        decision = judge(
            product_category="phone", problem="quality_defect", days_since_delivery=12,
            evidence=["photo"], item_state="used", order_placed_at=OLD_ORDER,
        )  # fmt: skip
        assert (decision.outcome, decision.remedy) == (Outcome.APPROVE, Remedy.EXCHANGE)
        assert decision.shipping_payer == Payer.SELLER
        assert rule_ids(decision)[0] == "electronics.quality_exchange"

    def test_after_15_days_the_2025_rules_offer_repair_not_exchange(self, judge: Judge) -> None:
        decision = judge(
            product_category="electronics", problem="quality_defect", days_since_delivery=16,
            evidence=["video"], item_state="used", order_placed_at=OLD_ORDER,
        )  # fmt: skip
        assert decision.remedy == Remedy.REPAIR

    def test_without_evidence_the_buyer_is_asked_for_it_with_a_deadline(self, judge: Judge) -> None:
        decision = judge(product_category="phone", problem="quality_defect", days_since_delivery=10)
        assert decision.outcome == Outcome.NEEDS_EVIDENCE
        assert decision.deadline is not None and decision.deadline.party == Party.BUYER
        assert decision.reasons[0].fact == "evidence=[]"

    def test_within_seven_days_the_buyer_may_return_a_defective_item_instead(self, judge: Judge) -> None:
        decision = judge(product_category="phone", problem="quality_defect", days_since_delivery=2,
                         evidence=["photo"], item_state="used")  # fmt: skip
        assert decision.remedy == Remedy.RETURN_REFUND


class TestCosmeticsAllergy:
    def test_allergy_with_a_hospital_report_is_refunded_without_sending_the_item_back(
        self, judge: Judge
    ) -> None:
        decision = judge(product_category="lipstick", problem="allergy_reaction", case_type="allergy_claim",
                         item_state="used", evidence=["medical_report"], paid_amount="89")  # fmt: skip
        assert (decision.outcome, decision.remedy) == (Outcome.APPROVE, Remedy.REFUND)
        assert decision.shipping_payer == Payer.NONE
        assert decision.refund_amount == Decimal("89")

    def test_a_test_report_works_as_well(self, judge: Judge) -> None:
        decision = judge(product_category="skincare", problem="allergy_reaction", evidence=["test_report"])
        assert decision.outcome == Outcome.APPROVE

    def test_without_a_report_the_buyer_is_asked_for_one(self, judge: Judge) -> None:
        decision = judge(product_category="lipstick", problem="allergy_reaction", evidence=["photo"])
        assert decision.outcome == Outcome.NEEDS_EVIDENCE
        assert "报告" in decision.reasons[0].zh

    def test_allergy_to_a_non_cosmetic_goes_to_a_person(self, judge: Judge) -> None:
        decision = judge(product_category="apparel", problem="allergy_reaction", evidence=["medical_report"])
        assert decision.outcome == Outcome.NEEDS_HUMAN


class TestVirtualServices:
    @pytest.mark.parametrize("state", ["unopened", "opened_unused"])
    def test_unused_virtual_services_are_refundable(self, judge: Judge, state: str) -> None:
        decision = judge(product_category="course", problem="virtual_goods", case_type="refund_only",
                         item_state=state, days_since_delivery=20)  # fmt: skip
        assert (decision.outcome, decision.remedy) == (Outcome.APPROVE, Remedy.REFUND)
        assert decision.shipping_payer == Payer.NONE

    def test_used_virtual_services_are_not(self, judge: Judge) -> None:
        decision = judge(product_category="virtual", problem="virtual_goods", item_state="used")
        assert decision.outcome == Outcome.DENY


class TestShippingPayer:
    def test_the_buyer_pays_return_postage_for_a_no_reason_return(self, judge: Judge) -> None:
        assert judge().shipping_payer == Payer.BUYER

    def test_shipping_insurance_pays_instead_of_the_buyer(self, judge: Judge) -> None:
        decision = judge(shipping_insurance=True)
        assert decision.shipping_payer == Payer.INSURANCE
        assert "shipping.insurance" in rule_ids(decision)

    def test_the_seller_pays_when_at_fault_insured_or_not(self, judge: Judge) -> None:
        for insured in (False, True):
            decision = judge(problem="quality_defect", evidence=["photo"], shipping_insurance=insured)
            assert decision.shipping_payer == Payer.SELLER

    def test_the_carrier_pays_for_transit_damage(self, judge: Judge) -> None:
        decision = judge(problem="damaged_in_transit", evidence=["photo"], days_since_delivery=1)
        assert decision.shipping_payer == Payer.CARRIER


class TestDeadlines:
    def test_a_refund_is_due_within_48_hours(self, judge: Judge) -> None:
        decision = judge(product_category="course", case_type="refund_only", problem="virtual_goods")
        assert decision.deadline is not None
        assert (decision.deadline.hours, decision.deadline.party) == (48, Party.SELLER)
        assert decision.deadline.action == "refund"

    def test_a_return_is_refunded_within_48_hours_of_arriving(self, judge: Judge) -> None:
        deadline = judge().deadline
        assert deadline is not None and (deadline.hours, deadline.action) == (48, "refund_after_return")

    def test_a_case_for_a_person_gets_a_first_reply_within_24_hours(self, judge: Judge) -> None:
        decision = judge(case_type="complaint", problem="other")
        assert decision.outcome == Outcome.NEEDS_HUMAN
        assert decision.deadline is not None and decision.deadline.hours == 24

    def test_a_denial_has_no_deadline(self, judge: Judge) -> None:
        assert judge(item_state="used").deadline is None


class TestCounterfeitAndPromises:
    def test_a_verified_fake_is_refunded_with_statutory_threefold_compensation_at_least_500(
        self, judge: Judge
    ) -> None:
        cheap = judge(problem="counterfeit", evidence=["test_report"], paid_amount="50")
        dear = judge(problem="counterfeit", evidence=["test_report"], paid_amount="1000")
        assert cheap.refund_amount == Decimal("50") and cheap.compensation_amount == Decimal("500")
        assert dear.compensation_amount == Decimal("3000")

    def test_fake_pays_ten_gives_tenfold_compensation(self, judge: Judge) -> None:
        decision = judge(problem="counterfeit", evidence=["test_report"], paid_amount="1000",
                         promises=["fake_pays_ten"])  # fmt: skip
        assert decision.compensation_amount == Decimal("10000")
        assert decision.refund_amount == Decimal("1000")
        assert "promise.fake_pays_ten" in rule_ids(decision)

    def test_allergy_refund_promise_refunds_without_any_report(self, judge: Judge) -> None:
        decision = judge(product_category="apparel", problem="allergy_reaction", promises=["allergy_refund"])
        assert (decision.outcome, decision.remedy) == (Outcome.APPROVE, Remedy.REFUND)
        # The base reason stays visible next to the promise that overrode it.
        assert rule_ids(decision)[:2] == ["allergy.other_category", "promise.allergy_refund"]

    def test_authentic_guarantee_moves_the_burden_of_proof_to_the_seller(self, judge: Judge) -> None:
        without = judge(problem="counterfeit")
        promised = judge(problem="counterfeit", promises=["authentic_guarantee"])
        assert without.outcome == Outcome.NEEDS_EVIDENCE
        assert promised.outcome == Outcome.NEEDS_HUMAN

    def test_authentic_guarantee_never_downgrades_a_verified_fake(self, judge: Judge) -> None:
        decision = judge(problem="counterfeit", evidence=["test_report"], promises=["authentic_guarantee"])
        assert decision.outcome == Outcome.APPROVE
        assert decision.compensation_amount == Decimal("500")

    def test_seven_day_return_promise_opens_no_reason_returns_for_excluded_food(self, judge: Judge) -> None:
        decision = judge(product_category="food", promises=["seven_day_return"])
        assert decision.outcome == Outcome.APPROVE

    def test_damage_covered_refunds_late_damage_without_a_return(self, judge: Judge) -> None:
        base = judge(problem="damaged_in_transit", evidence=["photo"], days_since_delivery=10)
        promised = judge(problem="damaged_in_transit", evidence=["photo"], days_since_delivery=10,
                         promises=["damage_covered"])  # fmt: skip
        assert base.outcome == Outcome.NEEDS_HUMAN
        assert (promised.outcome, promised.remedy) == (Outcome.APPROVE, Remedy.REFUND)


class TestReasons:
    @pytest.mark.parametrize(
        "changes",
        [
            {},
            {"product_category": "fresh"},
            {"problem": "counterfeit", "promises": ["fake_pays_ten"], "evidence": ["test_report"]},
            {"problem": "not_as_described", "claim_mismatch": True},
            {"problem": "logistics_delay", "days_since_delivery": None, "case_type": "refund_only"},
        ],
    )
    def test_every_reason_names_a_rule_a_fact_and_reads_in_both_languages(
        self, judge: Judge, changes: dict[str, object]
    ) -> None:
        decision = judge(**changes)
        assert decision.reasons
        for reason in decision.reasons:
            assert reason.fact.split("=")[0] in FIELD_NAMES
            assert reason.zh and reason.en and "{" not in reason.zh + reason.en
            assert any("\u4e00" <= ch <= "\u9fff" for ch in reason.zh)
