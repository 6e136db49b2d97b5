"""Triage use case called by intake: `assess(text)` → TriageAssessment. No database, no clock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Final, NamedTuple

from aftersales.triage import answers, mood, rules
from aftersales.triage.assessment import TriageAssessment
from aftersales.triage.backend import BackendError, Prediction, TriageBackend, backend_from_env
from aftersales.triage.model import TriageModel, load
from aftersales.triage.normalize import normalize
from aftersales.triage.taxonomy import CATEGORIES

# Below this primary-class probability a case goes to a human (L2). Chosen on the dev split by
# `aftersales triage train` as the lowest threshold whose auto-handled share is >= 98% correct; the shipped
# artifact records it in meta["low_confidence"] and a test keeps the two equal.
LOW_CONFIDENCE: Final[float] = 0.89

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


def _remote(texts: Sequence[str]) -> list[Prediction] | None:
    """The configured backend's class (and maybe emotion) probabilities, or None to use the shipped model."""
    backend = _backend()
    if backend is None:
        return None
    try:
        return backend.predict(texts)
    except BackendError as exc:
        log.warning("triage backend %s failed, using the shipped model: %s", backend.name, exc)
        return None


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


class _Read(NamedTuple):
    """What the batch pass found for one message, before the answer is chosen."""

    norm: str
    cats: dict[str, float]
    category: str
    emos: dict[str, float]
    emotion: str
    anger: float
    loudness: float
    valence: float
    mentions: list[float] | None
    secondary: str | None
    version: str


def _reads(texts: Sequence[str], norms: list[str]) -> list[_Read]:
    """Class, emotion and signals of every message: one scan and one matrix product for the whole batch."""
    m = model()
    p = m.predict_one(norms[0]) if len(norms) == 1 else m.predict_scanned(m.featurizer.scan(norms, normalized=True))
    anger, loud, valence = p.anger.tolist(), p.loudness.tolist(), p.valence.tolist()
    cc, ec = m.category.classes, m.emotion.classes
    remote = _remote(texts)
    if remote is None:
        cat_rows: list[dict[str, float]] = [dict(zip(cc, r, strict=True)) for r in p.categories.tolist()]
        emo_rows: list[dict[str, float]] = [dict(zip(ec, r, strict=True)) for r in p.emotions.tolist()]
        best_c = [cc[i] for i in p.categories.argmax(axis=1).tolist()]
        best_e = [ec[i] for i in p.emotions.argmax(axis=1).tolist()]
        versions = [m.version] * len(norms)
    else:  # a backend may know classes but not emotions (a transformer classifier): keep the local emotion then
        cat_rows = [r.categories for r in remote]
        emo_rows = [r.emotions or dict(zip(ec, e, strict=True)) for r, e in zip(remote, p.emotions.tolist(),
                                                                                  strict=True)]
        best_c = [max(c, key=c.__getitem__) for c in cat_rows]
        best_e = [max(e, key=e.__getitem__) for e in emo_rows]
        versions = [r.version for r in remote]
    ment = p.mentions.tolist() if p.mentions is not None else [None] * len(norms)
    second = mood.batch_secondary(p.mentions, CATEGORIES, [CATEGORIES.index(c) for c in best_c])
    return [_Read(*row) for row in zip(norms, cat_rows, best_c, emo_rows, best_e, anger, loud, valence, ment,
                                       second, versions, strict=True)]


def _assessment(r: _Read, case_type: str | None, outcome: str | None, risky: bool, sore: bool,
                treated: bool) -> TriageAssessment:
    cats, category, secondary = r.cats, r.category, r.secondary
    if case_type is not None:
        cats, category = _with_prior(cats, category, case_type)
        if category != r.category:
            secondary = mood.secondary(r.mentions, CATEGORIES, category)
    emotion = mood.decide(r.emotion, r.anger)
    risks = rules.risk_flags(r.norm) if risky else ()
    found = rules.symptoms(r.norm) if sore else ()
    zh, en, szh, sen = _texts(category, outcome, found, risks, emotion, treated and rules.already_treated(r.norm))
    return TriageAssessment(category, cats, emotion, r.emos, cats[category], risks, found, zh, en, szh, sen,
                            r.version, secondary,
                            mood.intensity(emotion, r.emos.get(emotion, 0.0), r.anger, r.loudness),
                            round(r.valence, 3))


def assess(text: str, *, case_type: str | None = None, policy_outcome: str | None = None) -> TriageAssessment:
    """Class, emotion, risk flags, symptoms and the L1 answer for one buyer message."""
    return assess_many([text], policy_outcome=policy_outcome, case_types=[case_type])[0]


def assess_many(texts: Sequence[str], *, policy_outcome: str | None = None,
                case_types: Sequence[str | None] | None = None) -> list[TriageAssessment]:
    """`assess` for a batch: one feature scan and one matrix product for all messages.

    `case_types`, one per text when given, applies the same case-type prior as `assess`.
    """
    if not texts:
        return []
    types: Sequence[str | None] = case_types if case_types is not None else [None] * len(texts)
    if len(types) != len(texts):
        raise ValueError("case_types must have one entry per text")
    norms = [normalize(t) for t in texts]
    # Risk, symptom and treatment words are rare: one scan of the batch says which messages need the rules.
    risky, sore, treated = rules.candidates(norms)
    return [_assessment(r, t, policy_outcome, i in risky, i in sore, i in treated)
            for i, (r, t) in enumerate(zip(_reads(texts, norms), types, strict=True))]


assert set(_CASE_TYPE_PRIOR.values()) <= set(CATEGORIES)
