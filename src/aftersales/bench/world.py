"""A bench database: parties, products, live sessions, one delivered order and one buyer token per buyer.

Each buyer gets a scenario (what went wrong), so the product on their order matches the words of their case:
the allergy complaint is about the lipstick, the size complaint about the dress, and so on. The realistic
mix matters: triage, policy and tiering take different paths for different classes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from aftersales.catalog.models import Batch, Category, Product
from aftersales.live import service as live_service
from aftersales.live.models import LiveSession
from aftersales.orders import service as order_service
from aftersales.parties.models import Party
from aftersales.security import pii
from aftersales.security.models import ApiToken
from aftersales.security.tokens import TOKEN_PREFIX, hash_token
from aftersales.sla.service import ensure_default_policies

#: orders are written in chunks so a crash or Ctrl-C mid-seed leaves whole chunks and memory stays flat
CHUNK = 1_000


@dataclass(frozen=True)
class Scenario:
    """One class of after-sales request: the product it is about and a few ways buyers word it."""

    key: str
    case_type: str
    product_id: str
    amount: str
    texts: tuple[str, ...]
    item_state: str | None = None
    evidence: tuple[str, ...] = ()


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("allergy", "allergy_claim", "PR-BM-LIP", "199.00", (
        "用了直播间买的口红第二天嘴唇红肿发痒，还起了小疹子，主播说敏感肌可用的，要求退款并赔偿医药费",
        "涂完这支口红嘴巴周围又红又痒，去医院说是接触性皮炎，病历已上传，请尽快处理",
        "敏感肌用了过敏了，脸上起红疹，主播明明说过敏包退，现在客服不理人",
    ), "used", ("photo", "medical_report")),
    Scenario("size", "exchange", "PR-BM-DRESS", "299.00", (
        "连衣裙尺码偏小，平时穿M这件M根本穿不上，想换L码",
        "裙子腰围比详情页写的小了5厘米，吊牌还在没洗过，申请换大一码",
    ), "opened_unused"),
    Scenario("not_as_described", "return_refund", "PR-BM-DRESS", "299.00", (
        "收到的裙子颜色和直播间展示的完全不一样，面料也很薄很廉价，申请退货退款",
        "实物和主播讲的不符，说是真丝结果是化纤，要求退货",
    ), "opened_unused", ("photo",)),
    Scenario("damaged", "refund_only", "PR-BM-EAR", "459.00", (
        "快递盒子被压扁了，耳机充电仓裂开了，签收时没来得及检查，申请仅退款",
        "收到就是坏的，外包装破损，耳机壳有划痕，照片已上传",
    ), "unopened", ("photo",)),
    Scenario("repair", "repair", "PR-BM-EAR", "459.00", (
        "耳机用了两周左耳没声音了，重启配对都不行，申请保修维修",
        "降噪功能失灵，一开就有滋滋的电流声，麻烦安排维修",
    ), "used"),
    Scenario("logistics", "refund_only", "PR-BM-SNACK", "89.90", (
        "下单十天了物流一直没更新，催了三次客服都说在路上，不想要了申请退款",
        "预售说48小时发货，现在一周了还没发，申请退款",
    )),
    Scenario("price", "price_protection", "PR-BM-LIP", "199.00", (
        "昨天直播间199买的，今天同款直播价149，申请价保退差价50元",
        "刚付款第二天就降价了，主播说过全网最低价，要求补差价",
    )),
    Scenario("counterfeit", "complaint", "PR-BM-EAR", "459.00", (
        "怀疑收到的是假货，序列号官网查不到，主播说保证正品，我要投诉",
        "包装印刷模糊，和专柜的完全不一样，你们卖假货！退一赔三！",
    ), "opened_unused", ("photo", "test_report")),
)


@dataclass(frozen=True)
class BenchBuyer:
    buyer_id: str
    order_id: str
    token: str
    scenario: Scenario


def case_payload(buyer: BenchBuyer, variant: int) -> dict[str, Any]:
    """The JSON body a buyer sends to open a case: the scenario's words, its item state and evidence."""
    scenario = buyer.scenario
    body: dict[str, Any] = {"order_id": buyer.order_id, "case_type": scenario.case_type,
                            "text": scenario.texts[variant % len(scenario.texts)]}
    if scenario.item_state:
        body["item_state"] = scenario.item_state
    if scenario.evidence:
        body["evidence"] = list(scenario.evidence)
        body["attachments"] = [f"oss://evidence/{buyer.order_id}/{kind}.jpg" for kind in scenario.evidence]
    return body


def seed(session: Session, *, buyers: int, pii_key: pii.Keys, now: datetime,
         progress: Callable[[int], None] | None = None, first: int = 0) -> list[BenchBuyer]:
    """Fill an empty, migrated database; commits as it goes. Returns every buyer with their order and token.

    `first` > 0 adds buyers `first`, `first + 1`, … to a database seeded before (the catalog is there already)."""
    if first == 0:
        _seed_catalog(session, now)
        session.commit()
    seeded: list[BenchBuyer] = []
    end = first + buyers
    for start in range(first, end, CHUNK):
        chunk = [(i, f"B-BENCH-{i:07d}") for i in range(start, min(end, start + CHUNK))]
        report = order_service.upsert_orders(session, [_order(b, i, now) for i, b in chunk], pii_key, now)
        if report.errors:
            raise RuntimeError(f"bench orders rejected: {report.errors[:3]}")
        tokens = [TOKEN_PREFIX + secrets.token_urlsafe(24) for _ in chunk]
        # the same row create_token writes, without its per-token lookups: the buyers were just inserted
        session.execute(insert(ApiToken), [
            {"token_hash": hash_token(t), "role": "buyer", "name": f"bench-{b}", "buyer_id": b, "created_at": now}
            for t, (_, b) in zip(tokens, chunk, strict=True)])
        session.commit()
        seeded.extend(BenchBuyer(buyer_id=b, order_id=f"O-BENCH-{i:07d}", token=t,
                                 scenario=SCENARIOS[i % len(SCENARIOS)])
                      for t, (i, b) in zip(tokens, chunk, strict=True))
        if progress is not None:
            progress(len(chunk))
    return seeded


_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ("小美", "晓燕", "大勇", "子涵", "一诺", "欣怡", "浩然", "梓萱", "俊杰", "雨桐")
_PLACES = (("浙江", "浙江省杭州市西湖区文三路"), ("广东", "广东省深圳市南山区科技园"), ("上海", "上海市浦东新区张江路"),
           ("四川", "四川省成都市武侯区天府大道"), ("江苏", "江苏省南京市鼓楼区中山路"), ("北京", "北京市朝阳区望京街"))


def _order(buyer: str, i: int, now: datetime) -> dict[str, Any]:
    scenario = SCENARIOS[i % len(SCENARIOS)]
    region, street = _PLACES[i % len(_PLACES)]
    delivered = now - timedelta(days=1 + i % 4, minutes=i % 600)
    placed = delivered - timedelta(days=3)
    live = _LIVE_OF.get(scenario.product_id)
    order: dict[str, Any] = {
        "id": f"O-BENCH-{i:07d}", "product_id": scenario.product_id, "amount": scenario.amount, "quantity": 1,
        "buyer": {"id": buyer, "name": _SURNAMES[i % len(_SURNAMES)] + _GIVEN[i % len(_GIVEN)],
                  "phone": f"13{i % 10}{i:08d}"[:11], "address": f"{street}{1 + i % 300}号{1 + i % 20}幢",
                  "region": region},
        "placed_at": placed.isoformat(), "paid_at": placed.isoformat(),
        "shipped_at": (placed + timedelta(days=1)).isoformat(), "delivered_at": delivered.isoformat(),
        "shipping_insurance": i % 3 != 0,
    }
    if scenario.key == "logistics":  # still on its way: the complaint is that it never arrived
        del order["delivered_at"]
    if live is not None:
        order["live_session_id"] = live[0]
        order["batch_id"] = live[1]
    return order


# product -> (live session, batch): orders bought in a live session, so the anchor's claims take part
_LIVE_OF = {"PR-BM-LIP": ("LS-BENCH-1", "BA-BM-LIP-01"), "PR-BM-EAR": ("LS-BENCH-2", "BA-BM-EAR-01")}


def _parties(now: datetime) -> Iterator[Party]:
    rows: tuple[tuple[str, str, str, str | None, dict[str, str]], ...] = (("P-BM-PLATFORM", "platform", "抖快平台", None, {}), ("P-BM-MCN", "mcn", "星河MCN", None, {}),
            ("P-BM-ANCHOR1", "anchor", "李佳佳", "P-BM-MCN", {}), ("P-BM-ANCHOR2", "anchor", "小杨哥哥", None, {}),
            ("P-BM-BRAND1", "brand", "花西子样", None, {}), ("P-BM-BRAND2", "brand", "森马样", None, {}),
            ("P-BM-BRAND3", "brand", "声阔样", None, {}), ("P-BM-BRAND4", "brand", "三只松鼠样", None, {}),
            ("P-BM-SHOP1", "shop", "花西子旗舰店", "P-BM-BRAND1", {}),
            ("P-BM-SHOP2", "shop", "森马官方店", "P-BM-BRAND2", {}),
            ("P-BM-SHOP3", "shop", "声阔数码旗舰店", "P-BM-BRAND3", {}),
            ("P-BM-SHOP4", "shop", "三只松鼠旗舰店", "P-BM-BRAND4", {}),
            ("P-BM-SF", "carrier", "顺丰速运", None, {"code": "SF"}),
            ("P-BM-AGENT1", "agent", "客服小张", None, {"seniority": "junior"}))
    for pid, kind, name, parent, attributes in rows:
        yield Party(id=pid, kind=kind, name=name, parent_id=parent, attributes=attributes, created_at=now)


def _seed_catalog(session: Session, now: datetime) -> None:
    ensure_default_policies(session, now)
    for code, zh, en, parent in (("cosmetics", "美妆", "Cosmetics", None), ("lipstick", "口红", "Lipstick", "cosmetics"),
                                 ("apparel", "服饰", "Apparel", None), ("electronics", "数码", "Electronics", None),
                                 ("food", "食品", "Food", None)):
        session.add(Category(code=code, name_zh=zh, name_en=en, parent_code=parent))
    session.flush()
    for party in _parties(now):  # parents first: the list is ordered so foreign keys hold
        session.add(party)
        session.flush()
    session.add_all([
        Product(id="PR-BM-LIP", name="玻尿酸水润口红", brand_id="P-BM-BRAND1", shop_id="P-BM-SHOP1",
                category_code="lipstick", tags=["敏感肌"], price=Decimal("199.00"), created_at=now),
        Product(id="PR-BM-DRESS", name="法式碎花连衣裙", brand_id="P-BM-BRAND2", shop_id="P-BM-SHOP2",
                category_code="apparel", tags=[], price=Decimal("299.00"), created_at=now),
        Product(id="PR-BM-EAR", name="主动降噪蓝牙耳机", brand_id="P-BM-BRAND3", shop_id="P-BM-SHOP3",
                category_code="electronics", tags=["3C"], price=Decimal("459.00"), created_at=now),
        Product(id="PR-BM-SNACK", name="每日坚果礼盒", brand_id="P-BM-BRAND4", shop_id="P-BM-SHOP4",
                category_code="food", tags=["预售"], price=Decimal("89.90"), created_at=now),
    ])
    session.flush()
    session.add_all([Batch(id="BA-BM-LIP-01", product_id="PR-BM-LIP", batch_no="20261001"),
                     Batch(id="BA-BM-EAR-01", product_id="PR-BM-EAR", batch_no="20260915")])
    lip = LiveSession(id="LS-BENCH-1", anchor_id="P-BM-ANCHOR1", shop_id="P-BM-SHOP1", title="双11美妆专场",
                      started_at=now - timedelta(days=8))
    ear = LiveSession(id="LS-BENCH-2", anchor_id="P-BM-ANCHOR2", shop_id="P-BM-SHOP3", title="数码好物夜",
                      started_at=now - timedelta(days=8))
    session.add_all([lip, ear])
    session.flush()
    for live, product, offset_s, claim in (
            (lip, "PR-BM-LIP", 610, "这支口红含95%玻尿酸，嘴唇干的姐妹闭眼入"),
            (lip, "PR-BM-LIP", 1250, "敏感肌可用，过敏包退，放心拍"),
            (ear, "PR-BM-EAR", 900, "官方正品，假一赔三，支持全国联保")):
        live_service.record_claim(session, live, text=claim, offset_ms=offset_s * 1000, product_ids=[product],
                                  now=live.started_at)
