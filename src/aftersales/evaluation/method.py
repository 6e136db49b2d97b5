"""The statistical method's settings (method.toml): interval level, minimum samples, shrinkage, grading gates."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from aftersales.problems import InvalidInput

BUILTIN_FILE = Path(__file__).with_name("method.toml")


@dataclass(frozen=True)
class Method:
    level: float = 0.90
    min_rate: int = 30
    min_mean: int = 20
    min_by_indicator: dict[str, int] = field(default_factory=dict)
    #: below the minimum: "estimate" (the shrunken estimate enters the index, not the grade's coverage)
    #: or "exclude" (the indicator is left out, as CMS leaves out a measure below its minimum cases)
    small_samples: str = "estimate"
    max_prior_rows: float = 100.0
    min_subjects: int = 5
    min_dimensions: int = 3
    min_indicators: int = 6
    min_weight_coverage: float = 0.5
    max_half_width: float = 10.0

    def min_sample(self, indicator: str, kind: str) -> int:
        if indicator in self.min_by_indicator:
            return self.min_by_indicator[indicator]
        return self.min_rate if kind == "rate" else self.min_mean

    def describe(self) -> dict[str, Any]:
        """What the report states about the method it used."""
        return {"interval_level": self.level, "min_sample": {"rate": self.min_rate, "mean": self.min_mean,
                                                             **self.min_by_indicator},
                "small_samples": self.small_samples,
                "max_prior_rows": self.max_prior_rows, "min_subjects": self.min_subjects,
                "grading": {"min_dimensions": self.min_dimensions, "min_indicators": self.min_indicators,
                            "min_weight_coverage": self.min_weight_coverage,
                            "max_half_width": self.max_half_width}}


def _positive(value: Any, name: str, *, integer: bool = False) -> Any:
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"方法参数 {name} 须为数字 / method setting {name} must be a number", field=name) from None
    if number < 0:
        raise InvalidInput(f"方法参数 {name} 不能为负 / method setting {name} must not be negative", field=name)
    return number


def parse_method(data: dict[str, Any]) -> Method:
    sample = dict(data.get("min_sample", {}))
    per = {str(k).upper(): _positive(v, f"min_sample.indicator.{k}", integer=True)
           for k, v in dict(sample.pop("indicator", {})).items()}
    shrink, grading = data.get("shrinkage", {}), data.get("grading", {})
    level = float(data.get("interval", {}).get("level", 0.90))
    if not 0.5 <= level < 1:
        raise InvalidInput("区间置信水平须在 0.5–1 之间 / interval.level must be within 0.5–1", field="interval.level")
    below = str(sample.pop("below", "estimate"))
    if below not in {"estimate", "exclude"}:
        raise InvalidInput("min_sample.below 须为 estimate 或 exclude / min_sample.below must be estimate or exclude",
                           field="min_sample.below")
    return Method(
        level=level, small_samples=below,
        min_rate=_positive(sample.get("rate", 30), "min_sample.rate", integer=True),
        min_mean=_positive(sample.get("mean", 20), "min_sample.mean", integer=True),
        min_by_indicator=per,
        max_prior_rows=_positive(shrink.get("max_prior_rows", 100), "shrinkage.max_prior_rows"),
        min_subjects=_positive(shrink.get("min_subjects", 5), "shrinkage.min_subjects", integer=True),
        min_dimensions=_positive(grading.get("min_dimensions", 3), "grading.min_dimensions", integer=True),
        min_indicators=_positive(grading.get("min_indicators", 6), "grading.min_indicators", integer=True),
        min_weight_coverage=_positive(grading.get("min_weight_coverage", 0.5), "grading.min_weight_coverage"),
        max_half_width=_positive(grading.get("max_half_width", 10.0), "grading.max_half_width"),
    )


@lru_cache(maxsize=8)
def load_method(path: Path | None = None) -> Method:
    """The built-in method, or the one of a custom TOML file (same layout; absent keys keep the defaults)."""
    target = path or BUILTIN_FILE
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"无法读取方法文件 / cannot read method file {target}: {exc}", field="method") from exc
    return parse_method(data)
