"""When a survey answer calls for a callback (回访). Pure."""

from __future__ import annotations

LOW_CSAT = 2
LOW_NPS = 6
CALLBACK_WITHIN_HOURS = 24


def needs_callback(csat: int, nps: int) -> bool:
    return csat <= LOW_CSAT or nps <= LOW_NPS


def callback_reason(csat: int, nps: int) -> str:
    parts = []
    if csat <= LOW_CSAT:
        parts.append(f"满意度{csat}分 / CSAT {csat}")
    if nps <= LOW_NPS:
        parts.append(f"推荐意愿{nps}分 / NPS {nps}")
    return "低分回访：" + "，".join(parts)
