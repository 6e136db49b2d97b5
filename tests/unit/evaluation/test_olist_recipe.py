"""The Olist recipe (scripts/real_data/olist.py) on a hand-made sample in Olist's CSV layout."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from aftersales.evaluation.indicators import compute_indicators
from aftersales.evaluation.sources import open_source

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "tests" / "fixtures" / "evaluation" / "olist_sample"


def _recipe():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("olist_recipe", ROOT / "scripts" / "real_data" / "olist.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reviews_become_cases_of_the_sellers_who_shipped_the_order(tmp_path: Path) -> None:
    recipe = _recipe()
    recipe.main(SAMPLE, tmp_path)
    source = open_source(str(tmp_path), mapping=tmp_path / "mapping.yaml")
    assert source.calendar is not None and str(source.calendar.zone) == "America/Sao_Paulo"
    result = compute_indicators(source, "shop", "2017-11")
    values = result.values.set_index(["subject_id", "indicator"])
    # sA: reviews r1 (5), r2 (4), r3 (2, o3 had items of sA and sB), r5 (5); r4 is created 1 Dec
    assert values.loc[("sA", "S2"), "value"] == pytest.approx((5 + 4 + 2 + 5) / 4)
    assert values.loc[("sB", "S2"), "value"] == pytest.approx(2.0)
    # answers within 24 h of the survey: r1 12 h, r2 56 h, r3 20 h, r5 9 h
    assert values.loc[("sA", "R1"), ("value", "n")].tolist() == [pytest.approx(3 / 4), 4]


def _cfpb():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("cfpb_recipe", ROOT / "scripts" / "real_data" / "cfpb.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cfpb_complaints_become_cases_of_their_company(tmp_path: Path) -> None:
    _cfpb().main(ROOT / "tests" / "fixtures" / "evaluation" / "cfpb_sample" / "complaints.csv", tmp_path)
    source = open_source(str(tmp_path), mapping=tmp_path / "mapping.yaml")
    values = compute_indicators(source, "brand", "2016-03").values.set_index(["subject_id", "indicator"])
    assert values.loc[("ACME BANK", "S5"), ["value", "n"]].tolist() == [pytest.approx(1 / 3), 3]
    # forwarded the same day (R1 within 24 h) for 1001 and 1003; 1002 after two days
    assert values.loc[("ACME BANK", "R1"), ["value", "n"]].tolist() == [pytest.approx(2 / 3), 3]
    assert values.loc[("BETA CARD CO", "S5"), "n"] == 1
