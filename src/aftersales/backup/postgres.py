"""PostgreSQL: pg_dump in its custom format (one consistent snapshot, compressed, restorable table by table) and
pg_restore into the configured database, in one transaction so a failed restore changes nothing.

The client tools must be at least the server's major version (an older pg_dump refuses a newer server); Debian keeps
each version's tools under /usr/lib/postgresql/<major>/bin, which is searched before the PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from aftersales.backup import Archive, BackupRefused
from aftersales.backup.private_file import private_output
from aftersales.db import make_engine

#: a dump or restore of a large database takes a while, but one that hangs must end
TOOL_TIMEOUT_S = 6 * 3600

_USER_RELATIONS = text("""
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'""")


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The database URL as a libpq connection string for the tools, and the password for their environment
    (never on a command line, where `ps` shows it)."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    params: dict[str, str | int | None] = {"host": parsed.host, "port": parsed.port, "user": parsed.username,
                                           "dbname": parsed.database}
    for key, value in parsed.query.items():  # sslmode and the like pass through; a repeated key: the last
        params[key] = value if isinstance(value, str) else value[-1]
    conninfo = make_conninfo("", **{key: value for key, value in params.items() if value is not None})
    return conninfo, {"PGPASSWORD": parsed.password} if parsed.password else {}


@dataclass(frozen=True)
class _Server:
    major: int
    empty: bool
    revision: str | None
    cases: int | None


def _server(url: str) -> _Server:
    """The server's major version; whether the database holds any relation; its schema revision and cases."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            number = int(connection.execute(text("SHOW server_version_num")).scalar_one())
            empty = connection.execute(_USER_RELATIONS).scalar_one() == 0
            revision = cases = None
            if connection.execute(text("SELECT to_regclass('alembic_version')")).scalar():
                revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if connection.execute(text("SELECT to_regclass('cases')")).scalar():
                cases = connection.execute(text("SELECT count(*) FROM cases")).scalar()
    finally:
        engine.dispose()
    return _Server(number // 10000, empty, revision, cases)


def _major(tool: Path) -> int | None:
    done = subprocess.run([str(tool), "--version"], capture_output=True, text=True, check=False, timeout=30)
    found = re.search(r"\b(\d+)(?:\.\d+)?", done.stdout)
    return int(found[1]) if done.returncode == 0 and found else None


def client_tool(name: str, server_major: int) -> Path:
    """The `name` tool (pg_dump, pg_restore) of the server's major version or newer."""
    candidates = [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"),
                  *sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    seen: list[str] = []
    for tool in candidates:
        if not tool.is_file():
            continue
        major = _major(tool)
        if major is not None and major >= server_major:
            return tool
        seen.append(f"{tool} ({major})")
    raise BackupRefused(f"找不到 {server_major} 或更新版本的 {name}，请安装 PostgreSQL {server_major} 客户端工具 / "
                        f"no {name} of version {server_major} or newer (found: {', '.join(seen) or 'none'}); "
                        f"install the PostgreSQL {server_major} client tools")


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=TOOL_TIMEOUT_S,
                          env={**os.environ, **env})
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()][:8]
        raise BackupRefused(f"{what}失败 / {what} failed: {' | '.join(lines) or f'exit {done.returncode}'}")
    return done.stdout


def _listing(archive: Path, server_major: int) -> list[str]:
    """The archive's table of contents; refused when it is not a pg_dump custom-format archive."""
    tool = client_tool("pg_restore", server_major)
    try:
        listing = _run([str(tool), "--list", str(archive)], {}, "读取备份 / reading the archive ")
    except BackupRefused:
        raise BackupRefused(f"{archive} 不是 pg_dump 自定义格式备份 / {archive} is not a pg_dump custom-format "
                            "archive", field="PATH") from None
    return [line for line in listing.splitlines() if line and not line.startswith(";")]


def _check(archive: Path, listing: list[str]) -> None:
    if not any(" TABLE DATA " in line and " alembic_version " in line for line in listing):
        raise BackupRefused(f"{archive} 不是 aftersales 数据库的备份 / {archive} is not a backup of an aftersales "
                            "database", field="PATH")


def backup(url: str, out: Path, *, force: bool = False) -> Archive:
    server = _server(url)
    if server.empty:
        raise BackupRefused("数据库是空的，没有可备份的内容 / the database is empty: nothing to back up")
    conninfo, env = _libpq(url)
    tool = client_tool("pg_dump", server.major)
    with private_output(out, force=force) as scratch:
        _run([str(tool), "--format=custom", "--no-password", "--file", str(scratch), "--dbname", conninfo], env,
             "pg_dump ")
        _check(scratch, _listing(scratch, server.major))
    return Archive(str(out), out.stat().st_size, server.revision, server.cases)


def restore(archive: Path, url: str, *, force: bool = False) -> Archive:
    """Restore into the configured database (refused over a non-empty one without `force`)."""
    server = _server(url)
    _check(archive, _listing(archive, server.major))
    if not server.empty and not force:
        name = make_url(url).database
        raise BackupRefused(f"目标数据库非空：{name}；确认覆盖请加 --force / the database {name} is not empty; "
                            "--force replaces what the backup holds", field="--force")
    conninfo, env = _libpq(url)
    command = [str(client_tool("pg_restore", server.major)), "--no-password", "--no-owner", "--no-privileges",
               "--single-transaction", "--exit-on-error", "--dbname", conninfo]
    if not server.empty:
        command += ["--clean", "--if-exists"]  # drop what the backup recreates, inside the same transaction
    _run([*command, str(archive)], env, "pg_restore ")
    after = _server(url)
    return Archive(str(archive), archive.stat().st_size, after.revision, after.cases)
