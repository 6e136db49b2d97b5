"""The 28 indicators of the health index (SPEC §Evaluation): id, dimension, names, target, floor, unit.

Scoring reads target and floor; the measures (measures.py) say how each is computed from the input schema.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndicatorDef:
    id: str
    dimension: str  # response | resolution | satisfaction | responsibility | technology | empathy
    name_zh: str
    name_en: str
    target: float
    floor: float
    unit: str  # share | minutes | hours | days | working_days | count | nps | score


_TABLE = [
    ("R1", "response", "24小时内首次响应率", "share of first responses within 24 h", 0.95, 0.50, "share"),
    (
        "R2",
        "response",
        "分级时限内响应率",
        "responses within the tier SLA (L1 15 min, L2 1 h, L3 24 h)",
        0.95,
        0.50,
        "share",
    ),
    ("R3", "response", "高峰期响应延迟率", "peak-period response delay rate", 0.05, 0.50, "share"),
    (
        "R4",
        "response",
        "人工首次响应时长中位数（L2+）",
        "median minutes to first human response (L2+)",
        45,
        1440,
        "minutes",
    ),
    ("R5", "response", "非工作时段1小时内响应率", "off-hours cases answered within 1 h", 0.90, 0.30, "share"),
    ("E1", "resolution", "退换货平均完成时长", "mean hours to complete a return/exchange", 48, 168, "hours"),
    (
        "E2",
        "resolution",
        "过敏投诉平均处理工作日",
        "mean working days to resolve an allergy claim",
        3,
        10,
        "working_days",
    ),
    ("E3", "resolution", "平均跨主体协调次数", "mean cross-party handoffs per case", 1.5, 5, "count"),
    ("E4", "resolution", "48小时内退款到账率", "refunds paid within 48 h", 0.95, 0.50, "share"),
    (
        "E5",
        "resolution",
        "过敏核实后医疗补偿率",
        "verified allergy claims with medical compensation",
        0.90,
        0.20,
        "share",
    ),
    ("S1", "satisfaction", "净推荐值NPS", "NPS", 40, 0, "nps"),
    ("S2", "satisfaction", "平均满意度CSAT", "mean CSAT (1–5)", 4.5, 3.0, "score"),
    ("S3", "satisfaction", "首次接触解决率", "first-contact resolution rate", 0.85, 0.40, "share"),
    (
        "S4",
        "satisfaction",
        "重复投诉率",
        "repeat-complaint rate (same buyer, same order, 30 days)",
        0.05,
        0.30,
        "share",
    ),
    ("S5", "satisfaction", "纠纷仲裁率", "dispute/arbitration rate", 0.02, 0.20, "share"),
    (
        "C1",
        "responsibility",
        "直播商品责任清单公示率",
        "products sold live with a published responsibility list",
        1.00,
        0.30,
        "share",
    ),
    (
        "C2",
        "responsibility",
        "仲裁平均决定天数",
        "mean days from arbitration request to decision",
        3,
        15,
        "days",
    ),
    (
        "C3",
        "responsibility",
        "首次分派准确率",
        "cases whose first-routed party was right",
        0.95,
        0.50,
        "share",
    ),
    (
        "C4",
        "responsibility",
        "推诿率",
        "buck-passing rate (≥ 3 handoffs or a routing loop)",
        0.05,
        0.45,
        "share",
    ),
    (
        "C5",
        "responsibility",
        "主播承诺存证绑定率",
        "anchor promises recorded and bound to order terms",
        1.00,
        0.30,
        "share",
    ),
    (
        "T1",
        "technology",
        "AI分类准确率",
        "AI classification accuracy vs agent-confirmed class",
        0.90,
        0.50,
        "share",
    ),
    ("T2", "technology", "直播内容存证率", "live sessions with hashed content evidence", 0.90, 0.00, "share"),
    (
        "T3",
        "technology",
        "智能质检覆盖率",
        "agent conversations covered by automated quality check",
        1.00,
        0.00,
        "share",
    ),
    (
        "T4",
        "technology",
        "AI独立解决率（L1）",
        "common (L1) cases resolved by the AI without a human",
        0.80,
        0.20,
        "share",
    ),
    (
        "M1",
        "empathy",
        "积极/共情话术占比",
        "agent messages with positive/empathetic sentiment",
        0.75,
        0.30,
        "share",
    ),
    ("M2", "empathy", "个性化补偿接受率", "personalised compensation offers accepted", 0.60, 0.20, "share"),
    ("M3", "empathy", "回访满意率", "satisfaction of callback visits", 0.90, 0.50, "share"),
    (
        "M4",
        "empathy",
        "愤怒用户15分钟内人工触达率",
        "angry buyers reached by a human within 15 min",
        0.90,
        0.30,
        "share",
    ),
]
INDICATORS: dict[str, IndicatorDef] = {row[0]: IndicatorDef(*row) for row in _TABLE}

__all__ = ["INDICATORS", "IndicatorDef"]
