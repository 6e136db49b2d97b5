"""`aftersales ledger`: monthly liability statements (CSV and Excel) and a trial balance."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from aftersales.cli_errors import fail, stderr

app = typer.Typer(help="责任账本 / Liability ledger", no_args_is_help=True)
console = Console()




def _db_problem(error: Exception) -> typer.Exit:
    # the driver's first line says what is wrong; the SQL text behind it only buries that
    cause = str(getattr(error, "orig", None) or error).splitlines()[0]
    return fail(f"无法读取数据库（是否已执行 aftersales db upgrade？）/ cannot read the database "
                 f"(run `aftersales db upgrade`?): {cause}")


@app.command()
def statement(
    party: Annotated[str, typer.Option("--party", help="主体ID / party id")],
    month: Annotated[str, typer.Option("--month", help="月份 YYYY-MM（上海日历）/ month, Shanghai calendar")],
    out: Annotated[Path, typer.Option("--out", help="输出目录 / output folder")] = Path("."),
) -> None:
    """导出主体月度责任对账单（CSV + Excel）/ export a party's monthly statement as CSV and Excel."""
    from aftersales.liability import service as liability_service
    from aftersales.liability import statement as statements
    from aftersales.problems import DomainError
    from aftersales.runtime import build_runtime

    try:
        runtime = build_runtime()
    except Exception as error:  # bad settings or key file: a message, never a traceback
        raise fail(f"无法启动 / cannot start: {error}") from None
    try:
        with runtime.session() as session:
            result = liability_service.statement(session, party, month)
        csv_path = statements.write_csv(result, out)
        xlsx_path = statements.write_excel(result, out)
    except DomainError as error:
        raise fail(error.detail) from None
    except OSError as error:
        raise fail(f"无法写入 / cannot write to {out}: {error}") from None
    except Exception as error:  # no database or no schema yet
        raise _db_problem(error) from None
    finally:
        runtime.close()
    console.print(f"{result.party_name} ({result.party_id}) {result.month}: {len(result.lines)} 笔 / lines")
    for account in result.accounts:
        label = statements.ACCOUNT_LABELS.get(account.account, (account.account, account.account))
        console.print(f"  {label[0]} / {label[1]}: 期初 opening {account.opening:.2f}, 借 debit "
                      f"{account.debits:.2f}, 贷 credit {account.credits:.2f}, 期末 closing {account.closing:.2f}")
    console.print(f"→ {csv_path}\n→ {xlsx_path}")


@app.command()
def check() -> None:
    """试算平衡：全部分录之和应为零 / trial balance: all postings must sum to zero (exit 1 if not)."""
    from aftersales.liability import service as liability_service
    from aftersales.runtime import build_runtime

    runtime = build_runtime()
    try:
        with runtime.session() as session:
            total = liability_service.trial_balance(session)
    except Exception as error:  # no database or no schema yet
        raise _db_problem(error) from None
    finally:
        runtime.close()
    if total != 0:
        stderr.print(f"[red]账不平 / books out of balance by {total}[/red]")
        raise typer.Exit(1)
    console.print("[green]借贷平衡 / the books balance (sum 0.00)[/green]")
