"""A file only its owner may read, which appears whole or not at all: written beside its final name, moved there."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aftersales.backup import BackupRefused

PRIVATE = 0o600


@contextmanager
def private_output(path: Path, *, force: bool) -> Iterator[Path]:
    """Yield a 0600 scratch file in `path`'s folder; on success it replaces `path`, on failure it is removed."""
    if path.exists() and not force:
        raise BackupRefused(f"{path} 已存在；用 --force 覆盖 / {path} exists; --force overwrites it", field="PATH")
    if path.is_dir():
        raise BackupRefused(f"{path} 是目录 / {path} is a folder", field="PATH")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.fchmod(descriptor, PRIVATE)  # mkstemp says 0600 already; said again so no umask or platform widens it
    os.close(descriptor)
    scratch = Path(name)
    try:
        yield scratch
        with scratch.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(scratch, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)
    finally:
        scratch.unlink(missing_ok=True)
