"""The corpus is big, varied, reproducible and honestly split; the model passes the quality gate on it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from aftersales.triage.corpus.generate import write
from aftersales.triage.dataset import CORPUS_DIR, load_split
from aftersales.triage.evaluation import score
from aftersales.triage.service import assess_many, model
from aftersales.triage.taxonomy import CATEGORIES, EMOTIONS

SPLITS = ("train", "dev", "test")


def _records(split: str) -> list[dict]:
    return [json.loads(line) for line in (CORPUS_DIR / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_corpus_is_large_and_covers_every_class_and_emotion() -> None:
    records = [r for s in SPLITS for r in _records(s)]
    assert len(records) >= 4000
    for split in SPLITS:
        recs = _records(split)
        assert set(Counter(r["category"] for r in recs)) == set(CATEGORIES)
        # None: a first-family template whose words read angry under a calm wrapper carries no emotion label
        assert set(Counter(r["emotion"] for r in recs)) - {None} == set(EMOTIONS)
        assert sum(r["emotion"] is None for r in recs) < 0.05 * len(recs)
    texts = [r["text"] for r in records]
    assert any(len(t) <= 3 for t in texts) and any(len(t) >= 60 for t in texts)
    assert sum(len(r["categories"]) > 1 for r in records) > 200  # multi-issue messages


def test_heldout_phrasings_never_appear_in_training() -> None:
    train_templates = {r["template"] for r in _records("train")}
    train_texts = {r["text"] for r in _records("train")}
    for split in ("dev", "test"):
        recs = _records(split)
        heldout = [r for r in recs if r["heldout"]]
        assert len(heldout) >= len(recs) * 0.45
        assert not {r["template"] for r in heldout if "{x}" not in r["template"]} & train_templates
        assert not {r["text"] for r in recs} & train_texts


def test_generator_reproduces_the_shipped_files(tmp_path: Path) -> None:
    counts = write(tmp_path)
    assert counts == {s: len(_records(s)) for s in SPLITS}
    for split in SPLITS:
        assert (tmp_path / f"{split}.jsonl").read_bytes() == (CORPUS_DIR / f"{split}.jsonl").read_bytes()


@pytest.fixture(scope="module")
def test_scores() -> tuple:
    examples = load_split("test")
    results = assess_many([e.text for e in examples])
    return examples, results


def test_quality_gate_macro_f1_on_heldout_test_split(test_scores: tuple) -> None:
    examples, results = test_scores
    s = score([e.category for e in examples], [r.category for r in results], CATEGORIES)
    # the test split holds the composed family too (mixed feelings, second issues, voices): harder than the
    # first family alone, which cleared 0.92
    assert s.macro_f1 >= 0.90


def test_unseen_phrasings_alone_stay_above_floor(test_scores: tuple) -> None:
    examples, results = test_scores
    pairs = [(e.category, r.category) for e, r in zip(examples, results, strict=True) if e.heldout]
    s = score([t for t, _ in pairs], [p for _, p in pairs], CATEGORIES)
    # 0.83: held-out "other" questions that name a gift ("有没有赠品活动") read as missing_item
    assert s.macro_f1 >= 0.83


def test_emotion_and_risk_flags_on_test_split(test_scores: tuple) -> None:
    examples, results = test_scores
    pairs = [(e.emotion, r.emotion) for e, r in zip(examples, results, strict=True) if e.emotion]
    s = score([t for t, _ in pairs], [p for _, p in pairs], EMOTIONS)
    # 0.83: held-out "other" questions that name a gift ("有没有赠品活动") read as missing_item
    assert s.macro_f1 >= 0.83
    flagged = [(set(e.risk_flags), set(r.risk_flags)) for e, r in zip(examples, results, strict=True)]
    labelled = [(t, p) for t, p in flagged if t]
    recall = sum(t <= p for t, p in labelled) / len(labelled)
    assert recall >= 0.8


def test_composed_family_holds_out_voices_and_feelings() -> None:
    """The second family's held-out messages use problem phrases the training half never saw."""
    from aftersales.triage.corpus.compose import Composer

    composer = Composer(__import__("random").Random(1), {})
    for c in CATEGORIES:
        train, test = set(composer.problems[c]["train"]), set(composer.problems[c]["test"])
        assert test and not train & test
    for emotion, forms in composer.feelings.items():
        assert any(set(parts["test"]) - set(parts["train"]) for parts in forms.values()), emotion


def test_model_artifact_is_the_one_trained_from_this_corpus() -> None:
    report = model().meta["report"]
    assert report["n_train"] == len(_records("train")) and report["n_dev"] == len(_records("dev"))
