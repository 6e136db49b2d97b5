"""Who is calling: a role and the parties it belongs to. Pure; no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    buyer = "buyer"
    agent = "agent"
    supervisor = "supervisor"
    brand = "brand"
    anchor = "anchor"
    mcn = "mcn"
    platform_admin = "platform_admin"
    #: 应急小组 (anchor + operations + legal): works the L3 queue and the group cases of spike warnings
    emergency = "emergency"
    #: a logistics company: posts signed tracking events and sees the cases routed to it (transit damage)
    carrier = "carrier"


#: platform staff work every case; the other roles see only what is theirs.
STAFF_ROLES = frozenset({Role.agent, Role.supervisor, Role.platform_admin})
GOVERNANCE_ROLES = frozenset({Role.supervisor, Role.platform_admin})
PARTY_ROLES = frozenset({Role.brand, Role.anchor, Role.mcn})
#: who works cases: platform staff and the emergency team (which sees only L3 and group cases)
CASE_WORKERS = STAFF_ROLES | {Role.emergency}


@dataclass(frozen=True)
class Principal:
    role: Role
    token_id: int | None = None
    name: str = ""
    #: the buyer's id for role=buyer; the agent's own party id for staff, when known.
    buyer_id: str | None = None
    #: the parties this principal speaks for (a brand id; an MCN id plus, resolved at login, its anchors).
    party_ids: frozenset[str] = field(default_factory=frozenset)
    #: the console account signed in, when the caller is a browser session rather than an API token
    account_id: int | None = None
    #: what an API token may do (security.scopes); None for a console session, which its role alone bounds
    scopes: frozenset[str] | None = None
    #: when an API token stops working; None: it does not expire (console sessions expire on their own)
    expires_at: datetime | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_governance(self) -> bool:
        return self.role in GOVERNANCE_ROLES

    @property
    def actor_id(self) -> str | None:
        """Who to name on a timeline entry: the buyer, or the first party the token speaks for."""
        return self.buyer_id or next(iter(sorted(self.party_ids)), None)

    def speaks_for(self, party_id: str | None) -> bool:
        return party_id is not None and party_id in self.party_ids
