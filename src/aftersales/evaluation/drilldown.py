"""Drill-down: the rows behind each indicator of each subject (case ids, or product/claim/session ids).

Computed with the snapshot, from the same frames and scope definitions as the indicators, so the ids are
exactly the rows counted in n. Each subject and indicator keeps its `LIMIT` least favourable rows (the ones
that pulled the score down: a missed deadline, the longest durations), which is what a supervisor opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aftersales.evaluation.catalogue import INDICATORS
from aftersales.evaluation.frames import FRAME_TABLES, FRAMES, Context
from aftersales.evaluation.measures import MEASURES, scoped_columns

if TYPE_CHECKING:
    import pandas as pd

    from aftersales.evaluation.sources import Source

LIMIT = 50
# the id that names a row of each frame
ROW_ID = {"live_products": "product_id", "claims": "claim_id", "live_sessions": "session_id"}
# a frame this large is not materialised for drill-down (the snapshot keeps the scores without it)
MAX_ROWS = 2_000_000

Drill = dict[str, dict[str, dict[str, Any]]]


def _frame_rows(source: Source, ctx: Context, frame_name: str, inds: list[str]) -> pd.DataFrame | None:
    if any(not source.has(t) for t in FRAME_TABLES[frame_name]):
        return None
    frame = FRAMES[frame_name](source, ctx)
    if frame is None:
        return None
    id_column = ROW_ID.get(frame_name, "case_id")
    columns: dict[str, Any] = {}
    for ind in inds:
        columns |= {k: v for k, v in scoped_columns(ind, frame).items() if k.endswith("__x")}
    narrow = frame.select("sid", row_id=frame[id_column].cast("string"), **columns)
    narrow = narrow.filter(narrow.sid.notnull())
    if int(narrow.count().execute()) > MAX_ROWS:
        return None
    return narrow.execute()


def _worst_first(rows: pd.DataFrame, ind: str) -> pd.DataFrame:
    spec = INDICATORS[ind]
    lower_is_better = spec.target < spec.floor
    return rows.sort_values(f"{ind}__x", ascending=not lower_is_better, kind="stable")


def collect(source: Source, ctx: Context, limit: int = LIMIT) -> Drill:
    """{subject_id: {indicator: {"rows": n, "ids": [least favourable ids], "id_kind": ...}}}."""
    by_frame: dict[str, list[str]] = {}
    for ind, measure in MEASURES.items():
        by_frame.setdefault(measure.frame, []).append(ind)
    out: Drill = {}
    for frame_name, inds in by_frame.items():
        rows = _frame_rows(source, ctx, frame_name, inds)
        if rows is None:
            continue
        for ind in inds:
            scoped = rows[rows[f"{ind}__x"].notna()]
            for sid, group in scoped.groupby("sid", sort=False):
                worst = _worst_first(group, ind).head(limit)
                out.setdefault(str(sid), {})[ind] = {
                    "rows": len(group), "id_kind": ROW_ID.get(frame_name, "case_id"),
                    "ids": worst["row_id"].astype(str).tolist(),
                    "values": [float(v) for v in worst[f"{ind}__x"].tolist()]}
    return out


def attach(report: Mapping[str, Any], drill: Drill) -> None:
    """Put each subject's drill-down beside its indicators (the snapshot stores it per subject)."""
    for subject in report["subjects"]:
        own = drill.get(str(subject["subject_id"]), {})
        for row in subject["indicators"]:
            row["drilldown"] = own.get(row["id"], {"rows": 0, "ids": [], "values": []})
