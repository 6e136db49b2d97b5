"""CLI sub-app of the liability domain."""

from __future__ import annotations

import typer

app = typer.Typer(help="责任账本 / Liability ledger", no_args_is_help=True)
