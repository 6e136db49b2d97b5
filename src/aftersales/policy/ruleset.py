"""The schema of a rule file: a versioned rule set with its category tree, rules and adjustments.

Validation happens here once, at load time, so `decide` can trust every reference it follows.
"""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from aftersales.policy.facts import FIELD_NAMES
from aftersales.policy.vocabulary import (
    CaseType,
    Evidence,
    ItemState,
    Outcome,
    Party,
    Payer,
    Problem,
    Promise,
    Remedy,
)
from aftersales.problems import InvalidInput

RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
# Values a reason sentence may interpolate; see docs/policy.md.
PLACEHOLDERS = frozenset(
    {"days", "category", "paid", "refund", "compensation", "multiple", "min_days", "max_days", "hours",
     # price protection: the period and where it came from, the lower price, when and where it was offered
     "period", "period_source", "order_days", "unit_paid", "quantity", "drop_price", "drop_at", "drop_source"}
)
#: where a request stands against its price-protection period: none offered, still open, or over
PricePeriod = Literal["none", "open", "closed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(_Strict):
    zh: str
    en: str
    parent: str | None = None
    # Flags are inherited by every subcategory, e.g. "hygiene" or "no_reason_excluded".
    flags: tuple[str, ...] = ()


class Condition(_Strict):
    """All given conditions must hold (AND); an empty list or None means "any"."""

    categories: tuple[str, ...] = ()
    case_types: tuple[CaseType, ...] = ()
    problems: tuple[Problem, ...] = ()
    item_states: tuple[ItemState, ...] = ()
    min_days: int | None = Field(default=None, ge=0)
    max_days: int | None = Field(default=None, ge=0)
    delivered: bool | None = None
    tags_any: tuple[str, ...] = ()
    tags_none: tuple[str, ...] = ()
    promises_any: tuple[Promise, ...] = ()
    insured: bool | None = None
    claim_mismatch: bool | None = None
    #: price protection: the request against the period (base or promised) and whether a lower price was found
    price_period: PricePeriod | None = None
    price_drop: bool | None = None

    def size(self) -> int:
        """How many conditions are set: more conditions = a more specific rule."""
        return sum(1 for name in type(self).model_fields if getattr(self, name) not in ((), None))


class Effect(_Strict):
    outcome: Outcome
    remedy: Remedy | Literal["as_requested"] = Remedy.NONE
    # Used when remedy is "as_requested" but the case type asks for no remedy (complaint, allergy claim ...).
    remedy_default: Remedy = Remedy.RETURN_REFUND
    shipping_payer: Payer = Payer.NONE
    # Share of the paid amount refunded; None = all of it for refund remedies, nothing otherwise.
    refund_share: Decimal | None = Field(default=None, ge=0, le=1)
    compensation_multiple: Decimal = Field(default=Decimal(0), ge=0)
    compensation_min: Decimal = Field(default=Decimal(0), ge=0)
    #: "paid": refund_share of what was paid; "price_difference": what the buyer paid above the lowest
    #: comparable later price, per unit, times the units (never more than was paid)
    refund_basis: Literal["paid", "price_difference"] = "paid"

    @model_validator(mode="after")
    def _only_approvals_give(self) -> Self:
        gives = (
            self.remedy != Remedy.NONE
            or self.shipping_payer != Payer.NONE
            or (self.refund_share or 0) > 0
            or self.compensation_multiple > 0
            or self.compensation_min > 0
            or self.refund_basis != "paid"
        )
        if self.outcome != Outcome.APPROVE and gives:
            raise ValueError("only an approve outcome may carry a remedy, payer, refund or compensation")
        if self.outcome == Outcome.APPROVE and self.remedy == Remedy.NONE:
            raise ValueError("an approve outcome needs a remedy")
        return self


class _Sentence(_Strict):
    id: str = Field(pattern=RULE_ID)
    priority: int = 0
    fact: str
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check_sentences(self) -> Self:
        if self.fact not in FIELD_NAMES:
            raise ValueError(f"fact {self.fact!r} is not a facts field ({', '.join(FIELD_NAMES)})")
        for text in self.texts():
            _check_placeholders(text)
        return self

    def texts(self) -> tuple[str, ...]:
        return (self.zh, self.en)


class Rule(_Sentence):
    when: Condition = Condition()
    then: Effect
    # Any one of these is enough; without it the decision becomes needs_evidence.
    requires_evidence: tuple[Evidence, ...] = ()
    missing_zh: str | None = None
    missing_en: str | None = None

    @model_validator(mode="after")
    def _missing_texts(self) -> Self:
        if self.requires_evidence and not (self.missing_zh and self.missing_en):
            raise ValueError("a rule with requires_evidence needs missing_zh and missing_en")
        if self.requires_evidence and self.then.outcome != Outcome.APPROVE:
            raise ValueError("requires_evidence only makes sense on an approve outcome")
        return self

    def texts(self) -> tuple[str, ...]:
        return (self.zh, self.en, self.missing_zh or "", self.missing_en or "")


class AdjustWhen(_Strict):
    outcomes: tuple[Outcome, ...] = ()
    remedies: tuple[Remedy, ...] = ()
    shipping_payers: tuple[Payer, ...] = ()
    insured: bool | None = None


class Deadline(_Strict):
    """A duration counted from when the decision is made (case intake or evidence arrival)."""

    hours: int = Field(gt=0)
    party: Party
    action: str = Field(pattern=RULE_ID)


class AdjustThen(_Strict):
    shipping_payer: Payer | None = None
    deadline: Deadline | None = None


class Adjustment(_Sentence):
    """Applied after the decisive rule, to the decision it produced (payer swaps, deadlines)."""

    when: AdjustWhen = AdjustWhen()
    then: AdjustThen


class PriceProtection(_Strict):
    """The rule set's own price-protection period; an anchor's recorded promise (价保30天) may lengthen it."""

    #: 0 = the platform offers none of its own (SPEC §4 names none)
    base_days: int = Field(default=0, ge=0, le=365)
    #: a promise longer than this is held to it, so a typo in a live session cannot open a year-long period
    max_promised_days: int = Field(default=90, ge=0, le=365)


class RuleSet(_Strict):
    version: str = Field(min_length=1)
    effective_from: date
    title_zh: str
    title_en: str
    tag_aliases: dict[str, str] = {}
    categories: dict[str, Category]
    rules: tuple[Rule, ...]
    adjustments: tuple[Adjustment, ...] = ()
    price_protection: PriceProtection = PriceProtection()
    _paths: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._paths.update({cid: _path(cid, self.categories) for cid in self.categories})

    def lineage(self, category: str) -> tuple[str, ...]:
        """The category and its ancestors, nearest first; empty for an unknown category."""
        return self._paths.get(category, ())

    def flags(self, category: str) -> frozenset[str]:
        return frozenset(flag for cid in self.lineage(category) for flag in self.categories[cid].flags)


def _check_placeholders(text: str) -> None:
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            raise ValueError(f"unknown placeholder {{{name}}}; allowed: {', '.join(sorted(PLACEHOLDERS))}")


def _path(category: str, tree: dict[str, Category]) -> tuple[str, ...]:
    """Walks up to the root; stops early on a broken tree, which _check_references reports."""
    path = [category]
    while (parent := tree[path[-1]].parent) is not None and parent in tree and parent not in path:
        path.append(parent)
    return tuple(path)


class RuleFileError(InvalidInput):
    """A rule file that does not validate; names the file, the rule id and the field."""

    def __init__(self, source: str, rule_id: str | None, field: str, message: str) -> None:
        where_zh = f"规则 {rule_id} " if rule_id else ""
        where_en = f"rule {rule_id}, " if rule_id else ""
        super().__init__(
            f"规则文件 {source}：{where_zh}字段 {field}：{message} / "
            f"rule file {source}: {where_en}field {field}: {message}",
            field=field,
        )
        self.source = source
        self.rule_id = rule_id
        self.field_path = field


def build_ruleset(raw: dict[str, Any], source: str) -> RuleSet:
    """Validate a decoded rule file; the first problem found becomes a RuleFileError."""
    try:
        ruleset = RuleSet.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _error_at(raw, source, first["loc"], first["msg"]) from None
    _check_references(ruleset, source)
    return ruleset


def _error_at(raw: dict[str, Any], source: str, loc: tuple[Any, ...], msg: str) -> RuleFileError:
    rule_id = None
    if len(loc) >= 2 and loc[0] in ("rules", "adjustments") and isinstance(loc[1], int):
        entries = raw.get(loc[0])
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        rule_id = str(entry.get("id", f"#{loc[1] + 1}")) if isinstance(entry, dict) else f"#{loc[1] + 1}"
        loc = loc[2:]
    field = ".".join(str(part) for part in loc) or "(root)"
    return RuleFileError(source, rule_id, field, msg)


def _check_references(ruleset: RuleSet, source: str) -> None:
    for cid, category in ruleset.categories.items():
        if category.parent is not None and category.parent not in ruleset.categories:
            unknown = f"unknown category {category.parent!r}"
            raise RuleFileError(source, None, f"categories.{cid}.parent", unknown)
        top = ruleset.categories[ruleset.lineage(cid)[-1]]
        if top.parent is not None:
            raise RuleFileError(source, None, f"categories.{cid}.parent", "the category tree has a cycle")
    seen: set[str] = set()
    for entry in (*ruleset.rules, *ruleset.adjustments):
        if entry.id in seen:
            raise RuleFileError(source, entry.id, "id", "duplicate rule id")
        seen.add(entry.id)
    for rule in ruleset.rules:
        for cid in rule.when.categories:
            if cid not in ruleset.categories:
                raise RuleFileError(source, rule.id, "when.categories", f"unknown category {cid!r}")
        low, high = rule.when.min_days, rule.when.max_days
        if low is not None and high is not None and low > high:
            raise RuleFileError(source, rule.id, "when.min_days", "min_days is greater than max_days")
