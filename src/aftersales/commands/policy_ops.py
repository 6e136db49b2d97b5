"""`aftersales policy replay | publish | published`: what a draft rule set would change, and the one door
through which it goes live (these need the case and audit tables, so they sit above the policy domain)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aftersales.cli_errors import cli_errors, fail

if TYPE_CHECKING:
    from aftersales.policy.ruleset import RuleSet
    from aftersales.runtime import Runtime

DRAFT_HELP = "草案规则文件（TOML）/ draft rule file (TOML)"
EXIT_BAD_RULES = 1


def _read_draft(path: Path) -> tuple[str, RuleSet]:
    from aftersales.policy.ruleset import RuleFileError
    from aftersales.policy.service import read_rule_text

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"无法读取 {path}：{exc} / cannot read {path}: {exc}", EXIT_BAD_RULES) from None
    try:
        return text, read_rule_text(text, path.name)
    except RuleFileError as exc:
        raise fail(exc.detail, EXIT_BAD_RULES) from None


def _runtime() -> Runtime:
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime

    runtime = build_runtime()
    with cli_errors():
        upgrade(runtime.settings.resolved_database_url())
    return runtime


def replay_command(
    rules: Annotated[Path, typer.Option("--rules", help=DRAFT_HELP)],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="开始日 / first day (YYYY-MM-DD)")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="结束日（含）/ last day, inclusive")],
    examples: Annotated[int, typer.Option(min=0, max=20, help="每种变化的示例数 / examples per change")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print the report as JSON")] = False,
) -> None:
    """用草案规则重新判定窗口内的工单并与原规则对比 / Re-decide the window's cases under a draft, beside the rules
    that decided them."""
    from aftersales.cases.replay import Window, replay_window
    from aftersales.policy.replay_text import render

    _text, draft = _read_draft(rules)
    runtime = _runtime()
    with cli_errors():
        window = Window(start.date(), end.date())
        with runtime.session() as session:
            report = replay_window(session, draft, window, examples=examples)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        typer.echo(render(report, window=window.label(), elapsed=report["elapsed_seconds"]))


def publish_command(
    rules: Annotated[Path, typer.Argument(help=DRAFT_HELP)],
    by: Annotated[str, typer.Option("--by", help="发布人 / who publishes (recorded in the audit log)")],
    note: Annotated[str, typer.Option(help="发布说明 / why (recorded)")] = "",
) -> None:
    """发布规则草案：生效日须晚于今天，发布记入审计日志 / Publish a draft: it takes effect on its effective date
    (after today); the publication is audited."""
    from aftersales.db import unit_of_work
    from aftersales.policy.publishing import Publisher, publish

    if not by.strip():
        raise fail("--by 不能为空 / --by must name who publishes")
    text, _draft = _read_draft(rules)
    runtime = _runtime()
    with cli_errors(), unit_of_work(runtime.session_factory) as session:
        row = publish(session, text, rules.name, now=runtime.clock.now(), by=Publisher(by.strip()), note=note)
        version, effective, digest = row.version, row.effective_from, row.sha256
    typer.echo(f"已发布 / published {version}: 自 {effective.isoformat()} 起下单的订单按此规则判定 / judges orders "
               f"placed from {effective.isoformat()}; sha256 {digest[:16]}…，已记入审计日志 / audited")


def published_command() -> None:
    """已发布的规则版本 / Rule set versions published through `policy publish`."""
    from aftersales.policy.publishing import published

    runtime = _runtime()
    with runtime.session() as session:
        rows = published(session)
        for row in rows:
            typer.echo(f"{row.version}\t{row.effective_from.isoformat()}\t{row.published_at.isoformat()}\t"
                       f"{row.published_by}\t{row.sha256[:16]}\t{row.title_zh} / {row.title_en}")
    if not rows:
        typer.echo("尚无发布的规则版本 / nothing published yet")
