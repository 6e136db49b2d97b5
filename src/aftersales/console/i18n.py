"""The console's texts in zh-CN (default) and English: a catalogue file, the language of a request, a translator."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request

log = logging.getLogger(__name__)
CATALOGUE = Path(__file__).parent / "messages.toml"
LANGUAGES = ("zh-CN", "en")
LANG_COOKIE = "as_lang"


@lru_cache(maxsize=1)
def catalogue() -> Mapping[str, tuple[str, str]]:
    """Flattened `section.key` → (zh, en); a key without both texts is a mistake caught at load time."""
    raw = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    flat: dict[str, tuple[str, str]] = {}
    for section, entries in raw.items():
        for key, texts in entries.items():
            if not (isinstance(texts, list) and len(texts) == 2 and all(isinstance(x, str) and x for x in texts)):
                raise ValueError(f"messages.toml: {section}.{key} needs [zh, en]")
            flat[f"{section}.{key}"] = (texts[0], texts[1])
    return flat


def language_of(request: Request, default: str = "zh-CN") -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGUAGES else (default if default in LANGUAGES else "zh-CN")


@dataclass(frozen=True)
class Translator:
    lang: str

    @property
    def english(self) -> bool:
        return self.lang == "en"

    def __call__(self, key: str, /, **values: object) -> str:
        pair = catalogue().get(key)
        if pair is None:
            # a domain value without a label yet (a new state, a new actor): show the value, never a 500;
            # tests/unit/console checks every known value and every literal key of the templates
            log.warning("console text missing: %s", key)
            return key.rsplit(".", 1)[-1]
        zh, en = pair
        text = en if self.english else zh
        return text.format(**values) if values else text

    def pick(self, zh: str | None, en: str | None) -> str:
        """A domain text that comes as a (zh, en) pair, e.g. a progress step or an ETA."""
        return (en if self.english else zh) or zh or en or ""

    def label(self, pairs: Mapping[str, tuple[str, str]], key: str | None) -> str:
        if key is None:
            return ""
        pair = pairs.get(key)
        return self.pick(*pair) if pair else key
