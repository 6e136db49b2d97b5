"""`aftersales live`: verify a session's evidence chain in the database or in an exported file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from aftersales.cli_errors import fail

app = typer.Typer(help="直播存证 / Live-session promise evidence", no_args_is_help=True)
console = Console()




def _db_problem(error: Exception) -> typer.Exit:
    # the driver's first line says what is wrong; the SQL text behind it only buries that
    cause = str(getattr(error, "orig", None) or error).splitlines()[0]
    return fail(f"无法读取数据库（是否已执行 aftersales db upgrade？）/ cannot read the database "
                 f"(run `aftersales db upgrade`?): {cause}")


def _from_database(session_id: str) -> Any:
    from aftersales.live import service as live_service
    from aftersales.problems import DomainError
    from aftersales.runtime import build_runtime

    runtime = build_runtime()
    try:
        with runtime.session() as session:
            return live_service.verify(session, live_service.load_for_cli(session, session_id))
    except DomainError as error:
        raise fail(error.detail) from None
    except Exception as error:  # no database, no schema: say so, never a traceback
        raise _db_problem(error) from None
    finally:
        runtime.close()


def _from_file(path: Path) -> tuple[str, Any]:
    from aftersales.live import chain

    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        session_id, entries, root, count = chain.from_export(payload)
    except (OSError, ValueError) as error:
        raise fail(f"无法读取导出文件 / cannot read {path}: {error}") from None
    return session_id, chain.verify(session_id, entries, root, count)


@app.command()
def verify(
    session_id: Annotated[str | None, typer.Argument(help="直播场次ID / live session id")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="导出的存证链JSON / an exported chain")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出JSON / print JSON")] = False,
) -> None:
    """校验存证链，指出被篡改/插入/删除/调序的记录；有问题时退出码为1 / verify; exit 1 when tampered."""
    if (session_id is None) == (file is None):
        raise fail("请给出场次ID或 --file 之一 / give a session id or --file, not both")
    if file is not None:
        session_id, report = _from_file(file)
    else:
        report = _from_database(str(session_id))
    if as_json:
        console.print_json(data={"session_id": session_id, "ok": report.ok, "sealed": report.sealed,
                                 "count": report.count, "root_hash": report.root_hash,
                                 "issues": [issue.__dict__ for issue in report.issues]})
    else:
        _print_report(str(session_id), report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(session_id: str, report: Any) -> None:
    state = "已封存 / sealed" if report.sealed else "未封存，仅校验链接 / not sealed: links checked only"
    console.print(f"直播场次 / session {session_id}: {report.count} 条记录 / entries, {state}")
    if report.ok:
        console.print("[green]存证完整，未被篡改 / the chain is intact[/green]")
        return
    console.print(f"[red]发现 {len(report.issues)} 处问题 / {len(report.issues)} problems found[/red]")
    for issue in report.issues:
        console.print(f"  [{issue.kind}] {issue.message_zh} / {issue.message_en}")


@app.command()
def export(
    session_id: Annotated[str, typer.Argument(help="直播场次ID / live session id")],
    out: Annotated[Path, typer.Option("--out", help="输出文件 / output file")] = Path("live-chain.json"),
) -> None:
    """导出存证链供离线校验 / export a session's chain for offline verification."""
    from aftersales.live import service as live_service
    from aftersales.problems import DomainError
    from aftersales.runtime import build_runtime

    runtime = build_runtime()
    try:
        with runtime.session() as session:
            payload = live_service.export(session, live_service.load_for_cli(session, session_id))
        out.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    except DomainError as error:
        raise fail(error.detail) from None
    except OSError as error:
        raise fail(f"无法写入 / cannot write {out}: {error}") from None
    finally:
        runtime.close()
    console.print(f"已导出 / exported {len(payload['entries'])} 条 → {out}")
