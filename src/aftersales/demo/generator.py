"""`generate`: a year of live-stream sales and their after-sales cases, written in bulk. Deterministic per seed
(PII ciphertexts aside: encryption draws a fresh nonce, the plaintexts are the same)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from aftersales.clock import as_utc
from aftersales.demo import live_ai
from aftersales.demo.aftercare import Aftercare, Ids, offer_rows, parcel_rows, sla_rows, survey_rows
from aftersales.demo.books import build_books
from aftersales.demo.cast import build_cast
from aftersales.demo.commerce import place_orders, plan_sessions
from aftersales.demo.evidence import claim_rows, responsibility_rows
from aftersales.demo.intake import case_probability, open_intake, repeat_intake
from aftersales.demo.journey import Story, walk
from aftersales.demo.plans import cover_states, pick_agent, plan_for
from aftersales.demo.prices import price_drops
from aftersales.demo.records import case_item_row, case_row, handoff_rows, message_rows, timeline_rows
from aftersales.demo.seeded import Seeded
from aftersales.demo.writer import next_id, realign_sequences, table, write_all
from aftersales.problems import Conflict
from aftersales.sla.rules import DEFAULT_MATRIX, PolicyRow

if TYPE_CHECKING:
    from aftersales.keyring import Keyring

Progress = Callable[[str, int, int], None]
Row = dict[str, Any]
DAYS_PER_MONTH = 30.44
STAGES = ("参与方与商品 / parties and catalog", "直播与订单 / sessions and orders", "售后工单 / cases")


@dataclass(frozen=True)
class DemoSummary:
    """What was written: rows per table and cases per lifecycle state."""

    seed: int
    start: datetime
    end: datetime
    counts: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    #: the hidden ground truth the data was drawn from, so an evaluation can be checked against it:
    #: anchor id → excellent|average|poor, brand id → good|average|bad, the spiking batch, the complained session
    anchor_quality: dict[str, str] = field(default_factory=dict)
    brand_quality: dict[str, str] = field(default_factory=dict)
    spike_batch_id: str = ""
    group_complaint_session_id: str = ""

    @property
    def case_rate(self) -> float:
        return self.counts.get("cases", 0) / max(self.counts.get("orders", 0), 1)


def generate(target: Session | Connection | Engine, *, orders: int, seed: int = 7, now: datetime, months: int = 12,
             progress: Progress | None = None, encrypt: Callable[[str], str] | None = None,
             pii_key: Keyring | bytes | None = None) -> DemoSummary:
    """Write demo data for the `months` before `now`. The caller's transaction commits (an Engine: one is begun).

    PII is encrypted with `encrypt` when given, else with security.pii and `pii_key` (else the configured key).
    """
    if orders < 1 or months < 1:
        raise ValueError("orders and months must be positive")
    if isinstance(target, Engine):
        with target.begin() as conn:
            return _generate(conn, orders, seed, as_utc(now), months, progress, _encryptor(encrypt, pii_key))
    conn = target.connection() if isinstance(target, Session) else target
    return _generate(conn, orders, seed, as_utc(now), months, progress, _encryptor(encrypt, pii_key))


def _encryptor(encrypt: Callable[[str], str] | None, key: Keyring | bytes | None) -> Callable[[str], str]:
    if encrypt is not None:
        return encrypt
    from aftersales.security import pii

    if key is None:
        from aftersales.config import get_settings

        key = pii.load_or_create_key(get_settings())
    ring = pii.as_keyring(key)
    return ring.encrypt


def _tell(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


class DemoDataPresent(Conflict):
    code = "demo-data-present"
    title = "演示数据已存在 / demo data already present"


def _refuse_second_run(conn: Connection) -> None:
    parties = table("parties")
    if conn.execute(select(parties.c.id).where(parties.c.id == "anchor-01")).first() is not None:
        raise DemoDataPresent("数据库中已有演示数据，请使用新的数据库 / this database already holds demo data; "
                              "use a fresh database")


def _only_new(conn: Connection, name: str, key: str, rows: list[Row]) -> list[Row]:
    """Rows whose key is not stored yet: the caller may have created the platform or categories already."""
    column = table(name).c[key]
    taken = {value for (value,) in conn.execute(select(column))}
    return [row for row in rows if row[key] not in taken]


def _generate(conn: Connection, orders: int, seed: int, now: datetime, months: int, progress: Progress | None,
              encrypt: Callable[[str], str]) -> DemoSummary:
    _refuse_second_run(conn)
    rng = Seeded(seed)
    start = now - timedelta(days=round(months * DAYS_PER_MONTH))
    # each stage reports 0/1 when it starts and 1/1 when done (one bar per stage); writing counts rows
    _tell(progress, STAGES[0], 0, 1)
    cast = build_cast(rng, start=start, end=now, buyers=max(100, orders // 3), encrypt=encrypt)
    _tell(progress, STAGES[0], 1, 1)
    _tell(progress, STAGES[1], 0, 1)
    sessions, session_rows = plan_sessions(rng, cast, start, now, orders)
    placed = place_orders(rng, cast, sessions, orders, now, first_item_id=next_id(conn, "order_items"))
    sales, order_rows, outbound = placed.sales, placed.orders, placed.shipments
    claims, seals = claim_rows(rng, cast, sessions, session_rows, now)
    _tell(progress, STAGES[1], 1, 1)
    _tell(progress, STAGES[2], 0, 1)
    products = {row["id"]: row for row in cast.rows["products"]}
    stories, price_rows = _stories(rng, cast.agents, sales, now, live_ai.promises_by_sale(claims),
                                   tags_of={pid: tuple(row["tags"]) for pid, row in products.items()},
                                   suppliers={pid: row["supplier_id"] for pid, row in products.items()})
    seniors = [a[0] for a in cast.agents if a[1]]
    ids = Ids(clock=next_id(conn, "sla_clocks"), survey=next_id(conn, "surveys"))
    policies = _policies(conn)
    case_rows, care, messages, handoffs = _case_records(rng, stories, ids, policies, seniors, now)
    case_items = [case_item_row(story) for story in stories]
    books = build_books(stories, case_rows, care.offers, order_rows, cast.rows["parties"], now,
                        next_account=next_id(conn, "ledger_accounts"), next_entry=next_id(conn, "ledger_entries"))
    duties = responsibility_rows(rng, cast, start - timedelta(days=7))
    _tell(progress, STAGES[2], 1, 1)
    rows = cast.rows
    batches: list[tuple[str, list[dict[str, Any]]]] = [
        ("parties", _only_new(conn, "parties", "id", rows["parties"])),
        ("categories", _only_new(conn, "categories", "code", rows["categories"])), ("buyers", rows["buyers"]),
        ("products", rows["products"]), ("product_prices", price_rows), ("batches", rows["batches"]), ("responsibility_lists", duties),
        ("live_sessions", session_rows), ("live_claims", claims), ("live_seals", seals),
        ("orders", order_rows), ("order_items", placed.items), ("cases", case_rows), ("case_items", case_items),
        ("shipments", outbound + care.shipments),
        ("logistics_events", care.logistics), ("case_messages", messages), ("timeline_events", care.timeline),
        ("handoffs", handoffs), ("sla_clocks", care.clocks), ("sla_breaches", care.breaches),
        ("surveys", care.surveys), ("callback_tasks", care.callbacks), ("compensation_offers", care.offers),
        ("ledger_accounts", books.account_rows), ("ledger_entries", books.entries),
        ("ledger_postings", books.postings),
    ]
    # tables other domains add in later migrations are filled only where the database has them
    present = set(inspect(conn).get_table_names())
    batches = [(name, batch) for name, batch in batches if name in present]
    write_all(conn, batches, progress)
    realign_sequences(conn, ("order_items", "sla_clocks", "surveys", "ledger_accounts", "ledger_entries"))
    counts = {name: len(batch) for name, batch in batches}
    states = dict(sorted(Counter(s.state.value for s in stories).items()))
    group = next((s.id for s in sessions if s.group_complaint), "")
    return DemoSummary(seed, start, now, counts, states,
                       anchor_quality={a.id: a.quality for a in cast.anchors},
                       brand_quality={p.brand_id: p.brand_quality for p in cast.products},
                       spike_batch_id=cast.spike_batch[1], group_complaint_session_id=group)


def _stories(rng: Seeded, agents: list[tuple[str, bool, bool]], sales: list[Any], now: datetime,
             promises: dict[tuple[str, str], live_ai.Said], *, tags_of: dict[str, tuple[str, ...]],
             suppliers: dict[str, str | None]) -> tuple[list[Story], list[dict[str, Any]]]:
    intakes = []
    for sale in sales:
        if rng.chance(case_probability(sale)):
            intake = open_intake(rng, sale, now)
            if intake is not None:
                intakes.append(intake)
                again = repeat_intake(rng, intake, now)
                if again is not None:
                    intakes.append(again)
    intakes.sort(key=lambda i: (i.created, i.sale.id))
    price_rows, prices = price_drops(rng, intakes)
    live_ai.apply(intakes, promises, tags_of=tags_of, suppliers=suppliers, prices=prices)
    stories = []
    for intake in intakes:
        case_id = rng.new_id("CS", intake.created)
        agent = pick_agent(rng, intake, agents)
        stories.append(walk(rng, intake, case_id, agent, plan_for(rng, intake), now))
    cover_states(rng, stories, now)
    return stories, price_rows


def _policies(conn: Connection) -> list[PolicyRow]:
    """The SLA matrix as stored (so clocks point at real rows), or the lead's default when none is stored yet."""
    policy = table("sla_policies")
    rows = [PolicyRow(r.tier, r.first_response_minutes, r.resolution_minutes, r.human_response_minutes,
                      case_type=r.case_type, priority=r.priority, business_hours=r.business_hours,
                      escalate_to=r.escalate_to, id=r.id)
            for r in conn.execute(select(policy))]
    return rows or list(DEFAULT_MATRIX)


def _case_records(rng: Seeded, stories: list[Story], ids: Ids, policies: list[PolicyRow], seniors: list[str],
                  now: datetime) -> tuple[list[Row], Aftercare, list[Row], list[Row]]:
    case_rows: list[Row] = []
    messages: list[Row] = []
    handoffs: list[Row] = []
    tracked: set[str] = set()
    care = Aftercare()
    for number, story in enumerate(stories):
        row, passes = case_row(rng, story, now)
        case_rows.append(row)
        events, passed = handoff_rows(story, passes)
        care.timeline += timeline_rows(story) + events
        handoffs += passed
        messages += message_rows(story)
        sla_rows(rng, story, ids, policies, now, care)
        survey_rows(rng, story, ids, len(passes), seniors, now, care)
        offer_rows(rng, story, now, care)
        parcel_rows(rng, story, 5_000_000_000 + number, now, care, tracked)
    return case_rows, care, messages, handoffs
