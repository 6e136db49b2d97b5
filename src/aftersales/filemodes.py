"""Private files: the embedded database (with its -wal and -shm), the PII key and the data folder are the
service user's alone, whatever the umask. Explicit modes at creation rather than a process-wide umask, so
a command that also writes reports for people to read keeps its usual modes for those."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIRECTORY = 0o700
PRIVATE_FILE = 0o600
#: SQLite's companions of a database file in WAL mode; SQLite gives them the database file's mode
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_directory(path: Path) -> None:
    """Create the folder (and missing parents) 0700. A folder that already exists is left as it is: it may be
    one the operator chose and shares on purpose (or /tmp)."""
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY)
    # mkdir's mode passes through the umask, which may take bits away but never adds one: set it exactly
    with contextlib.suppress(OSError):
        os.chmod(path, PRIVATE_DIRECTORY)


def private_file(path: Path) -> None:
    """Create the file empty with mode 0600 if it is missing; narrow an existing one of ours to 0600."""
    try:
        # O_EXCL: an existing file is never opened for writing here (it may be read-only on purpose)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        narrow(path)
        return
    os.close(descriptor)
    with contextlib.suppress(OSError):
        os.chmod(path, PRIVATE_FILE)


def narrow(path: Path) -> None:
    """Drop group and other permissions from a file this user owns (an older version left 0644 behind)."""
    try:
        status = path.stat()
        if status.st_uid == os.geteuid() and status.st_mode & 0o077:
            os.chmod(path, status.st_mode & PRIVATE_FILE)
    except OSError:  # gone meanwhile, or not ours to change: SQLite reports what it cannot open
        return


def private_sqlite(database: Path) -> None:
    """The database file exists 0600 before SQLite first opens it, so its -wal and -shm are created 0600 too."""
    private_directory(database.parent)
    private_file(database)
    for suffix in SQLITE_COMPANIONS:
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            narrow(companion)
