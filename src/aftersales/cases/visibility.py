"""Who sees which case: written once, used by every read and write path."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import Session

from aftersales.cases.errors import CaseNotFound
from aftersales.cases.models import Case
from aftersales.security.principals import Principal, Role


def visible_to(principal: Principal) -> ColumnElement[bool]:
    if principal.is_staff:
        return true()
    if principal.role is Role.emergency:
        # the emergency team's desk: L3 cases and everything gathered by a group case
        return or_(Case.tier == "L3", Case.group_id.is_not(None))
    if principal.role is Role.buyer:
        return Case.buyer_id == principal.buyer_id if principal.buyer_id else false()
    if principal.party_ids:
        return Case.responsible_party_id.in_(sorted(principal.party_ids))
    return false()


def can_see(principal: Principal, case: Case) -> bool:
    if principal.is_staff:
        return True
    if principal.role is Role.emergency:
        return case.tier == "L3" or case.group_id is not None
    if principal.role is Role.buyer:
        return principal.buyer_id is not None and case.buyer_id == principal.buyer_id
    return principal.speaks_for(case.responsible_party_id)


def get_visible(session: Session, principal: Principal, case_id: str) -> Case:
    """The case if the caller may see it; otherwise 404, so another party's case is indistinguishable from none."""
    case = session.get(Case, case_id)
    if case is None or not can_see(principal, case):
        raise CaseNotFound(f"工单 {case_id} 不存在 / case {case_id} not found", case_id=case_id)
    return case
