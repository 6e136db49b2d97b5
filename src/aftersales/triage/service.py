"""Triage use case called by intake: `assess(text)` → TriageAssessment. No database, no clock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from aftersales.triage import answers, rules
from aftersales.triage.assessment import TriageAssessment
from aftersales.triage.backend import BackendError, Prediction, TriageBackend, backend_from_env
from aftersales.triage.model import TriageModel, load
from aftersales.triage.normalize import normalize
from aftersales.triage.taxonomy import CATEGORIES

# Below this primary-class probability a case goes to a human (L2). Chosen on the dev split by
# `aftersales triage train` as the lowest threshold whose auto-handled share is >= 98% correct; the shipped
# artifact records it in meta["low_confidence"] and a test keeps the two equal.
LOW_CONFIDENCE: Final[float] = 0.91

# An intake case type is a weak prior: it only decides when the text itself is not confident.
_CASE_TYPE_PRIOR: Final[dict[str, str]] = {
    "allergy": "allergy_reaction", "过敏": "allergy_reaction",
    "price_protection": "price_protection", "价保": "price_protection",
}

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict[str, object] = {}


def model() -> TriageModel:
    """The shipped model, loaded once per process on first use."""
    loaded = _state.get("model")
    if loaded is None:
        with _lock:
            loaded = _state.get("model")
            if loaded is None:
                loaded = load()
                _state["model"] = loaded
    return loaded  # type: ignore[return-value]


def use_backend(backend: TriageBackend | None) -> None:
    """Install a backend for this process (None = shipped model); intake tests and operators call this."""
    _state["backend"] = backend


def _backend() -> TriageBackend | None:
    if "backend" not in _state:
        try:
            _state["backend"] = backend_from_env()
        except BackendError as exc:
            log.warning("triage backend not usable, using the shipped model: %s", exc)
            _state["backend"] = None
    return _state["backend"]  # type: ignore[return-value]


def _local(texts: Sequence[str]) -> list[Prediction]:
    m = model()
    cats, emos = m.predict(list(texts))
    cc, ec = m.category.classes, m.emotion.classes
    return [Prediction(dict(zip(cc, c, strict=True)), dict(zip(ec, e, strict=True)), m.version)
            for c, e in zip(cats.tolist(), emos.tolist(), strict=True)]


def _predict(texts: Sequence[str]) -> list[Prediction]:
    backend = _backend()
    local = _local(texts)
    if backend is None:
        return local
    try:
        remote = backend.predict(texts)
    except BackendError as exc:
        log.warning("triage backend %s failed, using the shipped model: %s", backend.name, exc)
        return local
    # A backend may know classes but not emotions (a transformer classifier): keep the local emotion then.
    return [Prediction(r.categories, r.emotions or loc.emotions, r.version) for r, loc in zip(remote, local, strict=True)]


@lru_cache(maxsize=4096)
def _texts(category: str, outcome: str | None, symptoms: tuple[str, ...], risks: tuple[str, ...],
           emotion: str) -> tuple[str, str, str | None, str | None]:
    zh, en = answers.answer(category, policy_outcome=outcome, symptoms=symptoms, risk_flags=risks)
    calm = answers.soothing(emotion)
    return zh, en, calm[0] if calm else None, calm[1] if calm else None


def _assessment(text: str, pred: Prediction, case_type: str | None, outcome: str | None) -> TriageAssessment:
    cats = pred.categories
    category = max(cats, key=cats.__getitem__)
    prior = _CASE_TYPE_PRIOR.get(case_type or "")
    if prior is not None and cats[category] < LOW_CONFIDENCE and category != prior:
        cats = {k: 0.5 * v + (0.5 if k == prior else 0.0) for k, v in cats.items()}
        category = max(cats, key=cats.__getitem__)
    emotion = max(pred.emotions, key=pred.emotions.__getitem__)
    norm = normalize(text)
    risks, found = rules.risk_flags(norm), rules.symptoms(norm)
    zh, en, szh, sen = _texts(category, outcome, found, risks, emotion)
    return TriageAssessment(category=category, categories=cats, emotion=emotion, emotion_scores=pred.emotions,
                            confidence=cats[category], risk_flags=risks, symptoms=found, answer_zh=zh,
                            answer_en=en, soothing_zh=szh, soothing_en=sen, model_version=pred.version)


def assess(text: str, *, case_type: str | None = None, policy_outcome: str | None = None) -> TriageAssessment:
    """Class, emotion, risk flags, symptoms and the L1 answer for one buyer message."""
    return _assessment(text, _predict([text])[0], case_type, policy_outcome)


def assess_many(texts: Sequence[str], *, policy_outcome: str | None = None) -> list[TriageAssessment]:
    """`assess` for a batch: one feature matrix and one matrix product for all messages."""
    if not texts:
        return []
    return [_assessment(t, p, None, policy_outcome) for t, p in zip(texts, _predict(texts), strict=True)]


assert set(_CASE_TYPE_PRIOR.values()) <= set(CATEGORIES)
