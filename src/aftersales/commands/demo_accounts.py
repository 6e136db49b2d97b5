"""One console account per role for the demo: parties that have cases, so every home page has something on it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.lifecycle import SETTLED
from aftersales.cases.models import Case
from aftersales.parties.models import Party
from aftersales.security import passwords
from aftersales.security.account_models import ConsoleAccount
from aftersales.security.accounts import create_account
from aftersales.security.principals import Role

DISPLAY = {Role.buyer: "演示买家", Role.agent: "演示客服", Role.supervisor: "演示主管", Role.brand: "演示品牌",
           Role.anchor: "演示主播", Role.mcn: "演示MCN", Role.platform_admin: "平台治理", Role.emergency: "应急小组",
           Role.carrier: "演示承运商"}
#: roles whose account must speak for a party with cases (an empty portal is no demo)
NEEDS_PARTY = (Role.buyer, Role.brand, Role.anchor, Role.mcn, Role.carrier)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    party: str | None


def _busiest(session: Session, kind: str) -> str | None:
    return session.scalar(select(Case.responsible_party_id).where(Case.responsible_kind == kind)
                          .group_by(Case.responsible_party_id).order_by(func.count().desc(),
                                                                        Case.responsible_party_id).limit(1))


def _parties(session: Session) -> dict[Role, str | None]:
    buyer = session.scalar(select(Case.buyer_id).group_by(Case.buyer_id)
                           .order_by(func.count().desc(), Case.buyer_id).limit(1))
    # the agent holding the most open cases, so "mine" has work in it; the supervisor another agent's desk
    busiest_agent = session.scalar(select(Case.assigned_agent_id).where(
        Case.assigned_agent_id.is_not(None), Case.state.not_in([s.value for s in SETTLED]))
        .group_by(Case.assigned_agent_id).order_by(func.count().desc(), Case.assigned_agent_id).limit(1))
    agents = list(session.scalars(select(Party.id).where(Party.kind == "agent").order_by(Party.id).limit(2)))
    if busiest_agent:
        agents = [busiest_agent, *(a for a in agents if a != busiest_agent)]
    anchor = _busiest(session, "anchor")
    mcn = session.scalar(select(Party.parent_id).where(Party.id == anchor)) if anchor else None
    if mcn is None:
        mcn = session.scalar(select(Party.id).where(Party.kind == "mcn").order_by(Party.id).limit(1))
    platform = session.scalar(select(Party.id).where(Party.kind == "platform").limit(1))
    return {Role.buyer: buyer, Role.agent: agents[0] if agents else None,
            Role.supervisor: agents[1] if len(agents) > 1 else None, Role.brand: _busiest(session, "brand"),
            Role.anchor: anchor, Role.mcn: mcn, Role.platform_admin: platform, Role.emergency: None,
            Role.carrier: _busiest(session, "carrier")}


def create_demo_accounts(session: Session, now: datetime) -> list[DemoAccount]:
    """`demo-<role>` for every role, each with a fresh random password (printed once, stored hashed)."""
    made = []
    for role, party in _parties(session).items():
        if role in NEEDS_PARTY and party is None:
            continue  # no such party in a tiny data set: an account would have an empty home page
        username = f"demo-{role.value.replace('_', '-')}"
        password = f"{role.value[:3]}-{secrets.token_urlsafe(9)}"
        existing = session.scalar(select(ConsoleAccount).where(ConsoleAccount.username == username))
        if existing is not None:  # `demo --no-reset` again: same account, a new password
            existing.password_hash, existing.password_changed_at = passwords.hash_password(password), now
        else:
            create_account(session, role=role.value, username=username, password=password, party=party,
                           now=now, display_name=DISPLAY[role])
        made.append(DemoAccount(role=role.value, username=username, password=password, party=party))
    return made
