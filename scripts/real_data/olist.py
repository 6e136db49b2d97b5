"""Build the health index's input tables from the Olist Brazilian e-commerce CSV files.

Olist's public dataset (orders, items, reviews, customers, sellers; 2016-2018) is distributed as nine CSV files
named olist_*_dataset.csv. The recipe (docs/evaluation.md, "Real data") maps each *review* to an after-sales
case of the seller who shipped the order, the review score to a CSAT survey, and keeps the review score of the
*next* period aside as the outside truth:

| schema                  | Olist                                                                 |
| ----------------------- | --------------------------------------------------------------------- |
| cases.case_id           | review_id + seller_id (a review of an order shipped by two sellers counts for both) |
| cases.shop_id           | seller_id (subject type `shop`)                                        |
| cases.order_id          | order_id;  cases.buyer_id: customer_unique_id (one person, many orders) |
| cases.created_at        | review_creation_date (the survey is sent when the parcel arrives)      |
| cases.first_response_at | review_answer_timestamp                                                |
| cases.resolved_at       | order_delivered_customer_date when it is after the purchase            |
| cases.case_type, tier   | not mapped (NULL): Olist records neither                              |
| surveys.csat            | review_score (1-5)                                                     |
| orders                  | one row per (order, seller): placed_at = purchase time, amount = item prices |
| subjects                | sellers, named by city/state                                           |

Timestamps are São Paulo wall time: the mapping says `locale: brazil`, and they are stored as naive UTC here.
Usage: python scripts/real_data/olist.py OLIST_CSV_FOLDER OUT_FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

SAO_PAULO = "America/Sao_Paulo"


def _utc(text: pd.Series) -> pd.Series:
    local = pd.to_datetime(text, errors="coerce")
    return local.dt.tz_localize(SAO_PAULO, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert(
        "UTC").dt.tz_localize(None)


def read(folder: Path) -> dict[str, pd.DataFrame]:
    names = ("orders", "order_items", "order_reviews", "customers", "sellers")
    return {n: pd.read_csv(folder / f"olist_{n}_dataset.csv", dtype=str) for n in names}


def build(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    orders = raw["orders"].merge(raw["customers"][["customer_id", "customer_unique_id"]], on="customer_id",
                                 how="left")
    items = raw["order_items"].assign(price=lambda f: pd.to_numeric(f["price"], errors="coerce"))
    sold = items.groupby(["order_id", "seller_id"], as_index=False).agg(amount=("price", "sum"),
                                                                      product_id=("product_id", "first"))
    sold = sold.merge(orders, on="order_id", how="inner")
    reviews = raw["order_reviews"].drop_duplicates(["review_id", "order_id"]).merge(sold, on="order_id")
    placed = _utc(reviews["order_purchase_timestamp"])
    delivered = _utc(reviews["order_delivered_customer_date"])
    cases = pd.DataFrame({
        "case_id": reviews["review_id"] + ":" + reviews["seller_id"], "order_id": reviews["order_id"],
        "buyer_id": reviews["customer_unique_id"], "shop_id": reviews["seller_id"],
        "created_at": _utc(reviews["review_creation_date"]),
        "first_response_at": _utc(reviews["review_answer_timestamp"]),
        "resolved_at": delivered.where(delivered >= placed),
    })
    surveys = pd.DataFrame({"survey_id": cases["case_id"], "case_id": cases["case_id"],
                            "submitted_at": cases["first_response_at"],
                            "csat": pd.to_numeric(reviews["review_score"], errors="coerce").astype("Int64")})
    order_rows = pd.DataFrame({"order_id": sold["order_id"] + ":" + sold["seller_id"],
                               "buyer_id": sold["customer_unique_id"], "product_id": sold["product_id"],
                               "shop_id": sold["seller_id"], "placed_at": _utc(sold["order_purchase_timestamp"]),
                               "amount": sold["amount"]})
    sellers = raw["sellers"]
    subjects = pd.DataFrame({"subject_type": "shop", "subject_id": sellers["seller_id"],
                             "name": sellers["seller_city"].fillna("") + " / " + sellers["seller_state"].fillna("")})
    truth = pd.DataFrame({"shop_id": cases["shop_id"], "created_at": cases["created_at"],
                          "review_score": surveys["csat"].astype("float64")})
    return {"cases": cases.dropna(subset=["created_at"]), "surveys": surveys, "orders": order_rows,
            "subjects": subjects, "truth_reviews": truth}


def with_periods(truth: pd.DataFrame) -> pd.DataFrame:
    """The truth file compare.py reads: one row per review with its São Paulo month and quarter."""
    local = truth["created_at"].dt.tz_localize("UTC").dt.tz_convert(SAO_PAULO)
    months = truth.assign(period=local.dt.strftime("%Y-%m"))
    quarters = truth.assign(period=local.dt.year.astype(str) + "-Q" + local.dt.quarter.astype(str))
    return pd.concat([months, quarters], ignore_index=True)


def main(source: Path, out: Path) -> None:
    tables = build(read(source))
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if name == "truth_reviews":
            frame = with_periods(frame)
        frame.to_parquet(out / f"{name}.parquet", index=False)
    (out / "mapping.yaml").write_text("locale: brazil\n", encoding="utf-8")
    print(f"{len(tables['cases']):,} review cases of {tables['cases']['shop_id'].nunique():,} sellers → {out}")  # noqa: T201


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
