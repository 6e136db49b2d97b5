"""Reading labelled messages: the shipped corpus splits, or a user's JSONL/TSV file for `evaluate`."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from aftersales.problems import InvalidInput

CORPUS_DIR: Final = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    emotion: str | None = None
    risk_flags: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    heldout: bool = False  # written from phrasings kept out of training
    categories: tuple[str, ...] = ()  # every problem the message names, primary first (multi-issue)


def load_split(split: str, directory: Path = CORPUS_DIR) -> list[Example]:
    """One of the fixed corpus splits: train, dev or test."""
    return read_labelled(directory / f"{split}.jsonl")


def read_labelled(path: Path) -> list[Example]:
    """JSONL (one object per line) or TSV with a header; needs `text` and `category`, `emotion` optional."""
    if not path.exists():
        raise InvalidInput(f"文件不存在 / file not found: {path}", field="file")
    with path.open(encoding="utf-8") as fh:
        rows = list(_tsv_rows(fh) if path.suffix.lower() in (".tsv", ".tab") else _jsonl_rows(fh))
    return [_example(row, i) for i, row in enumerate(rows, start=1)]


def _jsonl_rows(lines: Iterable[str]) -> Iterator[dict[str, object]]:
    for n, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"第{n}行不是合法JSON / line {n} is not valid JSON: {exc.msg}", field="file") from exc


def _tsv_rows(lines: Iterable[str]) -> Iterator[dict[str, object]]:
    yield from csv.DictReader(lines, delimiter="\t")


def _example(row: dict[str, object], n: int) -> Example:
    text, category = row.get("text"), row.get("category")
    if not isinstance(text, str) or not isinstance(category, str) or not category:
        raise InvalidInput(f"第{n}条缺少 text 或 category / record {n} lacks text or category", field="file")
    emotion = row.get("emotion")
    return Example(
        text=text, category=category, emotion=emotion if isinstance(emotion, str) and emotion else None,
        risk_flags=tuple(row.get("risk_flags") or ()),  # type: ignore[arg-type]
        symptoms=tuple(row.get("symptoms") or ()),  # type: ignore[arg-type]
        heldout=bool(row.get("heldout", False)),
        categories=_categories(row, category),
    )


def _categories(row: dict[str, object], category: str) -> tuple[str, ...]:
    listed = row.get("categories")
    second = row.get("secondary")
    names = [str(c) for c in listed] if isinstance(listed, list) else [category]
    if isinstance(second, str) and second:
        names.append(second)
    return tuple(dict.fromkeys([category, *names]))
