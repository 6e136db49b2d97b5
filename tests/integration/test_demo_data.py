"""The demo data generator: a year of consistent, varied zh-CN data that the dashboards and evaluation can use."""

from __future__ import annotations

import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, select, text

from aftersales.cases.lifecycle import TRANSITIONS, Action, State
from aftersales.clock import as_utc
from aftersales.db import make_engine
from aftersales.demo.generator import DemoSummary, generate
from aftersales.security import pii

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ORDERS = 2_500
CJK = re.compile(r"[\u4e00-\u9fff]")
MILESTONES = ("first_response_at", "human_response_at", "escalated_at", "return_requested_at", "return_shipped_at",
              "return_received_at", "refund_requested_at", "refunded_at", "exchanged_at", "resolved_at",
              "closed_at", "disputed_at", "arbitration_at", "decided_at", "reopened_at")


def _fresh(template: Path, folder: Path) -> str:
    path = folder / "demo.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def key() -> bytes:
    return Fernet.generate_key()


@pytest.fixture(scope="module")
def demo(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory,
         key: bytes) -> Iterator[tuple[Engine, DemoSummary, list[tuple[str, int, int]]]]:
    engine = make_engine(_fresh(sqlite_template, tmp_path_factory.mktemp("demo")))
    reports: list[tuple[str, int, int]] = []
    summary = generate(engine, orders=ORDERS, seed=7, now=NOW, pii_key=key,
                       progress=lambda stage, done, total: reports.append((stage, done, total)))
    yield engine, summary, reports
    engine.dispose()


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def _count(engine: Engine, name: str) -> int:
    return int(_rows(engine, f"SELECT COUNT(*) FROM {name}")[0][0])


def test_summary_counts_are_what_landed_in_the_database(demo: Any) -> None:
    engine, summary, _ = demo
    assert summary.counts["orders"] == ORDERS == _count(engine, "orders")
    for name, written in summary.counts.items():
        if name != "shipments":  # outbound and return parcels share one table and one count
            assert _count(engine, name) == written, name
    assert sum(summary.states.values()) == _count(engine, "cases")
    # a case on roughly one order in ten, as the brief asks (8–15 %)
    assert 0.08 <= summary.case_rate <= 0.15


def test_the_cast_has_every_kind_of_party(demo: Any) -> None:
    engine, _, _ = demo
    kinds = Counter(kind for (kind,) in _rows(engine, "SELECT kind FROM parties"))
    assert kinds["platform"] == 1 and kinds["carrier"] == 5
    assert kinds["mcn"] >= 5 and kinds["anchor"] >= 30 and kinds["brand"] >= 20 and kinds["agent"] >= 25
    anchors_without_mcn = _rows(engine, "SELECT COUNT(*) FROM parties a LEFT JOIN parties m ON m.id = a.parent_id "
                                        "WHERE a.kind = 'anchor' AND (m.kind IS NULL OR m.kind != 'mcn')")
    assert anchors_without_mcn[0][0] == 0
    carriers = {name for (name,) in _rows(engine, "SELECT name FROM parties WHERE kind = 'carrier'")}
    assert carriers == {"顺丰", "中通", "圆通", "京东物流", "极兔"}
    seniorities = {a for (a,) in _rows(engine, "SELECT json_extract(attributes, '$.seniority') FROM parties "
                                             "WHERE kind = 'agent'")}
    assert seniorities == {"junior", "senior"}
    alliance = _rows(engine, "SELECT COUNT(*) FROM parties WHERE kind = 'supplier' "
                             "AND json_extract(attributes, '$.alliance') = 1")
    assert alliance[0][0] >= 2
    tagged = _rows(engine, "SELECT COUNT(*) FROM products WHERE category_code = 'skincare' "
                           "AND EXISTS (SELECT 1 FROM json_each(tags) WHERE value = '敏感肌')")
    assert tagged[0][0] >= 1
    latest_batch = _rows(engine, "SELECT MAX(produced_on) FROM batches")[0][0]
    assert date.fromisoformat(str(latest_batch)) <= NOW.date()  # nothing produced in the future


def test_every_lifecycle_state_is_present(demo: Any) -> None:
    engine, summary, _ = demo
    states = {s for (s,) in _rows(engine, "SELECT DISTINCT state FROM cases")}
    assert states == {s.value for s in State}
    assert set(summary.states) == states


def test_milestones_never_precede_creation_nor_follow_now(demo: Any) -> None:
    engine, _, _ = demo
    with engine.connect() as conn:
        cases = conn.execute(text(f"SELECT id, state, created_at, updated_at, {', '.join(MILESTONES)} FROM cases"))
        for row in cases.mappings():
            created = as_utc(_dt(row["created_at"]))
            for name in MILESTONES:
                if row[name] is not None:
                    moment = as_utc(_dt(row[name]))
                    assert created <= moment <= NOW, (row["id"], name)
            if row["state"] == "closed":
                assert row["closed_at"] is not None, row["id"]
            _assert_ordered(row, "first_response_at", "resolved_at", "closed_at")
            _assert_ordered(row, "return_requested_at", "return_shipped_at", "return_received_at")
            _assert_ordered(row, "refund_requested_at", "refunded_at")
            _assert_ordered(row, "disputed_at", "arbitration_at", "decided_at")


def _dt(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _assert_ordered(row: Any, *names: str) -> None:
    moments = [as_utc(_dt(row[n])) for n in names if row[n] is not None]
    assert moments == sorted(moments), (row["id"], names)


def test_orders_are_paid_shipped_and_delivered_in_order(demo: Any) -> None:
    engine, _, _ = demo
    for placed, paid, shipped, delivered in _rows(
            engine, "SELECT placed_at, paid_at, shipped_at, delivered_at FROM orders"):
        chain = [as_utc(_dt(m)) for m in (placed, paid, shipped, delivered) if m is not None]
        assert chain == sorted(chain)
        assert chain[-1] <= NOW


def test_the_timeline_replays_through_the_state_machine(demo: Any) -> None:
    engine, _, _ = demo
    final = dict(_rows(engine, "SELECT id, state FROM cases"))
    replayed: dict[str, str] = {}
    for case_id, action, from_state, to_state in _rows(
            engine, "SELECT case_id, action, from_state, to_state FROM timeline_events "
                    "WHERE kind = 'transition' ORDER BY case_id, at, id"):
        assert replayed.get(case_id, "submitted") == from_state, case_id
        target = TRANSITIONS[State(from_state)][Action(action)]
        assert (target or State(from_state)).value == to_state
        replayed[case_id] = to_state
    for case_id, state in final.items():
        assert replayed.get(case_id, "submitted") == state, case_id


def test_text_is_chinese_and_pii_is_encrypted(demo: Any, key: bytes) -> None:
    engine, _, _ = demo
    texts = [t for (t,) in _rows(engine, "SELECT text FROM cases")]
    assert all(CJK.search(t) for t in texts)
    bodies = [b for (b,) in _rows(engine, "SELECT body FROM case_messages WHERE author_role IN ('agent', 'ai')")]
    assert bodies and all(CJK.search(b) for b in bodies)
    buyers = _rows(engine, "SELECT name_enc, phone_enc, address_enc FROM buyers LIMIT 200")
    for name_enc, phone_enc, address_enc in buyers:
        assert not CJK.search(name_enc)
        assert CJK.search(pii.decrypt(name_enc, key))
        assert not re.search(r"1\d{10}", phone_enc)  # nothing readable at rest
        assert re.fullmatch(r"1[3-9]\d{9}", pii.decrypt(phone_enc, key))
        assert re.search(r"(省|市|自治区).*(区|市|县|镇|街道)", pii.decrypt(address_enc, key))


def test_poor_anchors_have_more_cases_than_excellent_ones(demo: Any) -> None:
    engine, summary, _ = demo
    orders: Counter[str] = Counter()
    cases: Counter[str] = Counter()
    for anchor_id, has_case in _rows(engine, "SELECT o.anchor_id, c.id IS NOT NULL FROM orders o "
                                             "LEFT JOIN cases c ON c.order_id = o.id WHERE o.anchor_id IS NOT NULL"):
        quality = summary.anchor_quality[anchor_id]
        orders[quality] += 1
        cases[quality] += int(has_case)
    rate = {q: cases[q] / orders[q] for q in orders}
    assert rate["poor"] > 1.8 * rate["excellent"]
    assert rate["excellent"] < rate["average"] < rate["poor"]


def test_poor_anchors_answer_later_and_score_lower(demo: Any) -> None:
    engine, summary, _ = demo
    breaches: dict[str, list[int]] = defaultdict(list)
    for anchor_id, breached in _rows(engine, "SELECT o.anchor_id, k.breached_at IS NOT NULL FROM sla_clocks k "
                                             "JOIN cases c ON c.id = k.case_id JOIN orders o ON o.id = c.order_id "
                                             "WHERE k.kind = 'first_response' AND o.anchor_id IS NOT NULL"):
        breaches[summary.anchor_quality[anchor_id]].append(int(breached))
    share = {q: sum(v) / len(v) for q, v in breaches.items()}
    assert share["poor"] > share["excellent"]
    csat: dict[str, list[int]] = defaultdict(list)
    for anchor_id, score in _rows(engine, "SELECT o.anchor_id, s.csat FROM surveys s JOIN cases c ON c.id = s.case_id "
                                          "JOIN orders o ON o.id = c.order_id "
                                          "WHERE s.csat IS NOT NULL AND o.anchor_id IS NOT NULL"):
        csat[summary.anchor_quality[anchor_id]].append(score)
    assert sum(csat["excellent"]) / len(csat["excellent"]) > sum(csat["poor"]) / len(csat["poor"]) + 0.5


def test_double_eleven_is_the_busiest_time_of_the_year(demo: Any) -> None:
    engine, summary, _ = demo
    per_day: Counter[date] = Counter()
    # the complained-about session is a crowd of its own, not calendar demand
    for (placed,) in _rows(engine, "SELECT placed_at FROM orders WHERE live_session_id IS NULL "
                                   f"OR live_session_id != '{summary.group_complaint_session_id}'"):
        per_day[(as_utc(_dt(placed)) + timedelta(hours=8)).date()] += 1
    window = [per_day[date(2026, 11, d)] for d in range(1, 12)] + [per_day[date(2026, 10, d)] for d in range(20, 32)]
    september = [per_day[date(2026, 9, d)] for d in range(1, 31)]
    assert sum(window) / len(window) > 1.8 * sum(september) / len(september)
    assert max(per_day, key=lambda d: per_day[d]).strftime("%m-%d") in {"11-11", "11-10", "10-31", "11-01", "10-20"}


def test_one_lipstick_batch_spikes_in_allergies(demo: Any) -> None:
    engine, summary, _ = demo
    rows = _rows(engine, "SELECT i.batch_id, COALESCE(c.confirmed_category, c.category) FROM order_items i "
                         "JOIN products p ON p.id = i.product_id LEFT JOIN case_items k ON k.order_item_id = i.id "
                         "LEFT JOIN cases c ON c.id = k.case_id WHERE p.category_code = 'lipstick'")
    spike = [cat for batch, cat in rows if batch == summary.spike_batch_id]
    other = [cat for batch, cat in rows if batch != summary.spike_batch_id]
    allergy = {"allergy_reaction"}

    def share(cats: list[str | None]) -> float:
        return sum(1 for c in cats if c in allergy) / max(len(cats), 1)

    assert spike, "the spiking batch was sold"
    assert share(spike) > 4 * share(other)


def test_one_live_session_draws_a_group_complaint(demo: Any) -> None:
    engine, summary, _ = demo
    per_session = Counter(s for (s,) in _rows(
        engine, "SELECT o.live_session_id FROM cases c JOIN orders o ON o.id = c.order_id "
                "WHERE o.live_session_id IS NOT NULL "
                "AND COALESCE(c.confirmed_category, c.category) = 'not_as_described'"))
    worst, _n = per_session.most_common(1)[0]
    assert worst == summary.group_complaint_session_id
    tiers = {t for (t,) in _rows(engine, "SELECT c.tier FROM cases c JOIN orders o ON o.id = c.order_id "
                                         f"WHERE o.live_session_id = '{worst}' AND c.risk_flags LIKE '%group_complaint%'")}
    assert tiers == {"L3"}


def test_surveys_follow_closing_and_low_scores_get_a_callback(demo: Any) -> None:
    engine, _, _ = demo
    surveyed = _rows(engine, "SELECT c.state, c.closed_at, s.sent_at, s.csat, s.nps, k.id FROM surveys s "
                             "JOIN cases c ON c.id = s.case_id LEFT JOIN callback_tasks k ON k.survey_id = s.id")
    assert surveyed
    for state, closed_at, sent_at, csat, nps, callback in surveyed:
        assert state == "closed" and as_utc(_dt(sent_at)) > as_utc(_dt(closed_at))
        low = csat is not None and (csat <= 2 or nps <= 6)
        assert (callback is not None) == low
    outcomes = _rows(engine, "SELECT COUNT(*) FROM callback_tasks WHERE state = 'done' AND outcome != ''")
    assert outcomes[0][0] > 0


def test_breaches_point_at_breached_clocks(demo: Any) -> None:
    engine, _, _ = demo
    rows = _rows(engine, "SELECT k.breached_at, b.detected_at FROM sla_breaches b JOIN sla_clocks k ON k.id = b.clock_id")
    assert rows and _count(engine, "sla_breaches") == len(rows)
    for breached_at, detected_at in rows:
        assert breached_at is not None and _dt(detected_at) >= _dt(breached_at)


def test_recorded_claims_verify_and_poor_anchors_record_less(demo: Any) -> None:
    from sqlalchemy.orm import Session as OrmSession

    from aftersales.live import service as live_service
    from aftersales.live.models import LiveSession

    engine, summary, _ = demo
    with OrmSession(engine) as session:
        sealed = [s for (s,) in session.execute(text("SELECT id FROM live_sessions WHERE sealed_at IS NOT NULL "
                                                     "ORDER BY id LIMIT 40"))]
        assert sealed
        for session_id in sealed:
            assert live_service.verify(session, session.get(LiveSession, session_id)).ok
    recorded: dict[str, list[int]] = defaultdict(list)
    for anchor_id, has_claims in _rows(engine, "SELECT s.anchor_id, EXISTS (SELECT 1 FROM live_claims c "
                                               "WHERE c.session_id = s.id) FROM live_sessions s"):
        recorded[summary.anchor_quality[anchor_id]].append(int(has_claims))
    share = {q: sum(v) / len(v) for q, v in recorded.items()}
    assert share["excellent"] > share["poor"]


def test_handoffs_match_the_case_counts(demo: Any) -> None:
    engine, _, _ = demo
    per_case = Counter(c for (c,) in _rows(engine, "SELECT case_id FROM handoffs"))
    for case_id, count in _rows(engine, "SELECT id, handoff_count FROM cases"):
        assert per_case.get(case_id, 0) == count
    last = _rows(engine, "SELECT c.responsible_party_id, h.to_party_id FROM cases c JOIN handoffs h "
                         "ON h.case_id = c.id WHERE h.at = (SELECT MAX(at) FROM handoffs x WHERE x.case_id = c.id)")
    assert last and all(responsible == final for responsible, final in last)


def test_some_buyers_complain_twice_about_one_order(demo: Any) -> None:
    engine, _, _ = demo
    repeats = _rows(engine, "SELECT c.order_id, c.created_at, c.text, c.risk_flags FROM cases c WHERE c.order_id IN "
                            "(SELECT order_id FROM cases GROUP BY order_id HAVING COUNT(*) > 1) "
                            "ORDER BY c.order_id, c.created_at")
    assert repeats
    by_order: dict[str, list[Any]] = defaultdict(list)
    for row in repeats:
        by_order[row[0]].append(row)
    for first, second, *_ in by_order.values():
        assert "repeat_complaint" in second[3] and "repeat_complaint" not in first[3]
        assert first[2] in second[2]  # the buyer repeats what went wrong
        assert _dt(second[1]) - _dt(first[1]) <= timedelta(days=30)


def test_the_books_balance_and_brands_hold_reserves(demo: Any) -> None:
    from sqlalchemy.orm import Session as OrmSession

    from aftersales.liability import service as liability_service

    engine, _, _ = demo
    with OrmSession(engine) as session:
        assert liability_service.trial_balance(session) == 0
        brands = [b for (b,) in session.execute(text("SELECT id FROM parties WHERE kind = 'brand'"))]
        held = [liability_service.balance(session, b, "reserve") for b in brands]
        assert sum(1 for h in held if h < 0) >= len(brands) // 2  # credit balances: money held for the brand
    refunded = _count(engine, "cases WHERE refunded_at IS NOT NULL AND refund_amount > 0")
    booked = _count(engine, "ledger_entries WHERE entry_type = 'case' AND kind = 'refund'")
    assert booked >= 0.9 * refunded


def test_progress_reaches_the_end(demo: Any) -> None:
    _, summary, reports = demo
    _stage, done, total = reports[-1]
    assert done == total == sum(summary.counts.values())
    last: dict[str, tuple[int, int]] = {}
    for stage, done, total in reports:
        assert 0 <= done <= total
        last[stage] = (done, total)
    assert len(last) >= 3 and all(done == total for done, total in last.values())  # every bar finishes


def _fingerprint(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        cases = conn.execute(text("SELECT * FROM cases ORDER BY id")).all()
        orders = conn.execute(text("SELECT * FROM orders ORDER BY id")).all()
        buyers = conn.execute(text("SELECT id, name_enc, region FROM buyers ORDER BY id")).all()
    return [cases, orders, buyers]


def test_same_seed_same_data_other_seed_other_data(sqlite_template: Path, tmp_path: Path) -> None:
    prints = []
    for number, seed in enumerate((3, 3, 4)):
        folder = tmp_path / str(number)
        folder.mkdir()
        engine = make_engine(_fresh(sqlite_template, folder))
        generate(engine, orders=300, seed=seed, now=NOW, encrypt=lambda plain: plain[::-1])
        prints.append(_fingerprint(engine))
        engine.dispose()
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


def test_rejects_nonsense_sizes(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with pytest.raises(ValueError):
        generate(engine, orders=0, now=NOW, encrypt=str)
    engine.dispose()


def test_keeps_what_is_there_and_refuses_a_second_run(sqlite_url: str) -> None:
    from aftersales.demo.generator import DemoDataPresent

    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO parties (id, kind, name, attributes, created_at) "
                          "VALUES ('platform', 'platform', '我的平台', '{}', :t)"), {"t": NOW})
    generate(engine, orders=150, seed=2, now=NOW, encrypt=str)
    assert _rows(engine, "SELECT name FROM parties WHERE id = 'platform'")[0][0] == "我的平台"
    orders = _count(engine, "orders")
    with pytest.raises(DemoDataPresent):
        generate(engine, orders=150, seed=2, now=NOW, encrypt=str)
    assert _count(engine, "orders") == orders
    engine.dispose()


def test_writes_on_every_backend_and_later_inserts_still_get_fresh_ids(database_url: str) -> None:
    engine = make_engine(database_url) if database_url.startswith("sqlite") else create_engine(database_url)
    summary = generate(engine, orders=200, seed=11, now=NOW, encrypt=lambda plain: plain[::-1])
    assert _count(engine, "orders") == 200
    with engine.begin() as conn:
        # explicit ids were written; the database must still hand out new ones without colliding
        case_id = conn.execute(select(text("id")).select_from(text("cases")).limit(1)).scalar_one()
        conn.execute(text("INSERT INTO sla_clocks (case_id, kind, tier, business_hours, budget_seconds, started_at, "
                          "consumed_seconds) VALUES (:c, 'resolution', 'L1', false, 60, :t, 0)"),
                     {"c": case_id, "t": NOW})
    assert _count(engine, "sla_clocks") == summary.counts["sla_clocks"] + 1
    engine.dispose()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_state_appears_whatever_the_seed(sqlite_url: str, seed: int) -> None:
    engine = make_engine(sqlite_url)
    summary = generate(engine, orders=2_000, seed=seed, now=NOW, encrypt=lambda plain: plain[::-1])
    engine.dispose()
    assert set(summary.states) == {s.value for s in State}


def test_the_case_service_reads_and_works_demo_cases(tmp_path: Path, sqlite_url: str) -> None:
    """Demo rows must be real data to the API: readable by every view, and workable by the next action."""
    from fastapi.testclient import TestClient

    from aftersales.app import create_app
    from aftersales.clock import FrozenClock
    from aftersales.config import Settings
    from aftersales.runtime import build_runtime
    from aftersales.security.tokens import create_token

    settings = Settings(environment="test", data_dir=tmp_path / "data", database_url=sqlite_url,
                        run_sweeper_in_process=False)
    runtime = build_runtime(settings, FrozenClock(NOW + timedelta(minutes=5)))
    generate(runtime.engine, orders=600, seed=5, now=NOW, pii_key=runtime.pii_key)
    with runtime.session() as session:
        admin = create_token(session, role="platform_admin", now=NOW).token
        session.commit()
    open_ids = [i for (i,) in _rows(runtime.engine, "SELECT id FROM cases WHERE state = 'answered' LIMIT 1")]
    some_ids = [i for (i,) in _rows(runtime.engine, "SELECT id FROM cases ORDER BY id LIMIT 25")]
    headers = {"Authorization": f"Bearer {admin}"}
    with TestClient(create_app(runtime, background=False)) as client:
        for case_id in some_ids + open_ids:
            assert client.get(f"/api/v1/cases/{case_id}", headers=headers).status_code == 200
            assert client.get(f"/api/v1/cases/{case_id}/timeline", headers=headers).status_code == 200
            assert client.get(f"/api/v1/cases/{case_id}/progress", headers=headers).status_code == 200
        listed = client.get("/api/v1/cases", headers=headers, params={"state": "closed"})
        assert listed.status_code == 200 and listed.json()["items"]
        answered = client.post(f"/api/v1/cases/{open_ids[0]}/actions/resolve", headers=headers,
                               json={"message": "已处理"})
        assert answered.status_code == 200, answered.text
        assert answered.json()["state"] == "resolved"
    runtime.close()


def test_demo_cases_carry_what_the_live_triage_gives_their_text(demo: Any) -> None:
    from aftersales.triage.service import assess_many

    engine, _, _ = demo
    rows = _rows(engine, "SELECT text, case_type, category, emotion FROM cases ORDER BY id")
    assessed = assess_many([r[0] for r in rows], case_types=[r[1] for r in rows])
    mismatched = [(r[0], r[2], a.category, r[3], a.emotion) for r, a in zip(rows, assessed, strict=True)
                  if (r[2], r[3]) != (a.category, a.emotion)]
    assert not mismatched, mismatched[:5]


def test_demo_answers_follow_the_decision_and_orders_have_lines(demo: Any) -> None:
    import json

    engine, _, _ = demo
    denied = [(answer, json.loads(decision)) for answer, decision in _rows(
        engine, "SELECT answer_zh, decision FROM cases") if json.loads(decision).get("outcome") == "deny"]
    assert denied, "the demo has refused requests too"
    assert not [a for a, _ in denied if "可以按七天无理由为您退货" in a or "已为您提交退款" in a]
    lines = dict(_rows(engine, "SELECT o.id, COUNT(i.id) FROM orders o JOIN order_items i ON i.order_id = o.id "
                               "GROUP BY o.id"))
    assert len(lines) == _count(engine, "orders") and max(lines.values()) >= 2
    mispaid = _rows(engine, "SELECT o.id FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.id, "
                            "o.amount HAVING ABS(SUM(i.paid_amount) - o.amount) > 0.001")
    assert mispaid == []
    unnamed = _rows(engine, "SELECT c.id FROM cases c LEFT JOIN case_items k ON k.case_id = c.id "
                            "WHERE k.id IS NULL")
    assert unnamed == []


def test_price_protection_is_decided_from_the_recorded_price_drops(demo: Any) -> None:
    import json

    engine, _, _ = demo
    decisions = [json.loads(d) for (d,) in _rows(engine, "SELECT decision FROM cases WHERE case_type = 'price_protection'")]
    assert decisions, "the demo has price-protection requests"
    approved = [d for d in decisions if d.get("outcome") == "approve"]
    assert approved, "an anchor's 保价 promise and a later promotion refund the difference"
    assert all(Decimal(d["refund_amount"]) > 0 for d in approved)
    assert _count(engine, "product_prices") > 0
