"""CLI sub-app of the policy domain."""

from __future__ import annotations

import typer

app = typer.Typer(help="售后规则 / Return policy decisions", no_args_is_help=True)
