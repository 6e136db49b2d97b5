"""Hand-built evaluation frames (the shape EA's compute_indicators returns) and report-building checks."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from aftersales.evaluation import service
from aftersales.evaluation.report import svg
from aftersales.evaluation.report.files import write_all


@dataclass(frozen=True)
class Spec:
    id: str
    dimension: str
    name_zh: str
    name_en: str
    target: float
    floor: float
    unit: str


_TABLE = [  # id, target, floor (SPEC §Evaluation)
    ("R1", 0.95, 0.50), ("R2", 0.95, 0.50), ("R3", 0.05, 0.50), ("R4", 45, 1440), ("R5", 0.90, 0.30),
    ("E1", 48, 168), ("E2", 3, 10), ("E3", 1.5, 5), ("E4", 0.95, 0.50), ("E5", 0.90, 0.20),
    ("S1", 40, 0), ("S2", 4.5, 3.0), ("S3", 0.85, 0.40), ("S4", 0.05, 0.30), ("S5", 0.02, 0.20),
    ("C1", 1.0, 0.30), ("C2", 3, 15), ("C3", 0.95, 0.50), ("C4", 0.05, 0.45), ("C5", 1.0, 0.30),
    ("T1", 0.90, 0.50), ("T2", 0.90, 0.0), ("T3", 1.0, 0.0), ("T4", 0.80, 0.20),
    ("M1", 0.75, 0.30), ("M2", 0.60, 0.20), ("M3", 0.90, 0.50), ("M4", 0.90, 0.30),
]
SPECS = {i: Spec(i, i[0], f"指标{i}", f"indicator {i}", t, f, "") for i, t, f in _TABLE}


def value_at(ind: str, share: float) -> float:
    """The value scoring `share` × 100 on that indicator: floor + share × (target − floor)."""
    spec = SPECS[ind]
    return spec.floor + share * (spec.target - spec.floor)


def values_frame(period: str, shares: dict[str, float], missing: dict[str, set[str]] | None = None,
                 subject_type: str = "anchor") -> pd.DataFrame:
    rows = []
    for sid, share in shares.items():
        for ind in SPECS:
            gone = missing is not None and ind in missing.get(sid, set())
            rows.append({"subject_type": subject_type, "subject_id": sid, "period": period, "indicator": ind,
                         "value": float("nan") if gone else value_at(ind, share),
                         # large samples: the weak prior of a three-subject population moves nothing
                         "n": 0 if gone else 100_000})
    return pd.DataFrame(rows)


def subjects_frame(ids: list[str], subject_type: str = "anchor", sensitive: dict[str, float] | None = None,
                   in_promo: bool = False) -> pd.DataFrame:
    return pd.DataFrame([{"subject_type": subject_type, "subject_id": sid, "name": f"主播{sid}",
                          "gmv": 1000.0 * (i + 1),
                          "sensitive_skin_gmv_share": (sensitive or {}).get(sid, 0.1),
                          "in_promo": in_promo, "months_active": 12} for i, sid in enumerate(ids)])


def demo_inputs() -> service.Inputs:
    """a1 steady at 90; a2 at 70; a3 sliding 66 → 50 over the last months (two months below 60)."""
    months = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    slide = [0.66, 0.64, 0.62, 0.61, 0.55, 0.50]
    history = pd.concat([values_frame(m, {"a1": 0.9, "a2": 0.7, "a3": s}) for m, s in zip(months, slide,
                                                                                        strict=True)])
    return service.Inputs(
        values=values_frame("2026-09", {"a1": 0.9, "a2": 0.7, "a3": 0.55}, missing={"a2": {"M1", "M2"}}),
        subjects=subjects_frame(["a1", "a2", "a3"], sensitive={"a2": 0.8}),
        history=history[history["period"] <= "2026-09"],
        cleaning={"rules": [{"table": "cases", "column": "first_response_at", "rule": "drop_negative",
                             "rows_affected": 3, "reason": "negative duration"}]},
        source="hand-built",
    )


NOW = datetime(2026, 10, 2, 1, 0, tzinfo=UTC)


def build(inputs: service.Inputs | None = None, **opts: object) -> dict[str, object]:
    settings: dict[str, object] = {"validate": False, "history_months": 5, **opts}
    options = service.Options(subject_type="anchor", period="2026-09", **settings)  # type: ignore[arg-type]
    return service.build_report(inputs or demo_inputs(), options, SPECS, generated_at=NOW)


def test_indices_grades_and_ranking_follow_the_hand_built_levels() -> None:
    report = build()
    by = {s["subject_id"]: s for s in report["subjects"]}  # type: ignore[index]
    # every indicator of a1 sits at 90% of the way from floor to target → every score 90 → index 90
    assert by["a1"]["index"] == pytest.approx(90.0)
    assert by["a1"]["grade"] == "A"
    assert by["a2"]["index"] == pytest.approx(70.0) and by["a2"]["grade"] == "B"
    assert by["a3"]["index"] == pytest.approx(55.0) and by["a3"]["grade"] == "C"
    assert [row["subject_id"] for row in report["leaderboard"]] == ["a1", "a2", "a3"]  # type: ignore[index]


def test_cards_come_from_consecutive_months() -> None:
    by = {s["subject_id"]: s for s in build()["subjects"]}  # type: ignore[index]
    # a3: August 61 (not below 60), September 55 → yellow only
    assert by["a3"]["card"] == "yellow"
    assert by["a1"]["card"] is None


def test_two_consecutive_months_below_60_give_a_red_card() -> None:
    inputs = demo_inputs()
    august = values_frame("2026-08", {"a1": 0.9, "a2": 0.7, "a3": 0.58})
    inputs.history = pd.concat([inputs.history[inputs.history["period"] != "2026-08"], august])
    by = {s["subject_id"]: s for s in build(inputs)["subjects"]}  # type: ignore[index]
    assert by["a3"]["card"] == "red"
    trend = {t["period"]: t["index"] for t in by["a3"]["trend"]}
    assert trend["2026-08"] == pytest.approx(58.0)


def test_missing_indicators_lower_coverage_not_the_score() -> None:
    by = {s["subject_id"]: s for s in build()["subjects"]}  # type: ignore[index]
    a2 = by["a2"]
    assert a2["coverage"]["indicators_with_data"] == 26
    assert set(a2["coverage"]["missing_indicators"]) == {"M1", "M2"}
    assert a2["dimensions"]["empathy"] == pytest.approx(70.0)   # M3, M4 still there
    m1 = next(i for i in a2["indicators"] if i["id"] == "M1")
    assert m1["value"] is None and m1["score"] is None


def test_profile_reason_is_stated_per_subject() -> None:
    by = {s["subject_id"]: s for s in build()["subjects"]}  # type: ignore[index]
    assert by["a2"]["profile"]["name"] == "sensitive_skin"
    assert "敏感肌" in by["a2"]["profile"]["reason_zh"]
    assert by["a1"]["profile"]["name"] == "base"


def test_promo_month_uses_promo_profile() -> None:
    inputs = demo_inputs()
    inputs.subjects = subjects_frame(["a1", "a2", "a3"], in_promo=True)
    by = {s["subject_id"]: s for s in build(inputs)["subjects"]}  # type: ignore[index]
    assert by["a1"]["profile"]["name"] == "promo"


def test_what_if_raises_the_index_of_a_slow_subject() -> None:
    by = {s["subject_id"]: s for s in build(what_if={"E1": 36.0})["subjects"]}  # type: ignore[index]
    wi = by["a3"]["what_if"]
    assert wi["index_after"] > wi["index_before"]


def test_subject_without_any_data_is_listed_without_index() -> None:
    inputs = demo_inputs()
    inputs.subjects = subjects_frame(["a1", "a2", "a3", "a4"])
    report = build(inputs)
    by = {s["subject_id"]: s for s in report["subjects"]}  # type: ignore[index]
    assert by["a4"]["index"] is None and by["a4"]["grade"] is None
    assert by["a4"]["coverage"]["indicators_with_data"] == 0
    assert report["leaderboard"][-1]["subject_id"] == "a4"  # type: ignore[index]


# --- the written outputs -------------------------------------------------------------------------

def test_outputs_are_written_and_the_html_is_offline(tmp_path: Path) -> None:
    report = build(what_if={"E1": 36.0})
    paths = write_all(report, tmp_path)
    names = {p.suffix for p in paths}
    assert {".json", ".csv", ".xlsx", ".html"} <= names
    html = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    # self-contained: no URL of any scheme, no script, no stylesheet or image link
    assert re.search(r"(https?:)?//[\w.-]+\.\w", html) is None
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert html.count('<svg class="radar"') == 3            # one radar per subject
    assert 'class="band"' in html                           # forecast interval drawn
    assert "售后健康指数" in html and "health index" in html  # zh-CN first, English beside it
    assert "主播a3" in html and "黄牌" in html


def test_radar_svg_is_well_formed_with_six_axes_and_marks_missing_dimensions() -> None:
    dims = {"response": 80.0, "resolution": 60.0, "satisfaction": 70.0, "responsibility": None,
            "technology": 90.0, "empathy": 50.0}
    root = ElementTree.fromstring(svg.radar(dims))
    texts = [t.text or "" for t in root.iter("text")]
    assert len(texts) == 6
    assert any("无数据" in t for t in texts)
    scores = next(p for p in root.iter("polygon") if p.get("class") == "scores")
    assert len(scores.get("points", "").split()) == 6


def test_trend_svg_breaks_the_line_at_months_without_index() -> None:
    points = [{"period": f"2026-0{i}", "index": v} for i, v in enumerate([70.0, 72.0, None, 65.0, 66.0], 1)]
    root = ElementTree.fromstring(svg.trend(points, []))
    lines = [p for p in root.iter("polyline")]
    assert len(lines) == 2


def test_json_has_no_nan_and_excel_has_the_leaderboard(tmp_path: Path) -> None:
    report = build()
    paths = write_all(report, tmp_path)
    data = json.loads(next(p for p in paths if p.suffix == ".json").read_text(encoding="utf-8"))
    assert data["leaderboard"][0]["subject_id"] == "a1"
    from openpyxl import load_workbook

    wb = load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    ws = wb["排行榜 Leaderboard"]
    header = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=header.index("subject_id") + 1).value == "a1"
    csv_text = next(p for p in paths if p.name.endswith("_indicators.csv")).read_text(encoding="utf-8-sig")
    assert len(csv_text.strip().splitlines()) == 1 + 3 * 28


def test_calibration_flags_indicators_and_whole_dimensions_quarter_on_quarter() -> None:
    inputs = demo_inputs()
    # a1 is at 90% of every indicator's range in Q3 and at 60% in Q4: every score falls from 90 to 60,
    # a third (-33%) — beyond the 20% limit, for indicators and dimensions alike; a2 stays put
    inputs.previous_quarter_values = values_frame("2026-Q2", {"a1": 0.9, "a2": 0.7})
    inputs.quarter_values = values_frame("2026-Q3", {"a1": 0.6, "a2": 0.7})
    report = build(inputs, validate=True)
    rows = report["validation"]["calibration"]  # type: ignore[index]
    empathy = next(r for r in rows if r["subject_id"] == "a1" and r["indicator"] == "empathy")
    assert empathy["level"] == "dimension" and empathy["flagged"] is True
    assert empathy["relative_change"] == pytest.approx(-1 / 3)
    assert not any(r["flagged"] for r in rows if r["subject_id"] == "a2")


def test_what_if_summary_averages_over_subjects() -> None:
    report = build(what_if={"E1": 36.0})
    summary = report["effect"]["what_if_summary"]  # type: ignore[index]
    assert summary["subjects"] == 3
    assert summary["mean_index_after"] > summary["mean_index_before"]


def test_subject_measured_on_few_indicators_is_not_ranked_above_fully_measured_ones() -> None:
    inputs = demo_inputs()
    perfect_but_thin = values_frame("2026-09", {"a4": 1.0},
                                    missing={"a4": set(SPECS) - {"R1", "E1"}})   # 2 of 28 indicators
    inputs.values = pd.concat([inputs.values, perfect_but_thin])
    inputs.subjects = subjects_frame(["a1", "a2", "a3", "a4"])
    report = build(inputs)
    board = report["leaderboard"]  # type: ignore[index]
    a4 = next(r for r in board if r["subject_id"] == "a4")
    assert a4["index"] == pytest.approx(100.0)       # still scored and shown...
    assert a4["low_coverage"] is True and a4["rank"] is None   # ...but not ranked
    assert a4["grade"] is None and a4["grade_status"] == "insufficient_data"   # and not graded
    assert [r["subject_id"] for r in board] == ["a1", "a2", "a3", "a4"]
    assert [r["rank"] for r in board][:3] == [1, 2, 3]


def test_trend_month_labels_never_overlap_and_the_lines_are_explained() -> None:
    months = [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01", "2026-02", "2026-03"]
    chart = svg.trend([{"period": m, "index": 70.0} for m in months],
                      [{"period": f"2026-0{i}", "mean": 70.0, "lower": 60.0, "upper": 80.0} for i in (4, 5, 6)])
    root = ElementTree.fromstring(chart)
    labels = [(float(e.get("x") or 0), e.text) for e in root.iter("text")
              if e.text and re.fullmatch(r"\d{4}-\d{2}", e.text)]
    xs = [x for x, _ in labels]
    assert len(xs) >= 4 and labels[-1][1] == "2026-06"
    assert min(b - a for a, b in itertools.pairwise(xs)) >= svg.LABEL_PX
    legend = svg.trend_legend()
    assert "60" in legend and "85" in legend and "及格" in legend


def test_scores_in_the_report_are_rounded_as_shown() -> None:
    report = build()
    for s in report["subjects"]:  # type: ignore[union-attr]
        for value in [s["index"], *s["dimensions"].values(), *(i["score"] for i in s["indicators"])]:
            assert value is None or round(value, 1) == value


def test_no_forecast_or_risk_for_a_subject_without_data_in_the_period() -> None:
    inputs = demo_inputs()
    inputs.values = inputs.values[inputs.values["subject_id"] != "a3"]   # a3 has history but nothing in 2026-09
    by = {s["subject_id"]: s for s in build(inputs)["subjects"]}  # type: ignore[index]
    assert by["a3"]["index"] is None
    assert by["a3"]["forecast"]["points"] == [] and by["a3"]["forecast"]["risk"] is None
    assert by["a3"]["card"] is None and by["a3"]["grade_status"] == "no_data"
