"""Automated quality check of every agent reply: its tone (for empathy, M1) and service faults (for QC, T3). Pure."""

from __future__ import annotations

from dataclasses import dataclass

_EMPATHY = ("抱歉", "对不起", "理解您", "给您带来", "不便", "辛苦您", "让您久等", "您的心情", "请放心", "一定帮您",
            "马上为您", "立即为您", "sorry", "apolog")
_POSITIVE = ("感谢", "谢谢", "很高兴", "祝您", "欢迎", "为您", "已为您", "thank")
_NEGATIVE = ("不知道", "没办法", "你自己", "自己看", "不归我们管", "规定就是", "爱买不买", "找快递去", "不可能",
             "别问了", "说了多少遍", "听不懂吗")
_BLAME = ("你自己", "自己看", "你的问题", "怪你", "不归我们管", "找快递去")
_NEXT_STEP = ("请", "会", "将", "已", "安排", "为您", "处理", "补发", "退款", "寄回", "联系", "稍后", "小时内", "天内")


@dataclass(frozen=True)
class ReplyReview:
    sentiment: str  # empathetic | positive | neutral | negative
    flags: tuple[str, ...]


def review_reply(text: str) -> ReplyReview:
    """What a QC reviewer would note first: rudeness, blame, a refusal without a reason, no next step."""
    lowered = text.lower()
    flags: list[str] = []
    if any(word in lowered for word in _BLAME):
        flags.append("blames_buyer")
    if any(word in text for word in ("没办法", "不行", "不可以", "不能")) and not any(
            word in text for word in ("因为", "由于", "根据", "按照")):
        flags.append("refusal_without_reason")
    if not any(word in text for word in _NEXT_STEP):
        flags.append("no_next_step")
    if len(text.strip()) < 6:
        flags.append("curt")
    if any(word in lowered for word in _NEGATIVE):
        sentiment = "negative"
    elif any(word in lowered for word in _EMPATHY):
        sentiment = "empathetic"
    elif any(word in lowered for word in _POSITIVE):
        sentiment = "positive"
    else:
        sentiment = "neutral"
    return ReplyReview(sentiment=sentiment, flags=tuple(flags))
