"""CLI sub-app of the live domain."""

from __future__ import annotations

import typer

app = typer.Typer(help="直播存证 / Live-session promise evidence", no_args_is_help=True)
