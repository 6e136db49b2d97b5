"""Rendering evaluation scores as rich tables for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from aftersales.triage.evaluation import Scores


def print_scores(scores: Scores, title: str, n: int, console: Console | None = None) -> None:
    console = console or Console()
    console.print(f"[bold]{title}[/bold]  n={n}  macro-F1={scores.macro_f1:.4f}  accuracy={scores.accuracy:.4f}")
    table = Table("class", "precision", "recall", "F1", "support")
    for s in scores.per_class:
        table.add_row(s.label, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.support))
    console.print(table)
    # Columns are numbered (the row labels carry the names) so 13 classes fit an 100-column terminal.
    numbers = [str(i) for i in range(len(scores.labels))]
    confusion = Table("true \\ pred", *numbers, title="confusion matrix", padding=(0, 1))
    for i, (label, row) in enumerate(zip(scores.labels, scores.confusion, strict=True)):
        confusion.add_row(f"{i} {label}", *(str(v) if v else "." for v in row))
    console.print(confusion)
    if scores.calibration:
        cal = Table("confidence", "n", "mean confidence", "accuracy", title=f"calibration (ECE={scores.ece})")
        for b in scores.calibration:
            cal.add_row(f"{b.low:.1f}–{b.high:.1f}", str(b.count), f"{b.mean_confidence:.3f}", f"{b.accuracy:.3f}")
        console.print(cal)
