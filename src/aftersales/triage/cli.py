"""CLI sub-app of the triage domain."""

from __future__ import annotations

import typer

app = typer.Typer(help="AI 分诊 / AI triage of buyer messages", no_args_is_help=True)
