"""Run the health index over a real-data folder and score its ranking against an outside truth.

    # evaluate each period with whichever aftersales is importable (PYTHONPATH=<old checkout>/src for "before")
    python scripts/real_data/compare.py run FOLDER --subject shop --period 2013-Q1 --period 2013-Q2 --out after.json
    # Spearman of each period's index with the truth of the same and of the next period, grade counts
    python scripts/real_data/compare.py score before.json after.json --truth FOLDER/truth_arrivals.parquet \
        --key shop_id --value on_time

The truth file has one row per event with the subject key, `period` and a 0/1 or numeric value; the truth
of a subject and period is its mean, kept only for subjects with at least `--min-truth` events.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def run(folder: Path, subject: str, periods: list[str], mapping: Path | None, out: Path) -> None:
    from aftersales.evaluation import service

    result: dict[str, Any] = {}
    for period in periods:
        options = service.Options(subject_type=subject, period=period, validate=False, history_months=3)
        kwargs = {"mapping": str(mapping)} if mapping else {}
        report = service.evaluate(str(folder), options, generated_at=datetime.now(UTC), **kwargs)
        result[period] = {s["subject_id"]: {"index": s["index"], "grade": s["grade"],
                                            "status": s.get("grade_status", "graded" if s["grade"] else "no_data"),
                                            "card": s["card"], "risk": s["forecast"]["risk"]}
                          for s in report["subjects"]}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def _next(period: str) -> str:
    year, q = period.split("-Q")
    return f"{int(year) + 1}-Q1" if q == "4" else f"{year}-Q{int(q) + 1}"


def score(runs: list[Path], truth_file: Path, key: str, value: str, min_truth: int) -> dict[str, Any]:
    import pandas as pd
    from scipy import stats

    truth = pd.read_parquet(truth_file)
    grouped = truth.groupby([key, "period"])[value].agg(["mean", "count"]).reset_index()
    grouped = grouped[grouped["count"] >= min_truth]
    table = {(str(r[key]), str(r["period"])): float(r["mean"]) for _, r in grouped.iterrows()}
    out: dict[str, Any] = {}
    for path in runs:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows: dict[str, Any] = {}
        for period, subjects in data.items():
            row: dict[str, Any] = {"grades": dict(Counter(s["grade"] or s["status"] for s in subjects.values())),
                                   "cards": dict(Counter(s["card"] for s in subjects.values() if s["card"])),
                                   "risk": dict(Counter(s["risk"] for s in subjects.values() if s["risk"]))}
            for label, target in (("same", period), ("next", _next(period))):
                pairs = [(s["index"], table[(sid, target)]) for sid, s in subjects.items()
                         if s["index"] is not None and (sid, target) in table]
                if len(pairs) >= 3:
                    rho, p = stats.spearmanr([a for a, _ in pairs], [b for _, b in pairs])
                    row[f"spearman_{label}"] = {"rho": round(float(rho), 3), "p": float(p), "n": len(pairs)}
            rows[period] = row
        out[path.stem] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("folder", type=Path)
    r.add_argument("--subject", default="shop")
    r.add_argument("--period", action="append", required=True)
    r.add_argument("--mapping", type=Path)
    r.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("runs", type=Path, nargs="+")
    s.add_argument("--truth", type=Path, required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--value", required=True)
    s.add_argument("--min-truth", type=int, default=10)
    args = parser.parse_args()
    if args.command == "run":
        run(args.folder, args.subject, args.period, args.mapping, args.out)
    else:
        print(json.dumps(score(args.runs, args.truth, args.key, args.value, args.min_truth), indent=1))  # noqa: T201


if __name__ == "__main__":
    main()
