"""Strict inputs: duplicate ids dropped and reported, and every empty indicator explained by what it lacks.

A duplicated case id would count one case twice in every share (the issue saw S5 move from 0.225 to 0.364);
duplicates are dropped (one row kept per id, the earliest) and the cleaning report says how many. An
indicator that has no data for any subject gets a cleaning entry naming the source columns behind it that
the source did not provide, so an empty indicator is never a silent mystery.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from aftersales.evaluation.cleaning import CleaningReport
from aftersales.evaluation.frames import since_case_floor
from aftersales.evaluation.periods import Period
from aftersales.evaluation.schema import SUBJECT_KEY
from aftersales.evaluation.sources import Source

if TYPE_CHECKING:
    import ibis

# the input columns each indicator reads besides the subject key (docs/evaluation-schema.md)
NEEDS: dict[str, tuple[str, ...]] = {
    "R1": ("cases.first_response_at",),
    # R2/R3 judge each tier by its own deadline column; a tier whose column is absent is left out (frames.py)
    "R2": ("cases.tier",),
    "R3": ("cases.tier",),
    "R4": ("cases.tier", "cases.first_human_response_at"),
    "R5": ("cases.first_response_at",),
    "E1": ("cases.case_type", "cases.resolved_at"),
    "E2": ("cases.case_type", "cases.resolved_at"),
    "E3": ("cases.handoffs",),
    "E4": ("cases.refunded_at",),
    "E5": ("cases.case_type", "cases.allergy_verified", "cases.medical_compensation"),
    "S1": ("surveys.nps",),
    "S2": ("surveys.csat",),
    "S3": ("cases.handoffs", "cases.resolved_at"),
    "S4": ("cases.buyer_id", "cases.order_id"),
    "S5": ("arbitration.case_id",),
    "C1": ("orders.live_session_id", "orders.product_id", "products.responsibility_list_published"),
    "C2": ("arbitration.decided_at",),
    "C3": ("cases.first_route_correct",),
    "C4": ("cases.handoffs", "cases.routing_loop"),
    "C5": ("claims.bound_to_order_terms",),
    "T1": ("cases.ai_class", "cases.confirmed_class"),
    "T2": ("live_sessions.evidence_hashed",),
    "T3": ("messages.author_role", "messages.quality_checked"),
    "T4": ("cases.tier", "cases.resolved_by_ai"),
    "M1": ("messages.author_role", "messages.sentiment"),
    "M2": ("cases.compensation_offered", "cases.compensation_accepted"),
    "M3": ("callbacks.satisfied",),
    "M4": ("cases.emotion", "cases.first_human_response_at"),
}
# the table whose subject key an indicator groups by
_GROUPED_BY = {"C1": "orders", "C5": "claims", "T2": "live_sessions"}
# (table, id column, the timestamp that bounds the rows a period can read)
CHILD_IDS = (("surveys", "survey_id", "submitted_at"), ("callbacks", "callback_id", "done_at"),
             ("arbitration", "arbitration_id", "requested_at"))


def _dedupe(table: ibis.Table, id_column: str, order: list[str]) -> ibis.Table:
    import ibis

    ranked = table.mutate(_dup_rank=ibis.row_number().over(group_by=table[id_column],
                                                             order_by=[table[c] for c in order]))
    return ranked.filter(ranked._dup_rank == 0).drop("_dup_rank")


def _duplicate_counts(tables: list[tuple[str, ibis.Table, str]]) -> dict[str, int]:
    """Rows minus distinct ids of each (name, table, id column): one query for all of them, not one each."""
    import ibis

    parts = [table.aggregate(rows=table.count(), ids=table[column].nunique()).mutate(table_name=ibis.literal(name))
             for name, table, column in tables]
    frame = (ibis.union(*parts) if len(parts) > 1 else parts[0]).execute()
    return {str(row.table_name): int(row.rows) - int(row.ids) for row in frame.itertuples()}


def drop_duplicate_ids(source: Source, period: Period, report: CleaningReport,
                       period_cases: ibis.Table) -> Source:
    """The source with duplicated ids dropped from the tables a period reads, each drop reported.

    `period_cases` holds the case_id of the period's cases (the cached keys): counting there is cheap, and
    only when it finds duplicates is the cases table deduplicated.
    """
    tables = dict(source.tables)
    checked = [("cases", period_cases, "case_id")]
    checked += [(name, since_case_floor(tables[name], period, stamp), id_column)
                for name, id_column, stamp in CHILD_IDS if name in tables]
    extra = _duplicate_counts(checked)
    if extra["cases"]:
        tables["cases"] = _dedupe(tables["cases"], "case_id", ["created_at", "first_response_at", "resolved_at"])
        _report(report, "cases", "case_id", extra["cases"])
    for name, id_column, stamp in CHILD_IDS:
        if extra.get(name):
            tables[name] = _dedupe(tables[name], id_column, [stamp])
            _report(report, name, id_column, extra[name])
    changed = any(extra.values())
    return dataclasses.replace(source, tables=tables) if changed else source


def _report(report: CleaningReport, table: str, column: str, rows: int) -> None:
    report.add(table, column, "dropped_duplicate_ids", rows,
               f"{table}.{column} 重复，保留最早的一行，丢弃 {rows} 行 / duplicate {column} values: the earliest "
               f"row kept, {rows} rows dropped")


def absent_columns(source: Source) -> frozenset[str]:
    return frozenset(f"{table}.{col}" for table, cols in source.absent.items() for col in cols)


def unmeasurable(source: Source, needs: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Indicators the source cannot measure, with the absent columns: read as NULL they would score a
    silent 0 (no first answer recorded reads as "not answered"), so they have no data instead."""
    out = {}
    for ind, columns in needs.items():
        missing = [col for col in columns if _absent(source, col)]
        if missing:
            out[ind] = missing
    return out


def explain_empty(report: CleaningReport, source: Source, subject_type: str, empty: list[str],
                  needs_of: Mapping[str, tuple[str, ...]]) -> None:
    """One entry per indicator without data for any subject, naming the absent columns behind it."""
    for ind in empty:
        needs = list(needs_of.get(ind, ()))
        key = SUBJECT_KEY.get(subject_type)
        if key is not None:
            needs.append(f"{_GROUPED_BY.get(ind, 'cases')}.{key}")
        missing = [col for col in needs if _absent(source, col)]
        if missing:
            zh = f"{ind} 无数据：数据源缺少 {', '.join(missing)}"
            en = f"no data for {ind}: the source lacks {', '.join(missing)}"
        else:
            zh = f"{ind} 无数据：所需列齐全，但本期没有在其范围内的行"
            en = f"no data for {ind}: its columns are there but no row of the period is in its scope"
        table, column = (missing[0].split(".", 1) if missing else (needs[0].split(".", 1) if needs else ("*", "*")))
        report.add(table, column, f"empty_indicator:{ind}", 0, f"{zh} / {en}")


def _absent(source: Source, qualified: str) -> bool:
    table, column = qualified.split(".", 1)
    return not source.has(table) or column in source.absent.get(table, set())
