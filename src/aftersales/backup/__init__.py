"""`aftersales db backup` / `db restore`: SQLite through its online backup API, PostgreSQL through pg_dump and
pg_restore; every file written is private to its owner (0600)."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales.problems import DomainError


class BackupRefused(DomainError):
    """A backup or restore that would lose data or cannot work: nothing was changed."""

    status = 409
    code = "backup-refused"
    title = "备份/恢复被拒绝 / Backup or restore refused"


@dataclass(frozen=True)
class Archive:
    """What a backup holds, as a user checks it: where, how big, which schema revision, how many cases."""

    path: str
    size_bytes: int
    revision: str | None
    cases: int | None
