"""A replay report as people read it at the command line, in Chinese with English beside it."""

from __future__ import annotations

from typing import Any

_DIRECTION = {"more_generous": ("对买家更有利", "more generous to the buyer"),
              "stricter": ("对买家更严格", "stricter for the buyer"),
              "remedy_changed": ("处理方式改变", "remedy or postage changed")}


def render(report: dict[str, Any], *, window: str, elapsed: float) -> str:
    refund, comp = report["refund"], report["compensation"]
    lines = [
        f"规则回放 / policy replay: 草案 draft {report['draft_version']}，{window}",
        f"  工单 cases {report['cases']}，结论改变 changed {report['changed']}，不变 unchanged {report['unchanged']}"
        f"（用时 {elapsed:.1f} s）",
        "  方向 direction: " + "，".join(f"{_DIRECTION[k][0]} {k} {v}" for k, v in report["directions"].items()),
        f"  退款 refunds {refund['before']} → {refund['after']}（差额 difference {refund['difference']}）",
        f"  赔付 compensation {comp['before']} → {comp['after']}（差额 difference {comp['difference']}）",
        f"  成本差额合计 total cost difference {report['cost_difference']}",
    ]
    if report["baseline_substituted"]:
        lines.append(f"  注 note: {report['baseline_substituted']} 个工单的原规则版本已不在规则库中，按其下单日生效的版本比较"
                     f" / cases whose recorded version is no longer in the book, compared under the set in force")
    for change in report["changes"]:
        zh, en = _DIRECTION[change["direction"]]
        lines.append(f"  {change['from']} → {change['to']}: {change['cases']} 件 cases（{zh} / {en}），"
                     f"退款差额 refund difference {change['refund_difference']}")
        for example in change["examples"]:
            after = example["after"]
            lines.append(f"    例 e.g. {example['case_id']}: {example['before']['rule_id']} → {after['rule_id']}，"
                         f"{after['reason_zh']}")
    return "\n".join(lines)
