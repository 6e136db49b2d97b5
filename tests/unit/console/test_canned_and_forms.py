"""Canned replies load with known variables and are found by pinyin; the SLA form refuses nonsense budgets."""

from __future__ import annotations

import pytest

from aftersales.console import canned
from aftersales.console.sla_form import parse_policy_form
from aftersales.problems import InvalidInput


def test_every_macro_names_a_reply_and_a_lifecycle_action() -> None:
    library = canned.library()
    assert library.replies and library.macros
    for macro in library.macros:
        assert library.reply(macro.reply) is not None


@pytest.mark.parametrize("query", ["退款", "tuikuan", "tkdz"])
def test_a_reply_is_found_by_its_words_full_pinyin_or_initials(query: str) -> None:
    found = [r.id for r in canned.library().replies if query in r.keys]
    assert "refund_eta" in found


def test_variables_are_filled_from_the_case_and_a_missing_one_shows_a_dash() -> None:
    text = canned.fill("{buyer}您好，订单 {order_id}，{eta}", {"buyer": "王小美", "order_id": "O-1"})
    assert text == "王小美您好，订单 O-1，—"


def test_the_sla_form_accepts_a_sane_row() -> None:
    changes = parse_policy_form({"first_response_minutes": "15", "human_response_minutes": "60",
                                 "resolution_minutes": "2880", "escalate_to": "L3", "business_hours": "on"})
    assert changes == {"first_response_minutes": 15, "human_response_minutes": 60, "resolution_minutes": 2880,
                       "business_hours": True, "escalate_to": "L3"}


@pytest.mark.parametrize(("form", "field"), [
    ({"first_response_minutes": "", "resolution_minutes": "60"}, "first_response_minutes"),
    ({"first_response_minutes": "1.5", "resolution_minutes": "60"}, "first_response_minutes"),
    ({"first_response_minutes": "15", "resolution_minutes": "100000000000"}, "resolution_minutes"),
    ({"first_response_minutes": "120", "resolution_minutes": "60"}, "first_response_minutes"),
    ({"first_response_minutes": "15", "human_response_minutes": "90", "resolution_minutes": "60"},
     "human_response_minutes"),
    ({"first_response_minutes": "15", "resolution_minutes": "60", "escalate_to": "L9"}, "escalate_to"),
])
def test_the_sla_form_names_the_field_it_refuses(form: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_policy_form(form)
    assert refused.value.extra["field"] == field
