"""Triage use case called by intake: `assess(text)` → TriageAssessment. No database, no clock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from aftersales.triage import answers, mood, rules
from aftersales.triage.assessment import TriageAssessment
from aftersales.triage.backend import BackendError, Prediction, TriageBackend, backend_from_env
from aftersales.triage.model import TriageModel, load
from aftersales.triage.normalize import normalize
from aftersales.triage.signals import Signals, signals
from aftersales.triage.taxonomy import CATEGORIES

# Below this primary-class probability a case goes to a human (L2). Chosen on the dev split by
# `aftersales triage train` as the lowest threshold whose auto-handled share is >= 98% correct; the shipped
# artifact records it in meta["low_confidence"] and a test keeps the two equal.
LOW_CONFIDENCE: Final[float] = 0.92

# An intake case type is a weak prior: it only decides when the text is unsure or names no problem.
_CASE_TYPE_PRIOR: Final[dict[str, str]] = {
    "allergy": "allergy_reaction", "allergy_claim": "allergy_reaction", "过敏": "allergy_reaction",
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


def _local(norms: list[str], sigs: list[Signals]) -> list[Prediction]:
    m = model()
    cats, emos, mentions = m.predict_all(norms, normalized=True, sigs=sigs)
    cc, ec, version = m.category.classes, m.emotion.classes, m.version
    ment: list[list[float] | None] = mentions.tolist() if mentions is not None else [None] * len(norms)
    # tolist() once per matrix, then zip per row: the cheapest way to the dicts the interface promises.
    return [Prediction(dict(zip(cc, c, strict=True)), dict(zip(ec, e, strict=True)), version, mt)
            for c, e, mt in zip(cats.tolist(), emos.tolist(), ment, strict=True)]


def _predict(texts: Sequence[str], norms: list[str], sigs: list[Signals]) -> list[Prediction]:
    backend = _backend()
    local = _local(norms, sigs)
    if backend is None:
        return local
    try:
        remote = backend.predict(texts)
    except BackendError as exc:
        log.warning("triage backend %s failed, using the shipped model: %s", backend.name, exc)
        return local
    # A backend may know classes but not emotions (a transformer classifier): keep the local emotion then.
    return [Prediction(r.categories, r.emotions or loc.emotions, r.version, loc.mentions)
            for r, loc in zip(remote, local, strict=True)]


@lru_cache(maxsize=4096)
def _texts(category: str, outcome: str | None, symptoms: tuple[str, ...], risks: tuple[str, ...],
           emotion: str, treated: bool) -> tuple[str, str, str | None, str | None]:
    zh, en = answers.answer(category, policy_outcome=outcome, symptoms=symptoms, risk_flags=risks,
                            already_treated=treated)
    calm = answers.soothing(emotion)
    return zh, en, calm[0] if calm else None, calm[1] if calm else None


def _with_prior(cats: dict[str, float], category: str, case_type: str | None) -> tuple[dict[str, float], str]:
    prior = _CASE_TYPE_PRIOR.get(case_type or "")
    # "other" means the text names no problem ("你好"), so the buyer's chosen case type should decide.
    if prior is None or category == prior or (cats[category] >= LOW_CONFIDENCE and category != "other"):
        return cats, category
    mixed = {k: 0.5 * v + (0.5 if k == prior else 0.0) for k, v in cats.items()}
    return mixed, max(mixed, key=mixed.__getitem__)


def _assessment(norm: str, sig: Signals, pred: Prediction, case_type: str | None, outcome: str | None,
                category: str | None = None, emotion: str | None = None) -> TriageAssessment:
    cats, emos = pred.categories, pred.emotions
    category = category or max(cats, key=cats.__getitem__)
    if case_type is not None:
        cats, category = _with_prior(cats, category, case_type)
    anger = sig.anger()
    emotion = mood.decide(emotion or max(emos, key=emos.__getitem__), anger)
    risks, found = rules.risk_flags(norm), rules.symptoms(norm)
    zh, en, szh, sen = _texts(category, outcome, found, risks, emotion, rules.already_treated(norm))
    return TriageAssessment(category, cats, emotion, emos, cats[category], risks, found, zh, en, szh, sen,
                            pred.version, mood.secondary(pred.mentions, CATEGORIES, category),
                            mood.intensity(emotion, emos.get(emotion, 0.0), anger, sig.intensity()))


def assess(text: str, *, case_type: str | None = None, policy_outcome: str | None = None) -> TriageAssessment:
    """Class, emotion, risk flags, symptoms and the L1 answer for one buyer message."""
    norm = normalize(text)
    sig = signals(norm)
    return _assessment(norm, sig, _predict([text], [norm], [sig])[0], case_type, policy_outcome)


def assess_many(texts: Sequence[str], *, policy_outcome: str | None = None,
                case_types: Sequence[str | None] | None = None) -> list[TriageAssessment]:
    """`assess` for a batch: one feature matrix and one matrix product for all messages.

    `case_types`, one per text when given, applies the same case-type prior as `assess`.
    """
    if not texts:
        return []
    types: Sequence[str | None] = case_types if case_types is not None else [None] * len(texts)
    if len(types) != len(texts):
        raise ValueError("case_types must have one entry per text")
    norms = [normalize(t) for t in texts]
    sigs = [signals(n) for n in norms]
    if _backend() is not None:
        return [_assessment(n, g, p, t, policy_outcome)
                for n, g, p, t in zip(norms, sigs, _predict(texts, norms, sigs), types, strict=True)]
    # The shipped model alone: argmax over the whole matrix at once instead of per-message dict scans.
    m = model()
    cats, emos, mentions = m.predict_all(norms, normalized=True, sigs=sigs)
    cc, ec, version = m.category.classes, m.emotion.classes, m.version
    best_c = [cc[i] for i in cats.argmax(axis=1).tolist()]
    best_e = [ec[i] for i in emos.argmax(axis=1).tolist()]
    ment: list[list[float] | None] = mentions.tolist() if mentions is not None else [None] * len(norms)
    return [_assessment(n, g, Prediction(dict(zip(cc, c, strict=True)), dict(zip(ec, e, strict=True)), version, mt),
                        t, policy_outcome, bc, be)
            for n, g, c, e, mt, bc, be, t in zip(norms, sigs, cats.tolist(), emos.tolist(), ment, best_c, best_e,
                                                 types, strict=True)]


assert set(_CASE_TYPE_PRIOR.values()) <= set(CATEGORIES)
