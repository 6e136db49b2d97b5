"""Monthly statements: Shanghai-calendar months, per-account totals that reconcile, files Excel can open."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from aftersales.liability import statement as st


def _line(amount: str, account: str = "liability", at: datetime | None = None, entry: int = 1) -> st.Line:
    return st.Line(at or datetime(2026, 11, 5, tzinfo=UTC), entry, "case", "CS-1", "refund", "quality", account,
                   Decimal(amount), "产品质量问题")


def test_month_window_follows_the_shanghai_calendar() -> None:
    start, end = st.month_window("2026-11")
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert st.month_window("2026-12")[1] == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "11/2026", ""])
def test_bad_month_is_refused(month: str) -> None:
    with pytest.raises(st.MonthError):
        st.month_window(month)


def test_summary_reconciles_opening_movements_and_closing() -> None:
    lines = [_line("80.00"), _line("-30.00", entry=2), _line("-100.00", account="payable", entry=1)]
    result = st.build("BR", "品牌", "2026-11", lines, {"liability": Decimal("10.00")})
    liability = next(a for a in result.accounts if a.account == "liability")
    assert (liability.opening, liability.debits, liability.credits) == (Decimal("10.00"), Decimal("80.00"),
                                                                        Decimal("30.00"))
    assert liability.closing == Decimal("60.00")
    assert [a.account for a in result.accounts] == ["liability", "payable"]


def test_csv_has_debit_and_credit_columns_and_a_bom(tmp_path: Path) -> None:
    result = st.build("BR", "品牌", "2026-11", [_line("80.00"), _line("-80.00", account="payable")], {})
    path = st.write_csv(result, tmp_path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert [(row["debit"], row["credit"]) for row in rows] == [("80.00", "0.00"), ("0.00", "80.00")]
    assert rows[0]["account_zh"] == "承担责任"


def test_excel_has_a_summary_and_the_lines(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    result = st.build("BR", "品牌", "2026-11", [_line("80.00"), _line("19.90", entry=2)], {})
    book = load_workbook(st.write_excel(result, tmp_path))
    summary, detail = book.worksheets
    assert summary.cell(3, 1).value == "liability" and summary.cell(3, 5).value == pytest.approx(99.90)
    assert detail.max_row == 3
