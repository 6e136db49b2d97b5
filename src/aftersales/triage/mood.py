"""Turning the model's probabilities and the wording's signals into the emotion, its intensity and the
secondary class. Pure arithmetic; the thresholds are chosen on the dev split and recorded in docs/triage.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np

#: wording this angry is read as angry whatever the model says: an angry buyer read as calm costs most
#: (no queue jump, no senior agent, no soothing script). Chosen on dev for angry recall at >= 0.9 precision.
ANGER_FLOOR: Final[float] = 0.80
#: a second class the mention head gives this much (and not "other") is the message's secondary issue;
#: on dev 0.5 finds 63% of labelled second issues at 72% precision
SECONDARY_FLOOR: Final[float] = 0.5
_BASE: Final[dict[str, float]] = {"calm": 0.0, "disappointed": 0.35, "anxious": 0.4, "angry": 0.6}


def decide(emotion: str, anger: float) -> str:
    """The model's emotion, unless the wording reads as anger beyond the floor."""
    return "angry" if anger >= ANGER_FLOOR else emotion


def intensity(emotion: str, probability: float, anger: float, loudness: float) -> float:
    """0..1: the emotion's base level scaled by the model's certainty, raised by anger cues and loud marks.
    A calm message only reaches 0.2 (loud but polite: "在吗？？")."""
    if emotion == "calm":
        return round(0.2 * loudness, 3)
    value = _BASE[emotion] * (0.5 + 0.5 * probability) + 0.25 * loudness
    if emotion == "angry":
        value += 0.25 * anger
    return round(min(1.0, value), 3)


def secondary(mentions: Sequence[float] | None, classes: Sequence[str], primary: str) -> str | None:
    """The most probable other class the mention head says the message names (primary and "other" aside)."""
    if mentions is None:
        return None
    best, p = None, SECONDARY_FLOOR
    for k, v in zip(classes, mentions, strict=True):
        if v >= p and k != primary and k != "other":
            best, p = k, v
    return best


def batch_secondary(mentions: np.ndarray | None, classes: Sequence[str], primary: Sequence[int]) -> list[str | None]:
    """`secondary` for a batch: the mention matrix with each row's primary class and "other" masked out."""
    if mentions is None:
        return [None] * len(primary)
    masked = mentions.copy()
    masked[np.arange(len(primary)), primary] = -1.0
    masked[:, list(classes).index("other")] = -1.0
    best = masked.argmax(axis=1)
    keep = masked[np.arange(len(primary)), best] >= SECONDARY_FLOOR
    return [classes[b] if k else None for b, k in zip(best.tolist(), keep.tolist(), strict=True)]
