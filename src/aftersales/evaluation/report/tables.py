"""The report flattened into plain rows: one list per sheet/CSV, shared by the CSV and Excel writers."""

from __future__ import annotations

from typing import Any

from aftersales.evaluation.scoring import DIMENSIONS


def leaderboard(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in report["leaderboard"]]


def subjects(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for s in report["subjects"]:
        wi = s.get("what_if") or {}
        rows.append({
            "subject_id": s["subject_id"], "name": s["name"], "rank": s.get("rank"),
            "low_coverage": s.get("low_coverage"), "index": s["index"],
            "index_lower": s.get("index_lower"), "index_upper": s.get("index_upper"),
            "grade": s["grade"], "grade_status": s.get("grade_status"),
            "grade_reasons_en": "; ".join(s.get("grade_reasons_en") or []),
            "card": s["card"], "credit": s["credit"],
            **{f"dim_{d}": s["dimensions"].get(d) for d in DIMENSIONS},
            "profile": s["profile"]["name"], "profile_reason_zh": s["profile"]["reason_zh"],
            "profile_reason_en": s["profile"]["reason_en"],
            "indicators_with_data": s["coverage"]["indicators_with_data"],
            "indicators_total": s["coverage"]["indicators_total"],
            "weight_coverage": s["coverage"]["weight_coverage"],
            "missing_indicators": " ".join(s["coverage"]["missing_indicators"]),
            "risk": s["forecast"]["risk"], "forecast_method": s["forecast"]["method"],
            "what_if_index_after": wi.get("index_after"),
        })
    return rows


def indicators(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for s in report["subjects"]:
        for ind in s["indicators"]:
            rows.append({"subject_id": s["subject_id"], "indicator": ind["id"], "dimension": ind["dimension"],
                         "name_zh": ind["name_zh"], "name_en": ind["name_en"], "value": ind["value"],
                         "n": ind["n"], "min_n": ind.get("min_n"), "estimate": ind.get("estimate"),
                         "lower": ind.get("lower"), "upper": ind.get("upper"), "status": ind.get("status"),
                         "target": ind["target"], "floor": ind["floor"], "score": ind["score"],
                         "score_lower": ind.get("score_lower"), "score_upper": ind.get("score_upper")})
    return rows


def trend(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for s in report["subjects"]:
        for t in s["trend"]:
            rows.append({"subject_id": s["subject_id"], "period": t["period"], "kind": "actual",
                         "index": t["index"], "lower": t.get("lower"), "upper": t.get("upper")})
        for p in s["forecast"]["points"]:
            rows.append({"subject_id": s["subject_id"], "period": p["period"], "kind": "forecast",
                         "index": p["mean"], "lower": p["lower"], "upper": p["upper"]})
    return rows


def cleaning(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(e) for e in (report.get("cleaning") or {}).get("entries", [])]


def validation(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    v = report.get("validation") or {}
    return {name: [dict(r) for r in v.get(name, [])]
            for name in ("triangulation", "panel", "calibration", "predictive_validity")}


def sheets(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every table of the report by name, in reading order."""
    return {"leaderboard": leaderboard(report), "subjects": subjects(report),
            "indicators": indicators(report), "trend": trend(report), "cleaning": cleaning(report),
            **validation(report)}
