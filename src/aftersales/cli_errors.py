"""CLI errors: a clear message on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from aftersales.problems import DomainError

stderr = Console(stderr=True)


@contextmanager
def cli_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as error:
        field = error.extra.get("field")
        stderr.print(f"[red]错误 / error[/red]{f' ({field})' if field else ''}: {error.detail}")
        raise typer.Exit(2) from None
    except (OSError, ValueError) as error:
        stderr.print(f"[red]错误 / error[/red]: {error}")
        raise typer.Exit(2) from None
    except Exception as error:
        refused = database_fault(error)
        if refused is None:
            raise
        raise refused from None


def database_fault(error: BaseException) -> typer.Exit | None:
    """The database away or its disk full: the operator's problem, told in one line, not a traceback."""
    from aftersales.db_faults import MEANING, classify, summary

    fault = classify(error)
    if fault is None:
        return None
    stderr.print(f"[red]错误 / error[/red]: {MEANING[fault]} ({summary(error)})", soft_wrap=True)
    return typer.Exit(2)


@contextmanager
def database_faults() -> Iterator[None]:
    """Around the whole command line: a command that reaches the database outside `cli_errors` gets it too."""
    try:
        yield
    except Exception as error:
        refused = database_fault(error)
        if refused is None:
            raise
        raise SystemExit(refused.exit_code) from None


def fail(message: str, code: int = 2) -> typer.Exit:
    stderr.print(f"[red]错误 / error[/red]: {message}")
    return typer.Exit(code)
