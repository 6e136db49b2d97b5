"""`aftersales policy decide | rules | check` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from policy_factories import EXAMPLE_DIR, facts_dict
from typer.testing import CliRunner

from aftersales.policy.cli import app
from aftersales.policy.service import RULES_DIR

runner = CliRunner()


def test_decide_reads_facts_from_stdin_and_prints_the_decision_as_json() -> None:
    facts = facts_dict(product_category="lipstick", problem="allergy_reaction", evidence=["medical_report"],
                       paid_amount="129.90")  # fmt: skip
    result = runner.invoke(app, ["decide"], input=json.dumps(facts))
    assert result.exit_code == 0, result.stderr
    decision = json.loads(result.stdout)
    assert (decision["outcome"], decision["remedy"]) == ("approve", "refund")
    assert decision["refund_amount"] == "129.90"
    assert decision["rules_version"] == "2025-01"
    first = decision["reasons"][0]
    assert set(first) == {"rule_id", "fact", "zh", "en"}
    assert first["rule_id"] == "cosmetics.allergy_report"


def test_decide_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts_dict(product_category="fresh")), encoding="utf-8")
    result = runner.invoke(app, ["decide", "--file", str(path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["outcome"] == "deny"


def test_an_unknown_field_is_a_clear_error_with_exit_2() -> None:
    result = runner.invoke(app, ["decide"], input=json.dumps(facts_dict(colour="red")))
    assert result.exit_code == 2
    assert "colour" in result.stderr and "未知字段" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_field_is_a_clear_error_with_exit_2() -> None:
    facts = facts_dict()
    del facts["item_state"]
    result = runner.invoke(app, ["decide"], input=json.dumps(facts))
    assert result.exit_code == 2
    assert "item_state" in result.stderr


def test_an_unknown_category_and_broken_json_exit_2() -> None:
    unknown = runner.invoke(app, ["decide"], input=json.dumps(facts_dict(product_category="cars")))
    broken = runner.invoke(app, ["decide"], input="{not json")
    assert (unknown.exit_code, broken.exit_code) == (2, 2)
    assert "product_category" in unknown.stderr and "JSON" in broken.stderr


def test_rules_lists_every_version_with_its_effective_date() -> None:
    result = runner.invoke(app, ["rules", "--rules", str(EXAMPLE_DIR)])
    assert result.exit_code == 0
    assert "2025-01-01" not in result.stdout and "2026-07-01" in result.stdout
    shipped = runner.invoke(app, ["rules"])
    assert shipped.exit_code == 0 and "2025-01-01" in shipped.stdout and "2026-07" not in shipped.stdout


def test_check_accepts_a_good_file_and_rejects_a_broken_one(tmp_path: Path) -> None:
    good = runner.invoke(app, ["check", str(RULES_DIR / "2025-01-01.toml")])
    assert good.exit_code == 0 and "2025-01" in good.stdout
    text = (RULES_DIR / "2025-01-01.toml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(
        text.replace('id = "resale.used"\npriority = 20', 'id = "resale.used"\npriority = "high"')
    )
    bad = runner.invoke(app, ["check", str(broken)])
    assert bad.exit_code == 1
    assert "resale.used" in bad.stderr and "priority" in bad.stderr
