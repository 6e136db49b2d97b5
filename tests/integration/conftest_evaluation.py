"""Fixtures of the evaluation engine tests: small synthetic Parquet data and one SparkSession per run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aftersales.evaluation.synthetic import SyntheticSpec, generate

SMALL = SyntheticSpec(cases=4_000, anchors=12, first_month="2026-09", last_month="2026-11", seed=11)


@pytest.fixture(scope="session")
def synthetic_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("evaluation") / "synthetic", SMALL)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from aftersales.evaluation.sources import spark_session

    session = spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
