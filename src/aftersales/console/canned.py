"""Canned replies (searchable by pinyin) and macros, with variables filled from the case and its order."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from aftersales.cases.lifecycle import Action

SOURCE = Path(__file__).parent / "canned.toml"
VARIABLES = ("buyer", "order_id", "product", "amount", "refund_amount", "eta", "anchor", "shop", "case_id")


@dataclass(frozen=True)
class Canned:
    id: str
    title: tuple[str, str]
    text: tuple[str, str]

    @property
    def keys(self) -> str:
        """What the search box matches: the words, their full pinyin and their initials (退款 → tuikuan, tk)."""
        words = self.title[0] + self.text[0]
        full = "".join(lazy_pinyin(words))
        initials = "".join(lazy_pinyin(self.title[0], style=Style.FIRST_LETTER))
        return f"{self.title[0]}{self.title[1]}{self.text[0]} {full} {initials}".lower().replace(" ", "")


@dataclass(frozen=True)
class Macro:
    id: str
    title: tuple[str, str]
    reply: str
    action: Action
    tag: str


@dataclass(frozen=True)
class Library:
    replies: tuple[Canned, ...]
    macros: tuple[Macro, ...]

    def reply(self, reply_id: str) -> Canned | None:
        return next((r for r in self.replies if r.id == reply_id), None)

    def macro(self, macro_id: str) -> Macro | None:
        return next((m for m in self.macros if m.id == macro_id), None)


@lru_cache(maxsize=1)
def library() -> Library:
    raw = tomllib.loads(SOURCE.read_text(encoding="utf-8"))
    replies = tuple(Canned(r["id"], tuple(r["title"]), tuple(r["text"])) for r in raw.get("reply", []))
    known = {r.id for r in replies}
    macros = []
    for m in raw.get("macro", []):
        if m["reply"] not in known:
            raise ValueError(f"canned.toml: macro {m['id']} names an unknown reply {m['reply']}")
        macros.append(Macro(m["id"], tuple(m["title"]), m["reply"], Action(m["action"]), m["tag"]))
    for reply in replies:  # a typo in a variable name must fail here, not in front of a buyer
        for text in reply.text:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            if names - set(VARIABLES):
                raise ValueError(f"canned.toml: reply {reply.id} uses unknown variables {names - set(VARIABLES)}")
    return Library(replies, tuple(macros))


def fill(text: str, values: Mapping[str, str]) -> str:
    return text.format(**{name: values.get(name) or "—" for name in VARIABLES})
