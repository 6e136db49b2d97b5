"""`aftersales bench ...`: each benchmark reports a ratio against a baseline measured in the same run."""

from __future__ import annotations

import typer

from aftersales.bench import console, evaluate, intake, replay, risk, soak, sweep, triage

app = typer.Typer(help="性能基准 / Benchmarks (ratios against a baseline measured in the same run)",
                  no_args_is_help=True)
app.command("intake")(intake.command)
app.command("triage")(triage.command)
app.command("evaluate")(evaluate.command)
app.command("console")(console.command)
app.command("sweep")(sweep.command)
app.command("replay")(replay.command)
app.command("risk")(risk.command)
app.command("soak")(soak.command)
