"""The SLA matrix form: one row's budgets, checked before they reach `sla.service.update_policy`.

The service bounds each budget; the form also refuses what is not a whole number of minutes and budgets in the
wrong order, which would make a breach of one clock meaningless beside another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aftersales.problems import InvalidInput
from aftersales.sla.rules import MAX_BUDGET_MINUTES

MAX_MINUTES = MAX_BUDGET_MINUTES
MINUTE_FIELDS = ("first_response_minutes", "human_response_minutes", "resolution_minutes")


def _minutes(form: Mapping[str, Any], name: str, required: bool) -> int | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        if required:
            raise InvalidInput(f"{name}: 必填 / required", field=name)
        return None
    if not raw.isdigit():
        raise InvalidInput(f"{name}: 须为整数分钟 / whole minutes", field=name)
    value = int(raw)
    if not 1 <= value <= MAX_MINUTES:
        raise InvalidInput(f"{name}: 须在 1–{MAX_MINUTES} 分钟之间 / between 1 and {MAX_MINUTES} minutes",
                           field=name)
    return value


def parse_policy_form(form: Mapping[str, Any]) -> dict[str, object]:
    first = _minutes(form, "first_response_minutes", True)
    human = _minutes(form, "human_response_minutes", False)
    resolution = _minutes(form, "resolution_minutes", True)
    assert first is not None and resolution is not None
    if first > resolution:
        raise InvalidInput("首次响应时限不能长于解决时限 / the first response cannot be due after the resolution",
                           field="first_response_minutes")
    if human is not None and human > resolution:
        raise InvalidInput("人工响应时限不能长于解决时限 / the human response cannot be due after the resolution",
                           field="human_response_minutes")
    escalate = str(form.get("escalate_to") or "").strip() or None
    if escalate not in (None, "L1", "L2", "L3"):
        raise InvalidInput("升级目标须为 L1/L2/L3 / escalate to L1, L2 or L3", field="escalate_to")
    return {"first_response_minutes": first, "human_response_minutes": human, "resolution_minutes": resolution,
            "business_hours": form.get("business_hours") in ("on", "true", "1"), "escalate_to": escalate}
