"""The demo generator's pure parts: every simulated case path is legal and its clock runs forward."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales.cases.lifecycle import TRANSITIONS, State
from aftersales.demo.cast import Anchor, Buyer, Product
from aftersales.demo.commerce import Sale
from aftersales.demo.intake import CASE_TYPES, SERVICE, Intake
from aftersales.demo.journey import Plan, walk
from aftersales.demo.promo import demand, promo_window
from aftersales.demo.seeded import Seeded
from aftersales.ids import new_id

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
CASE_TYPE_NAMES = sorted({t for options in CASE_TYPES.values() for t in options})


def _intake(case_type: str, quality: str, tier: str, age_hours: float) -> Intake:
    product = Product("PR-0101", "花漾集丝绒哑光口红", "lipstick", "brand-01", "shop-01", "average",
                      Decimal("99.90"), False)
    anchor = Anchor("anchor-01", quality, "beauty", 1.0, 3.0, [product])
    created = NOW - timedelta(hours=age_hours)
    sale = Sale("OD-1", Buyer("BY-000001", "广东", False), product, anchor, None, None,
                created - timedelta(days=3), created - timedelta(days=3), created - timedelta(days=2),
                created - timedelta(hours=1), Decimal("99.90"), ("carrier-sf", "SF", 1.4), "SF1", False)
    return Intake(sale, SERVICE[quality], "quality_defect", "quality_defect", 0.9, case_type, created, "calm",
                  tier, "口红断了")


@settings(max_examples=300, deadline=None)
@given(case_type=st.sampled_from(CASE_TYPE_NAMES), quality=st.sampled_from(sorted(SERVICE)),
       tier=st.sampled_from(["L1", "L2", "L3"]), age_hours=st.floats(0.05, 24 * 60),
       ai_first=st.booleans(), info=st.booleans(), dispute=st.booleans(), buyer_wins=st.booleans(),
       reopen=st.booleans(), report=st.booleans(), escalate=st.booleans(), seed=st.integers(0, 10**6),
       stop_at=st.none() | st.sampled_from(list(State)))
def test_every_walk_is_a_legal_path_forward_in_time(case_type: str, quality: str, tier: str, age_hours: float,
                                                     ai_first: bool, info: bool, dispute: bool, buyer_wins: bool,
                                                     reopen: bool, report: bool, escalate: bool, seed: int,
                                                     stop_at: State | None) -> None:
    intake = _intake(case_type, quality, tier, age_hours)
    plan = Plan(ai_first=ai_first, ai_resolved=ai_first and case_type == "complaint" and tier == "L1",
                info=info, escalate=escalate, dispute=dispute, buyer_wins=buyer_wins, reopen=reopen,
                allergy_report=report, stop_at=stop_at)
    story = walk(Seeded(seed), intake, "CS-1", ("agent-01", True, True), plan, NOW)
    state, last = State.submitted, intake.created
    for step in story.steps:
        assert step.from_state == state
        assert step.action in TRANSITIONS[state]
        assert intake.created <= last <= step.at < NOW
        state, last = step.to_state, step.at
    assert story.state == state
    for name, moment in story.milestones.items():
        assert moment is None or intake.created <= moment < NOW, name
    if story.state is State.closed:
        assert story.milestones.get("closed_at") is not None


def test_ids_look_like_the_services_own_and_sort_by_time() -> None:
    rng = Seeded(1)
    earlier, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    a, b = rng.new_id("CS", earlier), rng.new_id("CS", later)
    real = new_id("CS", at_ms=int(earlier.timestamp() * 1000))
    assert len(a) == len(real) and a[:13] == real[:13]  # same prefix and time part
    assert a < b
    assert Seeded(1).new_id("CS", earlier) == a  # the seed decides


def test_promo_calendar_puts_the_peak_on_double_eleven() -> None:
    year = [date(2026, 1, 1) + timedelta(days=d) for d in range(365)]
    assert max(year, key=demand) == date(2026, 11, 11)
    assert promo_window(date(2026, 6, 18)) == "618" and promo_window(date(2026, 10, 20)) == "双11"
    assert promo_window(date(2026, 9, 1)) is None
    ordinary = [demand(d) for d in year if promo_window(d) is None]
    assert demand(date(2026, 6, 18)) > 2 * max(ordinary)


def test_a_quick_human_reply_never_lands_before_the_ai_answer() -> None:
    # an excellent service's human can answer within seconds, while the AI's first answer takes up to 90 s:
    # the walk must still run forward in time (seed 95 once produced a reply dated before the step before it)
    intake = _intake("complaint", "excellent", "L2", 30)
    for seed in range(400):
        story = walk(Seeded(seed), intake, "CS-1", ("agent-01", True, True), Plan(ai_first=True), NOW)
        moments = [step.at for step in story.steps]
        assert moments == sorted(moments), seed
