"""A case lands in the queue of the party that answers for its problem."""

from __future__ import annotations

import pytest

from aftersales.liability.routing import PLATFORM_FAULT, OrderParties, is_loop, ledger_cause, route

FULL = OrderParties(platform_id="PL", brand_id="BR", shop_id="SH", anchor_id="AN", carrier_id="CA",
                    supplier_id="SU")


@pytest.mark.parametrize(("problem", "kind"), [
    ("damaged_in_transit", "carrier"),
    ("logistics_delay", "carrier"),
    ("quality_defect", "brand"),
    ("counterfeit", "brand"),
    ("allergy_reaction", "brand"),
    ("not_as_described", "brand"),
    ("size_fit", "shop"),
    ("missing_item", "shop"),
    ("no_reason_return", "shop"),
    (PLATFORM_FAULT, "platform"),
    ("something_new", "shop"),
])
def test_routing_table(problem: str, kind: str) -> None:
    result = route(problem, "approve", False, FULL)
    assert result.party_kind == kind
    assert result.party_id == FULL.id_of(kind)
    assert result.reason_zh and result.reason_en


@pytest.mark.parametrize("problem", ["not_as_described", "allergy_reaction", "quality_defect"])
def test_claim_mismatch_goes_to_the_anchor(problem: str) -> None:
    result = route(problem, "approve", True, FULL)
    assert (result.party_kind, result.party_id, result.rule_id) == ("anchor", "AN", "claim_mismatch")


def test_transit_damage_without_a_carrier_goes_to_the_brand() -> None:
    no_carrier = OrderParties(platform_id="PL", brand_id="BR", shop_id="SH")
    result = route("damaged_in_transit", "approve", False, no_carrier)
    assert (result.party_kind, result.party_id) == ("brand", "BR")
    assert "承运商" in result.reason_zh and "no carrier" in result.reason_en


def test_claim_mismatch_on_an_order_without_anchor_falls_back_to_the_brand() -> None:
    no_anchor = OrderParties(platform_id="PL", brand_id="BR", shop_id="SH")
    assert route("not_as_described", "approve", True, no_anchor).party_kind == "brand"


def test_denied_request_is_answered_by_the_shop() -> None:
    assert route("quality_defect", "deny", False, FULL).party_kind == "shop"


def test_platform_fault_stays_with_the_platform_even_when_denied() -> None:
    assert route(PLATFORM_FAULT, "deny", True, FULL).party_kind == "platform"


def test_handing_back_to_an_earlier_holder_is_a_loop() -> None:
    assert is_loop(["BR", "AN"], "BR")
    assert not is_loop(["BR"], "CA")


@pytest.mark.parametrize(("problem", "kind", "cause"), [
    ("quality_defect", "brand", "quality"),
    ("counterfeit", "brand", "counterfeit"),
    ("allergy_reaction", "brand", "allergy"),
    ("not_as_described", "anchor", "exaggerated_claim"),
    ("damaged_in_transit", "carrier", "transit"),
    (PLATFORM_FAULT, "platform", "platform_fault"),
    ("size_fit", "shop", "seller"),
    ("other", None, "seller"),
])
def test_payment_cause_follows_the_party_that_answers(problem: str, kind: str | None, cause: str) -> None:
    from aftersales.liability.rules import load_rules

    assert ledger_cause(problem, kind) == cause
    assert cause in load_rules().causes
