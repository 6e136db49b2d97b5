"""The batch scan must read every message exactly as the one-message reference does: a buyer's class and
emotion may not depend on which other messages share the batch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aftersales.triage import service
from aftersales.triage.dataset import CORPUS_DIR, load_split
from aftersales.triage.normalize import normalize
from aftersales.triage.signals import TAGS, batch_anger, batch_counts, batch_loudness, batch_valence, signals

_ODD = [
    "", "a", "不不满意！！真的不满意？？？", "不是质量问题\n是物流", "😡😡呵呵12315", "没有赠品不是假货吗？",
    "订单号 2026112512345678 还没发货", "等等等等等等", "八天！！八天", "不满意不满意", "!!", "？",
    "货不对板货不对板货不对板", "你们这也叫正品？？", "\x00奇怪的字符\u200b", "不", "没有", "不是",
    "\ud83d坏了", "a\udfffb", "\ud83d\ude21气死", "😀" * 40, "不" * 200, "\u3000退款\t谢谢\r\n",
]


def _texts() -> list[str]:
    checks = CORPUS_DIR.parent / "checks" / "handwritten.jsonl"
    hand = [json.loads(line)["text"] for line in checks.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [e.text for e in load_split("test")][:600] + hand + _ODD


def test_batch_matrix_equals_the_per_message_reference() -> None:
    f = service.model().featurizer
    texts = _texts()
    fast, ref = f.transform(texts).toarray(), f.reference_transform(texts).toarray()
    assert np.abs(fast - ref).max() < 1e-5


def test_batch_signal_counts_anger_and_loudness_equal_signals() -> None:
    norms = [normalize(t) for t in _texts()]
    counts = batch_counts("\n".join(norms), len(norms))
    anger, loud, valence = batch_anger(counts), batch_loudness(counts), batch_valence(counts)
    for i, n in enumerate(norms):
        s = signals(n)
        assert [s.counts.get(t, 0) for t in TAGS] == counts[i].tolist(), n
        assert anger[i] == pytest.approx(s.anger()) and loud[i] == pytest.approx(s.intensity()), n
        assert valence[i] == pytest.approx(s.valence()), n


def test_one_message_reads_the_same_alone_and_in_a_batch() -> None:
    texts = _texts()
    for text, many in zip(texts, service.assess_many(texts), strict=True):
        one = service.assess(text)
        assert (one.category, one.emotion, one.secondary_category, one.risk_flags, one.symptoms, one.answer_zh) == (
            many.category, many.emotion, many.secondary_category, many.risk_flags, many.symptoms, many.answer_zh)
        assert one.confidence == pytest.approx(many.confidence, abs=1e-5)
        assert one.emotion_intensity == pytest.approx(many.emotion_intensity, abs=1e-3)
        assert one.valence == pytest.approx(many.valence, abs=1e-3)


def test_a_message_does_not_depend_on_its_neighbours() -> None:
    text = "快递三天没动了，到底什么时候到？？"
    alone = service.assess_many([text, "你好"])[0]
    crowded = service.assess_many(["不不不", "！！！！", text, "12315 曝光你们"])[2]
    assert (alone.category, alone.emotion, alone.confidence) == (crowded.category, crowded.emotion,
                                                                  pytest.approx(crowded.confidence, abs=1e-6))


def test_the_rhetoric_prefilter_finds_what_the_plain_alternation_finds() -> None:
    import re

    from aftersales.triage.cues import RHETORIC, RHETORIC_RE

    plain = re.compile("|".join(RHETORIC))
    joined = "\n".join(normalize(t) for t in _texts() + [e.text for e in load_split("train")])
    assert [m.span() for m in RHETORIC_RE.finditer(joined)] == [m.span() for m in plain.finditer(joined)]
