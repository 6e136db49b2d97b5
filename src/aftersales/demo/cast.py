"""Who takes part: platform, MCNs, anchors of three quality levels, brands, shops, suppliers, carriers, agents,
buyers, and the catalog they trade. Builds plain row dicts plus the hidden traits that drive the simulation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from aftersales.demo.assortment import BRANDS, CATEGORIES, NICHES, PRODUCTS, BrandSpec
from aftersales.demo.people import address, mobile, person_name
from aftersales.demo.seeded import Seeded

Row = dict[str, Any]

MCN_NAMES = ("星河传媒", "青藤文化", "蜂巢互娱", "光年MCN", "千帆网络", "乐播星球")
ANCHOR_HEADS = ("小鹿", "阿杰", "大橙子", "琪琪", "老王", "甜甜", "胖虎", "安安", "果果", "阿May", "李姐", "糖糖",
                "小七", "东北大哥", "丽丽", "豆豆", "阿福", "朵朵", "欢欢", "晓晓")
ANCHOR_TAILS = ("好物分享", "美妆日记", "严选", "的直播间", "宠粉福利", "爱测评", "优选", "穿搭")
CARRIERS = (("顺丰", "SF", 1.4), ("中通", "ZTO", 2.4), ("圆通", "YTO", 2.6), ("京东物流", "JD", 1.3),
            ("极兔", "JT", 3.1))
# anchors per quality level out of 40; the rest average
QUALITY_MIX = {"excellent": 8, "average": 22, "poor": 10}


@dataclass
class Anchor:
    id: str
    quality: str  # excellent | average | poor
    niche: str
    popularity: float
    sessions_per_week: float
    products: list[Product] = field(default_factory=list)


@dataclass
class Product:
    id: str
    name: str
    category: str
    brand_id: str
    shop_id: str
    brand_quality: str
    price: Decimal
    sensitive_skin: bool
    batches: list[tuple[str, date]] = field(default_factory=list)  # (batch id, produced on), by date


@dataclass
class Buyer:
    id: str
    region: str
    high_returner: bool


@dataclass
class Cast:
    rows: dict[str, list[Row]]
    anchors: list[Anchor]
    products: list[Product]
    buyers: list[Buyer]
    carriers: list[tuple[str, str, float]]  # (party id, code, median transit days)
    agents: list[tuple[str, bool, bool]]  # (party id, senior, empathetic)
    spike_batch: tuple[str, str, date] = ("", "", date.min)  # (product id, batch id, produced on)


def _party(pid: str, kind: str, name: str, at: datetime, parent: str | None = None, **attrs: Any) -> Row:
    return {"id": pid, "kind": kind, "name": name, "parent_id": parent, "attributes": attrs, "created_at": at}


def build_cast(rng: Seeded, *, start: datetime, end: datetime, buyers: int, encrypt: Callable[[str], str]) -> Cast:
    """Everyone and everything, created shortly before the simulated year begins."""
    founded = start - timedelta(days=30)
    parties: list[Row] = [_party("platform", "platform", "直播电商平台", founded)]
    parties += [_party(f"mcn-{i + 1:02d}", "mcn", name, founded) for i, name in enumerate(MCN_NAMES)]
    carriers = [(f"carrier-{code.lower()}", code, days) for _name, code, days in CARRIERS]
    parties += [_party(pid, "carrier", name, founded, code=code)
                for (pid, code, _d), (name, *_rest) in zip(carriers, CARRIERS, strict=True)]
    agents = _agents(rng, parties, founded)
    products, categories, batches = _brands_and_catalog(rng, parties, founded, start, end)
    anchors = _anchors(rng, parties, products, founded)
    spike = _spike_batch(rng, products, anchors, batches, start, end)
    buyer_rows, buyer_list = _buyers(rng, buyers, founded, encrypt)
    rows = {"parties": parties, "categories": categories, "products": _product_rows(products, founded),
            "batches": batches, "buyers": buyer_rows}
    return Cast(rows, anchors, products, buyer_list, carriers, agents, spike)


def _agents(rng: Seeded, parties: list[Row], at: datetime) -> list[tuple[str, bool, bool]]:
    agents: list[tuple[str, bool, bool]] = []
    leads = [f"agent-{i + 1:02d}" for i in range(6)]
    for i in range(30):
        senior = i < 6
        pid = f"agent-{i + 1:02d}"
        empathetic = rng.chance(0.85 if senior else 0.55)
        parent = None if senior else leads[i % len(leads)]
        parties.append(_party(pid, "agent", f"客服{person_name(rng)}", at, parent,
                              seniority="senior" if senior else "junior"))
        agents.append((pid, senior, empathetic))
    # the emergency team (应急小组) works L3 and group cases; one agent keeps the dedicated channel (专属通道).
    # Neither takes the year's ordinary cases, so the draws above (and the data drawn from them) are unchanged.
    for number, (function, name) in enumerate((("anchor", "应急小组·主播代表"), ("operations", "应急小组·运营"),
                                               ("legal", "应急小组·法务")), start=1):
        parties.append(_party(f"agent-emergency-{number}", "agent", name, at, None, seniority="senior",
                              team="emergency", function=function))
    parties.append(_party("agent-dedicated-1", "agent", "专属通道客服", at, leads[0], seniority="senior",
                          channel="dedicated"))
    return agents


def _brands_and_catalog(rng: Seeded, parties: list[Row], founded: datetime, start: datetime,
                        end: datetime) -> tuple[list[Product], list[Row], list[Row]]:
    categories = [{"code": c, "name_zh": zh, "name_en": en, "parent_code": parent}
                  for c, zh, en, parent in CATEGORIES]
    products: list[Product] = []
    batches: list[Row] = []
    for i, spec in enumerate(BRANDS):
        brand_id, shop_id, supplier_id = f"brand-{i + 1:02d}", f"shop-{i + 1:02d}", f"supplier-{i + 1:02d}"
        parties.append(_party(brand_id, "brand", spec.name, founded))
        parties.append(_party(shop_id, "shop", f"{spec.name}官方旗舰店", founded, brand_id))
        parties.append(_party(supplier_id, "supplier", f"{spec.name}合作工厂", founded, brand_id,
                              alliance=spec.alliance))
        for j in range(rng.randint(4, 7)):
            product = _product(rng, spec, f"PR-{i + 1:02d}{j + 1:02d}", brand_id, shop_id)
            products.append(product)
            batches += _batches(rng, product, start, end)
    return products, categories, batches


def _product(rng: Seeded, spec: BrandSpec, pid: str, brand_id: str, shop_id: str) -> Product:
    category = rng.choice(spec.categories)
    nouns, (low, high) = PRODUCTS[category]
    price = Decimal(rng.randint(low, high)) - Decimal("0.10")
    sensitive = category in ("skincare", "foundation") and rng.chance(0.45)
    return Product(pid, f"{spec.name}{rng.choice(nouns)}", category, brand_id, shop_id, spec.quality,
                   max(price, Decimal("9.90")), sensitive)


def _batches(rng: Seeded, product: Product, start: datetime, end: datetime) -> list[Row]:
    rows = []
    produced = start.date() - timedelta(days=rng.randint(20, 60))
    number = 1
    while produced < end.date():
        bid = f"{product.id}-B{number:02d}"
        product.batches.append((bid, produced))
        rows.append({"id": bid, "product_id": product.id, "batch_no": f"LOT{produced:%Y%m%d}{number:02d}",
                     "produced_on": produced})
        produced += timedelta(days=rng.randint(45, 90))
        number += 1
    return rows


def _product_rows(products: list[Product], at: datetime) -> list[Row]:
    return [{"id": p.id, "name": p.name, "brand_id": p.brand_id, "shop_id": p.shop_id,
             "supplier_id": f"supplier-{p.brand_id.split('-')[1]}", "category_code": p.category,
             "tags": ["敏感肌"] if p.sensitive_skin else [], "price": p.price, "created_at": at}
            for p in products]


def _anchors(rng: Seeded, parties: list[Row], products: list[Product], at: datetime) -> list[Anchor]:
    qualities = [q for q, n in QUALITY_MIX.items() for _ in range(n)]
    rng.shuffle(qualities)
    niches = list(NICHES)
    anchors = []
    for i, quality in enumerate(qualities):
        pid = f"anchor-{i + 1:02d}"
        niche = niches[i % len(niches)]
        name = f"{ANCHOR_HEADS[i % len(ANCHOR_HEADS)]}{ANCHOR_TAILS[(i * 7 + 3) % len(ANCHOR_TAILS)]}"
        parties.append(_party(pid, "anchor", name, at, f"mcn-{i % len(MCN_NAMES) + 1:02d}", niche=niche))
        # a few top anchors sell far more than the rest, as on every platform
        anchor = Anchor(pid, quality, niche, popularity=rng.paretovariate(1.6),
                        sessions_per_week=rng.uniform(2.0, 5.0))
        fitting = [p for p in products if p.category in NICHES[niche]]
        anchor.products = rng.sample(fitting, min(len(fitting), rng.randint(8, 16)))
        anchors.append(anchor)
    return anchors


def _spike_batch(rng: Seeded, products: list[Product], anchors: list[Anchor], batches: list[Row],
                 start: datetime, end: datetime) -> tuple[str, str, date]:
    """One lipstick batch of a poor-quality brand that will cause an allergy spike."""
    lipsticks = [p for p in products if p.category == "lipstick"]
    lipstick = min(lipsticks, key=lambda p: (p.brand_quality != "bad", p.id))
    # somewhere in the middle of the window (about May–July for a year ending in November)
    days = (end - start).days
    produced = start.date() + timedelta(days=int(days * rng.uniform(0.42, 0.62)))
    bid = f"{lipstick.id}-SPIKE"
    batches.append({"id": bid, "product_id": lipstick.id, "batch_no": f"LOT{produced:%Y%m%d}X",
                    "produced_on": produced})
    # beauty anchors carry it, so its orders (and the spike) come through live sessions
    for anchor in anchors:
        if anchor.niche == "beauty" and lipstick not in anchor.products:
            anchor.products.append(lipstick)
    return lipstick.id, bid, produced


def _buyers(rng: Seeded, count: int, at: datetime,
            encrypt: Callable[[str], str]) -> tuple[list[Row], list[Buyer]]:
    rows, buyers = [], []
    for i in range(count):
        line, region = address(rng)
        bid = f"BY-{i + 1:06d}"
        rows.append({"id": bid, "name_enc": encrypt(person_name(rng)), "phone_enc": encrypt(mobile(rng)),
                     "address_enc": encrypt(line), "region": region, "created_at": at})
        buyers.append(Buyer(bid, region, high_returner=rng.chance(0.03)))
    return rows, buyers
