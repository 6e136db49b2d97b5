"""Scoring predictions against labels: per-class P/R/F1, macro-F1, accuracy, confusion, calibration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float


@dataclass
class Scores:
    labels: tuple[str, ...]
    per_class: list[ClassScore]
    macro_f1: float
    accuracy: float
    confusion: list[list[int]]  # rows: true label, columns: predicted label, in `labels` order
    calibration: list[CalibrationBin] = field(default_factory=list)
    ece: float | None = None  # expected calibration error: support-weighted |accuracy - confidence|

    def to_json(self) -> dict[str, object]:
        return {
            "labels": list(self.labels), "macro_f1": round(self.macro_f1, 4), "accuracy": round(self.accuracy, 4),
            "per_class": [s.__dict__ for s in self.per_class], "confusion": self.confusion,
            "calibration": [b.__dict__ for b in self.calibration], "ece": self.ece,
        }


def score(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str],
          confidence: Sequence[float] | None = None, bins: int = 10) -> Scores:
    """Macro-F1 averages over `labels` that occur in y_true or y_pred, so an unused class does not count as 0."""
    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        confusion[index[t]][index[p]] += 1
    per_class = []
    for i, label in enumerate(labels):
        tp = confusion[i][i]
        predicted = sum(row[i] for row in confusion)
        support = sum(confusion[i])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append(ClassScore(label, round(precision, 4), round(recall, 4), round(f1, 4), support))
    active = [s for i, s in enumerate(per_class) if s.support or sum(row[i] for row in confusion)]
    macro = sum(s.f1 for s in active) / len(active) if active else 0.0
    n = len(y_true)
    accuracy = sum(confusion[i][i] for i in range(len(labels))) / n if n else 0.0
    result = Scores(tuple(labels), per_class, macro, accuracy, confusion)
    if confidence is not None:
        correct = [t == p for t, p in zip(y_true, y_pred, strict=True)]
        result.calibration, result.ece = calibration(confidence, correct, bins)
    return result


def calibration(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> tuple[list[CalibrationBin], float]:
    """Equal-width confidence bins; a calibrated model's accuracy in each bin matches its mean confidence."""
    out: list[CalibrationBin] = []
    gap = 0.0
    n = len(confidence)
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidence) if low <= c < high or (b == bins - 1 and c == 1.0)]
        if not members:
            continue
        conf = sum(confidence[i] for i in members) / len(members)
        acc = sum(correct[i] for i in members) / len(members)
        out.append(CalibrationBin(low, high, len(members), round(conf, 4), round(acc, 4)))
        gap += len(members) / n * abs(acc - conf)
    return out, round(gap, 4)
