"""The shipped triage model: two linear heads (class, emotion) over one feature matrix, temperature-calibrated.

Prediction is numpy only (a sparse-dense product and a softmax); scikit-learn is needed to train, not to load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from aftersales.triage.features import Featurizer
from aftersales.triage.signals import Signals

ARTIFACT_DIR: Final = Path(__file__).parent / "artifacts"
ARTIFACT_PATH: Final = ARTIFACT_DIR / "triage_model.joblib"


@dataclass
class LinearHead:
    """Softmax(x·W + b) / T over named classes; T is fitted on the dev split so probabilities are calibrated."""

    classes: tuple[str, ...]
    weights: np.ndarray  # (n_features, n_classes) float32
    bias: np.ndarray  # (n_classes,)
    temperature: float = 1.0

    def proba(self, x: Any) -> np.ndarray:
        logits = np.asarray(x @ self.weights) + self.bias
        logits /= self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits


@dataclass
class MentionHead:
    """One sigmoid per class: is this problem named in the message at all (the primary or a second issue)."""

    classes: tuple[str, ...]
    weights: np.ndarray  # (n_features, n_classes) float32
    bias: np.ndarray

    def proba(self, x: Any) -> np.ndarray:
        z = np.asarray(x @ self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-z))


@dataclass
class TriageModel:
    featurizer: Featurizer
    category: LinearHead
    emotion: LinearHead
    version: str
    meta: dict[str, Any] = field(default_factory=dict)
    mention: MentionHead | None = None

    def predict(self, texts: list[str], *, normalized: bool = False,
                sigs: Sequence[Signals] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(class probabilities, emotion probabilities), one row per text."""
        cats, emos, _ = self.predict_all(texts, normalized=normalized, sigs=sigs)
        return cats, emos

    def predict_all(self, texts: list[str], *, normalized: bool = False,
                    sigs: Sequence[Signals] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Class, emotion and (when the artifact has the head) per-class mention probabilities."""
        x = self.featurizer.transform(texts, normalized=normalized, sigs=sigs)
        mention = self.mention.proba(x) if self.mention is not None else None
        return self.category.proba(x), self.emotion.proba(x), mention

    def to_state(self) -> dict[str, Any]:
        f = self.featurizer
        return {
            "format": 1, "version": self.version, "meta": self.meta,
            "featurizer": {"vocabulary": f.vocabulary, "idf": f.idf, "words": f.words, "ngram_max": f.ngram_max},
            "category": _head_state(self.category), "emotion": _head_state(self.emotion),
            "mention": None if self.mention is None else
            {"classes": self.mention.classes, "weights": self.mention.weights, "bias": self.mention.bias},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TriageModel:
        return cls(
            featurizer=Featurizer(**state["featurizer"]),
            category=LinearHead(**state["category"]),
            emotion=LinearHead(**state["emotion"]),
            version=state["version"],
            meta=state.get("meta", {}),
            mention=MentionHead(**state["mention"]) if state.get("mention") else None,
        )


def _head_state(head: LinearHead) -> dict[str, Any]:
    return {"classes": head.classes, "weights": head.weights, "bias": head.bias, "temperature": head.temperature}


def save(model: TriageModel, path: Path = ARTIFACT_PATH) -> Path:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model.to_state(), path, compress=3)
    return path


def load(path: Path = ARTIFACT_PATH) -> TriageModel:
    import joblib

    return TriageModel.from_state(joblib.load(path))
