"""Benchmark `aftersales bench intake`; heavy imports stay inside command() so the CLI starts fast."""

from __future__ import annotations


def command() -> None:
    """Run the intake benchmark."""
    raise SystemExit("bench intake is not built yet")
