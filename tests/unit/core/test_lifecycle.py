"""The case state machine: every state reachable, illegal moves refused with the allowed alternatives."""

from __future__ import annotations

import pytest

from aftersales.cases.lifecycle import TRANSITIONS, WHO_MAY, Action, State, allowed_actions, take
from aftersales.security.principals import Role


def test_every_state_is_reachable_from_submitted() -> None:
    reached, frontier = {State.submitted}, [State.submitted]
    while frontier:
        for target in TRANSITIONS[frontier.pop()].values():
            if target is not None and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(State)


@pytest.mark.parametrize(("state", "action", "role", "expected"), [
    (State.submitted, Action.reply, Role.agent, State.answered),
    (State.answered, Action.request_return, Role.agent, State.awaiting_return),
    (State.awaiting_return, Action.record_return_shipment, Role.buyer, State.return_in_transit),
    (State.return_in_transit, Action.confirm_receipt, Role.brand, State.return_received),
    (State.return_received, Action.refund, Role.agent, State.refund_pending),
    (State.refund_pending, Action.confirm_refund, Role.agent, State.refunded),
    (State.refunded, Action.close, Role.buyer, State.closed),
    (State.closed, Action.reopen, Role.buyer, State.reopened),
    (State.closed, Action.dispute, Role.buyer, State.disputed),
    (State.disputed, Action.arbitrate, Role.supervisor, State.in_arbitration),
    (State.in_arbitration, Action.decide, Role.platform_admin, State.decided),
    (State.answered, Action.request_info, Role.agent, State.awaiting_buyer),
    (State.awaiting_buyer, Action.reply, Role.buyer, State.answered),
    (State.return_received, Action.exchange, Role.brand, State.exchanged),
])
def test_legal_moves(state: State, action: Action, role: Role, expected: State) -> None:
    step = take(state, action, role)
    assert step.allowed and step.to_state is expected


def test_a_message_in_a_waiting_state_keeps_the_state() -> None:
    step = take(State.return_in_transit, Action.reply, Role.agent)
    assert step.allowed and step.to_state is State.return_in_transit


def test_refused_move_lists_what_is_allowed_for_that_role() -> None:
    step = take(State.answered, Action.confirm_refund, Role.agent)
    assert not step.allowed
    assert step.to_state is State.answered
    assert "request_return" in step.allowed_actions and "confirm_refund" not in step.allowed_actions


def test_buyer_cannot_refund_themselves_or_arbitrate() -> None:
    assert not take(State.return_received, Action.refund, Role.buyer).allowed
    assert not take(State.disputed, Action.arbitrate, Role.buyer).allowed
    assert "refund" not in allowed_actions(State.return_received, Role.buyer)


def test_anchor_may_only_reply_or_dispute() -> None:
    granted = {a for a, roles in WHO_MAY.items() if Role.anchor in roles}
    assert granted == {Action.reply, Action.dispute}
