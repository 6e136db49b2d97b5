"""Who bears what: SPEC §6 splits, exact cents, and books that always balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.liability import ledger
from aftersales.liability.rules import KINDS, RuleError, load_rules, parse_rules

RULES = load_rules()
PARTIES = ledger.LiabilityParties(platform="PL", brand="BR", shop="SH", anchor="AN", carrier="CA", supplier="SU")
ALLIANCE = ledger.LiabilityParties(platform="PL", brand="BR", shop="SH", anchor="AN", carrier="CA",
                                   supplier="SU", supplier_in_alliance=True)


def _plan(cause: str, kind: str = "refund", amount: str = "100.00",
          parties: ledger.LiabilityParties = PARTIES) -> ledger.CasePlan:
    return ledger.plan_case(RULES, kind=kind, amount=Decimal(amount), cause=cause, parties=parties)


def test_exaggerated_claim_is_borne_80_20_by_brand_and_anchor() -> None:
    plan = _plan("exaggerated_claim")
    assert dict(plan.borne) == {"BR": Decimal("80.00"), "AN": Decimal("20.00")}
    assert plan.payer_id == "PL"


def test_anchor_advances_false_advertising_refunds_and_holds_a_claim_on_the_supplier() -> None:
    plan = _plan("false_advertising", amount="300.00")
    balances = ledger.balances(plan.legs)
    assert plan.payer_id == "AN"
    assert balances[ledger.AccountKey("AN", "payout")] == Decimal("-300.00")
    assert balances[ledger.AccountKey("AN", "receivable")] == Decimal("240.00")
    assert balances[ledger.AccountKey("SU", "payable")] == Decimal("-240.00")


def test_anchor_recovers_its_advance_from_the_supplier_deposit() -> None:
    plan = _plan("false_advertising", amount="300.00")
    held = ledger.plan_deposit(RULES, supplier="SU", platform="PL", payment=Decimal("5000"))
    settle = ledger.plan_settlement(debtor="SU", creditor="AN", amount=Decimal("240.00"), source="deposit",
                                    platform="PL")
    balances = ledger.balances([*plan.legs, *held, *settle])
    assert balances[ledger.AccountKey("AN", "receivable")] == 0
    assert balances[ledger.AccountKey("SU", "payable")] == 0
    assert balances[ledger.AccountKey("SU", "deposit")] == Decimal("-260.00")


def test_alliance_factory_bears_half_of_quality_compensation() -> None:
    plan = _plan("quality", kind="compensation", parties=ALLIANCE)
    assert dict(plan.borne) == {"SU": Decimal("50.00"), "BR": Decimal("50.00")}


def test_alliance_share_applies_to_compensation_not_to_the_refund() -> None:
    assert dict(_plan("quality", kind="refund", parties=ALLIANCE).borne) == {"BR": Decimal("100.00")}


def test_non_alliance_supplier_leaves_quality_with_the_brand() -> None:
    assert dict(_plan("quality", kind="compensation").borne) == {"BR": Decimal("100.00")}


def test_platform_fault_is_compensated_in_coupons() -> None:
    plan = _plan("platform_fault", kind="compensation", amount="20")
    assert plan.medium == "coupon"
    assert ledger.balances(plan.legs)[ledger.AccountKey("PL", "coupon")] == Decimal("-20.00")


def test_transit_damage_is_borne_by_the_carrier_who_owes_the_platform() -> None:
    balances = ledger.balances(_plan("transit").legs)
    assert balances[ledger.AccountKey("CA", "liability")] == Decimal("100.00")
    assert balances[ledger.AccountKey("CA", "payable")] == Decimal("-100.00")


def test_without_supplier_the_supply_share_falls_on_the_brand() -> None:
    no_supplier = ledger.LiabilityParties(platform="PL", brand="BR", shop="SH", anchor="AN")
    assert dict(_plan("false_advertising", parties=no_supplier).borne)["BR"] == Decimal("80.00")


def test_cause_needing_a_missing_party_is_refused() -> None:
    no_carrier = ledger.LiabilityParties(platform="PL", brand="BR", shop="SH")
    with pytest.raises(ledger.LedgerError, match="carrier"):
        _plan("transit", parties=no_carrier)


@pytest.mark.parametrize(("amount", "cause"), [("0", "quality"), ("-5", "quality"), ("10", "act_of_god")])
def test_bad_requests_are_refused(amount: str, cause: str) -> None:
    with pytest.raises(ledger.LedgerError):
        _plan(cause, amount=amount)


def test_reserve_rate_must_lie_in_the_configured_band() -> None:
    legs = ledger.plan_reserve(RULES, brand="BR", platform="PL", gmv=Decimal("100000"))
    assert ledger.balances(legs)[ledger.AccountKey("BR", "reserve")] == Decimal("-4000.00")
    with pytest.raises(ledger.LedgerError):
        ledger.plan_reserve(RULES, brand="BR", platform="PL", gmv=Decimal("100000"), rate=Decimal("0.06"))


def test_split_that_does_not_sum_to_one_is_refused() -> None:
    data = {"version": "x", "reserve": {"min_rate": "0.03", "max_rate": "0.05", "default_rate": "0.04"},
            "deposit": {"rate": "0.1"},
            "cause": [{"id": "c", "zh": "", "en": "", "shares": {"brand": "0.8", "anchor": "0.3"}}]}
    with pytest.raises(RuleError):
        parse_rules(data)


def test_changing_the_split_in_data_changes_the_shares() -> None:
    data = {"version": "x", "reserve": {"min_rate": "0.03", "max_rate": "0.05", "default_rate": "0.04"},
            "deposit": {"rate": "0.1"},
            "cause": [{"id": "exaggerated_claim", "zh": "", "en": "", "shares": {"brand": "0.6", "anchor": "0.4"}}]}
    plan = ledger.plan_case(parse_rules(data), kind="refund", amount=Decimal("10"), cause="exaggerated_claim",
                            parties=PARTIES)
    assert dict(plan.borne) == {"BR": Decimal("6.00"), "AN": Decimal("4.00")}


def test_odd_cents_are_allocated_without_loss() -> None:
    thirds = [("a", Decimal(1) / 3), ("b", Decimal(1) / 3), ("c", Decimal(1) / 3)]
    parts = ledger.allocate(Decimal("0.10"), thirds)
    assert sum(value for _, value in parts) == Decimal("0.10")
    assert sorted(value for _, value in parts) == [Decimal("0.03"), Decimal("0.03"), Decimal("0.04")]


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
parties = st.builds(ledger.LiabilityParties, platform=st.just("PL"), brand=st.just("BR"), shop=st.just("SH"),
                    anchor=st.just("AN"), carrier=st.just("CA"), supplier=st.sampled_from([None, "SU"]),
                    supplier_in_alliance=st.booleans())
bookings = st.lists(st.tuples(st.sampled_from(sorted(RULES.causes)), st.sampled_from(KINDS), amounts),
                    min_size=1, max_size=25)


@given(bookings, parties)
def test_balances_always_sum_to_zero(entries: list[tuple[str, str, Decimal]],
                                     who: ledger.LiabilityParties) -> None:
    legs: list[ledger.Leg] = []
    for cause, kind, amount in entries:
        plan = ledger.plan_case(RULES, kind=kind, amount=amount, cause=cause, parties=who)
        assert ledger.is_balanced(plan.legs)
        assert sum(value for _, value in plan.borne) == amount
        assert all(value >= 0 for _, value in plan.borne)
        legs.extend(plan.legs)
    assert sum(ledger.balances(legs).values()) == 0


@given(amounts, st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=6).filter(any))
def test_allocation_is_exact_to_the_cent(amount: Decimal, weights: list[int]) -> None:
    total = sum(weights)
    shares = [(str(i), Decimal(w) / total) for i, w in enumerate(weights)]
    parts = ledger.allocate(amount, shares)
    assert sum(value for _, value in parts) == amount
    # no party is off its exact share by a cent or more
    assert all(abs(value - amount * share) < Decimal("0.01") for (_, value), (_, share) in zip(parts, shares,
                                                                                           strict=True))
