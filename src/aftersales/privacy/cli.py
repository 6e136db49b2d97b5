"""`aftersales buyer export | erase` and `aftersales audit pii`: the operator's side of PIPL requests.

An operator at the command line has the database in hand: they act as a platform administrator, and the audit
log names them by their system user (`cli:<user>`).
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from aftersales.cli_errors import cli_errors, fail

if TYPE_CHECKING:
    from aftersales.security.principals import Principal

buyer_app = typer.Typer(help="买家个人信息（导出、删除）/ a buyer's personal data (export, erasure)",
                        no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / the audit log", no_args_is_help=True)
console = Console()


def _operator() -> Principal:
    from aftersales.security.principals import Principal, Role

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid (a container): still an operator
        user = "unknown"
    return Principal(role=Role.platform_admin, name=f"cli:{user}")


@buyer_app.command("export")
def export_command(buyer_id: Annotated[str, typer.Argument(help="买家ID / buyer id")],
                   out: Annotated[Path | None, typer.Option(help="写入文件（默认标准输出）/ write to a file (default: "
                                                                 "stdout)")] = None) -> None:
    """导出买家的全部个人信息（JSON，留审计）/ export everything held about a buyer (JSON; audited)."""
    from aftersales.db import unit_of_work
    from aftersales.migrate import upgrade
    from aftersales.privacy.erasure import find_buyer
    from aftersales.privacy.export import export_buyer
    from aftersales.runtime import build_runtime
    from aftersales.security.audit import DATA_EXPORT, Access

    runtime = build_runtime()
    with cli_errors():
        upgrade(runtime.settings.resolved_database_url())
        with unit_of_work(runtime.session_factory) as session:
            buyer = find_buyer(session, buyer_id)
            document = export_buyer(session, _operator(), buyer, runtime.pii_key, runtime.clock.now(),
                                    Access(purpose=DATA_EXPORT, route="cli aftersales buyer export"))
        text = json.dumps(document, ensure_ascii=False, indent=2)
        if out is None:
            typer.echo(text)
        else:
            # personal data on disk: readable by its owner only
            out.touch(mode=0o600, exist_ok=True)
            out.write_text(text + "\n", encoding="utf-8")
            console.print(f"已导出 / exported to {out}", markup=False)
    runtime.close()


@buyer_app.command("erase")
def erase_command(buyer_id: Annotated[str, typer.Argument(help="买家ID / buyer id")],
                  force: Annotated[bool, typer.Option(help="有未结工单也删除 / erase even with open cases")] = False,
                  yes: Annotated[bool, typer.Option("--yes", help="不再确认 / do not ask")] = False) -> None:
    """删除买家个人信息（匿名化：工单、订单与台账保留）/ erase a buyer's personal data (anonymised in place: cases,
    orders and the ledger stay). Cannot be undone."""
    from aftersales.db import unit_of_work
    from aftersales.migrate import upgrade
    from aftersales.privacy.erasure import erase_buyer, remove_files
    from aftersales.runtime import build_runtime
    from aftersales.security.audit import ERASURE, Access

    if not yes and not typer.confirm(f"删除买家 {buyer_id} 的个人信息，不可恢复 / erase buyer {buyer_id}'s personal "
                                     "data for good?"):
        raise fail("已取消 / cancelled", code=1)
    runtime = build_runtime()
    with cli_errors():
        upgrade(runtime.settings.resolved_database_url())
        with unit_of_work(runtime.session_factory) as session:
            report = erase_buyer(session, _operator(), buyer_id, runtime.pii_key, runtime.clock.now(),
                                 Access(purpose=ERASURE, route="cli aftersales buyer erase"), force=force)
        remove_files(runtime.files, report)
    runtime.close()
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))


def _moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"{name}: 不是 ISO 时间 / not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise fail(f"{name}: 时间须带时区（如 2026-11-11T00:00:00+08:00）/ timestamps need a time zone")
    return moment


@audit_app.command("pii")
def pii_command(subject: Annotated[str | None, typer.Option(help="买家ID / buyer id")] = None,
                role: Annotated[str | None, typer.Option(help="读取者角色 / reader's role")] = None,
                token_id: Annotated[int | None, typer.Option(help="令牌编号 / token id")] = None,
                account_id: Annotated[int | None, typer.Option(help="控制台账号编号 / console account id")] = None,
                action: Annotated[str | None, typer.Option(help="pii.read | pii.export | pii.erase")] = None,
                purpose: Annotated[str | None, typer.Option(help="用途 / purpose")] = None,
                since: Annotated[str | None, typer.Option(help="起（含，ISO 时间带时区）/ from, ISO 8601 with a time "
                                                               "zone")] = None,
                until: Annotated[str | None, typer.Option(help="止（不含）/ until (exclusive)")] = None,
                limit: Annotated[int, typer.Option(min=1, max=10_000, help="条数 / rows")] = 100,
                cursor: Annotated[str | None, typer.Option(help="下一页游标 / the next page's cursor")] = None,
                as_json: Annotated[bool, typer.Option("--json", help="JSON 行 / JSON lines")] = False) -> None:
    """个人信息访问记录，最新在前 / who read which buyer's personal data, newest first."""
    from aftersales.runtime import build_runtime
    from aftersales.security import audit

    filters = audit.AuditFilters(subject_id=subject, role=role, token_id=token_id, account_id=account_id,
                                 action=action, purpose=purpose, since=_moment(since, "--since"),
                                 until=_moment(until, "--until"))
    runtime = build_runtime()
    with cli_errors(), runtime.session() as session:
        rows, following = audit.entries(session, filters, cursor=cursor, limit=limit)
        lines: list[dict[str, Any]] = [
            {"id": r.id, "at": r.at.isoformat(), "action": r.action, "role": r.role, "actor": r.actor,
             "token_id": r.token_id, "account_id": r.account_id, "subject_id": r.subject_id,
             "fields": list((r.detail or {}).get("fields", [])), "purpose": r.purpose, "route": r.route}
            for r in rows]
    runtime.close()
    for line in lines:
        if as_json:
            typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            typer.echo(f"{line['at']}  {line['action']:<10} {line['role']:<14} {line['actor'] or '-':<20} "
                       f"{line['subject_id']:<16} {','.join(line['fields']):<20} {line['purpose']:<14} "
                       f"{line['route']}")
    if following:
        console.print(f"下一页 / next page: --cursor {following}", markup=False)
