"""The operational database seen through the evaluation's input schema: one SQLAlchemy select per table.

The selects use portable SQL only, so the same mapping serves SQLite (read into Arrow and registered in
DuckDB, since SQLite has no exact quantiles) and PostgreSQL (queried directly by Ibis).
Facts the operational model does not record are derived where a sound rule exists, else NULL (the
indicators then report no data rather than a zero):
- first_route_correct: no handoff happened (the first responsible party kept the case);
- routing_loop: a handoff marked `loop`; handoffs: cases.handoff_count;
- compensation_offered/accepted: a non-medical compensation offer, and whether one was accepted;
- medical_compensation: a medical offer accepted, or a medical ledger entry;
- allergy_verified: an allergy case with a medical report attached or a refund paid;
- during_live_peak: opened while the order's live session was on air;
- evidence_hashed: the session is sealed (root hash); bound_to_order_terms: the claim names products;
- responsibility_list_published: the product has a published list;
- callbacks.satisfied: the buyer's verdict on the callback is 4 or 5 (of 5);
- messages.sentiment and messages.quality_checked: the automated QC of staff replies (cases/reply_quality.py);
  NULL for buyer and AI messages, which are not reviewed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aftersales.evaluation.schema import TABLES

if TYPE_CHECKING:
    from sqlalchemy import Select

    from aftersales.evaluation.sources import Source

SUBJECT_KINDS = ("anchor", "brand", "shop", "mcn")


def _models() -> dict[str, Any]:
    from aftersales.cases.models import Case, CaseMessage, CompensationOffer, TimelineEvent
    from aftersales.catalog.models import Product
    from aftersales.liability.models import Handoff, LedgerEntry, ResponsibilityList
    from aftersales.live.models import LiveClaim, LiveSession
    from aftersales.orders.models import Order, OrderItem
    from aftersales.parties.models import Party
    from aftersales.surveys.models import CallbackTask, Survey

    models = (Case, CaseMessage, CompensationOffer, TimelineEvent, Product, Handoff, LedgerEntry,
              ResponsibilityList, LiveClaim, LiveSession, Order, OrderItem, Party, CallbackTask, Survey)
    return {model.__name__: model for model in models}


# tags are a JSON list, stored with \u escapes: each database unpacks it with its own JSON function
_TAGS_SQL = {
    "sqlite": "(SELECT group_concat(value, ',') FROM json_each(products.tags))",
    "postgresql": "(SELECT string_agg(value, ',') FROM json_array_elements_text(CAST(products.tags AS json)))",
}


def selects(dialect: str = "sqlite") -> dict[str, Select[Any]]:
    """The select of every input-schema table the operational database can provide."""
    from sqlalchemy import Float, String, and_, case, cast, exists, literal, literal_column, null, select
    from sqlalchemy.orm import aliased

    m = _models()
    party, order = m["Party"], m["Order"]
    anchor = aliased(party)
    true, false = literal(True), literal(False)

    def flag(condition: Any) -> Any:
        return case((condition, true), else_=false)

    subjects = select(
        party.kind.label("subject_type"), party.id.label("subject_id"), party.name.label("name"),
        case((party.kind == "anchor", party.parent_id), else_=null()).label("mcn_id"),
        party.created_at.label("started_at"),
    ).where(party.kind.in_(SUBJECT_KINDS))
    published = exists().where(m["ResponsibilityList"].product_id == m["Product"].id,
                               m["ResponsibilityList"].published_at.is_not(None))
    products = select(
        m["Product"].id.label("product_id"), m["Product"].brand_id, m["Product"].shop_id,
        m["Product"].category_code.label("category"), literal_column(_TAGS_SQL[dialect]).label("tags"),
        flag(published).label("responsibility_list_published"),
    )
    item = m["OrderItem"]
    # one row per order, as the schema documents; the first line's product stands for a multi-line order
    first_product = (select(item.product_id).where(item.order_id == order.id).order_by(item.line_no).limit(1)
                     .correlate(order).scalar_subquery())
    orders = select(
        order.id.label("order_id"), order.buyer_id, first_product.label("product_id"), order.anchor_id,
        anchor.parent_id.label("mcn_id"), order.brand_id, order.shop_id, order.live_session_id,
        order.placed_at, cast(order.amount, Float).label("amount"),
    ).outerjoin(anchor, anchor.id == order.anchor_id)
    session = m["LiveSession"]
    sessions = select(
        session.id.label("session_id"), session.anchor_id, anchor.parent_id.label("mcn_id"),
        session.started_at, session.ended_at, flag(session.root_hash.is_not(None)).label("evidence_hashed"),
    ).outerjoin(anchor, anchor.id == session.anchor_id)
    claim = m["LiveClaim"]
    claims = select(
        cast(claim.id, String).label("claim_id"), claim.session_id, null().label("product_id"),
        session.anchor_id, anchor.parent_id.label("mcn_id"), claim.recorded_at.label("made_at"), claim.text,
        flag(and_(claim.product_ids.is_not(None), cast(claim.product_ids, String) != "[]"))
        .label("bound_to_order_terms"),
    ).join(session, session.id == claim.session_id).outerjoin(anchor, anchor.id == session.anchor_id)
    return {"subjects": subjects, "products": products, "orders": orders, "live_sessions": sessions,
            "claims": claims, **_case_selects(m, anchor, flag)}


def _case_selects(m: dict[str, Any], anchor: Any, flag: Any) -> dict[str, Select[Any]]:
    from sqlalchemy import String, and_, case, cast, exists, literal, null, or_, select

    case_, order, offer, session = m["Case"], m["Order"], m["CompensationOffer"], m["LiveSession"]
    handoff, ledger = m["Handoff"], m["LedgerEntry"]
    plain_offer = and_(offer.case_id == case_.id, offer.kind != "medical")
    medical = or_(
        exists().where(offer.case_id == case_.id, offer.kind == "medical", offer.accepted.is_(True)),
        exists().where(ledger.case_id == case_.id, ledger.kind == "medical"),
    )
    on_air = exists().where(session.id == order.live_session_id, session.started_at <= case_.created_at,
                            session.ended_at >= case_.created_at)
    is_allergy = case_.case_type == "allergy"
    verified = and_(is_allergy, or_(cast(case_.attachments, String) != "[]", case_.refunded_at.is_not(None)))
    cases = select(
        case_.id.label("case_id"), case_.order_id, case_.buyer_id, order.anchor_id,
        anchor.parent_id.label("mcn_id"), order.brand_id, order.shop_id, case_.case_type, case_.tier,
        case_.created_at, case_.first_response_at, case_.human_response_at.label("first_human_response_at"),
        case_.resolved_at, case_.refunded_at, case_.closed_at, case_.category.label("ai_class"),
        case_.confirmed_category.label("confirmed_class"), case_.ai_resolved.label("resolved_by_ai"),
        case_.handoff_count.label("handoffs"), flag(case_.handoff_count == 0).label("first_route_correct"),
        flag(exists().where(handoff.case_id == case_.id, handoff.loop.is_(True))).label("routing_loop"),
        flag(exists().where(plain_offer)).label("compensation_offered"),
        case((exists().where(plain_offer, offer.accepted.is_(True)), literal(True)),
             (exists().where(plain_offer, offer.accepted.is_(False)), literal(False)),
             else_=null()).label("compensation_accepted"),
        case((is_allergy, flag(verified)), else_=null()).label("allergy_verified"),
        case((is_allergy, flag(medical)), else_=null()).label("medical_compensation"),
        case_.emotion, flag(on_air).label("during_live_peak"),
    ).join(order, order.id == case_.order_id).outerjoin(anchor, anchor.id == order.anchor_id)
    msg, event, survey, callback = m["CaseMessage"], m["TimelineEvent"], m["Survey"], m["CallbackTask"]
    return {
        "cases": cases,
        "case_events": select(cast(event.id, String).label("event_id"), event.case_id, event.at, event.kind,
                              null().label("party")),
        "messages": select(cast(msg.id, String).label("message_id"), msg.case_id,
                           msg.created_at.label("sent_at"), msg.author_role, msg.sentiment,
                           case((msg.author_role.in_(["buyer", "ai"]), null()),
                                else_=msg.quality_checked).label("quality_checked")),
        "surveys": select(cast(survey.id, String).label("survey_id"), survey.case_id,
                          survey.answered_at.label("submitted_at"), survey.csat, survey.nps)
        .where(survey.answered_at.is_not(None)),
        "callbacks": select(cast(callback.id, String).label("callback_id"), callback.case_id, callback.done_at,
                            case((callback.satisfaction.is_(None), null()),
                                 else_=flag(callback.satisfaction >= 4)).label("satisfied"))
        .where(callback.done_at.is_not(None)),
        "arbitration": select(case_.id.label("arbitration_id"), case_.id.label("case_id"),
                              case_.arbitration_at.label("requested_at"), case_.decided_at)
        .where(case_.arbitration_at.is_not(None)),
    }


def _arrow_table(name: str, rows: list[Any], keys: list[str]) -> Any:
    """Rows of one select as an Arrow table typed by the input schema (UTC, naive timestamps)."""
    import pyarrow as pa

    from aftersales.clock import as_utc

    arrow = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "boolean": pa.bool_(),
             "timestamp": pa.timestamp("us")}
    columns = {}
    for col in TABLES[name].columns:
        if col.name not in keys:
            continue
        index = keys.index(col.name)
        values = [row[index] for row in rows]
        if col.dtype == "timestamp":
            values = [None if v is None else as_utc(v).replace(tzinfo=None) for v in values]
        elif col.dtype == "string":
            values = [None if v is None else str(v) for v in values]
        elif col.dtype == "boolean":
            values = [None if v is None else bool(v) for v in values]
        columns[col.name] = pa.array(values, arrow[col.dtype])
    return pa.table(columns)


def open_sqlite(url: str) -> Source:
    """Read the embedded database through SQLAlchemy into Arrow and register each table in DuckDB."""
    import ibis

    from aftersales.db import make_engine
    from aftersales.evaluation.sources import Source, conform

    engine = make_engine(url)
    con = ibis.duckdb.connect()
    source = Source("sqlite", con, f"SQLite {url.split('///')[-1]} via DuckDB")
    try:
        with engine.connect() as connection:
            for name, statement in selects("sqlite").items():
                result = connection.execute(statement)
                keys = list(result.keys())
                table = _arrow_table(name, list(result), keys)
                source.tables[name] = conform(con.create_table(f"op_{name}", table), TABLES[name])
    finally:
        engine.dispose()
    return source


def open_postgres(url: str) -> Source:
    """Query PostgreSQL directly: each select becomes an Ibis table over its SQL text."""
    import ibis
    from sqlalchemy.dialects import postgresql

    from aftersales.evaluation.sources import Source, conform

    con = ibis.connect(url.replace("postgresql+psycopg://", "postgres://").replace("postgresql://", "postgres://"))
    source = Source("postgres", con, "PostgreSQL")
    for name, statement in selects("postgresql").items():
        sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        source.tables[name] = conform(con.sql(sql), TABLES[name])
    return source
