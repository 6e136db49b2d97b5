"""Deterministic synthetic input-schema data (good and bad anchors, a 双11 peak), written as Parquet.

Vectorised with NumPy and written chunk by chunk with Arrow, so 10 million cases fit in a few hundred MB
of memory. The same seed and sizes give the same files; a finished folder is reused (`_SUCCESS.json`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aftersales.evaluation.periods import month_range, parse_period
from aftersales.evaluation.schema import TABLES

US_PER_MIN = 60_000_000
US_PER_HOUR = 60 * US_PER_MIN
US_PER_DAY = 24 * US_PER_HOUR
CASE_TYPES = np.array(
    ["refund_only", "return_refund", "exchange", "repair", "complaint", "allergy", "price_protection"]
)
CASE_TYPE_P = np.array([0.25, 0.28, 0.10, 0.05, 0.15, 0.07, 0.10])
CLASSES = np.array(
    [
        "logistics",
        "quality",
        "refund",
        "size_fit",
        "claim_mismatch",
        "counterfeit",
        "allergy",
        "missing_gift",
        "transit_damage",
        "price_protection",
        "virtual_goods",
        "other",
    ]
)
# cases per month relative to an ordinary month: 618 in June, the 双11 peak in November
MONTH_WEIGHT = {6: 1.5, 10: 1.6, 11: 3.0}
# bump when the generated data changes, so cached folders are rebuilt
GENERATOR_VERSION = 2


@dataclass(frozen=True)
class SyntheticSpec:
    cases: int = 3_000
    anchors: int = 20
    first_month: str = "2026-09"
    last_month: str = "2026-11"
    seed: int = 7
    chunk: int = 1_000_000


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers, pa.int64()), pa.string()), "")


def _ts(micros: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(micros, pa.timestamp("us"), mask=mask)


def _table(name: str, columns: dict[str, Any]) -> pa.Table:
    """An Arrow table in the schema's column order and types (absent columns become nulls)."""
    size = len(next(iter(columns.values())))
    arrays, fields = [], []
    for col in TABLES[name].columns:
        arrow_type = _ARROW[col.dtype]
        value = columns.get(col.name)
        arrays.append(pa.nulls(size, arrow_type) if value is None else pa.array(value, arrow_type))
        fields.append(pa.field(col.name, arrow_type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


_ARROW = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us"),  # naive UTC: see schema.TS
}


class _Population:
    """Subjects and their hidden quality (0 bad .. 1 good), which drives every generated behaviour."""

    def __init__(self, spec: SyntheticSpec) -> None:
        rng = np.random.default_rng(spec.seed)
        self.n_anchor = spec.anchors
        self.n_brand = max(3, spec.anchors // 10)
        self.n_shop = max(3, spec.anchors // 5)
        self.n_mcn = max(2, spec.anchors // 20)
        self.n_product = max(40, spec.anchors * 5)
        # a fifth of the anchors are bad, a fifth excellent, the rest in between
        self.quality = np.clip(rng.beta(4, 2.5, self.n_anchor), 0, 1)
        kind = rng.random(self.n_anchor)
        self.quality[kind < 0.2] *= 0.35
        excellent = kind > 0.8
        self.quality[excellent] = 0.88 + 0.12 * rng.random(int(excellent.sum()))
        self.anchor_mcn = rng.integers(0, self.n_mcn, self.n_anchor)
        self.sensitive_focus = rng.random(self.n_anchor) < 0.15
        self.product_brand = rng.integers(0, self.n_brand, self.n_product)
        self.product_shop = rng.integers(0, self.n_shop, self.n_product)
        self.brand_publishes = rng.random(self.n_brand)
        months = month_range(spec.first_month, spec.last_month)
        self.month_starts = np.array([int(parse_period(m).start.timestamp() * 1e6) for m in months])
        self.month_ends = np.array([int(parse_period(m).end.timestamp() * 1e6) for m in months])
        weights = np.array([MONTH_WEIGHT.get(int(m[5:]), 1.0) for m in months])
        self.month_p = weights / weights.sum()
        self.sessions_per_month = 8


def _subjects(pop: _Population, spec: SyntheticSpec) -> pa.Table:
    rng = np.random.default_rng(spec.seed + 1)
    parts = []
    for kind, count, prefix in (
        ("anchor", pop.n_anchor, "A"),
        ("brand", pop.n_brand, "B"),
        ("shop", pop.n_shop, "S"),
        ("mcn", pop.n_mcn, "M"),
    ):
        numbers = np.arange(count)
        ids = _ids(prefix, numbers)
        names = pc.binary_join_element_wise(f"{kind}-", ids, "")
        mcn = _ids("M", pop.anchor_mcn) if kind == "anchor" else None
        # everyone started before the first generated month, so every case has a known subject
        started = int(pop.month_starts[0]) - rng.integers(30, 700, count) * US_PER_DAY
        parts.append(
            _table(
                "subjects",
                {
                    "subject_type": [kind] * count,
                    "subject_id": ids,
                    "name": names,
                    "mcn_id": mcn,
                    "started_at": _ts(started),
                },
            )
        )
    return pa.concat_tables(parts)


def _products(pop: _Population, spec: SyntheticSpec) -> pa.Table:
    rng = np.random.default_rng(spec.seed + 2)
    idx = np.arange(pop.n_product)
    sensitive = idx % 4 == 0
    tags = np.where(sensitive, "护肤,敏感肌", np.where(idx % 4 == 1, "彩妆", "日用"))
    category = np.where(idx % 4 <= 1, "cosmetics", np.where(idx % 4 == 2, "3c", "apparel"))
    published = rng.random(pop.n_product) < 0.3 + 0.7 * pop.brand_publishes[pop.product_brand]
    return _table(
        "products",
        {
            "product_id": _ids("P", idx),
            "brand_id": _ids("B", pop.product_brand),
            "shop_id": _ids("S", pop.product_shop),
            "category": category,
            "tags": tags,
            "responsibility_list_published": published,
        },
    )


def _sessions(pop: _Population, spec: SyntheticSpec) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(spec.seed + 3)
    n_month = len(pop.month_starts)
    k = pop.sessions_per_month
    anchor = np.repeat(np.arange(pop.n_anchor), n_month * k)
    month = np.tile(np.repeat(np.arange(n_month), k), pop.n_anchor)
    slot = np.tile(np.arange(k), pop.n_anchor * n_month)
    number = (anchor * n_month + month) * k + slot
    span = pop.month_ends[month] - pop.month_starts[month] - US_PER_DAY
    started = pop.month_starts[month] + (rng.random(anchor.size) * span).astype(np.int64)
    q = pop.quality[anchor]
    sessions = _table(
        "live_sessions",
        {
            "session_id": _ids("L", number),
            "anchor_id": _ids("A", anchor),
            "mcn_id": _ids("M", pop.anchor_mcn[anchor]),
            "started_at": _ts(started),
            "ended_at": _ts(started + 3 * US_PER_HOUR),
            "evidence_hashed": rng.random(anchor.size) < 0.2 + 0.8 * q,
        },
    )
    per = 3
    c_session = np.repeat(np.arange(anchor.size), per)
    c_anchor = anchor[c_session]
    product = rng.integers(0, pop.n_product, c_session.size)
    claims = _table(
        "claims",
        {
            "claim_id": _ids("K", np.arange(c_session.size)),
            "session_id": _ids("L", number[c_session]),
            "product_id": _ids("P", product),
            "anchor_id": _ids("A", c_anchor),
            "mcn_id": _ids("M", pop.anchor_mcn[c_anchor]),
            "brand_id": _ids("B", pop.product_brand[product]),
            "shop_id": _ids("S", pop.product_shop[product]),
            "made_at": _ts(started[c_session] + rng.integers(0, 3 * 60, c_session.size) * US_PER_MIN),
            "text": rng.choice(np.array(["过敏包退", "假一赔十", "正品保证", "敏感肌可用"]), c_session.size),
            "bound_to_order_terms": rng.random(c_session.size) < 0.3 + 0.7 * pop.quality[c_anchor],
        },
    )
    return sessions, claims


def _lognormal_minutes(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return (median * np.exp(rng.normal(0.0, sigma, median.size)) * US_PER_MIN).astype(np.int64)


class _CaseChunk:
    """One chunk of cases with their order, messages, surveys, callbacks and arbitration."""

    def __init__(self, pop: _Population, spec: SyntheticSpec, first: int, size: int) -> None:
        rng = np.random.default_rng([spec.seed, first])
        self.rng, self.pop, self.first, self.n = rng, pop, first, size
        self.index = np.arange(first, first + size)
        self.anchor = rng.integers(0, pop.n_anchor, size)
        self.q = pop.quality[self.anchor]
        month = rng.choice(len(pop.month_p), size, p=pop.month_p)
        span = pop.month_ends[month] - pop.month_starts[month]
        self.created = pop.month_starts[month] + (rng.random(size) * span).astype(np.int64)
        product = rng.integers(0, pop.n_product, size)
        focus = pop.sensitive_focus[self.anchor] & (rng.random(size) < 0.85)
        self.product = np.where(focus, (product // 4) * 4, product)
        self.buyer = rng.integers(0, max(10, spec.cases // 3), size)
        self.order = self.index.copy()
        # a few buyers come back about the same order within days: repeat complaints (S4)
        repeat = rng.random(size) < 0.02 + 0.1 * (1 - self.q)
        repeat[0] = False
        repeat[1:] &= ~repeat[:-1]
        prev = np.flatnonzero(repeat) - 1
        for arr in (self.anchor, self.product, self.buyer, self.order):
            arr[repeat] = arr[prev]
        self.q = pop.quality[self.anchor]
        self.created[repeat] = self.created[prev] + rng.integers(1, 20, prev.size) * US_PER_DAY
        self.month = month
        self.session_slot = rng.integers(0, pop.sessions_per_month, size)
        # exports of an append-only system come out in time order; sorted parts let readers skip row groups
        order = np.argsort(self.created, kind="stable")
        for name in ("index", "anchor", "q", "created", "product", "buyer", "order", "month", "session_slot"):
            setattr(self, name, getattr(self, name)[order])

    def orders(self) -> pa.Table:
        """Order i belongs to case i; a repeat case points at the order of the case before it."""
        pop, rng, anchor, product = self.pop, self.rng, self.anchor, self.product
        session = (anchor * len(pop.month_starts) + self.month) * pop.sessions_per_month + self.session_slot
        sold_live = pa.array(rng.random(self.n) < 0.85)
        return _table(
            "orders",
            {
                "order_id": _ids("O", self.index),
                "buyer_id": _ids("U", self.buyer),
                "product_id": _ids("P", product),
                "anchor_id": _ids("A", anchor),
                "mcn_id": _ids("M", pop.anchor_mcn[anchor]),
                "brand_id": _ids("B", pop.product_brand[product]),
                "shop_id": _ids("S", pop.product_shop[product]),
                "live_session_id": pc.if_else(sold_live, _ids("L", session), pa.scalar(None, pa.string())),
                "placed_at": _ts(self.created - rng.integers(1, 10 * 24, self.n) * US_PER_HOUR),
                "amount": np.round(rng.gamma(2.0, 80.0, self.n), 2),
            },
        )

    def cases(self) -> pa.Table:
        pop, rng, n, q = self.pop, self.rng, self.n, self.q
        ctype = rng.choice(CASE_TYPES, n, p=CASE_TYPE_P)
        hard = np.isin(ctype, ["complaint", "allergy"])
        tier = np.where(rng.random(n) < 0.04, "L3", np.where(hard | (rng.random(n) < 0.2), "L2", "L1"))
        created = self.created
        first = created + _lognormal_minutes(rng, 3 + 400 * (1 - q) ** 2, 1.2)
        emotion = rng.choice(np.array(["calm", "disappointed", "angry"]), n, p=[0.6, 0.25, 0.15])
        # angry buyers jump the queue to a senior agent
        human_median = np.where(emotion == "angry", 5 + 600 * (1 - q) ** 2, 20 + 900 * (1 - q) ** 2)
        human = created + _lognormal_minutes(rng, human_median, 1.0)
        resolve_h = np.where(hard, 60, 30) + 150 * (1 - q) ** 1.5
        resolved = created + _lognormal_minutes(rng, resolve_h * 60, 0.6)
        # dirty rows the cleaning has to catch: clocks set wrong, and a few stuck cases
        broken = rng.random(n)
        resolved = np.where(broken < 0.002, created - 3 * US_PER_HOUR, resolved)
        resolved = np.where((broken >= 0.002) & (broken < 0.0025), created + 400 * US_PER_DAY, resolved)
        refundish = np.isin(ctype, ["refund_only", "return_refund", "allergy", "price_protection"])
        refunded = resolved + (rng.random(n) * (4 + 40 * (1 - q)) * US_PER_HOUR).astype(np.int64)
        ai_ok = rng.random(n) < 0.55 + 0.4 * q
        truth = rng.integers(0, CLASSES.size, n)
        ai_class = np.where(ai_ok, truth, (truth + 1 + rng.integers(0, CLASSES.size - 1, n)) % CLASSES.size)
        by_ai = (tier == "L1") & (rng.random(n) < 0.25 + 0.65 * q)
        offered = rng.random(n) < 0.2
        allergy = ctype == "allergy"
        no_first = rng.random(n) < 0.02
        open_case = rng.random(n) < 0.04
        human_mask = by_ai | (rng.random(n) < 0.03)
        return _table(
            "cases",
            {
                "case_id": _ids("C", self.index),
                "order_id": _ids("O", self.order),
                "buyer_id": _ids("U", self.buyer),
                "anchor_id": _ids("A", self.anchor),
                "mcn_id": _ids("M", pop.anchor_mcn[self.anchor]),
                "brand_id": _ids("B", pop.product_brand[self.product]),
                "shop_id": _ids("S", pop.product_shop[self.product]),
                "case_type": ctype,
                "tier": tier,
                "created_at": _ts(created),
                "first_response_at": _ts(first, no_first),
                "first_human_response_at": _ts(human, human_mask),
                "resolved_at": _ts(resolved, open_case),
                "refunded_at": _ts(refunded, open_case | ~refundish),
                "closed_at": _ts(resolved + US_PER_HOUR, open_case),
                "ai_class": CLASSES[ai_class],
                "confirmed_class": pa.array(CLASSES[truth], mask=rng.random(n) < 0.2),
                "resolved_by_ai": by_ai,
                "handoffs": rng.poisson(0.4 + 4.0 * (1 - q) ** 1.5),
                "first_route_correct": rng.random(n) < 0.5 + 0.48 * q,
                "routing_loop": rng.random(n) < 0.25 * (1 - q),
                "compensation_offered": offered,
                "compensation_accepted": pa.array(rng.random(n) < 0.15 + 0.55 * q, mask=~offered),
                "allergy_verified": pa.array(rng.random(n) < 0.7, mask=~allergy),
                "medical_compensation": pa.array(rng.random(n) < 0.15 + 0.8 * q, mask=~allergy),
                "emotion": emotion,
                "during_live_peak": rng.random(n) < 0.1,
            },
        )

    def messages(self, cases: pa.Table) -> pa.Table:
        rng, n, q = self.rng, self.n, self.q
        human = cases["first_human_response_at"].is_valid().to_numpy(zero_copy_only=False)
        at = np.where(
            human,
            pc.fill_null(cases["first_human_response_at"], 0).cast(pa.int64()).to_numpy(),
            self.created + US_PER_MIN,
        )
        return _table(
            "messages",
            {
                "message_id": _ids("G", self.index),
                "case_id": _ids("C", self.index),
                "sent_at": _ts(at),
                "author_role": np.where(human, "agent", "ai"),
                "sentiment": np.where(
                    rng.random(n) < 0.25 + 0.6 * q,
                    np.where(rng.random(n) < 0.5, "positive", "empathetic"),
                    np.where(rng.random(n) < 0.7, "neutral", "negative"),
                ),
                "quality_checked": rng.random(n) < 0.2 + 0.8 * q,
            },
        )

    def surveys_and_callbacks(self) -> tuple[pa.Table, pa.Table]:
        rng, q = self.rng, self.q
        pick = np.flatnonzero(rng.random(self.n) < 0.4)
        qq = q[pick]
        csat = np.clip(np.rint(rng.normal(2.2 + 2.7 * qq, 0.8)), 1, 5).astype(np.int64)
        nps = np.clip(np.rint(rng.normal(3.5 + 6.5 * qq, 1.8)), 0, 10).astype(np.int64)
        typo = rng.random(pick.size) < 0.001  # a form bug writes 0 or 50 now and then
        csat = np.where(typo, np.where(rng.random(pick.size) < 0.5, 0, 50), csat)
        at = self.created[pick] + 3 * US_PER_DAY
        surveys = _table(
            "surveys",
            {
                "survey_id": _ids("V", self.index[pick]),
                "case_id": _ids("C", self.index[pick]),
                "submitted_at": _ts(at),
                "csat": csat,
                "nps": nps,
            },
        )
        low = (csat <= 2) | (nps <= 6)
        cb = pick[low]
        callbacks = _table(
            "callbacks",
            {
                "callback_id": _ids("CB", self.index[cb]),
                "case_id": _ids("C", self.index[cb]),
                "done_at": _ts(at[low] + US_PER_DAY),
                "satisfied": rng.random(cb.size) < 0.4 + 0.55 * q[cb],
            },
        )
        return surveys, callbacks

    def arbitration(self) -> pa.Table:
        rng = self.rng
        pick = np.flatnonzero(rng.random(self.n) < 0.01 + 0.12 * (1 - self.q))
        requested = self.created[pick] + 2 * US_PER_DAY
        days = (2 + 14 * (1 - self.q[pick])) * np.exp(rng.normal(0, 0.4, pick.size))
        decided = requested + (days * US_PER_DAY).astype(np.int64)
        return _table(
            "arbitration",
            {
                "arbitration_id": _ids("R", self.index[pick]),
                "case_id": _ids("C", self.index[pick]),
                "requested_at": _ts(requested),
                "decided_at": _ts(decided, rng.random(pick.size) < 0.1),
            },
        )


def _validation_tables(pop: _Population, spec: SyntheticSpec) -> dict[str, pa.Table]:
    """Independent measurements, blind panels and outcomes that follow each anchor's hidden quality."""
    rng = np.random.default_rng(spec.seed + 4)
    months = month_range(spec.first_month, spec.last_month)
    anchor = np.repeat(np.arange(pop.n_anchor), len(months))
    period = np.tile(np.array(months), pop.n_anchor)
    q = pop.quality[anchor]
    ids = _ids("A", anchor)
    n = anchor.size
    base = {"subject_type": ["anchor"] * n, "subject_id": ids, "period": period}
    measured = np.clip(0.5 + 0.45 * q + rng.normal(0, 0.03, n), 0, 1)
    inflate = np.where(rng.random(n) < 0.3, 0.15, 0.02)
    ext = pa.concat_tables(
        [
            _table(
                "external_measurements", {**base, "indicator": ["R1"] * n, "source": [src] * n, "value": val}
            )
            for src, val in (
                ("platform", np.clip(measured + inflate, 0, 1)),
                ("mystery_shopper", measured),
                ("survey", np.clip(measured - 0.05 + rng.normal(0, 0.03, n), 0, 1)),
            )
        ]
    )
    panels = pa.concat_tables(
        [
            _table(
                "panel_scores",
                {
                    **base,
                    "panel": [panel] * n,
                    "score": np.clip(35 + 60 * q + rng.normal(0, noise, n), 0, 100),
                },
            )
            for panel, noise in (("expert", 5.0), ("consumer", 8.0))
        ]
    )
    outcomes = _table(
        "outcomes",
        {
            **base,
            "repurchase_rate": np.clip(0.1 + 0.4 * q + rng.normal(0, 0.03, n), 0, 1),
            "recommendation_rate": np.clip(0.2 + 0.6 * q + rng.normal(0, 0.04, n), 0, 1),
            "complaints": np.rint(50 * (1.2 - q) * np.exp(rng.normal(0, 0.2, n))),
        },
    )
    return {"external_measurements": ext, "panel_scores": panels, "outcomes": outcomes}


def generate(out: Path, spec: SyntheticSpec | None = None) -> Path:
    """Write every input table under `out` (one folder of Parquet parts per table); reuse a finished run."""
    spec = spec or SyntheticSpec()
    marker = out / "_SUCCESS.json"
    stamp = {**asdict(spec), "generator": GENERATOR_VERSION}
    if marker.exists() and json.loads(marker.read_text()) == stamp:
        return out
    out.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    for name in TABLES:  # parts of an older or interrupted run must not mix with this one
        shutil.rmtree(out / name, ignore_errors=True)
    pop = _Population(spec)
    sessions, claims = _sessions(pop, spec)
    whole = {
        "subjects": _subjects(pop, spec),
        "products": _products(pop, spec),
        "live_sessions": sessions,
        "claims": claims,
        **_validation_tables(pop, spec),
    }
    for name, table in whole.items():
        _write(out, name, 0, table)
    for part, first in enumerate(range(0, spec.cases, spec.chunk)):
        chunk = _CaseChunk(pop, spec, first, min(spec.chunk, spec.cases - first))
        cases = chunk.cases()
        surveys, callbacks = chunk.surveys_and_callbacks()
        for name, table in (
            ("cases", cases),
            ("orders", chunk.orders()),
            ("messages", chunk.messages(cases)),
            ("surveys", surveys),
            ("callbacks", callbacks),
            ("arbitration", chunk.arbitration()),
        ):
            _write(out, name, part, table)
    marker.write_text(json.dumps(stamp))
    return out


def _write(out: Path, name: str, part: int, table: pa.Table) -> None:
    folder = out / name
    folder.mkdir(exist_ok=True)
    # small row groups keep the min/max statistics selective enough to skip months
    pq.write_table(table, folder / f"part-{part:04d}.parquet", compression="zstd", row_group_size=131_072)
