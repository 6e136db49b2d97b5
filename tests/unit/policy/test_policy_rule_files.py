"""Rule files are validated into errors naming the file, the rule id and the field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from aftersales.policy.ruleset import RuleFileError, build_ruleset
from aftersales.policy.service import RULES_DIR, load_rules, read_rule_file

PACKAGED = sorted(RULES_DIR.glob("*.toml"))


def raw_v1() -> dict[str, Any]:
    return tomllib.loads((RULES_DIR / "2025-01-01.toml").read_text(encoding="utf-8"))


def rule(raw: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in raw["rules"] if r["id"] == rule_id)


def error_for(raw: dict[str, Any]) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        build_ruleset(raw, "broken.toml")
    assert "broken.toml" in caught.value.detail
    return caught.value


@pytest.mark.parametrize("path", PACKAGED, ids=lambda p: p.name)
def test_every_packaged_rule_file_validates(path: Path) -> None:
    ruleset = read_rule_file(path)
    assert path.stem == ruleset.effective_from.isoformat()


@pytest.mark.parametrize("path", PACKAGED, ids=lambda p: p.name)
def test_the_category_tree_has_every_required_category(path: Path) -> None:
    required = {"food", "fresh", "cosmetics", "apparel", "shoes", "electronics", "home", "baby", "virtual",
                "customised", "hygiene"}  # fmt: skip
    assert required <= set(read_rule_file(path).categories)


def test_a_bad_outcome_names_the_rule_and_the_field() -> None:
    raw = raw_v1()
    rule(raw, "exclude.food")["then"]["outcome"] = "maybe"
    error = error_for(raw)
    assert (error.rule_id, error.field_path) == ("exclude.food", "then.outcome")


def test_an_unknown_category_in_a_rule_is_refused() -> None:
    raw = raw_v1()
    rule(raw, "cosmetics.allergy_report")["when"]["categories"] = ["perfume"]
    error = error_for(raw)
    assert (error.rule_id, error.field_path) == ("cosmetics.allergy_report", "when.categories")


def test_an_unknown_condition_key_is_refused() -> None:
    raw = raw_v1()
    rule(raw, "resale.used")["when"]["colour"] = "red"
    assert error_for(raw).field_path == "when.colour"


def test_duplicate_rule_ids_are_refused() -> None:
    raw = raw_v1()
    raw["rules"].append(dict(rule(raw, "resale.used")))
    assert error_for(raw).rule_id == "resale.used"


def test_an_unknown_placeholder_in_a_sentence_is_refused() -> None:
    raw = raw_v1()
    rule(raw, "resale.used")["zh"] = "已使用 {colour}"
    assert error_for(raw).rule_id == "resale.used"


def test_evidence_requirements_need_a_sentence_asking_for_it() -> None:
    raw = raw_v1()
    del rule(raw, "quality.defect")["missing_en"]
    assert error_for(raw).rule_id == "quality.defect"


def test_a_denial_cannot_grant_a_refund() -> None:
    raw = raw_v1()
    rule(raw, "resale.used")["then"]["remedy"] = "refund"
    assert error_for(raw).rule_id == "resale.used"


def test_a_category_cycle_is_refused() -> None:
    raw = raw_v1()
    raw["categories"]["cosmetics"]["parent"] = "lipstick"
    assert "cycle" in error_for(raw).detail


def test_a_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "2027-01-01.toml"
    bad.write_text("version = \n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"2027-01-01\.toml"):
        read_rule_file(bad)


def test_two_versions_with_the_same_effective_date_are_refused(tmp_path: Path) -> None:
    text = (RULES_DIR / "2025-01-01.toml").read_text(encoding="utf-8")
    (tmp_path / "a.toml").write_text(text, encoding="utf-8")
    (tmp_path / "b.toml").write_text(text.replace('version = "2025-01"', 'version = "2025-01b"'), "utf-8")
    with pytest.raises(RuleFileError, match="clash"):
        load_rules(tmp_path)


def test_docs_explain_every_rule_id() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "policy.md").read_text(encoding="utf-8")
    for path in PACKAGED:
        ruleset = read_rule_file(path)
        for entry in (*ruleset.rules, *ruleset.adjustments):
            assert f"`{entry.id}`" in docs, entry.id
