"""The same indicator definitions on DuckDB, Spark and PostgreSQL give the same numbers on the same data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aftersales.evaluation.indicators import IndicatorResult, compute_indicators
from aftersales.evaluation.sources import Source, attach_catalog, open_source
from tests.conftest import throwaway_postgres
from tests.integration.conftest_evaluation import spark, synthetic_folder

__all__ = ["spark", "synthetic_folder"]  # fixtures used below, imported so pytest sees them

PG_ADMIN_URL = os.environ.get("AFTERSALES_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# each subject type only switches the grouping column; three cover month, quarter and the joins
CASES = [("anchor", "2026-10"), ("brand", "2026-11"), ("mcn", "2026-Q4")]


def _assert_same(left: IndicatorResult, right: IndicatorResult) -> None:
    keys = ["subject_type", "subject_id", "period", "indicator"]
    merged = left.values.merge(right.values, on=keys, suffixes=("_a", "_b"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), "both engines see the same subjects and indicators"
    assert (merged.n_a == merged.n_b).all()
    same = np.isclose(merged.value_a, merged.value_b, rtol=1e-9, atol=1e-12, equal_nan=True)
    assert same.all(), merged.loc[~same, [*keys, "value_a", "value_b"]].to_string()
    assert merged.value_a.notna().sum() > len(merged) / 2, "most indicators have data in the synthetic set"
    rows = lambda r: sorted((e.table, e.column, e.rule, e.rows_affected) for e in r.cleaning)  # noqa: E731
    assert rows(left) == rows(right)
    assert left.cleaning.caps == pytest.approx(right.cleaning.caps, rel=1e-9)
    pd.testing.assert_frame_equal(left.subjects, right.subjects, check_exact=False, rtol=1e-9)


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize(("subject_type", "period"), CASES)
def test_duckdb_and_spark_agree_on_every_indicator(synthetic_folder: Path, spark: Any, subject_type: str,
                                                   period: str) -> None:
    duck = compute_indicators(open_source(str(synthetic_folder)), subject_type, period)
    sparked = compute_indicators(open_source("spark", data=synthetic_folder, session=spark), subject_type, period)
    _assert_same(duck, sparked)


@pytest.fixture(scope="module")
def postgres_source(synthetic_folder: Path) -> Iterator[Source]:
    import ibis
    import pyarrow.parquet as pq

    with throwaway_postgres("aftersales_eval") as url:
        con = ibis.connect(url.replace("postgresql+psycopg://", "postgres://"))
        for folder in sorted(p for p in synthetic_folder.iterdir() if p.is_dir()):
            con.create_table(folder.name, pq.read_table(folder))
        yield attach_catalog(Source("postgres", con, "PostgreSQL test database"))
        con.disconnect()


@pytest.mark.postgres
@pytest.mark.parametrize(("subject_type", "period"), CASES[:2])
def test_duckdb_and_postgres_agree_on_every_indicator(synthetic_folder: Path, postgres_source: Source,
                                                      subject_type: str, period: str) -> None:
    duck = compute_indicators(open_source(str(synthetic_folder)), subject_type, period)
    _assert_same(duck, compute_indicators(postgres_source, subject_type, period))
