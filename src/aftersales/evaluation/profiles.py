"""Weight profiles as data (profiles.toml or a custom TOML file) and the rule that picks one per subject."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aftersales.evaluation.scoring import DIMENSIONS
from aftersales.problems import InvalidInput

BUILTIN_FILE = Path(__file__).with_name("profiles.toml")


@dataclass(frozen=True)
class Profile:
    name: str
    name_zh: str
    name_en: str
    weights: dict[str, float]


@dataclass(frozen=True)
class ProfileChoice:
    profile: Profile
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class ProfileBook:
    profiles: dict[str, Profile]
    sensitive_skin_share: float
    priority: tuple[str, ...]

    def get(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles))
            raise InvalidInput(f"未知的权重方案 / unknown weight profile: {name} ({known})",
                               field="profile") from None


def derive_weights(base: Mapping[str, float], fixed: Mapping[str, float]) -> dict[str, float]:
    """Fix some dimensions; the others share the remainder in the base profile's proportions."""
    unknown = set(fixed) - set(DIMENSIONS)
    if unknown:
        raise InvalidInput(f"未知维度 / unknown dimensions: {sorted(unknown)}", field="profile")
    remainder = 1.0 - sum(fixed.values())
    if remainder < -1e-9:
        raise InvalidInput("固定权重之和超过 100% / fixed weights exceed 100%", field="profile")
    others = {d: base[d] for d in DIMENSIONS if d not in fixed}
    others_total = sum(others.values())
    weights = dict(fixed)
    for dim, w in others.items():
        weights[dim] = remainder * w / others_total if others_total else 0.0
    return {d: float(weights[d]) for d in DIMENSIONS}


def _build(name: str, table: Mapping[str, Any], raw: Mapping[str, Any], seen: tuple[str, ...]) -> Profile:
    if name in seen:
        raise InvalidInput(f"权重方案循环引用 / profile cycle: {' → '.join((*seen, name))}", field="profile")
    if "weights" in table:
        weights = {d: float(table["weights"].get(d, 0.0)) for d in DIMENSIONS}
        extra = set(table["weights"]) - set(DIMENSIONS)
        if extra:
            raise InvalidInput(f"未知维度 / unknown dimensions: {sorted(extra)}", field="profile")
    else:
        base_name = table.get("base", "base")
        if base_name not in raw:
            raise InvalidInput(f"未知的基础方案 / unknown base profile: {base_name}", field="profile")
        base = _build(base_name, raw[base_name], raw, (*seen, name))
        weights = derive_weights(base.weights, {k: float(v) for k, v in table.get("fixed", {}).items()})
    total = sum(weights.values())
    if total <= 0 or any(w < 0 for w in weights.values()):
        raise InvalidInput(f"权重方案 {name} 的权重无效 / invalid weights in profile {name}", field="profile")
    # custom files may give percentages or shares; the index renormalises anyway, so store shares
    weights = {d: w / total for d, w in weights.items()}
    return Profile(name, str(table.get("name_zh", name)), str(table.get("name_en", name)), weights)


def parse_book(data: Mapping[str, Any], fallback: ProfileBook | None = None) -> ProfileBook:
    raw = dict(fallback_raw(fallback)) if fallback else {}
    raw.update(data.get("profiles", {}))
    profiles = {name: _build(name, table, raw, ()) for name, table in raw.items()}
    selection = data.get("selection", {})
    return ProfileBook(
        profiles=profiles,
        sensitive_skin_share=float(selection.get(
            "sensitive_skin_gmv_share", fallback.sensitive_skin_share if fallback else 0.5)),
        priority=tuple(selection.get("priority", fallback.priority if fallback else
                                     ("promo", "sensitive_skin", "base"))),
    )


def fallback_raw(book: ProfileBook) -> dict[str, dict[str, Any]]:
    return {name: {"name_zh": p.name_zh, "name_en": p.name_en, "weights": dict(p.weights)}
            for name, p in book.profiles.items()}


def load_book(custom_file: Path | None = None) -> ProfileBook:
    """The built-in profiles, plus (and overridden by) those of a custom TOML file."""
    book = parse_book(tomllib.loads(BUILTIN_FILE.read_text(encoding="utf-8")))
    if custom_file is None:
        return book
    try:
        data = tomllib.loads(custom_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"无法读取权重文件 / cannot read profile file {custom_file}: {exc}",
                           field="profile") from exc
    return parse_book(data, fallback=book)


def choose_profile(book: ProfileBook, *, in_promo: bool, sensitive_skin_share: float | None,
                   forced: str | None = None, promo_names: tuple[str, ...] = ()) -> ProfileChoice:
    """The profile for one subject and period, with the reason in both languages."""
    if forced:
        p = book.get(forced)
        return ProfileChoice(p, f"由用户指定：{p.name_zh}", f"chosen by the user: {p.name_en}")
    share = sensitive_skin_share if sensitive_skin_share == sensitive_skin_share else None  # NaN → None
    candidates: dict[str, tuple[str, str]] = {}
    if in_promo and "promo" in book.profiles:
        which = "、".join(promo_names) or "618/双11"
        candidates["promo"] = (f"统计期与大促窗口（{which}）重叠",
                               f"the period overlaps a promotion window ({which})")
    if share is not None and share > book.sensitive_skin_share and "sensitive_skin" in book.profiles:
        candidates["sensitive_skin"] = (
            f"{share:.0%} 的 GMV 来自敏感肌商品（阈值 {book.sensitive_skin_share:.0%}）",
            f"{share:.0%} of GMV comes from 敏感肌 (sensitive-skin) products "
            f"(threshold {book.sensitive_skin_share:.0%})")
    for name in book.priority:
        if name in candidates:
            zh, en = candidates[name]
            also = [n for n in candidates if n != name]
            if also:
                zh += f"；同时符合 {', '.join(also)}，按优先级取 {name}"
                en += f"; also matches {', '.join(also)}, {name} wins by priority"
            return ProfileChoice(book.profiles[name], zh, en)
    return ProfileChoice(book.get("base"), "非大促期，且敏感肌商品 GMV 未过半",
                         "no promotion window and sensitive-skin products are not most of GMV")
