"""Fixtures of the evaluation engine tests: small synthetic Parquet data and one SparkSession per run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aftersales.evaluation.indicators import IndicatorResult
from aftersales.evaluation.synthetic import SyntheticSpec, generate

SMALL = SyntheticSpec(cases=4_000, anchors=12, first_month="2026-09", last_month="2026-11", seed=11)


@pytest.fixture(scope="session")
def synthetic_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("evaluation") / "synthetic", SMALL)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from aftersales.evaluation.spark_engine import spark_session

    session = spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def assert_same_indicators(left: IndicatorResult, right: IndicatorResult, *, mostly_measured: bool = True) -> None:
    """Same subjects, indicators, sample sizes, values (1e-9 relative), cleaning and subject table."""
    keys = ["subject_type", "subject_id", "period", "indicator"]
    merged = left.values.merge(right.values, on=keys, suffixes=("_a", "_b"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), "both engines see the same subjects and indicators"
    assert (merged.n_a == merged.n_b).all()
    same = np.isclose(merged.value_a, merged.value_b, rtol=1e-9, atol=1e-12, equal_nan=True)
    assert same.all(), merged.loc[~same, [*keys, "value_a", "value_b"]].to_string()
    if mostly_measured:
        assert merged.value_a.notna().sum() > len(merged) / 2, "most indicators have data in the synthetic set"
    rows = lambda r: sorted((e.table, e.column, e.rule, e.rows_affected) for e in r.cleaning)  # noqa: E731
    assert rows(left) == rows(right)
    assert left.cleaning.caps == pytest.approx(right.cleaning.caps, rel=1e-9)
    pd.testing.assert_frame_equal(left.subjects, right.subjects, check_exact=False, rtol=1e-9)
