"""Many-row writes (COPY and unnest on PostgreSQL, Core elsewhere) store what a row-by-row insert would, skip
conflicts, honour a version guard, and fail as SQLAlchemy errors the callers already handle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError

from aftersales import db_bulk
from aftersales.cases.models import Case, TimelineEvent
from aftersales.db import unit_of_work
from aftersales.runtime import Runtime
from aftersales.sla.models import SlaBreach, SlaClock
from tests.conftest import Api
from tests.integration.test_case_lifecycle_api import open_case

TIMELINE = cast(Table, TimelineEvent.__table__)


def _events(runtime: Runtime, case_id: str, kind: str) -> list[Any]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.execute(select(TimelineEvent).where(TimelineEvent.case_id == case_id,
                                                                TimelineEvent.kind == kind)).scalars())


def test_rows_written_in_bulk_read_back_as_written_with_the_models_defaults(api: Api, runtime: Runtime) -> None:
    case_id = open_case(api)["id"]
    now = runtime.clock.now()
    rows = [{"case_id": case_id, "at": now + timedelta(seconds=n), "kind": "bulk_probe", "actor_role": "system",
             "actor_id": None, "action": None, "from_state": None, "to_state": "escalated",
             "data": {"说明": f"第{n}条 \"引号\" \\ 反斜杠\t制表", "n": n, "nested": [1, None, True]}}
            for n in range(3)]
    with unit_of_work(runtime.session_factory) as session:
        db_bulk.insert_many(session, TIMELINE, rows)
    stored = sorted(_events(runtime, case_id, "bulk_probe"), key=lambda e: e.at)
    assert [e.data for e in stored] == [row["data"] for row in rows]
    assert [e.at for e in stored] == [row["at"] for row in rows]
    assert all(e.reason == "" and e.buyer_visible is True and e.actor_id is None for e in stored), \
        "columns the rows leave out take the model's defaults"
    assert all(e.to_state == "escalated" for e in stored)


def test_conflicting_rows_are_skipped_and_only_new_ones_returned(api: Api, runtime: Runtime) -> None:
    case_id = open_case(api)["id"]
    now = runtime.clock.now()
    with unit_of_work(runtime.session_factory) as session:
        clock_ids = list(session.scalars(select(SlaClock.id).where(SlaClock.case_id == case_id)))
    assert len(clock_ids) >= 2

    def breach(clock_id: int) -> dict[str, Any]:
        return {"clock_id": clock_id, "case_id": case_id, "kind": "resolution", "due_at": now, "detected_at": now,
                "from_tier": "L1", "to_tier": "L2", "worker": "probe"}

    table = cast(Table, SlaBreach.__table__)
    with unit_of_work(runtime.session_factory) as session:
        first = db_bulk.insert_many(session, table, [breach(clock_ids[0])], skip_conflicts_on="clock_id",
                                    returning="clock_id")
    with unit_of_work(runtime.session_factory) as session:
        second = db_bulk.insert_many(session, table, [breach(i) for i in clock_ids], skip_conflicts_on="clock_id",
                                     returning="clock_id")
    assert first == [clock_ids[0]]
    assert sorted(second) == sorted(clock_ids[1:]), "the clock already breached is left out"
    with unit_of_work(runtime.session_factory) as session:
        assert sorted(session.scalars(select(SlaBreach.clock_id).where(SlaBreach.case_id == case_id))) == \
            sorted(clock_ids)


def test_a_version_guarded_update_changes_only_rows_still_at_the_version_read(api: Api, runtime: Runtime) -> None:
    fresh, stale = open_case(api)["id"], open_case(api, order_id="O-1002")["id"]
    with unit_of_work(runtime.session_factory) as session:
        versions = dict(session.execute(select(Case.id, Case.version).where(Case.id.in_([fresh, stale]))).all())
    later = runtime.clock.now() + timedelta(minutes=5)
    with unit_of_work(runtime.session_factory) as session:
        changed = db_bulk.update_many(
            session, cast(Table, Case.__table__),
            [{"id": fresh, "version": versions[fresh], "tier": "L3", "priority": 1},
             {"id": stale, "version": versions[stale] - 1, "tier": "L3", "priority": 1}],
            match=("id", "version"), constants={"updated_at": later}, increment="version")
    assert changed in (1, None), "the stale row is not counted (None: the driver cannot count an executemany)"
    with unit_of_work(runtime.session_factory) as session:
        after = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([fresh, stale])))}
    assert (after[fresh].tier, after[fresh].priority, after[fresh].version) == ("L3", 1, versions[fresh] + 1)
    assert after[fresh].updated_at == later
    assert after[stale].version == versions[stale] and after[stale].tier != "L3", "a stale version is not written"


def test_a_bulk_write_that_breaks_a_constraint_raises_and_writes_nothing(api: Api, runtime: Runtime) -> None:
    case_id = open_case(api)["id"]
    now = runtime.clock.now()
    good = {"case_id": case_id, "at": now, "kind": "bulk_fk", "actor_role": "system", "data": {}}
    with pytest.raises(IntegrityError), unit_of_work(runtime.session_factory) as session:
        db_bulk.insert_many(session, TIMELINE, [good, {**good, "case_id": "CS-NO-SUCH-CASE"}])
        session.flush()
        session.execute(select(1))  # SQLite checks foreign keys at the statement; PostgreSQL at the COPY's end
    assert _events(runtime, case_id, "bulk_fk") == []


def test_membership_of_many_values_finds_the_same_rows_as_in(api: Api, runtime: Runtime) -> None:
    ids = [open_case(api)["id"], open_case(api, order_id="O-1002")["id"]]
    with unit_of_work(runtime.session_factory) as session:
        found = set(session.scalars(select(Case.id).where(db_bulk.member_of(session, Case.id,
                                                                             [*ids, "CS-NOT-THERE"]))))
    assert found == set(ids)
    with unit_of_work(runtime.session_factory) as session:
        assert list(session.scalars(select(Case.id).where(db_bulk.member_of(session, Case.id, [])))) == []


def test_rows_naming_different_columns_each_take_the_defaults_of_the_rest(api: Api, runtime: Runtime) -> None:
    case_id = open_case(api)["id"]
    now = runtime.clock.now()
    base = {"case_id": case_id, "at": now, "kind": "bulk_mixed", "actor_role": "system"}
    with unit_of_work(runtime.session_factory) as session:
        db_bulk.insert_many(session, TIMELINE, [{**base, "reason": "有理由"}, base, {**base, "buyer_visible": False}])
    stored = _events(runtime, case_id, "bulk_mixed")
    assert sorted((e.reason, e.buyer_visible) for e in stored) == [("", False), ("", True), ("有理由", True)]
    with pytest.raises(ValueError, match="same columns"), unit_of_work(runtime.session_factory) as session:
        db_bulk.insert_many(session, TIMELINE, [base, {"case_id": case_id}], returning="id")
