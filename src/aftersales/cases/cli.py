"""Top-level operational commands (serve, demo, worker, db, token, import, export)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the operational commands to the root app."""
