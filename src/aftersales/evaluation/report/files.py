"""Write every output of one evaluation into a folder: JSON, CSVs, the Excel workbook and the HTML page."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from aftersales.evaluation.report import tables
from aftersales.evaluation.report.excel import write_excel
from aftersales.evaluation.report.html import render


def stem(report: dict[str, Any]) -> str:
    return f"evaluation_{report['subject_type']}_{report['period']}"


def write_json(report: dict[str, Any], path: Path) -> Path:
    # allow_nan=False: a NaN slipping through would make the file unreadable by strict JSON parsers
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False), encoding="utf-8")
    return path


def write_csvs(report: dict[str, Any], folder: Path) -> list[Path]:
    written = []
    for name, rows in tables.sheets(report).items():
        if not rows:
            continue
        path = folder / f"{stem(report)}_{name}.csv"
        # utf-8-sig so Excel opens the Chinese text correctly when double-clicked
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


def write_all(report: dict[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    base = stem(report)
    paths = [write_json(report, folder / f"{base}.json")]
    paths += write_csvs(report, folder)
    paths.append(write_excel(report, folder / f"{base}.xlsx"))
    html_path = folder / f"{base}.html"
    html_path.write_text(render(report), encoding="utf-8")
    paths.append(html_path)
    return paths
