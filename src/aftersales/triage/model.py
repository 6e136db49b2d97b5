"""The shipped triage model: two linear heads (class, emotion) over one feature matrix, temperature-calibrated.

Prediction is numpy only (a sparse-dense product and a softmax); scikit-learn is needed to train, not to load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from aftersales.triage.features import Featurizer
from aftersales.triage.scan import Scanned
from aftersales.triage.signals import batch_anger, batch_loudness, batch_valence, signals

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
        return self.from_logits(np.asarray(x @ self.weights))

    def from_logits(self, xw: np.ndarray) -> np.ndarray:
        """Probabilities from x·W (without the bias)."""
        logits = xw + self.bias
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
        return self.from_logits(np.asarray(x @ self.weights))

    def from_logits(self, xw: np.ndarray) -> np.ndarray:
        z = xw + self.bias
        return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Predicted:
    """One batch through the model: probabilities per head and the wording's signal counts."""

    categories: np.ndarray  # (messages, classes)
    emotions: np.ndarray  # (messages, emotions)
    mentions: np.ndarray | None  # (messages, classes) one sigmoid each, or None for an old artifact
    anger: np.ndarray  # (messages,) how angry the wording reads, 0..1 (signals)
    loudness: np.ndarray  # (messages,) marks, repeats and emoji, 0..1 (signals)
    valence: np.ndarray  # (messages,) -1..1 lexicon polarity of the wording (signals)


@dataclass
class TriageModel:
    featurizer: Featurizer
    category: LinearHead
    emotion: LinearHead
    version: str
    meta: dict[str, Any] = field(default_factory=dict)
    mention: MentionHead | None = None
    _stacked: np.ndarray | None = field(default=None, repr=False, compare=False)

    def predict(self, texts: Sequence[str], *, normalized: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(class probabilities, emotion probabilities), one row per text."""
        out = self.predict_scanned(self.featurizer.scan(texts, normalized=normalized))
        return out.categories, out.emotions

    def predict_scanned(self, scanned: Scanned) -> Predicted:
        """Every head over one scanned batch: a single sparse × dense product for all of them."""
        counts = scanned.counts
        return self._heads(np.asarray(scanned.x @ self._weights()), batch_anger(counts), batch_loudness(counts),
                           batch_valence(counts))

    def predict_one(self, norm: str) -> Predicted:
        """One normalised message without the batch machinery: a single message pays for a few small numpy
        calls instead of the scan's fixed cost (same figures as the batch path; a test keeps them equal)."""
        f, sig = self.featurizer, signals(norm)
        hits = Counter(filter(None, map(f.vocabulary.get, f.tokens(norm, normalized=True, sig=sig))))
        cols = np.fromiter(hits.keys(), dtype=np.int64, count=len(hits))
        w = np.log1p(np.fromiter(hits.values(), dtype=np.float32, count=len(hits))) * f.idf[cols]
        w /= float(np.sqrt(w @ w)) or 1.0
        return self._heads((w @ self._weights()[cols])[None, :], np.array([sig.anger()]),
                           np.array([sig.intensity()]), np.array([sig.valence()]))

    def _weights(self) -> np.ndarray:
        if self._stacked is None:
            heads = [self.category.weights, self.emotion.weights]
            if self.mention is not None:
                heads.append(self.mention.weights)
            self._stacked = np.ascontiguousarray(np.hstack(heads), dtype=np.float32)
        return self._stacked

    def _heads(self, z: np.ndarray, anger: np.ndarray, loudness: np.ndarray, valence: np.ndarray) -> Predicted:
        nc, ne = len(self.category.classes), len(self.emotion.classes)
        mention = self.mention.from_logits(z[:, nc + ne :]) if self.mention is not None else None
        return Predicted(self.category.from_logits(z[:, :nc]), self.emotion.from_logits(z[:, nc : nc + ne]),
                         mention, anger, loudness, valence)

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
