"""Training `aftersales triage train`: fit on train, choose C, temperature and the confidence floor on dev."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from aftersales.triage.dataset import Example, load_split
from aftersales.triage.features import Featurizer, fit_featurizer
from aftersales.triage.model import LinearHead, MentionHead, TriageModel
from aftersales.triage.taxonomy import CATEGORIES, EMOTIONS

C_GRID = (2.0, 5.0, 10.0, 20.0, 50.0)
# The auto-handled share must be at least this accurate on dev; the floor is the lowest confidence that keeps it.
TARGET_AUTO_ACCURACY = 0.98


@dataclass
class TrainReport:
    n_train: int
    n_dev: int
    n_features: int
    n_words: int
    category_c: float
    emotion_c: float
    category_temperature: float
    emotion_temperature: float
    dev_category_macro_f1: float
    dev_emotion_macro_f1: float
    low_confidence: float
    dev_auto_share: float


def corpus_words(texts: Sequence[str], min_count: int = 3) -> list[str]:
    """Words of 3+ characters jieba finds in the training texts at least `min_count` times (shorter words
    are already character bigrams, so they would cost scan time and add nothing)."""
    import jieba

    from aftersales.triage.normalize import normalize

    jieba.setLogLevel(60)
    counts = Counter(w for t in texts for w in jieba.lcut(normalize(t)) if len(w) > 2 and not w.isdigit())
    return sorted(w for w, n in counts.items() if n >= min_count)


def _fit_head(x: Any, y: Sequence[str], classes: tuple[str, ...], c: float) -> LinearHead:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=3000)
    clf.fit(x, [classes.index(v) for v in y])
    weights = np.zeros((x.shape[1], len(classes)), dtype=np.float32)
    bias = np.full(len(classes), -1e4, dtype=np.float32)  # a class absent from training is never predicted
    for col, k in enumerate(clf.classes_):
        weights[:, k] = clf.coef_[col]
        bias[k] = clf.intercept_[col]
    return LinearHead(classes=classes, weights=weights, bias=bias)


def _fit_mentions(x: Any, examples: Sequence[Example], c: float) -> MentionHead:
    """One-vs-rest: a class is "mentioned" when it is the primary or a labelled second issue."""
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((x.shape[1], len(CATEGORIES)), dtype=np.float32)
    bias = np.full(len(CATEGORIES), -1e4, dtype=np.float32)
    for k, cls in enumerate(CATEGORIES):
        y = np.array([cls in e.categories for e in examples])
        if y.any() and not y.all():
            clf = LogisticRegression(C=c, max_iter=3000).fit(x, y)
            weights[:, k], bias[k] = clf.coef_[0], clf.intercept_[0]
    return MentionHead(classes=CATEGORIES, weights=weights, bias=bias)


def _macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


def _fit_temperature(head: LinearHead, x: Any, y: Sequence[str]) -> float:
    from scipy.optimize import minimize_scalar

    logits = np.asarray(x @ head.weights) + head.bias
    idx = np.array([head.classes.index(v) for v in y])

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(idx)), idx].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def _select(x_tr: Any, y_tr: list[str], x_dev: Any, y_dev: list[str], classes: tuple[str, ...],
            cal: list[int]) -> tuple[LinearHead, float, float]:
    best: tuple[float, float, LinearHead] | None = None
    for c in C_GRID:
        head = _fit_head(x_tr, y_tr, classes, c)
        pred = [classes[i] for i in head.proba(x_dev).argmax(axis=1)]
        score = _macro_f1(y_dev, pred)
        if best is None or score > best[0]:
            best = (score, c, head)
    assert best is not None
    score, c, head = best
    head.temperature = _fit_temperature(head, x_dev[cal], [y_dev[i] for i in cal])
    return head, c, score


def confidence_floor(confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_AUTO_ACCURACY) -> float:
    """Lowest threshold whose accepted set (confidence >= threshold) is at least `target` accurate."""
    order = np.argsort(-confidence)
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(running >= target)[0]
    if len(ok) == 0:
        return 1.0
    return float(confidence[order][ok[-1]])


def train(train: list[Example] | None = None, dev: list[Example] | None = None,
          now: datetime | None = None) -> tuple[TriageModel, TrainReport]:
    """Fit both heads on `train`; every choice (C, temperature, confidence floor) is made on `dev`."""
    train = train if train is not None else load_split("train")
    dev = dev if dev is not None else load_split("dev")
    texts = [e.text for e in train]
    words = corpus_words(texts)
    featurizer: Featurizer = fit_featurizer(texts, words)
    x_tr, x_dev = featurizer.transform(texts), featurizer.transform([e.text for e in dev])
    # Calibrate on dev messages written from held-out phrasings: new wording is what production sees, and
    # the reused-phrasing half of dev would teach the model to be surer than it should be.
    cal = [i for i, e in enumerate(dev) if e.heldout] or list(range(len(dev)))
    cat, cat_c, cat_f1 = _select(x_tr, [e.category for e in train], x_dev, [e.category for e in dev],
                                 CATEGORIES, cal)
    emo_tr = [i for i, e in enumerate(train) if e.emotion]
    emo_dev = [i for i, e in enumerate(dev) if e.emotion]
    emo_cal = [k for k, i in enumerate(emo_dev) if dev[i].heldout] or list(range(len(emo_dev)))
    emo, emo_c, emo_f1 = _select(x_tr[emo_tr], [train[i].emotion or "" for i in emo_tr],
                                 x_dev[emo_dev], [dev[i].emotion or "" for i in emo_dev], EMOTIONS, emo_cal)
    proba = cat.proba(x_dev[cal])
    correct = proba.argmax(axis=1) == np.array([CATEGORIES.index(dev[i].category) for i in cal])
    floor = confidence_floor(proba.max(axis=1), correct)
    stamp = (now.strftime("%Y%m%d") if now else "dev")
    version = f"linear-char3-{stamp}-{len(featurizer.vocabulary)}f"
    report = TrainReport(
        n_train=len(train), n_dev=len(dev), n_features=len(featurizer.vocabulary), n_words=len(words),
        category_c=cat_c, emotion_c=emo_c, category_temperature=cat.temperature,
        emotion_temperature=emo.temperature, dev_category_macro_f1=cat_f1, dev_emotion_macro_f1=emo_f1,
        low_confidence=floor, dev_auto_share=float((proba.max(axis=1) >= floor).mean()),
    )
    model = TriageModel(featurizer=featurizer, category=cat, emotion=emo, version=version,
                        meta={"low_confidence": floor, "report": report.__dict__},
                        mention=_fit_mentions(x_tr, train, cat_c))
    return model, report
