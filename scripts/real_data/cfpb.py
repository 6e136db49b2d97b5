"""Build the health index's input tables from the CFPB Consumer Complaint Database (complaints.csv).

The US Consumer Financial Protection Bureau publishes every complaint it forwards to a company, with the
company, the dates, the company's response, whether it was timely, and (until April 2017) whether the
consumer disputed it. Each complaint maps onto an after-sales case of its company (subject type `brand`):

| schema                  | complaints.csv                                                        |
| ----------------------- | --------------------------------------------------------------------- |
| cases.case_id           | Complaint ID                                                          |
| cases.brand_id          | Company                                                               |
| cases.created_at        | Date received (a date: noon US Eastern)                               |
| cases.first_response_at | Date sent to company, when the company answered in time: CFPB's "timely response" is an answer within 15 days of that |
| cases.resolved_at       | not mapped: CFPB publishes no closing date                            |
| arbitration             | one request per complaint the consumer disputed ("Consumer disputed?" = Yes), on its date received |
| subjects                | the companies                                                         |

The outside truth kept beside the tables is each company's share of timely responses per period. Only
Timely response and Consumer disputed are outcomes; S5 reads the disputes, R1 the forwarding delay.
Usage: python scripts/real_data/cfpb.py complaints.csv OUT_FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

EASTERN = "America/New_York"


def _noon_utc(dates: pd.Series) -> pd.Series:
    day = pd.to_datetime(dates, errors="coerce") + pd.Timedelta(hours=12)
    return day.dt.tz_localize(EASTERN, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert(
        "UTC").dt.tz_localize(None)


def build(raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    raw = raw.dropna(subset=["Complaint ID", "Company", "Date received"])
    received = _noon_utc(raw["Date received"])
    sent = _noon_utc(raw["Date sent to company"])
    ids = raw["Complaint ID"].astype(str)
    cases = pd.DataFrame({"case_id": ids, "brand_id": raw["Company"].astype(str), "created_at": received,
                          "first_response_at": sent})
    disputed = raw["Consumer disputed?"].astype(str).str.lower().eq("yes")
    arbitration = pd.DataFrame({"arbitration_id": ids[disputed], "case_id": ids[disputed],
                                "requested_at": received[disputed]})
    companies = sorted(cases["brand_id"].unique())
    subjects = pd.DataFrame({"subject_type": "brand", "subject_id": companies, "name": companies})
    local = received.dt.tz_localize("UTC").dt.tz_convert(EASTERN)
    timely = raw["Timely response?"].astype(str).str.lower().eq("yes").astype(float)
    truth = pd.concat([
        pd.DataFrame({"brand_id": cases["brand_id"], "period": local.dt.strftime("%Y-%m"), "timely": timely}),
        pd.DataFrame({"brand_id": cases["brand_id"],
                      "period": local.dt.year.astype(str) + "-Q" + local.dt.quarter.astype(str), "timely": timely}),
    ], ignore_index=True)
    return {"cases": cases, "arbitration": arbitration, "subjects": subjects, "truth_timely": truth}


def main(source: Path, out: Path) -> None:
    tables = build(pd.read_csv(source, dtype=str))
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    (out / "mapping.yaml").write_text("locale: united_states\n", encoding="utf-8")
    print(f"{len(tables['cases']):,} complaints of {tables['subjects'].shape[0]:,} companies → {out}")  # noqa: T201


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
