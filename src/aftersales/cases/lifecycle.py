"""The case state machine: which action moves a case from which state to which, and who may take it. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aftersales.security.principals import Role


class State(StrEnum):
    submitted = "submitted"
    answered = "answered"
    awaiting_buyer = "awaiting_buyer"
    awaiting_return = "awaiting_return"
    return_in_transit = "return_in_transit"
    return_received = "return_received"
    refund_pending = "refund_pending"
    refunded = "refunded"
    exchanged = "exchanged"
    resolved = "resolved"
    closed = "closed"
    escalated = "escalated"
    disputed = "disputed"
    in_arbitration = "in_arbitration"
    decided = "decided"
    reopened = "reopened"


class Action(StrEnum):
    reply = "reply"
    request_info = "request_info"
    request_return = "request_return"
    record_return_shipment = "record_return_shipment"
    confirm_receipt = "confirm_receipt"
    refund = "refund"
    confirm_refund = "confirm_refund"
    exchange = "exchange"
    resolve = "resolve"
    escalate = "escalate"
    close = "close"
    reopen = "reopen"
    dispute = "dispute"
    arbitrate = "arbitrate"
    decide = "decide"
    #: the carrier picked the return parcel up (退货已揽收), reported by its signed logistics webhook
    return_collected = "return_collected"


#: the buyer's clock does not run while the case waits on the buyer
WAITING_ON_BUYER = frozenset({State.awaiting_buyer, State.awaiting_return})
#: outcomes reached: the resolution clock stops here
SETTLED = frozenset({State.refunded, State.exchanged, State.resolved, State.closed, State.decided})
OPEN_WORK = frozenset({State.submitted, State.answered, State.escalated, State.reopened})

_WORKING = {
    Action.reply: None,  # None: the state does not change (a message), except submitted → answered below
    Action.request_info: State.awaiting_buyer,
    Action.request_return: State.awaiting_return,
    Action.refund: State.refund_pending,
    Action.exchange: State.exchanged,
    Action.resolve: State.resolved,
    Action.escalate: State.escalated,
    Action.close: State.closed,
    Action.dispute: State.disputed,
}

TRANSITIONS: dict[State, dict[Action, State | None]] = {
    State.submitted: {**_WORKING, Action.reply: State.answered},
    State.answered: dict(_WORKING),
    State.escalated: {**_WORKING, Action.escalate: State.escalated},
    State.reopened: {**_WORKING, Action.reply: State.answered},
    State.awaiting_buyer: {Action.reply: State.answered, Action.escalate: State.escalated,
                           Action.close: State.closed, Action.request_return: State.awaiting_return},
    State.awaiting_return: {Action.record_return_shipment: State.return_in_transit, Action.reply: None,
                            Action.escalate: State.escalated, Action.close: State.closed,
                            Action.dispute: State.disputed, Action.return_collected: State.return_in_transit},
    State.return_in_transit: {Action.confirm_receipt: State.return_received, Action.reply: None,
                              Action.escalate: State.escalated, Action.dispute: State.disputed,
                              Action.return_collected: None},
    State.return_received: {Action.refund: State.refund_pending, Action.exchange: State.exchanged,
                            Action.resolve: State.resolved, Action.reply: None,
                            Action.escalate: State.escalated, Action.dispute: State.disputed},
    State.refund_pending: {Action.confirm_refund: State.refunded, Action.reply: None,
                           Action.escalate: State.escalated, Action.dispute: State.disputed},
    State.refunded: {Action.close: State.closed, Action.reopen: State.reopened, Action.dispute: State.disputed,
                     Action.reply: None},
    State.exchanged: {Action.close: State.closed, Action.reopen: State.reopened, Action.dispute: State.disputed,
                      Action.reply: None},
    State.resolved: {Action.close: State.closed, Action.reopen: State.reopened, Action.dispute: State.disputed,
                     Action.reply: None},
    State.closed: {Action.reopen: State.reopened, Action.dispute: State.disputed},
    State.disputed: {Action.arbitrate: State.in_arbitration, Action.close: State.closed, Action.reply: None},
    State.in_arbitration: {Action.decide: State.decided, Action.reply: None},
    State.decided: {Action.close: State.closed, Action.refund: State.refund_pending, Action.reply: None},
}

_STAFF = frozenset({Role.agent, Role.supervisor, Role.platform_admin, Role.emergency})
_GOVERNANCE = frozenset({Role.supervisor, Role.platform_admin})
_ROUTED_PARTY = frozenset({Role.brand, Role.anchor, Role.mcn})

WHO_MAY: dict[Action, frozenset[Role]] = {
    Action.reply: _STAFF | _ROUTED_PARTY | {Role.buyer},
    Action.request_info: _STAFF,
    Action.request_return: _STAFF | {Role.brand},
    Action.record_return_shipment: _STAFF | {Role.buyer},
    Action.confirm_receipt: _STAFF | {Role.brand},
    Action.refund: _STAFF | {Role.brand},
    Action.confirm_refund: _STAFF,
    Action.exchange: _STAFF | {Role.brand},
    Action.resolve: _STAFF,
    Action.escalate: _STAFF | {Role.buyer},
    Action.close: _STAFF | {Role.buyer},
    Action.reopen: _STAFF | {Role.buyer},
    Action.dispute: _STAFF | {Role.buyer, Role.brand, Role.anchor},
    Action.arbitrate: _GOVERNANCE,
    Action.decide: _GOVERNANCE,
    Action.return_collected: frozenset({Role.carrier, Role.agent, Role.supervisor, Role.platform_admin}),
}

#: a group case (群体工单) names no order: it is answered, escalated and resolved as a whole, while returns and
#: refunds happen on its member cases
GROUP_ACTIONS = frozenset({Action.reply, Action.resolve, Action.escalate, Action.close, Action.reopen})


@dataclass(frozen=True)
class Step:
    """The outcome of taking an action: the new state, or refusal with what is allowed instead."""

    allowed: bool
    from_state: State
    to_state: State
    allowed_actions: tuple[str, ...]
    reason: str = ""


def may_take(action: Action, role: Role) -> bool:
    """Whether the role may ever take the action, whatever the case's state (403 when not, 409 when later)."""
    return role in WHO_MAY[action]


def allowed_actions(state: State, role: Role, *, group: bool = False) -> tuple[str, ...]:
    return tuple(a.value for a in TRANSITIONS[state] if role in WHO_MAY[a] and (not group or a in GROUP_ACTIONS))


def take(state: State, action: Action, role: Role, *, group: bool = False) -> Step:
    """Decide a transition; never raises, so callers choose how to report a refusal."""
    options = allowed_actions(state, role, group=group)
    if group and action not in GROUP_ACTIONS:
        return Step(False, state, state, options, f"a group case cannot {action.value}: act on its member cases")
    if action not in TRANSITIONS[state]:
        return Step(False, state, state, options, f"action {action.value} is not possible in state {state.value}")
    if role not in WHO_MAY[action]:
        return Step(False, state, state, options, f"role {role.value} may not {action.value}")
    target = TRANSITIONS[state][action]
    return Step(True, state, state if target is None else target, options)


def after_escalation(state: State) -> State:
    """Raising the tier moves open work to `escalated`; a case waiting on a parcel or a refund keeps its state."""
    return State.escalated if state in OPEN_WORK else state


def is_open(state: State) -> bool:
    """Still being worked: not yet settled (refunded, exchanged, resolved, closed or decided)."""
    return state not in SETTLED


def stops_resolution_clock(state: State) -> bool:
    return state in SETTLED


def pauses_clocks(state: State) -> bool:
    return state in WAITING_ON_BUYER
