"""Two agents acting on one case at the same moment: exactly one wins, the other is told to refresh."""

from __future__ import annotations

import threading

import pytest

from aftersales.cases import service as case_service
from aftersales.cases.errors import VersionConflict
from aftersales.cases.schemas import ActionRequest
from aftersales.runtime import Runtime
from aftersales.security.principals import Principal, Role
from tests.conftest import Api
from tests.integration.test_case_lifecycle_api import open_case


def test_two_agents_at_once_cannot_both_win(api: Api, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = open_case(api, order_id="O-1002", case_type="exchange", text="尺码偏大想换货")["id"]
    both_loaded = threading.Barrier(2, timeout=10)
    real_take = case_service.take

    def take_after_both_have_read(*args: object, **kwargs: object) -> object:
        both_loaded.wait()  # each agent has read version 1 and decided its move before either writes
        return real_take(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(case_service, "take", take_after_both_have_read)
    outcomes: dict[str, str] = {}

    def agent(name: str, action: str, body: ActionRequest) -> None:
        principal = Principal(role=Role.agent, name=name, party_ids=frozenset({f"P-{name}"}))
        with runtime.session() as session:
            try:
                case_service.act(session, principal, case_id, action, body, runtime.clock.now(), runtime.calendar)
                session.commit()  # the request's unit of work
                outcomes[name] = "won"
            except VersionConflict:
                outcomes[name] = "conflict"

    threads = [threading.Thread(target=agent, args=("A", "request_return", ActionRequest(message="请寄回"))),
               threading.Thread(target=agent, args=("B", "resolve", ActionRequest(message="已解决")))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "won"]
    final = api.as_("agent").get(f"/api/v1/cases/{case_id}").json()
    winner_state = "awaiting_return" if outcomes["A"] == "won" else "resolved"
    assert final["state"] == winner_state and final["version"] > 1
    transitions = [e for e in api.as_("agent").get(f"/api/v1/cases/{case_id}/timeline").json()
                   if e["kind"] == "transition"]
    assert len(transitions) == 1, "the loser's change left no trace"
