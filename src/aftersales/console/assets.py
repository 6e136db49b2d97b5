"""The console's static files: our own CSS/JS (in the repo) and the pinned npm libraries (installed by
scripts/bootstrap into static/vendor, git-ignored). URLs carry a content hash so browsers cache them safely."""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
VENDOR = ("vendor/htmx.min.js", "vendor/htmx-sse.min.js", "vendor/echarts.min.js")


def missing_vendor_files() -> list[str]:
    return [name for name in VENDOR if not (STATIC / name).is_file()]


def report_missing() -> None:
    missing = missing_vendor_files()
    if missing:
        log.error("console assets missing (%s): run scripts/bootstrap (npm ci from package-lock.json)",
                  ", ".join(missing))


@lru_cache(maxsize=64)
def _digest(name: str) -> str:
    path = STATIC / name
    if not path.is_file():
        return "missing"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    return f"/static/{name}?v={_digest(name)}"
