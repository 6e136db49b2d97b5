"""The synthetic generator: deterministic, shaped like the input schema, with the dirt cleaning must catch."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from aftersales.evaluation.indicators import compute_indicators
from aftersales.evaluation.schema import TABLES
from aftersales.evaluation.sources import open_source
from aftersales.evaluation.synthetic import SyntheticSpec, generate

SPEC = SyntheticSpec(cases=3_000, anchors=10, first_month="2026-10", last_month="2026-11", seed=3, chunk=1_000)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("synthetic") / "data", SPEC)


def test_same_spec_gives_the_same_files(folder: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", SPEC)
    for name in ("cases", "messages", "surveys", "orders"):
        assert pq.read_table(folder / name).equals(pq.read_table(again / name)), name


def test_every_schema_table_is_written_with_schema_columns(folder: Path) -> None:
    for name, table in TABLES.items():
        if name == "case_events":
            continue  # not read by the indicators; not generated
        assert pq.read_table(folder / name).column_names == table.names, name
    assert pq.read_table(folder / "cases").num_rows == SPEC.cases


def test_double_11_month_is_the_peak(folder: Path) -> None:
    created = pq.read_table(folder / "cases", columns=["created_at"]).column(0).to_pandas()
    by_month = created.dt.tz_localize("UTC").dt.tz_convert("Asia/Shanghai").dt.month.value_counts()
    assert by_month[11] > 1.5 * by_month[10]


def test_dirty_rows_are_cleaned_and_reported(folder: Path) -> None:
    result = compute_indicators(open_source(str(folder)), "anchor", "2026-11")
    rules = {e.rule for e in result.cleaning}
    assert {"dropped_negative", "winsorised_p99:E1"} <= rules
    # good and bad anchors: the generated quality spreads the indicators
    r2 = result.values[result.values.indicator == "R2"].value
    assert r2.max() - r2.min() > 0.3


def test_a_finished_folder_is_reused(folder: Path) -> None:
    stamp = (folder / "_SUCCESS.json").stat().st_mtime_ns
    generate(folder, SPEC)
    assert (folder / "_SUCCESS.json").stat().st_mtime_ns == stamp
