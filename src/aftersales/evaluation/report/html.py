"""The self-contained offline HTML report: inline CSS and SVG only, no script, no CDN, no external asset."""

from __future__ import annotations

from html import escape
from typing import Any

from aftersales.evaluation.report import svg
from aftersales.evaluation.report import texts as t
from aftersales.evaluation.scoring import DIMENSIONS

#: beyond this many subjects only the most urgent get a detail section; the leaderboard lists everyone
DETAIL_LIMIT = 200

_CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{font-size:22px} h2{font-size:18px;border-bottom:2px solid #c33;padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin:0 0 6px} table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right} th{background:#f4f4f8}
td.l,th.l{text-align:left} .muted{color:#777;font-size:12px}
.subject{border:1px solid #ddd;border-radius:6px;padding:12px;margin:14px 0;page-break-inside:avoid}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:center}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;margin-right:6px;color:#fff}
.A{background:#393}.B{background:#58a}.C{background:#c33}.yellow{background:#d9a400}.red{background:#c00}
.high{background:#c00}.medium{background:#d80}.low{background:#393}.flag{color:#c00;font-weight:bold}
.insufficient_data,.no_data{background:#999}
"""


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return escape(str(value))


def _value(value: float | None) -> str:
    if value is None:
        return f'<span class="muted">{t.both("no_data")}</span>'
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _badge(kind: str, value: str | None) -> str:
    if not value:
        return ""
    return f'<span class="badge {escape(value)}">{escape(t.both(f"{kind}.{value}"))}</span>'


def _table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{escape(h)}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_LOW = f' <span class="muted">({t.both("low_coverage")})</span>'


def _grade(row: dict[str, Any]) -> str:
    """The grade badge, or "insufficient data" (数据不足) where the data do not allow one."""
    if row.get("grade"):
        return _badge("grade", row["grade"])
    status = row.get("grade_status")
    return _badge("grade", status) if status in {"insufficient_data", "no_data"} else ""


def _interval(row: dict[str, Any]) -> str:
    if row.get("index") is None or row.get("index_lower") is None:
        return _f(row.get("index"))
    return f"{_f(row['index'])} <span class='muted'>[{_f(row['index_lower'])}–{_f(row['index_upper'])}]</span>"


def _leaderboard(report: dict[str, Any]) -> str:
    credit = report["subject_type"] in {"brand", "mcn"}
    rows = [[f"{_f(r['rank'])}", escape(str(r["name"])) + (_LOW if r.get("low_coverage") else ""),
             _interval(r), _grade(r),
             _badge("card", r["card"]) or "—", *([_badge("credit", r["credit"]) or "—"] if credit else []),
             _badge("risk", r["risk"]) or "—", escape(r["profile"]), f"{r['coverage']:.0%}"]
            for r in report["leaderboard"]]
    keys = ("rank", "subject", "index", "grade", "card", *(("credit",) if credit else ()), "risk", "profile",
            "coverage")
    return f"<h2>{t.both('leaderboard')}</h2>" + _table([t.both(k) for k in keys], rows, left=2)


def _warnings(report: dict[str, Any]) -> str:
    """Red and yellow cards and high forecast risk first: what governance has to act on this month."""
    urgent = [s for s in report["subjects"] if s["card"] or s["forecast"]["risk"] == "high"]
    if not urgent:
        return f"<h2>{t.both('warnings')}</h2><p>无红黄牌或高风险主体 / no cards and no high-risk subject</p>"
    rows = [[f'<a href="#s-{escape(s["subject_id"])}">{escape(str(s["name"]))}</a>', _f(s["index"]),
             _badge("card", s["card"]) or "—", _badge("risk", s["forecast"]["risk"]) or "—",
             f"{escape(s['forecast']['reason_zh'])} / {escape(s['forecast']['reason_en'])}"]
            for s in sorted(urgent, key=_urgency)]
    headers = [t.both(k) for k in ("subject", "index", "card", "risk", "reason")]
    return f"<h2>{t.both('warnings')}</h2>" + _table(headers, rows)


def _estimate(i: dict[str, Any]) -> str:
    if i.get("estimate") is None:
        return "—"
    return f"{_value(i['estimate'])} <span class='muted'>[{_value(i['lower'])}, {_value(i['upper'])}]</span>"


def _indicator_table(s: dict[str, Any]) -> str:
    rows = [[f"{escape(i['id'])} {escape(i['name_zh'])}<br><span class='muted'>{escape(i['name_en'])}</span>",
             escape(t.dimension(i["dimension"]).split(" / ")[0]), _value(i["value"]),
             f"{_f(i['n'])} <span class='muted'>/ ≥{_f(i.get('min_n'))}</span>", _estimate(i),
             _f(i["target"], 2), _f(i["floor"], 2), _f(i["score"]),
             escape(t.both(f"status.{i.get('status', 'no_data')}"))] for i in s["indicators"]]
    headers = [t.both(k) for k in ("indicator", "dimensions", "value", "sample", "estimate", "target", "floor",
                                   "score", "reason")]
    return f"<details><summary>{t.both('indicators')}</summary>{_table(headers, rows, left=2)}</details>"


def _what_if(s: dict[str, Any]) -> str:
    wi = s.get("what_if")
    if not wi:
        return ""
    change = ", ".join(f"{k}={v:g}" for k, v in wi["overrides"].items())
    lines = [f"{t.both('index')}: {_f(wi['index_before'])} → {_f(wi['index_after'])}"]
    for outcome, before in wi["predicted_before"].items():
        lines.append(f"{escape(outcome)}: {_f(before, 3)} → {_f(wi['predicted_after'][outcome], 3)}")
    return f"<p><b>{t.both('what_if')} ({escape(change)})</b>: " + "；".join(lines) + "</p>"


def _subject(s: dict[str, Any]) -> str:
    cov = s["coverage"]
    missing = " ".join(cov["missing_indicators"]) or "—"
    credit = _badge("credit", s["credit"]) if s["credit"] else ""
    dims = "".join(f"<tr><td class='l'>{escape(t.dimension(d))}</td><td>{_f(s['dimensions'].get(d))}</td>"
                   f"<td>{s['profile']['weights'][d]:.0%}</td></tr>" for d in DIMENSIONS)
    return (
        f'<section class="subject" id="s-{escape(s["subject_id"])}">'
        f'<h3>{_f(s.get("rank"))}. {escape(str(s["name"]))} <span class="muted">{escape(s["subject_id"])}</span></h3>'
        f"<p>{t.both('index')}: <b>{_interval(s)}</b> {_grade(s)}"
        f"{_badge('card', s['card'])}{credit}{_badge('risk', s['forecast']['risk'])}</p>"
        + (f"<p class='muted'>{escape('；'.join(s.get('grade_reasons_zh') or []))} / "
           f"{escape('; '.join(s.get('grade_reasons_en') or []))}</p>" if s.get("grade_reasons_zh") else "") +
        f"<p>{t.both('profile')}: {escape(s['profile']['name_zh'])} / {escape(s['profile']['name_en'])} — "
        f"{escape(s['profile']['reason_zh'])} / {escape(s['profile']['reason_en'])}</p>"
        f"<p>{t.both('coverage')}{_LOW if s.get('low_coverage') else ''}: "
        f"{cov['indicators_with_data']}/{cov['indicators_total']}"
        f"（达到最小样本 / at their minimum sample: {_f(cov.get('indicators_measured'))}）"
        f"({t.both('missing')}: {escape(missing)})；权重覆盖 / weight coverage {cov['weight_coverage']:.0%}</p>"
        f'<div class="charts">{svg.radar(s["dimensions"], title=str(s["name"]))}'
        f"<table><tr><th class='l'>{t.both('dimensions')}</th><th>{t.both('score')}</th><th>%</th></tr>{dims}"
        f"</table></div>"
        f"<p>{t.both('trend')}（{escape(s['forecast']['method'])}）: {escape(s['forecast']['reason_zh'])} / "
        f"{escape(s['forecast']['reason_en'])}</p>"
        f"{svg.trend(s['trend'], s['forecast']['points'])}{svg.trend_legend()}"
        f"{_what_if(s)}{_indicator_table(s)}</section>"
    )


def _urgency(s: dict[str, Any]) -> tuple[int, int, int]:
    card_order = {"red": 0, "yellow": 1}.get(s["card"] or "", 2)
    risk_order = {"high": 0, "medium": 1}.get(s["forecast"]["risk"] or "", 2)
    return card_order, risk_order, s.get("rank") or 10**9


def _details(report: dict[str, Any]) -> str:
    subjects = report["subjects"]
    chosen = subjects if len(subjects) <= DETAIL_LIMIT else sorted(subjects, key=_urgency)[:DETAIL_LIMIT]
    note = "" if len(chosen) == len(subjects) else (
        f"<p class='muted'>仅展示最需关注的 {len(chosen)} 个主体（红黄牌、高风险优先）/ showing the "
        f"{len(chosen)} most urgent subjects (cards and high risk first); all are in the Excel/CSV files.</p>")
    return f"<h2>{t.both('dimensions')} · {t.both('trend')}</h2>{note}" + "".join(_subject(s) for s in chosen)


def _validation(report: dict[str, Any]) -> str:
    v = report.get("validation") or {}
    parts = [f"<h2>{t.both('validation')}</h2>"]
    tri = v.get("triangulation", [])
    flagged = [r for r in tri if r["flagged"]]
    if not v:
        return parts[0] + "<p>本次未运行验证 / validation was not run</p>"
    parts.append(f"<h3>{t.both('triangulation')}</h3>")
    parts.append(f"<p>{len(flagged)}/{len(tri)} 平台数据高于独立测量 10 分以上 / platform figures more than 10 "
                 "points above every independent measure</p>" if tri else
                 "<p>数据源中没有外部测量（external_measurements）/ no external measurements in the source</p>")
    if flagged:
        parts.append(_table(["subject", "indicator", "platform", "mystery shopper", "survey", "gap"],
                            [[escape(str(r["subject_id"])), escape(str(r["indicator"])), _f(r["platform"]),
                              _f(r["mystery_shopper"]), _f(r["survey"]), f"<span class='flag'>{_f(r['gap_points'])}"
                              "</span>"] for r in flagged], left=2))
    if v.get("panel"):
        parts.append(f"<h3>{t.both('panel')}</h3>" + _table(
            ["period", "n", "Pearson", "Spearman", "verdict"],
            [[escape(str(r["period"])), _f(r["n"]), _f(r["pearson"], 3), _f(r["spearman"], 3),
              escape(t.both(f"verdict.{r['verdict']}"))] for r in v["panel"]]))
    cal = sorted((r for r in v.get("calibration", []) if r["flagged"]), key=lambda r: r.get("level") != "dimension")
    parts.append(f"<h3>{t.both('calibration')}</h3><p>{len(cal)} 项指标环比变化超过 20% / indicator values "
                 "moved more than 20% quarter on quarter</p>")
    if cal:
        parts.append(_table(["subject", "indicator", "previous", "current", "change"],
                            [[escape(str(r["subject_id"])), escape(str(r["indicator"])), _value(r["previous"]),
                              _value(r["current"]), "—" if r["relative_change"] is None
                              else f"{r['relative_change']:+.0%}"] for r in cal[:200]], left=2))
    if v.get("predictive_validity"):
        parts.append(f"<h3>{t.both('predictive')}</h3>" + _table(
            ["outcome", "n", "Pearson", "p", "Spearman", "verdict"],
            [[escape(str(r["outcome"])), _f(r["n"]), _f(r["pearson"], 3), _f(r["pearson_p"], 4),
              _f(r["spearman"], 3), escape(t.both(f"verdict.{r['verdict']}"))] for r in v["predictive_validity"]]))
    return "".join(parts)


def _what_if_summary(report: dict[str, Any]) -> str:
    wi = (report.get("effect") or {}).get("what_if_summary")
    if not wi or not wi["subjects"]:
        return ""
    change = ", ".join(f"{k}={v:g}" for k, v in wi["overrides"].items())
    parts = [f"{t.both('index')} {_f(wi['mean_index_before'])} → {_f(wi['mean_index_after'])}"]
    parts += [f"{escape(o)} {_f(wi['mean_predicted_before'][o], 3)} → {_f(wi['mean_predicted_after'][o], 3)}"
              for o in wi["mean_predicted_before"]]
    return (f"<h3>{t.both('what_if')}: {escape(change)}</h3><p>{wi['subjects']} 个主体平均 / mean over "
            f"{wi['subjects']} subjects: " + "；".join(parts) + "</p>")


def _effect(report: dict[str, Any]) -> str:
    models = (report.get("effect") or {}).get("models", {})
    if not models:
        return f"<h2>{t.both('effect')}</h2>{_what_if_summary(report)}" if _what_if_summary(report) else ""
    rows = [[escape(o), _f(m["n"]), _f(m["r2"], 3), *(_f(m["coefficients"][d], 4) for d in DIMENSIONS)]
            for o, m in models.items()]
    headers = ["outcome", "n", "R²", *(t.dimension(d).split(" / ")[0] for d in DIMENSIONS)]
    return (f"<h2>{t.both('effect')}</h2><p class='muted'>岭回归：结果 ~ 六维得分（系数为每 1 分的变化）/ ridge "
            "regression of each outcome on the six dimension scores (coefficient per score point)</p>"
            + _table(headers, rows) + _what_if_summary(report))


def _cleaning(report: dict[str, Any]) -> str:
    entries = (report.get("cleaning") or {}).get("entries", [])
    rows = [[escape(str(e.get("table"))), escape(str(e.get("column"))), escape(str(e.get("rule"))),
             _f(e.get("rows_affected")), escape(str(e.get("reason")))] for e in entries]
    body = _table(["table", "column", "rule", "rows", t.both("reason")], rows, left=3) if rows else \
        "<p>未清洗任何数据 / nothing was cleaned</p>"
    return f"<h2>{t.both('cleaning')}</h2>{body}"


def render(report: dict[str, Any]) -> str:
    stype = report["subject_type"]
    summary = report["summary"]
    head = (f"<h1>{t.both('title')}</h1><p>{t.both('subject_type.' + stype)} · {escape(report['period'])} · "
            f"<span class='muted'>{escape(report['generated_at'])} UTC · {escape(report.get('source') or '')}"
            "</span></p>")
    grades = " ".join(f"{g}: {n}" for g, n in summary["grades"].items())
    thin = (summary.get("grade_status") or {}).get("insufficient_data", 0)
    grades += f" · {t.both('grade_short.insufficient_data')}: {thin}"
    cards = " ".join(f"{t.both('card.' + c).split('（')[0]}: {n}" for c, n in summary["cards"].items())
    note = f"<p class='muted'>{escape(report['forecast_method_note'])}</p>" if report.get("forecast_method_note") \
        else ""
    overview = (f"<h2>{t.both('summary')}</h2><p>{summary['subjects']} 个主体 / subjects；"
                f"平均指数 / mean index {_f(summary['mean_index'])}；{grades}；{escape(cards)}</p>{note}")
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{t.both('title')} {escape(report['period'])}</title><style>{_CSS}</style></head><body>"
        f"{head}{overview}{_warnings(report)}{_leaderboard(report)}{_details(report)}{_validation(report)}{_effect(report)}"
        f"{_cleaning(report)}</body></html>"
    )
