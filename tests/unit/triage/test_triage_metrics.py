"""Evaluation arithmetic checked against small hand-worked cases."""

from __future__ import annotations

import math
import re

import numpy as np

from aftersales.triage.evaluation import calibration, score
from aftersales.triage.features import trie_pattern
from aftersales.triage.training import confidence_floor


def test_per_class_precision_recall_and_macro_f1_by_hand() -> None:
    # a: 2 true, predicted a,b -> P=1/1, R=1/2, F1=2/3; b: 1 true, predicted b -> P=1/2, R=1, F1=2/3
    s = score(["a", "a", "b"], ["a", "b", "b"], ["a", "b", "c"])
    f1 = {c.label: c.f1 for c in s.per_class}
    assert math.isclose(f1["a"], 0.6667, abs_tol=1e-4) and math.isclose(f1["b"], 0.6667, abs_tol=1e-4)
    assert math.isclose(s.macro_f1, 2 / 3, abs_tol=1e-3)  # unused class c does not drag the mean down
    assert s.confusion == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]
    assert math.isclose(s.accuracy, 2 / 3)


def test_calibration_error_of_overconfident_predictions() -> None:
    bins, ece = calibration([0.95, 0.95, 0.95, 0.95], [True, False, True, False])
    assert len(bins) == 1 and bins[0].accuracy == 0.5
    assert math.isclose(ece, 0.45)


def test_confidence_floor_keeps_the_accepted_share_accurate() -> None:
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, True, True, False, False])
    assert confidence_floor(conf, correct, target=1.0) == 0.8
    assert confidence_floor(conf, correct, target=0.8) == 0.7


def test_trie_pattern_prefers_the_longest_known_word() -> None:
    pattern = re.compile(trie_pattern(["质量", "质量问题", "退货", "退货运费"]))
    assert pattern.findall("不是质量问题，退货运费谁出，退货吧") == ["质量问题", "退货运费", "退货"]
