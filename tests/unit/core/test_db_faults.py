"""Which database errors are the database being away or full (503/507, back off) and which are bugs (500)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from aftersales.db_faults import Fault, as_problem, classify


def _wrapped(original: Exception, kind: type[OperationalError] | type[InterfaceError] = OperationalError,
             invalidated: bool = False) -> Exception:
    return kind("SELECT 1", {}, original, connection_invalidated=invalidated)


def _real_sqlite_error(run: str, setup: tuple[str, ...] = ()) -> sqlite3.Error:
    connection = sqlite3.connect(":memory:")
    for statement in setup:
        connection.execute(statement)
    try:
        connection.executescript(run)
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError("no error")


def test_sqlite_full_is_full_and_a_bad_query_is_not_a_fault() -> None:
    # max_page_count makes SQLite itself answer SQLITE_FULL, the code a full disk gives
    full = _real_sqlite_error("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 100000) "
                              "INSERT INTO t SELECT randomblob(500) FROM n;",
                              ("CREATE TABLE t (b BLOB)", "PRAGMA max_page_count = 8"))
    assert classify(_wrapped(full)) is Fault.FULL
    missing = _real_sqlite_error("SELECT * FROM no_such_table;")
    assert classify(_wrapped(missing)) is None


def test_sqlite_busy_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("INSERT INTO t VALUES (1)")
    holder.close()
    other.close()
    assert classify(_wrapped(busy.value)) is Fault.UNAVAILABLE


@pytest.mark.parametrize("original", [
    psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE: never connected
    pg.AdminShutdown("terminating connection due to administrator command"),
    pg.CannotConnectNow("the database system is starting up"),
    pg.TooManyConnections("sorry, too many clients already"),
    pg.CrashShutdown("terminating connection because of crash of another server process"),
])
def test_postgresql_away_is_unavailable(original: Exception) -> None:
    assert classify(_wrapped(original)) is Fault.UNAVAILABLE
    problem = as_problem(_wrapped(original))
    assert problem is not None and problem.status == 503 and problem.extra["retry_after"] >= 1


def test_a_closed_connection_pool_timeout_and_disk_full() -> None:
    assert classify(_wrapped(psycopg.InterfaceError("the connection is closed"), InterfaceError,
                             invalidated=True)) is Fault.UNAVAILABLE
    assert classify(PoolTimeout("QueuePool limit of size 10 overflow 20 reached")) is Fault.UNAVAILABLE
    full = as_problem(_wrapped(pg.DiskFull("could not extend file: No space left on device")))
    assert full is not None and full.status == 507 and "磁盘已满" in full.detail


def test_errors_of_the_query_itself_stay_bugs() -> None:
    assert classify(IntegrityError("INSERT", {}, pg.UniqueViolation("duplicate key"))) is None
    assert classify(ProgrammingError("SELECT", {}, pg.UndefinedTable("relation does not exist"))) is None
    # a serialisation failure is the code's to retry, not the database being away
    assert classify(_wrapped(pg.SerializationFailure("could not serialize access"))) is None
    assert classify(ValueError("not a database error")) is None
