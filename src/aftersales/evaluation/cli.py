"""CLI sub-app of the evaluation domain."""

from __future__ import annotations

import typer

app = typer.Typer(help="售后健康指数 / After-sales health index", no_args_is_help=True)
