"""Benchmark `aftersales bench triage`; heavy imports stay inside command() so the CLI starts fast."""

from __future__ import annotations


def command() -> None:
    """Run the triage benchmark."""
    raise SystemExit("bench triage is not built yet")
