"""Judge a buyer's complaint or a lab's test report against the anchor's checkable claims. Pure.

Used for `not_as_described`: a measured share well below the claimed one is a mismatch; a buyer's word
alone makes it suspected (the policy then asks for a test report); an efficacy claim is missed when the
buyer used the product at least as long as promised and reports no effect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from aftersales.live.phrases import (
    NUMBER,
    CheckableClaim,
    EfficacyClaim,
    IngredientClaim,
    Library,
    load_library,
    normalise,
    parse_count,
)

Verdict = Literal["mismatch", "suspected", "consistent", "premature"]

#: a measurement within 10% (relative) of the claim is measurement noise, not a false claim
DEFAULT_TOLERANCE = Decimal("0.10")
_NO_EFFECT = (r"没(有)?(什么|一点|任何)?(效果|用|变化|作用)|无效|不管用|没见效|一点用都没有|毫无效果"
              r"|(效果|用|作用|变化)都没(有)?|没白|没变白|还是(一样|那样)")
_ABSENT = "(不含|没有|没含|检测不出|测不出|检不出)"
_SHORTFALL = r"(成分不对|成分造假|含量不(足|够|对)|虚标|假成分)"
_DURATION_UNITS = {"天": 1, "周": 7, "星期": 7, "个星期": 7, "个月": 30, "月": 30}


@dataclass(frozen=True)
class Finding:
    claim: CheckableClaim
    verdict: Verdict
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Judgement:
    findings: tuple[Finding, ...]

    @property
    def has_mismatch(self) -> bool:
        return any(finding.verdict == "mismatch" for finding in self.findings)

    @property
    def needs_evidence(self) -> bool:
        """Suspected but not proven: a test report would settle it."""
        return not self.has_mismatch and any(finding.verdict == "suspected" for finding in self.findings)


def days_used(text: str) -> int | None:
    """"用了14天", "用了两周", "用了一个月" → days; the longest duration the buyer mentions."""
    units = "|".join(sorted(_DURATION_UNITS, key=len, reverse=True))
    found = [
        (parse_count(match.group("n")) or 0) * _DURATION_UNITS[match.group("unit")]
        for match in re.finditer(rf"(?P<n>{NUMBER})(?P<unit>{units})", normalise(text))
    ]
    return max(found) if found else None


def judge(claims: Sequence[CheckableClaim], complaint: str, test_report: Mapping[str, Decimal] | None = None,
          *, used_days: int | None = None, tolerance: Decimal = DEFAULT_TOLERANCE,
          library: Library | None = None) -> Judgement:
    """One finding per claim the complaint or report speaks to; claims nobody disputes get none.

    `test_report` maps ingredient ids to measured percentages; `used_days` overrides what the text says.
    """
    lib = library or load_library()
    text = normalise(complaint)
    report = dict(test_report or {})
    days = used_days if used_days is not None else days_used(text)
    findings: list[Finding] = []
    for claim in claims:
        if isinstance(claim, IngredientClaim):
            finding = _judge_ingredient(claim, text, report.get(claim.ingredient_id), tolerance, lib)
        else:
            finding = _judge_efficacy(claim, text, days)
        if finding is not None:
            findings.append(finding)
    return Judgement(tuple(findings))


def _judge_ingredient(claim: IngredientClaim, text: str, measured: Decimal | None, tolerance: Decimal,
                      lib: Library) -> Finding | None:
    floor = claim.percent * (1 - tolerance)
    if measured is not None:
        if measured < floor:
            return Finding(claim, "mismatch",
                           f"检测报告显示{claim.name_zh}含量{measured}%，低于主播宣称的{claim.percent}%",
                           f"the test report measured {measured}% {claim.name_en}, "
                           f"below the claimed {claim.percent}%")
        return Finding(claim, "consistent",
                       f"检测报告显示{claim.name_zh}含量{measured}%，与宣称的{claim.percent}%相符",
                       f"the test report measured {measured}% {claim.name_en}, "
                       f"in line with {claim.percent}%")
    aliases = next(item.words for item in lib.ingredients if item.id == claim.ingredient_id)
    words = "|".join(re.escape(word) for word in aliases)
    stated = [
        Decimal(match.group("p"))
        for match in re.finditer(rf"({words})\D{{0,6}}?(?P<p>[0-9]+(\.[0-9]+)?)%", text)
    ]
    disputed = bool(stated and min(stated) < floor) or re.search(rf"{_ABSENT}({words})", text) is not None
    if disputed or re.search(_SHORTFALL, text):
        return Finding(claim, "suspected",
                       f"买家反映{claim.name_zh}含量与宣称的{claim.percent}%不符，需检测报告确认",
                       f"the buyer says the {claim.name_en} content is not the claimed {claim.percent}%; "
                       "a test report would confirm it")
    return None


def _judge_efficacy(claim: EfficacyClaim, text: str, days: int | None) -> Finding | None:
    if not re.search(_NO_EFFECT, text):
        return None
    if days is None:
        return Finding(claim, "suspected",
                       f"买家反映没有{claim.name_zh}效果，但未说明使用天数（宣称{claim.days}天见效）",
                       f"the buyer reports no {claim.name_en} but not for how long "
                       f"(claimed within {claim.days} days)")
    if days < claim.days:
        return Finding(claim, "premature",
                       f"买家使用{days}天，未满宣称的{claim.days}天{claim.name_zh}周期",
                       f"used for {days} days, less than the {claim.days} days claimed for {claim.name_en}")
    return Finding(claim, "mismatch",
                   f"买家已使用{days}天，超过宣称的{claim.days}天，仍无{claim.name_zh}效果",
                   f"used for {days} days, beyond the {claim.days} days claimed, with no {claim.name_en}")
