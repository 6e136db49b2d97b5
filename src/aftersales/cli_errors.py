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


def fail(message: str, code: int = 2) -> typer.Exit:
    stderr.print(f"[red]错误 / error[/red]: {message}")
    return typer.Exit(code)
