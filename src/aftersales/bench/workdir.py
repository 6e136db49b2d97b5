"""The folder a server benchmark works in and how its failures end the command: shared by intake and soak."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")


@contextmanager
def work_folder(keep: Path | None, prefix: str, console: Console) -> Iterator[Path]:
    """A scratch folder removed afterwards, or the empty folder the user asked to keep (a full one is refused:
    the database and logs of two runs must not mix)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        work_dir = keep or Path(scratch)
        work_dir.mkdir(parents=True, exist_ok=True)
        if keep is not None and any(work_dir.iterdir()):
            console.print(f"[red]--keep 目录须为空 / --keep folder must be empty: {work_dir}[/red]")
            raise typer.Exit(2)
        yield work_dir


def run_or_exit(console: Console, run: Callable[[], T]) -> T:
    """A server that will not start, a full disk or a database away ends the command in one line, exit 1."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return run()
    except (RuntimeError, OSError, SQLAlchemyError) as error:
        console.print(f"[red]基准失败 / benchmark failed: {error}[/red]")
        raise typer.Exit(1) from None
