"""ECharts options (as JSON for the page) for the radar of the six dimensions and the trend with its forecast."""

from __future__ import annotations

import json
from typing import Any

from aftersales.console.i18n import Translator
from aftersales.console.queries.reports import DIMENSIONS


def to_json(option: dict[str, Any]) -> str:
    return json.dumps(option, ensure_ascii=False).replace("</", "<\\/")


def radar(t: Translator, subjects: list[dict[str, Any]]) -> str:
    indicator = [{"name": t("dimension." + d), "max": 100} for d in DIMENSIONS]
    series = [{"name": s["name"], "value": [round(s["dimensions"].get(d) or 0, 1) for d in DIMENSIONS]}
              for s in subjects]
    return to_json({"tooltip": {}, "legend": {"bottom": 0, "data": [s["name"] for s in subjects]},
                    "radar": {"indicator": indicator, "radius": "62%"},
                    "series": [{"type": "radar", "data": series, "areaStyle": {"opacity": 0.15}}]})


def trend(t: Translator, entry: dict[str, Any]) -> str:
    """Monthly index, the forecast's mean, and its interval as a band (lower line + stacked width)."""
    history = entry.get("trend") or []
    points = (entry.get("forecast") or {}).get("points") or []
    months = [p["period"] for p in history] + [p["period"] for p in points]
    pad = [None] * len(history)
    last = history[-1]["index"] if history else None
    mean = [None] * (len(history) - 1) + [last] + [round(p["mean"], 1) for p in points] if history else []
    lower = pad + [round(p["lower"], 1) for p in points]
    width = pad + [round(p["upper"] - p["lower"], 1) for p in points]
    lines = [{"yAxis": 60, "label": {"formatter": t("dash.line_c")}}, {"yAxis": 85, "label": {"formatter": t("dash.line_a")}}]
    return to_json({
        "tooltip": {"trigger": "axis"}, "legend": {"data": [t("dash.index"), t("dash.forecast"), t("dash.band")]},
        "grid": {"left": 40, "right": 30, "top": 36, "bottom": 30},
        "xAxis": {"type": "category", "data": months}, "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [
            {"name": t("dash.index"), "type": "line", "data": [None if p["index"] is None else round(p["index"], 1)
                                                               for p in history] + [None] * len(points),
             "markLine": {"silent": True, "symbol": "none", "lineStyle": {"type": "dashed", "color": "#999"},
                          "data": lines}},
            {"name": t("dash.forecast"), "type": "line", "data": mean, "lineStyle": {"type": "dashed"}},
            {"name": "lower", "type": "line", "data": lower, "stack": "band", "lineStyle": {"opacity": 0},
             "symbol": "none", "tooltip": {"show": False}},
            {"name": t("dash.band"), "type": "line", "data": width, "stack": "band", "lineStyle": {"opacity": 0},
             "symbol": "none", "areaStyle": {"color": "rgba(51,112,255,0.18)"}},
        ]})
