"""A party's monthly liability statement: the month window, the lines, the per-account summary, the files.

Months follow the Asia/Shanghai calendar (as the health index does); stored times stay UTC.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from aftersales.clock import FIRST_YEAR, LAST_YEAR, SHANGHAI, as_utc, format_shanghai, year_supported

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
ZERO = Decimal("0.00")

ACCOUNT_LABELS = {
    "liability": ("承担责任", "Liability borne"),
    "payout": ("先行赔付（现金）", "Paid to buyers (cash)"),
    "coupon": ("补偿券/积分", "Coupons and points issued"),
    "receivable": ("应收追偿", "Receivable (to recover)"),
    "payable": ("应付", "Payable"),
    "reserve": ("售后保证金（品牌）", "After-sales reserve (brand)"),
    "deposit": ("售后押金（供应商）", "After-sales deposit (supplier)"),
    "custody": ("代管资金（平台）", "Funds held (platform)"),
}
HEADER = ["posted_at_utc", "posted_at_shanghai", "entry_id", "entry_type", "case_id", "kind", "cause",
          "account", "account_zh", "debit", "credit", "memo"]


class MonthError(ValueError):
    pass


def month_window(month: str) -> tuple[datetime, datetime]:
    """"2026-11" → [start, end) in UTC, 00:00 Shanghai on the first of the month and of the next."""
    match = _MONTH.match(month)
    if match is None:
        raise MonthError(f"月份格式应为 YYYY-MM / month must be YYYY-MM, got {month!r}")
    year, number = int(match.group(1)), int(match.group(2))
    if not year_supported(year) or not 1 <= number <= 12:
        raise MonthError(f"月份超出范围（{FIRST_YEAR}–{LAST_YEAR}年） / month out of range: {month!r}")
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return _midnight_utc(first), _midnight_utc(following)


def _midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)


@dataclass(frozen=True)
class Line:
    posted_at: datetime
    entry_id: int
    entry_type: str
    case_id: str | None
    kind: str | None
    cause: str | None
    account: str
    amount: Decimal
    memo: str

    def as_row(self) -> list[str]:
        debit, credit = (self.amount, ZERO) if self.amount >= 0 else (ZERO, -self.amount)
        return [as_utc(self.posted_at).isoformat(), format_shanghai(self.posted_at) or "", str(self.entry_id),
                self.entry_type, self.case_id or "", self.kind or "", self.cause or "", self.account,
                ACCOUNT_LABELS.get(self.account, (self.account, ""))[0], f"{debit:.2f}", f"{credit:.2f}", self.memo]


@dataclass(frozen=True)
class AccountSummary:
    account: str
    opening: Decimal
    debits: Decimal
    credits: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debits - self.credits


@dataclass(frozen=True)
class Statement:
    party_id: str
    party_name: str
    month: str
    lines: tuple[Line, ...]
    accounts: tuple[AccountSummary, ...]


def build(party_id: str, party_name: str, month: str, lines: list[Line],
          opening: dict[str, Decimal]) -> Statement:
    accounts = sorted(set(opening) | {line.account for line in lines},
                      key=lambda kind: list(ACCOUNT_LABELS).index(kind) if kind in ACCOUNT_LABELS else 99)
    summaries = tuple(
        AccountSummary(kind, opening.get(kind, ZERO),
                       sum((line.amount for line in lines if line.account == kind and line.amount > 0), ZERO),
                       -sum((line.amount for line in lines if line.account == kind and line.amount < 0), ZERO))
        for kind in accounts
    )
    ordered = tuple(sorted(lines, key=lambda line: (as_utc(line.posted_at), line.entry_id)))
    return Statement(party_id, party_name, month, ordered, summaries)


def _summary_rows(statement: Statement) -> list[list[str]]:
    return [[kind.account, ACCOUNT_LABELS.get(kind.account, (kind.account, kind.account))[0],
             ACCOUNT_LABELS.get(kind.account, (kind.account, kind.account))[1], f"{kind.opening:.2f}",
             f"{kind.debits:.2f}", f"{kind.credits:.2f}", f"{kind.closing:.2f}"] for kind in statement.accounts]


SUMMARY_HEADER = ["account", "account_zh", "account_en", "opening", "debits", "credits", "closing"]


def write_csv(statement: Statement, folder: Path) -> Path:
    """UTF-8 with BOM, so Excel on a Chinese Windows opens the Chinese columns correctly."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"statement-{statement.party_id}-{statement.month}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(line.as_row() for line in statement.lines)
    return path


def write_excel(statement: Statement, folder: Path) -> Path:
    from openpyxl import Workbook

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"statement-{statement.party_id}-{statement.month}.xlsx"
    book = Workbook()
    summary = book.active
    summary.title = "汇总 Summary"
    summary.append([f"{statement.party_name} ({statement.party_id})", f"{statement.month}"])
    summary.append(SUMMARY_HEADER)
    for row in _summary_rows(statement):
        summary.append([*row[:3], *(_number(value) for value in row[3:])])
    detail = book.create_sheet("明细 Lines")
    detail.append(HEADER)
    for line in statement.lines:
        row = line.as_row()
        detail.append([*row[:9], _number(row[9]), _number(row[10]), row[11]])
    book.save(path)
    return path


def _number(text: str) -> float:
    # cents are exact in the CSV; Excel cells are numbers so that the reader can sum them
    return float(Decimal(text))
