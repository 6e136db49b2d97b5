"""`aftersales db backup PATH` and `aftersales db restore PATH`, for the configured database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from aftersales.cli_errors import cli_errors
from aftersales.config import get_settings

console = Console()

KEY_NOTE = ("备份不含 PII 密钥：姓名、电话、地址须用同一密钥（AFTERSALES_PII_KEY 或 {key}）才能读出，请另行妥善保管 / "
            "the backup does not hold the PII key: names, phones and addresses can only be read with the same key "
            "(AFTERSALES_PII_KEY or {key}); keep it safe, apart from the backup")


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return Path(parsed.database or "") if parsed.get_backend_name() == "sqlite" else None


def backup_command(
    path: Annotated[Path, typer.Argument(help="备份文件 / the backup file to write (0600)")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件 / overwrite an existing file")] = False,
) -> None:
    """在线备份（服务可继续写入） / back up the database while the service runs: SQLite through its online
    backup API, PostgreSQL through pg_dump (custom format)."""
    from aftersales.backup import postgres, sqlite

    settings = get_settings()
    url = settings.resolved_database_url()
    database = _sqlite_path(url)
    with cli_errors():
        archive = (sqlite.backup(database, path, force=force) if database is not None
                   else postgres.backup(url, path, force=force))
    cases = f"，工单 cases {archive.cases}" if archive.cases is not None else ""
    console.print(f"[green]备份完成 / backup written[/green]: {archive.path} ({archive.size_bytes:,} bytes，"
                  f"结构版本 schema {archive.revision}{cases})", soft_wrap=True)
    if not settings.pii_key:
        console.print(KEY_NOTE.format(key=settings.data_dir / "pii.key"), soft_wrap=True)


def restore_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="备份文件 / the backup to restore")],
    force: Annotated[bool, typer.Option("--force", help="覆盖非空数据库 / replace a database that is not empty")]
    = False,
) -> None:
    """从备份恢复到当前配置的数据库（请先停止服务） / restore a backup into the configured database (stop the
    service first); a database that is not empty is refused without --force."""
    from aftersales.backup import postgres, sqlite

    url = get_settings().resolved_database_url()
    database = _sqlite_path(url)
    with cli_errors():
        archive = (sqlite.restore(path, database, force=force) if database is not None
                   else postgres.restore(path, url, force=force))
    console.print(f"[green]恢复完成 / restored[/green] {archive.path} → {url.split('@')[-1]} (结构版本 schema "
                  f"{archive.revision}；启动服务或 `aftersales db upgrade` 会迁移到最新 / serving or "
                  "`aftersales db upgrade` migrates it to the latest schema)", soft_wrap=True)
