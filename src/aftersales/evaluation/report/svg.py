"""Inline SVG charts (radar of the six dimensions, trend with forecast band): no script, no external asset."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from aftersales.evaluation.scoring import DIMENSION_NAMES, DIMENSIONS, GRADE_A, PASSING


def _pt(x: float, y: float) -> str:
    return f"{x:.1f},{y:.1f}"


def radar(dimensions: dict[str, float | None], size: int = 300, title: str = "") -> str:
    """Six axes, grid at 20-point steps; a dimension without data sits at the centre, labelled so."""
    width = size + 140  # room for the side labels, which are wider than the chart's margin
    cx, cy = width / 2, size / 2
    radius = size / 2 - 48
    n = len(DIMENSIONS)

    def at(i: int, share: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + radius * share * math.cos(angle), cy + radius * share * math.sin(angle)

    parts = [f'<svg class="radar" viewBox="0 0 {width} {size}" '
             f'width="{width}" height="{size}" role="img" aria-label="{escape(title or "radar")}">']
    for step in (0.2, 0.4, 0.6, 0.8, 1.0):
        ring = " ".join(_pt(*at(i, step)) for i in range(n))
        parts.append(f'<polygon points="{ring}" fill="none" stroke="#ccd" stroke-width="0.8"/>')
    for i, dim in enumerate(DIMENSIONS):
        x, y = at(i, 1.0)
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#ccd"/>')
        lx, ly = at(i, 1.16)
        value = dimensions.get(dim)
        shown = "无数据" if value is None else f"{value:.0f}"
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="11" text-anchor="{anchor}">'
                     f'{escape(DIMENSION_NAMES[dim][0])} {shown}</text>')
    shape = " ".join(_pt(*at(i, (dimensions.get(d) or 0.0) / 100)) for i, d in enumerate(DIMENSIONS))
    parts.append(f'<polygon class="scores" points="{shape}" fill="rgba(220,60,60,0.25)" stroke="#c33" '
                 'stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


#: the width a month label needs at font size 10 ("2026-12" is 7 characters of ~6 px) plus a gap
LABEL_PX = 52


def label_positions(count: int, plot_px: float) -> list[int]:
    """Which month labels to draw so that no two overlap: every k-th, always ending on the last one."""
    if count <= 0:
        return []
    spacing = plot_px / max(count - 1, 1)
    step = max(1, math.ceil(LABEL_PX / spacing)) if count > 1 else 1
    picked = list(range(count - 1, -1, -step))[::-1]
    return picked


def trend_legend() -> str:
    """What the two dashed lines and the band mean, as a wrapping HTML row of swatches and labels."""
    from aftersales.evaluation.report import texts as t

    items = (("#d80", "4 3", t.both("line.pass")), ("#393", "4 3", t.both("line.grade_a")),
             ("#246", "5 4", t.both("forecast_band")))
    swatches = "".join(
        f'<span style="margin-right:14px;white-space:nowrap"><svg width="24" height="10" aria-hidden="true">'
        f'<line x1="0" x2="24" y1="5" y2="5" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/></svg> '
        f"{escape(label)}</span>" for color, dash, label in items)
    return f'<div class="legend muted">{swatches}</div>'


def trend(points: list[dict[str, Any]], forecast: list[dict[str, Any]], width: int = 560,
          height: int = 220) -> str:
    """Monthly index line, the 60/85 thresholds and the 3-month forecast with its interval band."""
    labels = [p["period"] for p in points] + [f["period"] for f in forecast]
    if not labels:
        return ""
    left, right, top, bottom = 48, 30, 12, 28
    span = max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + (width - left - right) * i / span

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - v / 100)

    parts = [f'<svg class="trend" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="trend">']
    for level in (0, 20, 40, 60, 80, 100):
        parts.append(f'<text x="{left - 4}" y="{y(level) + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{level}</text>')
    for threshold, color in ((PASSING, "#d80"), (GRADE_A, "#393")):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(threshold):.1f}" y2="{y(threshold):.1f}" '
                     f'stroke="{color}" stroke-dasharray="4 3"/>')
    for threshold, color, key in ((PASSING, "#d80", "60"), (GRADE_A, "#393", "85")):
        parts.append(f'<text x="{width - right + 2}" y="{y(threshold) + 3:.1f}" font-size="9" fill="{color}">'
                     f'{key}</text>')
    for i in label_positions(len(labels), width - left - right):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" font-size="10" text-anchor="middle">'
                     f'{escape(labels[i])}</text>')
    # months without an index break the line rather than being drawn as zero
    segments: list[list[str]] = [[]]
    for i, p in enumerate(points):
        if p["index"] is None:
            segments.append([])
            continue
        segments[-1].append(_pt(x(i), y(p["index"])))
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p["index"]):.1f}" r="2.5" fill="#246"/>')
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="#246" stroke-width="2"/>')
    offset = len(points)
    band = [(offset + i, f) for i, f in enumerate(forecast)
            if f["lower"] is not None and f["upper"] is not None]
    last_known = next((i for i in range(len(points) - 1, -1, -1) if points[i]["index"] is not None), None)
    if band and last_known is not None:  # the band opens from the last actual month
        v = points[last_known]["index"]
        band.insert(0, (last_known, {"lower": v, "upper": v}))
    if band:
        upper = [_pt(x(i), y(f["upper"])) for i, f in band]
        lower = [_pt(x(i), y(f["lower"])) for i, f in reversed(band)]
        parts.append(f'<polygon class="band" points="{" ".join(upper + lower)}" fill="rgba(40,90,160,0.18)" '
                     'stroke="none"/>')
    if forecast:
        last = next((i for i in range(len(points) - 1, -1, -1) if points[i]["index"] is not None), None)
        line = [_pt(x(last), y(points[last]["index"]))] if last is not None else []
        line += [_pt(x(offset + i), y(f["mean"])) for i, f in enumerate(forecast)]
        parts.append(f'<polyline class="forecast" points="{" ".join(line)}" fill="none" stroke="#246" '
                     'stroke-width="2" stroke-dasharray="5 4"/>')
    parts.append("</svg>")
    return "".join(parts)
