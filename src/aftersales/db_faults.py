"""Which database errors are the database being away or full, not a bug: the API answers them 503/507, the CLI
in one line, and the background workers back off instead of logging a traceback every tick."""

from __future__ import annotations

import sqlite3
from enum import StrEnum

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from aftersales.problems import DomainError, InsufficientStorage, Unavailable

#: seconds a client is told to wait: a restarting PostgreSQL is back within a few seconds
RETRY_AFTER_SECONDS = 2

#: SQLite primary result codes that mean "not now" (busy, locked, the file or its disk failing), not a bad query
_SQLITE_AWAY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
                sqlite3.SQLITE_PROTOCOL}
#: PostgreSQL SQLSTATE classes of a lost or refused connection: 08 connection exception, 53 insufficient
#: resources, 57 operator intervention (shutdown, starting up, statement cancelled), 58 system error
_PG_AWAY_CLASSES = {"08", "53", "57", "58"}
_PG_DISK_FULL = "53100"


class Fault(StrEnum):
    UNAVAILABLE = "unavailable"
    FULL = "full"


def classify(error: BaseException) -> Fault | None:
    """The fault behind a database error, or None when the error is the query's own (a bug or bad data)."""
    if isinstance(error, PoolTimeout):  # every pooled connection is busy: the database is overloaded
        return Fault.UNAVAILABLE
    if not isinstance(error, OperationalError | InterfaceError):
        return None
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        if code is None:
            return None
        primary = code & 0xFF
        if primary == sqlite3.SQLITE_FULL:
            return Fault.FULL
        return Fault.UNAVAILABLE if primary in _SQLITE_AWAY else None
    state = getattr(original, "sqlstate", None)
    if state == _PG_DISK_FULL:
        return Fault.FULL
    if error.connection_invalidated or state is None or state[:2] in _PG_AWAY_CLASSES:
        # no SQLSTATE: the driver lost or never got a connection (refused, reset, server closed it)
        return Fault.UNAVAILABLE
    return None


#: what the fault means to whoever hit it (zh-CN, English); the CLI prints it as is
_MEANING = {
    Fault.FULL: ("数据库磁盘已满，本次操作未写入", "the database's disk is full; nothing was written"),
    Fault.UNAVAILABLE: ("数据库暂不可用，本次操作未完成", "the database is unavailable; the operation did not complete"),
}
MEANING = {fault: f"{zh} / {en}" for fault, (zh, en) in _MEANING.items()}


def as_problem(error: BaseException) -> DomainError | None:
    """The answer an API caller gets for a database fault: what happened, that a retry is safe, and when."""
    fault = classify(error)
    if fault is None:
        return None
    zh, en = _MEANING[fault]
    if fault is Fault.FULL:
        return InsufficientStorage(f"{zh}；释放空间后用同一 Idempotency-Key 重试 / {en}; retry with the same "
                                   "Idempotency-Key once space is freed")
    return Unavailable(f"{zh}；请稍后用同一 Idempotency-Key 重试 / {en}; retry later with the same Idempotency-Key",
                       retry_after=RETRY_AFTER_SECONDS)


def summary(error: BaseException) -> str:
    """One line for a log or a terminal: the driver's own first line, without SQLAlchemy's SQL and links."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return f"{type(original).__name__}: {text[0] if text else ''}"
