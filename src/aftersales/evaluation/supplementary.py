"""Supplementary indicators (补充指标) as data: a TOML file adds indicators to the 28 without code.

```toml
[[indicator]]
id = "R6"                       # its first letter is its dimension (R E S C T M), like the 28
name_zh = "2小时内首次响应率"
name_en = "first responses within 2 h"
frame = "cases"                 # cases | surveys | callbacks | arbitration | claims | live_sessions
scope = "case_type in ['return_refund', 'exchange']"     # optional: the rows it counts
value = "hours(first_response_at, created_at) <= 2"      # per row: a condition (a share) or a number (a mean)
target = 0.9
floor = 0.5
unit = "share"                  # optional, for display
```

Expressions are a small, safe subset of Python compiled to Ibis (so they run on every engine): column
names of the frame, numbers, strings, `and`/`or`/`not`, comparisons, `in [...]`, `is None`, + - * /, and the
functions
hours/minutes/days(end, start), is_null(x), not_null(x), coalesce(x, default). Anything else is refused.
"""

from __future__ import annotations

import ast
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aftersales.evaluation import cleaning as cl
from aftersales.evaluation.catalogue import INDICATORS, IndicatorDef
from aftersales.evaluation.estimates import Kind
from aftersales.evaluation.measures import Measure
from aftersales.evaluation.scoring import dimension_of
from aftersales.problems import InvalidInput

if TYPE_CHECKING:
    import ibis

#: the file the API and the worker read when set (the CLI takes --indicators-file)
ENV_FILE = "AFTERSALES_EVALUATION_INDICATORS_FILE"
FRAMES = ("cases", "surveys", "callbacks", "arbitration", "claims", "live_sessions")
_UNITS = {"hours": cl.US_PER_HOUR, "minutes": cl.US_PER_MINUTE, "days": cl.US_PER_DAY}


@dataclass(frozen=True)
class Supplementary:
    specs: dict[str, IndicatorDef]
    measures: dict[str, Measure]
    kinds: dict[str, Kind]
    #: the frame columns each one reads, for the cleaning report of an empty indicator
    needs: dict[str, tuple[str, ...]]


EMPTY = Supplementary({}, {}, {}, {})


def _fail(ind: str, message: str) -> InvalidInput:
    return InvalidInput(f"补充指标 {ind}：{message} / supplementary indicator {ind}: {message}",
                        field=f"indicators.{ind}")


class _Compiler:
    """ast → a function of an Ibis table; names are checked against the table's columns when applied."""

    def __init__(self, ind: str) -> None:
        self.ind = ind
        self.names: set[str] = set()

    def compile(self, text: str) -> Callable[[ibis.Table], ibis.Value]:
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as exc:
            raise _fail(self.ind, f"表达式无法解析 / cannot parse {text!r}: {exc.msg}") from None
        self._check(tree.body)
        return lambda table: self._build(tree.body, table)

    def _check(self, node: ast.AST) -> None:
        allowed = (ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Compare, ast.Name, ast.Constant, ast.Call, ast.List,
                   ast.Tuple, ast.And, ast.Or, ast.Not, ast.USub, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Eq,
                   ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.Load)
        for child in ast.walk(node):
            if not isinstance(child, allowed):
                raise _fail(self.ind, f"不允许的表达式 / not allowed in an expression: {type(child).__name__}")
            if isinstance(child, ast.Call) and not (isinstance(child.func, ast.Name) and child.func.id in
                                                    {*_UNITS, "is_null", "not_null", "coalesce"}):
                raise _fail(self.ind, f"未知函数 / unknown function {ast.unparse(child.func)}")
        functions = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
        self.names |= {c.id for c in ast.walk(node) if isinstance(c, ast.Name)} - functions

    def _build(self, node: ast.AST, t: ibis.Table) -> Any:
        import ibis

        if isinstance(node, ast.Constant):
            return ibis.literal(node.value) if node.value is not None else ibis.null()
        if isinstance(node, ast.Name):
            if node.id not in t.columns:
                raise _fail(self.ind, f"列 {node.id} 不在该数据框中 / no column {node.id} (columns: "
                                      f"{', '.join(sorted(t.columns))})")
            return t[node.id]
        if isinstance(node, ast.BoolOp):
            parts = [self._build(v, t) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.UnaryOp):
            inner = self._build(node.operand, t)
            return ~inner if isinstance(node.op, ast.Not) else -inner
        if isinstance(node, ast.BinOp):
            a, b = self._build(node.left, t), self._build(node.right, t)
            ops = {ast.Add: a.__add__, ast.Sub: a.__sub__, ast.Mult: a.__mul__, ast.Div: a.__truediv__}
            return ops[type(node.op)](b)
        if isinstance(node, ast.Compare):
            return self._compare(node, t)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        args = [self._build(a, t) for a in node.args]
        return self._call(node.func.id, args)

    def _compare(self, node: ast.Compare, t: ibis.Table) -> Any:
        left = self._build(node.left, t)
        out = None
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.Is | ast.IsNot):
                if not (isinstance(right_node, ast.Constant) and right_node.value is None):
                    raise _fail(self.ind, "is 只能与 None 比较 / `is` compares with None only")
                part = left.isnull() if isinstance(op, ast.Is) else left.notnull()
            elif isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right_node, ast.List | ast.Tuple):
                    raise _fail(self.ind, "in 之后须为列表 / `in` needs a list of values")
                values = [ast.literal_eval(v) for v in right_node.elts]
                part = left.isin(values) if isinstance(op, ast.In) else left.notin(values)
            else:
                right = self._build(right_node, t)
                part = {ast.Eq: left == right, ast.NotEq: left != right, ast.Lt: left < right,
                        ast.LtE: left <= right, ast.Gt: left > right, ast.GtE: left >= right}[type(op)]
            out = part if out is None else out & part
        return out

    def _call(self, name: str, args: list[Any]) -> Any:
        import ibis

        if name in _UNITS:
            if len(args) != 2:
                raise _fail(self.ind, f"{name}(end, start) 需要两个参数 / takes two arguments")
            return cl.valid_delta(args[0], args[1]).cast("float64") / _UNITS[name]
        if name == "coalesce":
            return ibis.coalesce(*args)
        return args[0].isnull() if name == "is_null" else args[0].notnull()


def _one(raw: dict[str, Any]) -> tuple[IndicatorDef, Measure, Kind, tuple[str, ...]]:
    ind = str(raw.get("id", "")).upper()
    if not ind or ind in INDICATORS:
        raise _fail(ind or "?", "须有不与 28 项重复的 id / needs an id other than the 28 (e.g. R6)")
    try:
        dimension = dimension_of(ind)
    except ValueError:
        raise _fail(ind, "id 首字母须为维度 R/E/S/C/T/M / the id's first letter names its dimension") from None
    frame = str(raw.get("frame", "cases"))
    if frame not in FRAMES:
        raise _fail(ind, f"frame 须为 {', '.join(FRAMES)} / frame must be one of {', '.join(FRAMES)}")
    compiler = _Compiler(ind)
    value = compiler.compile(str(raw.get("value", "")))
    scope = compiler.compile(str(raw["scope"])) if raw.get("scope") else None
    kind = str(raw.get("kind", "rate" if str(raw.get("unit", "share")) == "share" else "mean"))
    if kind not in {"rate", "mean"}:
        raise _fail(ind, "kind 须为 rate 或 mean / kind must be rate or mean")
    try:
        target, floor = float(raw["target"]), float(raw["floor"])
    except (KeyError, TypeError, ValueError):
        raise _fail(ind, "须给出数值 target 与 floor / needs numeric target and floor") from None
    spec = IndicatorDef(ind, dimension, str(raw.get("name_zh", ind)), str(raw.get("name_en", ind)), target, floor,
                        str(raw.get("unit", "share" if kind == "rate" else "")))

    def define(t: ibis.Table) -> tuple[ibis.Value, ibis.Value]:
        import ibis

        x = value(t)
        inside = scope(t) if scope is not None else ibis.literal(True)
        return inside & x.notnull(), x.cast("float64")

    return spec, Measure(frame, define, kind=kind), Kind(kind), tuple(f"{frame}.{n}" for n in sorted(compiler.names))


def parse(data: dict[str, Any]) -> Supplementary:
    specs, measures, kinds, needs = {}, {}, {}, {}
    for raw in data.get("indicator", []):
        spec, measure, kind, cols = _one(dict(raw))
        if spec.id in specs:
            raise _fail(spec.id, "id 重复 / duplicate id")
        specs[spec.id], measures[spec.id], kinds[spec.id], needs[spec.id] = spec, measure, kind, cols
    return Supplementary(specs, measures, kinds, needs)


def load(path: Path | None = None) -> Supplementary:
    """The indicators of `path`, or of the file named by AFTERSALES_EVALUATION_INDICATORS_FILE, or none."""
    target = path or (Path(os.environ[ENV_FILE]) if os.environ.get(ENV_FILE) else None)
    if target is None:
        return EMPTY
    try:
        return parse(tomllib.loads(target.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"无法读取补充指标文件 / cannot read indicators file {target}: {exc}",
                           field="indicators") from None
