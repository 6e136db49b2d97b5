"""The same indicator definitions on DuckDB, Spark and PostgreSQL give the same numbers on the same data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aftersales.evaluation.indicators import compute_indicators
from aftersales.evaluation.sources import Source, attach_catalog, open_source
from tests.conftest import throwaway_postgres
from tests.integration.conftest_evaluation import assert_same_indicators, spark, synthetic_folder

__all__ = ["spark", "synthetic_folder"]  # fixtures used below, imported so pytest sees them

PG_ADMIN_URL = os.environ.get("AFTERSALES_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# each subject type only switches the grouping column; three cover month, quarter and the joins
CASES = [("anchor", "2026-10"), ("brand", "2026-11"), ("mcn", "2026-Q4")]


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize(("subject_type", "period"), CASES)
def test_duckdb_and_spark_agree_on_every_indicator(synthetic_folder: Path, spark: Any, subject_type: str,
                                                   period: str) -> None:
    duck = compute_indicators(open_source(str(synthetic_folder)), subject_type, period)
    sparked = compute_indicators(open_source("spark", data=synthetic_folder, session=spark), subject_type, period)
    assert_same_indicators(duck, sparked)


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
    assert_same_indicators(duck, compute_indicators(postgres_source, subject_type, period))


def _dst_cases(folder: Path) -> Path:
    """Cases around São Paulo's daylight-saving change of 15 Oct 2017 (−03:00 → −02:00)."""
    import pandas as pd

    rows = [("x1", "A", "2017-10-15 03:00:00", "2017-10-15 03:30:00"),   # 01:00 −02:00: off-hours
            ("x2", "A", "2017-10-15 15:00:00", "2017-10-15 15:05:00"),   # 13:00: working hours
            ("x3", "A", "2017-11-21 06:00:00", "2017-11-21 06:05:00"),   # 04:00, Black Friday week 2017
            ("x4", "A", "2017-10-31 20:00:00", "2017-10-31 22:05:00"),   # 18:00 on 31 Oct
            ("x5", "B", "2017-10-14 02:30:00", "2017-10-14 02:35:00")]   # 23:30 −03:00 on 13 Oct
    frame = pd.DataFrame(rows, columns=["case_id", "anchor_id", "created_at", "first_response_at"]).assign(tier="L1")
    for column in ("created_at", "first_response_at"):
        frame[column] = pd.to_datetime(frame[column])
    frame["first_human_response_at"] = pd.NaT
    frame["resolved_at"] = pd.NaT
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / "cases.parquet", index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
    return folder


@pytest.mark.spark
@pytest.mark.slow
def test_a_locale_with_daylight_saving_gives_the_same_answers_on_duckdb_and_spark(tmp_path: Path,
                                                                                 spark: Any) -> None:
    folder = _dst_cases(tmp_path / "dst")
    locale = {"locale": "brazil"}
    for period in ("2017-10", "2017-11"):
        duck = compute_indicators(open_source(str(folder), mapping=locale), "anchor", period)
        sparked = compute_indicators(open_source("spark", data=folder, mapping=locale, session=spark), "anchor",
                                     period)
        assert_same_indicators(duck, sparked, mostly_measured=False)   # a cases table alone: few indicators
    october = compute_indicators(open_source(str(folder), mapping=locale), "anchor", "2017-10").values
    r5 = october[october.indicator == "R5"].set_index("subject_id")["n"]
    assert r5.to_dict() == {"A": 1, "B": 1}   # x1 and x5, read on São Paulo's clock either side of the change
