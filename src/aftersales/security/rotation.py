"""Re-encryption under the newest PII key, and the check that an old key is no longer needed.

Every column named `*_enc` of every table is a Fernet ciphertext under the PII keys (buyers' name, phone and
address; webhook and channel secrets), found from the models so a new encrypted column is covered without an
edit here. Work goes table by table in primary-key order, one unit of work per batch: a run stopped half-way
leaves finished batches under the new key, and the next run skips them (a value already under the newest key is
left untouched), so running again is how it resumes, and running twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, Table, bindparam, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from aftersales.db import unit_of_work
from aftersales.keyring import Keyring, fingerprint
from aftersales.models_registry import load_all_models

log = logging.getLogger(__name__)
DEFAULT_BATCH = 500
#: a batch that met a concurrent writer (SQLite's snapshot check) is read and tried again this often
ATTEMPTS = 3
#: unreadable values named in a report (all are counted)
NAMED = 20


@dataclass(frozen=True)
class EncryptedTable:
    table: Table
    key: Column[Any]
    columns: tuple[Column[Any], ...]


def encrypted_tables() -> list[EncryptedTable]:
    found = []
    for table in load_all_models().metadata.sorted_tables:
        columns = tuple(c for c in table.columns if c.name.endswith("_enc"))
        if not columns:
            continue
        keys = list(table.primary_key.columns)
        if len(keys) != 1:
            raise RuntimeError(f"{table.name}: encrypted columns need a one-column primary key to be re-encrypted")
        found.append(EncryptedTable(table, keys[0], columns))
    return found


@dataclass
class RotationReport:
    batches: int = 0
    values: int = 0
    rotated: int = 0
    current: int = 0
    unreadable: int = 0
    #: "table.column#id" of the first unreadable values (no key opens them: not ours, or a key already lost)
    unreadable_at: list[str] = field(default_factory=list)
    per_table: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"batches": self.batches, "values": self.values, "rotated": self.rotated, "current": self.current,
                "unreadable": self.unreadable, "unreadable_at": self.unreadable_at, "per_table": self.per_table}


def _unreadable(report: RotationReport, where: str) -> None:
    report.unreadable += 1
    if len(report.unreadable_at) < NAMED:
        report.unreadable_at.append(where)


def _batch(session: Session, target: EncryptedTable, after: Any, size: int) -> list[Any]:
    query = select(target.key, *target.columns).order_by(target.key).limit(size)
    if after is not None:
        query = query.where(target.key > after)
    if session.get_bind().dialect.name == "postgresql":
        # the rows stay as read until this batch commits: a writer in between cannot be overwritten
        query = query.with_for_update()
    return list(session.execute(query).all())


def _rotate_batch(session: Session, target: EncryptedTable, rows: list[Any], keys: Keyring,
                  report: RotationReport) -> None:
    name = target.table.name
    for position, column in enumerate(target.columns, start=1):
        changes = []
        for row in rows:
            value = row[position]
            if value is None:
                continue
            report.values += 1
            if keys.is_current(value):
                report.current += 1
                continue
            try:
                changes.append({"row_key": row[0], "value": keys.rotate(value)})
            except InvalidToken:
                _unreadable(report, f"{name}.{column.name}#{row[0]}")
        if changes:
            session.execute(target.table.update().where(target.key == bindparam("row_key"))
                            .values({column.name: bindparam("value")}), changes)
            report.rotated += len(changes)
            report.per_table[name] = report.per_table.get(name, 0) + len(changes)


def reencrypt(factory: sessionmaker[Session], keys: Keyring, *, batch_size: int = DEFAULT_BATCH,
              progress: Callable[[str, RotationReport], None] | None = None) -> RotationReport:
    """Every encrypted value under the newest key; one commit per batch of `batch_size` rows."""
    if batch_size < 1:
        raise ValueError("batch size must be positive")
    report = RotationReport()
    for target in encrypted_tables():
        after: Any = None
        while True:
            for attempt in range(ATTEMPTS):
                trial = RotationReport()
                try:
                    with unit_of_work(factory) as session:
                        rows = _batch(session, target, after, batch_size)
                        _rotate_batch(session, target, rows, keys, trial)
                    break
                except OperationalError:
                    # SQLite refuses a write from a snapshot another writer moved past: read the batch again
                    if attempt == ATTEMPTS - 1:
                        raise
                    log.warning("re-encryption batch of %s after %r met a concurrent writer; retrying",
                                target.table.name, after)
            if not rows:
                break
            _merge(report, trial)
            report.batches += 1
            after = rows[-1][0]
            if progress is not None:
                progress(target.table.name, report)
    return report


def _merge(report: RotationReport, batch: RotationReport) -> None:
    report.values += batch.values
    report.rotated += batch.rotated
    report.current += batch.current
    report.unreadable += batch.unreadable
    report.unreadable_at.extend(batch.unreadable_at[: NAMED - len(report.unreadable_at)])
    for name, count in batch.per_table.items():
        report.per_table[name] = report.per_table.get(name, 0) + count


@dataclass
class KeyUse:
    """How many stored values each key opens (newest first), and how many none opens."""

    per_key: dict[str, int]
    unreadable: int
    unreadable_at: list[str]

    @property
    def needs_old_keys(self) -> int:
        counts = list(self.per_key.values())
        return sum(counts[1:])


def _values(factory: sessionmaker[Session], batch_size: int) -> Iterator[tuple[str, str]]:
    for target in encrypted_tables():
        after: Any = None
        while True:
            with factory() as session:
                query = select(target.key, *target.columns).order_by(target.key).limit(batch_size)
                if after is not None:
                    query = query.where(target.key > after)
                rows = list(session.execute(query).all())
            if not rows:
                break
            for row in rows:
                for position, column in enumerate(target.columns, start=1):
                    if row[position] is not None:
                        yield f"{target.table.name}.{column.name}#{row[0]}", row[position]
            after = rows[-1][0]


def key_use(factory: sessionmaker[Session], keys: Keyring, *, batch_size: int = 2_000) -> KeyUse:
    """Which key each stored value needs: an old key may be dropped only when it opens nothing."""
    ring = [(fingerprint(key), Fernet(key)) for key in keys.keys]
    use = KeyUse(per_key={name: 0 for name, _ in ring}, unreadable=0, unreadable_at=[])
    for where, value in _values(factory, batch_size):
        token = value.encode("ascii", errors="replace")
        for name, fernet in ring:
            try:
                fernet.decrypt(token)
            except InvalidToken:
                continue
            use.per_key[name] += 1
            break
        else:
            use.unreadable += 1
            if len(use.unreadable_at) < NAMED:
                use.unreadable_at.append(where)
    return use
