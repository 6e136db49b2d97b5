"""CLI sub-app of the policy domain: decide a request, list the rule sets, check a rule file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from aftersales.problems import InvalidInput

app = typer.Typer(help="售后规则 / Return policy decisions", no_args_is_help=True)

EXIT_BAD_INPUT = 2
EXIT_BAD_RULES = 1

RULES_HELP = "规则文件或目录（默认内置规则）/ rule file or folder (default: packaged rules)"
FILE_HELP = "JSON 事实文件（默认标准输入）/ JSON facts file (default: stdin)"
CHECK_HELP = "要校验的 TOML 规则文件 / TOML rule file to validate"
RulesOption = Annotated[Path | None, typer.Option("--rules", help=RULES_HELP)]


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _read_facts_text(file: Path | None) -> str:
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except OSError as exc:
            message = f"无法读取 {file}：{exc.strerror} / cannot read {file}: {exc.strerror}"
            raise _fail(message, EXIT_BAD_INPUT) from None
    if sys.stdin.isatty():
        message = "请从标准输入或 --file 提供 JSON 事实 / give the JSON facts on stdin or with --file"
        raise _fail(message, EXIT_BAD_INPUT)
    return sys.stdin.read()


@app.command("decide")
def decide_command(
    file: Annotated[Path | None, typer.Option("--file", "-f", help=FILE_HELP)] = None,
    rules: RulesOption = None,
) -> None:
    """按下单时生效的规则判定售后申请 / Decide a request by the rules in force when it was ordered."""
    from aftersales.policy.facts import parse_facts
    from aftersales.policy.ruleset import RuleFileError
    from aftersales.policy.service import decide_for, load_rules

    text = _read_facts_text(file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(f"JSON 无效：{exc} / invalid JSON: {exc}", EXIT_BAD_INPUT) from None
    try:
        book = load_rules(rules)
    except RuleFileError as exc:
        raise _fail(exc.detail, EXIT_BAD_RULES) from None
    try:
        decision = decide_for(parse_facts(data), book)
    except InvalidInput as exc:
        raise _fail(exc.detail, EXIT_BAD_INPUT) from None
    typer.echo(json.dumps(decision.as_dict(), ensure_ascii=False, indent=2))


@app.command("rules")
def rules_command(rules: RulesOption = None) -> None:
    """列出规则集版本及生效日期 / List the rule set versions and their effective dates."""
    from aftersales.clock import SystemClock
    from aftersales.policy.ruleset import RuleFileError
    from aftersales.policy.service import load_rules

    try:
        book = load_rules(rules)
    except RuleFileError as exc:
        raise _fail(exc.detail, EXIT_BAD_RULES) from None
    today = SystemClock().now().date()
    current = book.for_date(today) if today >= book.versions[0].effective_from else None
    for version in book.versions:
        marker = "  ← 当前生效 / in force today" if version is current else ""
        typer.echo(
            f"{version.version}\t{version.effective_from.isoformat()}\t"
            f"{len(version.rules)} rules\t{version.title_zh} / {version.title_en}{marker}"
        )


@app.command("check")
def check_command(file: Annotated[Path, typer.Argument(help=CHECK_HELP)]) -> None:
    """校验规则文件 / Validate a rule file."""
    from aftersales.policy.ruleset import RuleFileError
    from aftersales.policy.service import read_rule_file

    try:
        ruleset = read_rule_file(file)
    except RuleFileError as exc:
        raise _fail(exc.detail, EXIT_BAD_RULES) from None
    typer.echo(
        f"规则文件有效 / rule file is valid: {file.name} version {ruleset.version}, "
        f"effective {ruleset.effective_from.isoformat()}, {len(ruleset.rules)} rules, "
        f"{len(ruleset.adjustments)} adjustments, {len(ruleset.categories)} categories"
    )
