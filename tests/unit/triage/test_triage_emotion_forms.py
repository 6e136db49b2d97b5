"""Anger, worry and resignation are read from how buyers say them, not from template wrappers."""

from __future__ import annotations

import pytest

from aftersales.triage import service
from aftersales.triage.normalize import normalize
from aftersales.triage.signals import signals


@pytest.mark.parametrize("text", [
    "你们这种卖假货的店迟早被查，我截图全存好了",            # accusation + kept evidence
    "医院都去了三趟了，这个钱你们不出谁出？",              # demand as a rhetorical question
    "详情页写的纯棉，洗一次缩成童装，这不是虚假宣传是什么！",  # false-advertising charge ending in "！"
    "再拖下去我只能去消协了",                            # a threat without a single exclamation mark
    "這種品質也好意思拿出來賣？？",                        # traditional characters, rhetorical
])
def test_anger_said_in_new_words_is_read_as_angry(text: str) -> None:
    a = service.assess(text)
    assert a.emotion == "angry", text
    assert a.soothing_zh and a.emotion_intensity >= 0.5


def test_calm_polite_question_stays_calm_and_quiet() -> None:
    a = service.assess("您好，想问下我的快递大概什么时候能到呀，谢谢")
    assert a.emotion == "calm" and a.soothing_zh is None and a.emotion_intensity < 0.2


def test_louder_is_more_intense() -> None:
    quiet = service.assess("你们发错货了，必须给我个说法")
    loud = service.assess("你们发错货了！！！必须给我个说法？？？😡😡")
    assert loud.emotion_intensity > quiet.emotion_intensity


def test_threat_number_survives_number_folding() -> None:
    assert signals(normalize("再不退款我打12315")).counts.get("cue:threat")


def test_negation_flips_a_sentiment_word() -> None:
    assert signals(normalize("一点都不满意")).counts.get("H:neg") or signals(normalize("不满意")).counts.get("cue:sad")
    assert not signals(normalize("东西很满意")).counts.get("H:neg")


def test_multi_issue_message_reports_a_secondary_class() -> None:
    a = service.assess("衣服质量很差，线头一堆，另外赠品也没收到")
    assert a.category == "quality_defect"
    assert a.secondary_category == "missing_item"
    single = service.assess("物流三天没动了，帮我催一下")
    assert single.secondary_category is None
