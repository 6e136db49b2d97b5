"""SQLite: the online backup API copies a consistent snapshot while the service keeps writing (WAL readers never
block the writer), into one self-contained file; a restore copies it back through the same API."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from aftersales.backup import Archive, BackupRefused
from aftersales.backup.private_file import PRIVATE, private_output

#: how long a backup or restore waits for the service's writer to let go, in milliseconds
BUSY_TIMEOUT_MS = 30_000


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    target = f"file:{path.as_posix()}?mode=ro" if read_only else path.as_posix()
    connection = sqlite3.connect(target, uri=read_only, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection


def _tables(connection: sqlite3.Connection) -> set[str]:
    return {name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}


def describe(path: Path) -> Archive:
    """Check that `path` is a whole aftersales database, and say what it holds."""
    try:
        with closing(_connect(path, read_only=True)) as connection:
            check = connection.execute("PRAGMA quick_check").fetchone()
            tables = _tables(connection)
            if check != ("ok",) or "alembic_version" not in tables:
                raise BackupRefused(f"{path} 不是完整的 aftersales 数据库 / {path} is not a whole aftersales "
                                    "database", field="PATH")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            cases = connection.execute("SELECT count(*) FROM cases").fetchone() if "cases" in tables else None
    except sqlite3.DatabaseError as error:  # not SQLite at all (a pg_dump archive, a text file)
        raise BackupRefused(f"{path} 不是 SQLite 备份 / {path} is not an SQLite backup ({error})",
                            field="PATH") from None
    return Archive(str(path), path.stat().st_size, revision[0] if revision else None,
                   cases[0] if cases else None)


def backup(database: Path, out: Path, *, force: bool = False) -> Archive:
    if not database.is_file():
        raise BackupRefused(f"数据库文件不存在 / no database file at {database}", field="AFTERSALES_DATABASE_URL")
    with private_output(out, force=force) as scratch:
        with closing(_connect(database)) as source, closing(_connect(scratch)) as copy:
            # one step (pages=-1): a single read transaction, so the copy is one moment of the database
            source.backup(copy)
            # a rollback journal, not WAL: the backup is one file, with nothing beside it to lose
            copy.execute("PRAGMA journal_mode=DELETE")
        describe(scratch)
    return describe(out)


def is_empty(database: Path) -> bool:
    if not database.exists() or database.stat().st_size == 0:
        return True
    with closing(_connect(database)) as connection:
        return not _tables(connection)


def restore(archive: Path, database: Path, *, force: bool = False) -> Archive:
    """Copy `archive` over `database` (refused over a non-empty one without `force`)."""
    described = describe(archive)
    if not is_empty(database) and not force:
        raise BackupRefused(f"目标数据库非空：{database}；确认覆盖请加 --force / the database {database} is not "
                            "empty; --force replaces its contents", field="--force")
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    with closing(_connect(archive, read_only=True)) as source, closing(_connect(database)) as target:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")  # the service's mode (db.py), so readers never wait
        if target.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupRefused(f"恢复后校验失败 / {database} failed its check after the restore")
    return described
