"""User-facing labels of the report, zh-CN first with English beside it."""

from __future__ import annotations

from aftersales.evaluation.scoring import DIMENSION_NAMES

LABELS: dict[str, tuple[str, str]] = {
    "title": ("售后健康指数评估报告", "After-sales health index report"),
    "subject_type.anchor": ("主播", "Anchor"),
    "subject_type.brand": ("品牌", "Brand"),
    "subject_type.shop": ("店铺", "Shop"),
    "subject_type.mcn": ("MCN 机构", "MCN"),
    "subject_type.platform": ("平台", "Platform"),
    "grade.A": ("A 级（流量倾斜）", "A (traffic boost)"),
    "grade.B": ("B 级", "B"),
    "grade.C": ("C 级（需整改）", "C (needs improvement)"),
    "grade.insufficient_data": ("数据不足，不评级", "insufficient data: no grade"),
    "grade_short.insufficient_data": ("数据不足", "insufficient data"),
    "grade.no_data": ("无数据", "no data"),
    "interval": ("区间", "interval"),
    "estimate": ("收缩估计", "estimate"),
    "status.ok": ("计分", "scored"),
    "status.small_sample": ("样本不足", "sample too small"),
    "status.no_data": ("无数据", "no data"),
    "status.cannot_vary": ("无法变动，按无数据", "cannot vary: no data"),
    "status.constant": ("全体相同，按无数据", "same for everyone: no data"),
    "line.pass": ("60 分及格线（低于即黄/红牌）", "60: pass line (below: yellow/red card)"),
    "line.grade_a": ("85 分 A 级线", "85: grade A line"),
    "index_band": ("指数区间", "index interval"),
    "card.yellow": ("黄牌（本月低于 60 分）", "Yellow card (below 60 this month)"),
    "card.red": ("红牌（连续两月低于 60 分，限流）", "Red card (two months below 60: traffic restricted)"),
    "card_short.yellow": ("黄牌", "yellow"),
    "card_short.red": ("红牌", "red"),
    "credit.boost": ("信用 ≥ 90：流量倾斜", "Credit ≥ 90: boost"),
    "credit.normal": ("信用正常", "Credit normal"),
    "credit.suspend": ("信用 < 70：暂停合作", "Credit < 70: suspended"),
    "risk.high": ("高风险", "High risk"),
    "risk.medium": ("中风险", "Medium risk"),
    "risk.low": ("低风险", "Low risk"),
    "none": ("—", "—"),
    "leaderboard": ("排行榜", "Leaderboard"),
    "warnings": ("红黄牌与风险预警", "Cards and risk warnings"),
    "rank": ("名次", "Rank"),
    "subject": ("主体", "Subject"),
    "index": ("健康指数", "Index"),
    "grade": ("等级", "Grade"),
    "card": ("红黄牌", "Card"),
    "credit": ("信用决定", "Credit"),
    "risk": ("3 个月风险", "3-month risk"),
    "profile": ("权重方案", "Weight profile"),
    "coverage": ("数据覆盖率", "Data coverage"),
    "dimensions": ("六维得分", "Dimension scores"),
    "indicators": ("28 项指标", "28 indicators"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "target": ("目标值", "Target"),
    "floor": ("底线值", "Floor"),
    "score": ("得分", "Score"),
    "sample": ("样本数", "n"),
    "trend": ("趋势与预测", "Trend and forecast"),
    "forecast_band": ("预测区间（80%）", "Forecast interval (80%)"),
    "cleaning": ("数据清洗说明", "Data cleaning notes"),
    "validation": ("验证", "Validation"),
    "triangulation": ("三方交叉验证", "Triangulation"),
    "panel": ("盲测评估", "Blind panel"),
    "calibration": ("季度校准", "Quarterly calibration"),
    "predictive": ("预测效度", "Predictive validity"),
    "effect": ("效果预测", "Effect prediction"),
    "what_if": ("假设分析", "What-if"),
    "missing": ("缺失指标", "Missing indicators"),
    "low_coverage": ("数据覆盖不足，不参与排名", "too little data to rank"),
    "no_data": ("无数据", "no data"),
    "summary": ("概览", "Summary"),
    "reason": ("原因", "Reason"),
    "verdict.pass": ("通过", "pass"),
    "verdict.review": ("复核", "review"),
    "verdict.redesign": ("需重新设计指标", "redesign the indicators"),
    "verdict.insufficient": ("样本不足", "insufficient data"),
    "verdict.supported": ("有效（正相关且显著）", "supported (positive, significant)"),
    "verdict.not_supported": ("未获支持", "not supported"),
    "flagged": ("已标记", "flagged"),
    "ok": ("正常", "ok"),
}


def zh(key: str) -> str:
    return LABELS.get(key, (key, key))[0]


def en(key: str) -> str:
    return LABELS.get(key, (key, key))[1]


def both(key: str) -> str:
    zh_text, en_text = LABELS.get(key, (key, key))
    return zh_text if zh_text == en_text else f"{zh_text} / {en_text}"


def maybe(prefix: str, value: str | None) -> str:
    """Label of an optional verdict (grade, card, risk ...), a dash when there is none."""
    return both(f"{prefix}.{value}") if value else both("none")


def dimension(dim: str) -> str:
    zh_text, en_text = DIMENSION_NAMES[dim]
    return f"{zh_text} / {en_text}"
