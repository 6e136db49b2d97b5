"""`aftersales evaluate`: the health index run (JSON, CSV, Excel, HTML), plus `validate` and `profiles`.

Heavy imports (pandas, ibis, statsmodels, openpyxl) stay inside the commands so `aftersales --help` is fast.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from aftersales.clock import SystemClock, to_shanghai
from aftersales.problems import DomainError

app = typer.Typer(help="售后健康指数 / After-sales health index", pretty_exceptions_enable=False)

SubjectOpt = Annotated[str, typer.Option("--subject", "-s", help="anchor | brand | shop | mcn | platform")]
PeriodOpt = Annotated[str | None, typer.Option("--period", "-p", help="YYYY-MM 或 YYYY-Qn；默认上个月 / "
                                                                      "default: last month")]
SourceOpt = Annotated[str, typer.Option("--source", help="db | 数据文件夹 PATH | spark | spark://host:port")]
MappingOpt = Annotated[Path | None, typer.Option("--mapping", help="列名映射文件 / column mapping (YAML/TOML/JSON)")]
DataOpt = Annotated[Path | None, typer.Option("--data", help="Spark 读取的数据目录 / folder Spark reads "
                                                         "(with --source spark or spark://...)")]
DbOpt = Annotated[str | None, typer.Option("--database-url", help="覆盖配置的数据库 / override the database URL")]


def _default_period(now: datetime) -> str:
    local = to_shanghai(now)
    return f"{local.year - 1}-12" if local.month == 1 else f"{local.year}-{local.month - 1:02d}"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"错误 / error: {message}", err=True)
    return typer.Exit(code=2)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0]


def _run(subject: str, period: str | None, source: str, database_url: str | None, mapping: Path | None,
         data: Path | None = None, **options: Any) -> dict[str, Any]:
    from aftersales.evaluation import service

    now = SystemClock().now()
    opts = service.Options(subject_type=subject, period=period or _default_period(now), **options)
    if database_url is None and source == "db":
        from aftersales.config import get_settings

        database_url = get_settings().resolved_database_url()
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return service.evaluate(source, opts, generated_at=now, database_url=database_url, mapping=mapping,
                                data=data)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    except SQLAlchemyError as exc:
        first = _first_line(exc)
        raise _fail(f"无法读取数据库（是否已执行 aftersales db upgrade？）/ cannot read the database (has "
                    f"`aftersales db upgrade` been run?): {first}") from None
    except Exception as exc:  # the CLI boundary: a message and an exit code, never a traceback
        raise _fail(f"评估失败 / evaluation failed: {type(exc).__name__}: {_first_line(exc)}") from None


def _print_leaderboard(report: dict[str, Any], limit: int = 20) -> None:
    from rich.console import Console
    from rich.table import Table

    from aftersales.evaluation.report import texts as t

    table = Table(title=f"{t.both('title')} · {report['subject_type']} · {report['period']}")
    for key in ("rank", "subject", "index", "grade", "card", "risk", "profile", "coverage"):
        table.add_column(t.both(key))
    for row in report["leaderboard"][:limit]:
        name = str(row["name"]) + (" *" if row.get("low_coverage") else "")
        grade = row["grade"] or (t.zh("grade_short.insufficient_data")
                                 if row.get("grade_status") == "insufficient_data" else "—")
        index = "—" if row["index"] is None else f"{row['index']:.1f}"
        if row["index"] is not None and row.get("index_lower") is not None:
            index += f" [{row['index_lower']:.1f}–{row['index_upper']:.1f}]"
        table.add_row(str(row["rank"] or "—"), name, index, grade,
                      t.maybe("card_short", row["card"]), t.maybe("risk", row["risk"]), row["profile"],
                      f"{row['coverage']:.0%}")
    Console().print(table)
    if any(row.get("low_coverage") for row in report["leaderboard"]):
        typer.echo(f"* {t.both('low_coverage')}")
    if len(report["leaderboard"]) > limit:
        typer.echo(f"… 共 {len(report['leaderboard'])} 个主体 / {len(report['leaderboard'])} subjects in total")


def _print_what_if(report: dict[str, Any]) -> None:
    summary = report["effect"].get("what_if_summary")
    if summary and summary["subjects"]:
        outcomes = "; ".join(f"{o} {summary['mean_predicted_before'][o]:.3g} → {summary['mean_predicted_after'][o]:.3g}"
                             for o in summary["mean_predicted_before"])
        typer.echo(f"what-if 平均 / mean of {summary['subjects']}: 指数 / index {summary['mean_index_before']:.1f} → "
                   f"{summary['mean_index_after']:.1f}" + (f"; {outcomes}" if outcomes else ""))
    for s in report["subjects"]:
        wi = s.get("what_if")
        if not wi or wi["index_before"] is None:
            continue
        outcomes = "; ".join(f"{o} {wi['predicted_before'][o]:.3g} → {wi['predicted_after'][o]:.3g}"
                             for o in wi["predicted_before"])
        typer.echo(f"what-if {s['subject_id']}: 指数 / index {wi['index_before']:.1f} → "
                   f"{wi['index_after']:.1f}" + (f"; {outcomes}" if outcomes else ""))


@app.callback(invoke_without_command=True)
def evaluate(
    ctx: typer.Context,
    subject: SubjectOpt = "anchor",
    period: PeriodOpt = None,
    source: SourceOpt = "db",
    out: Annotated[Path, typer.Option("--out", help="输出目录 / output folder")] = Path("reports"),
    profile: Annotated[str | None, typer.Option("--profile", help="强制使用权重方案 / force a weight profile "
                                                                  "(base, promo, sensitive_skin, custom)")] = None,
    profile_file: Annotated[Path | None, typer.Option("--profile-file", help="自定义权重 TOML / custom "
                                                                             "profiles TOML")] = None,
    what_if: Annotated[list[str] | None, typer.Option("--what-if", help="如 E1=36（可重复）/ e.g. E1=36 "
                                                                        "(repeatable)")] = None,
    history: Annotated[int, typer.Option("--history", min=1, max=36, help="趋势月数 / months of trend")] = 12,
    validate: Annotated[bool, typer.Option("--validate/--no-validate", help="三方验证等 / run validation")] = True,
    min_coverage: Annotated[float, typer.Option("--min-coverage", min=0.0, max=1.0,
                                                help="参与排名的最低指标覆盖率（另需可评级）/ least share of "
                                                     "indicators with data to be ranked (besides being graded)")] = 0.0,
    mapping: MappingOpt = None,
    data: DataOpt = None,
    database_url: DbOpt = None,
    method_file: Annotated[Path | None, typer.Option("--method-file", help="统计方法参数 TOML（最小样本、收缩、评级门槛）"
                                                     " / method TOML (minimum samples, shrinkage, grading gates)")] = None,
    indicators_file: Annotated[Path | None, typer.Option("--indicators-file", help="补充指标 TOML / supplementary "
                                                         "indicators TOML")] = None,
) -> None:
    """计算健康指数并输出 JSON/CSV/Excel/HTML / Compute the health index and write JSON, CSV, Excel, HTML."""
    if ctx.invoked_subcommand is not None:
        return
    from aftersales.evaluation.effect import parse_what_if
    from aftersales.evaluation.indicators import INDICATORS
    from aftersales.evaluation.report.files import write_all

    try:
        overrides = parse_what_if(what_if or [], set(INDICATORS))
    except DomainError as exc:
        raise _fail(exc.detail) from None
    report = _run(subject, period, source, database_url, mapping, data, profile=profile, profile_file=profile_file,
                  what_if=overrides, history_months=history, validate=validate, min_rank_coverage=min_coverage,
                  method_file=method_file, indicators_file=indicators_file)
    try:
        paths = write_all(report, out)
    except OSError as exc:
        raise _fail(f"无法写入输出 / cannot write outputs to {out}: {exc}") from None
    _print_leaderboard(report)
    _print_what_if(report)
    for path in paths:
        typer.echo(f"已写入 / written: {path}")


@app.command("validate")
def validate_command(
    subject: SubjectOpt = "anchor",
    period: PeriodOpt = None,
    source: SourceOpt = "db",
    mapping: MappingOpt = None,
    data: DataOpt = None,
    database_url: DbOpt = None,
) -> None:
    """只运行验证（三方、盲测、校准、预测效度）/ Run only the validation checks and print their verdicts."""
    from aftersales.evaluation.report import texts as t

    report = _run(subject, period, source, database_url, mapping, data, history_months=1, validate=True)
    v = report["validation"]
    tri = v["triangulation"]
    typer.echo(f"{t.both('triangulation')}: {sum(1 for r in tri if r['flagged'])}/{len(tri)} "
               f"{t.both('flagged')}")
    for r in (r for r in tri if r["flagged"]):
        typer.echo(f"  {r['subject_id']} {r['indicator']}: platform {r['platform']:.1f} vs mystery "
                   f"{r['mystery_shopper'] if r['mystery_shopper'] is None else round(r['mystery_shopper'], 1)}"
                   f" / survey {r['survey'] if r['survey'] is None else round(r['survey'], 1)}")
    for r in v["panel"]:
        typer.echo(f"{t.both('panel')} {r['period']}: n={r['n']} Pearson={r['pearson']} "
                   f"Spearman={r['spearman']} → {t.both('verdict.' + str(r['verdict']))}")
    cal = [r for r in v["calibration"] if r["flagged"]]
    typer.echo(f"{t.both('calibration')}: {len(cal)}/{len(v['calibration'])} {t.both('flagged')} (> 20% QoQ)")
    for r in v["predictive_validity"]:
        typer.echo(f"{t.both('predictive')} {r['outcome']}: n={r['n']} Pearson={r['pearson']} "
                   f"→ {t.both('verdict.' + str(r['verdict']))}")


@app.command("profiles")
def profiles_command(
    profile_file: Annotated[Path | None, typer.Option("--profile-file", help="自定义权重 TOML")] = None,
) -> None:
    """列出权重方案 / List the weight profiles."""
    from aftersales.evaluation.profiles import load_book
    from aftersales.evaluation.scoring import DIMENSION_NAMES, DIMENSIONS

    try:
        book = load_book(profile_file)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    for name, p in book.profiles.items():
        weights = ", ".join(f"{DIMENSION_NAMES[d][0]} {p.weights[d]:.1%}" for d in DIMENSIONS)
        typer.echo(f"{name} ({p.name_zh} / {p.name_en}): {weights}")
