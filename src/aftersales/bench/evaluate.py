"""Benchmark `aftersales bench evaluate`; heavy imports stay inside command() so the CLI starts fast."""

from __future__ import annotations


def command() -> None:
    """Run the evaluate benchmark."""
    raise SystemExit("bench evaluate is not built yet")
