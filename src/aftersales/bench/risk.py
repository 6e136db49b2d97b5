"""`aftersales bench risk`: the spike detector against today's fixed rule (≥ 5 same-class cases in 6 h), on the
same synthetic series with injected spikes, in the same run: detection delay, precision, recall and false
alarms per 1,000 series-days."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer


def _row(score: Any) -> dict[str, Any]:
    def hours(value: float | None) -> float | None:
        return round(value, 2) if value is not None else None

    return {"method": score.name, "alarms": score.alarms, "precision": round(score.precision, 3),
            "recall": round(score.recall, 3), "false_alarms_per_1000_series_days":
                round(score.false_per_1000_series_days, 3),
            "delay_hours_p50": hours(score.delay(0.5)), "delay_hours_p90": hours(score.delay(0.9))}


def command(series: Annotated[int, typer.Option(help="序列数 / series (subject × class)")] = 2000,
            days: Annotated[int, typer.Option(help="评估天数 / evaluated days")] = 60,
            spike_share: Annotated[float, typer.Option(help="注入异常的序列占比 / share of series with a spike")] = 0.12,
            seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 2026,
            as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / print JSON")] = False) -> None:
    """Run the risk benchmark."""
    from rich.console import Console
    from rich.table import Table

    from aftersales.risk import detection, simulation

    console = Console()
    if series < 10 or not 20 <= days <= 365 or not 0 < spike_share < 1:
        console.print("[red]--series ≥ 10，--days 20–365，--spike-share 介于0与1 / out of range[/red]")
        raise typer.Exit(2)
    spec = simulation.Spec(series=series, days=days, spike_share=spike_share, seed=seed)
    data = simulation.generate(spec)
    results: dict[str, Any] = {"spec": spec.__dict__, "method": detection.METHOD, "by_kind": {}}
    scores = [simulation.score(detection.METHOD, data, days, simulation.nb_alarms),
              simulation.score("fixed ≥5 in 6 h", data, days, simulation.fixed_alarms)]
    results["overall"] = [_row(s) for s in scores]
    for kind in ("burst", "sustained"):
        subset = [s for s in data if s.spike is None or s.spike[2] == kind]
        results["by_kind"][kind] = [_row(simulation.score(name, subset, days, fn)) for name, fn in (
            (detection.METHOD, simulation.nb_alarms), ("fixed ≥5 in 6 h", simulation.fixed_alarms))]
    if as_json:
        console.print_json(json.dumps(results, ensure_ascii=False))
        return
    for title, rows in [("all spikes", results["overall"])] + [
            (f"{kind} spikes only", rows) for kind, rows in results["by_kind"].items()]:
        table = Table(title=f"bench risk — {title} ({series} series × {days} days)")
        for column in ("method", "alarms", "precision", "recall", "false/1000 series-days", "delay p50 h",
                       "delay p90 h"):
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(v) for v in row.values()))
        console.print(table)
