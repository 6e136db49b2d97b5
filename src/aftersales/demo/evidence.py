"""Evidence and duties: anchors' recorded claims in each session's hash chain (sealed when the session ended),
and products' published responsibility lists. Hashes come from the live and liability domains' own code, so the
demo data verifies like real data."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from aftersales.demo.cast import Cast
from aftersales.demo.commerce import Session
from aftersales.demo.seeded import Seeded
from aftersales.liability.responsibility import build_list, list_hash
from aftersales.live import chain, phrases

Row = dict[str, Any]
# how often each kind of anchor has its sessions recorded (indicators T2, C5)
RECORDED = {"excellent": 0.95, "average": 0.7, "poor": 0.3}
# how often a brand publishes its products' responsibility lists (indicator C1)
PUBLISHED = {"good": 0.98, "average": 0.8, "bad": 0.45}
CLAIMS: dict[str, tuple[str, ...]] = {
    "beauty": ("这款过敏包退，大家放心拍", "敏感肌也可以用，很温和", "正品保证，假一赔十", "保价30天，买贵退差价",
               "七天无理由，不喜欢直接退"),
    "fashion": ("纯棉面料，不起球不掉色", "七天无理由退换", "正品保证，专柜同款", "保价15天"),
    "food": ("坏了包赔，破损免费补发", "源头直发，新鲜到家", "七天无理由", "保价7天"),
    "tech": ("官方正品，全国联保", "七天无理由，十五天换新", "保价30天", "碎了包赔"),
    "family": ("母婴级材质，宝宝放心用", "正品保证，假一赔三", "七天无理由退换"),
    "general": ("正品保证", "七天无理由", "保价10天", "破损包赔"),
}
# what was said in the session that drew the group complaint, and did not hold
GROUP_CLAIM = "百分百纯棉，和专柜一模一样，买一送一"


@cache
def _promises(text: str) -> tuple[str, ...]:
    return phrases.promise_ids(text)


def claim_rows(rng: Seeded, cast: Cast, sessions: list[Session], session_rows: list[Row],
               now: datetime) -> tuple[list[Row], list[Row]]:
    """Claims for the recorded sessions, and seals for those that ended; fills root_hash on the session rows."""
    claims: list[Row] = []
    seals: list[Row] = []
    for session, row in zip(sessions, session_rows, strict=True):
        if not (session.group_complaint or rng.chance(RECORDED[session.anchor.quality])):
            continue
        entries = _chain(rng, session)
        for entry in entries:
            content = entry.content
            claims.append({"session_id": session.id, "seq": content.seq, "text": content.text,
                           "offset_ms": content.offset_ms, "product_ids": list(content.product_ids),
                           "recorded_at": content.recorded_at, "prev_hash": entry.prev_hash, "hash": entry.hash,
                           "promise_ids": list(_promises(content.text)), "recorded_by": None})
        if session.ended is not None:
            sealed = session.ended + timedelta(seconds=rng.randint(5, 300))
            if sealed < now:
                root = chain.seal(session.id, entries)
                row["root_hash"], row["sealed_at"] = root, sealed
                seals.append({"session_id": session.id, "root_hash": root, "entry_count": len(entries),
                              "sealed_at": sealed, "sealed_by": None})
    return claims, seals


def _chain(rng: Seeded, session: Session) -> list[chain.ChainEntry]:
    texts = list(CLAIMS[session.anchor.niche])
    said = rng.sample(texts, rng.randint(2, min(4, len(texts))))
    if session.group_complaint:
        said.insert(0, GROUP_CLAIM)
    length = ((session.ended or session.started + timedelta(hours=2)) - session.started).total_seconds()
    offsets = sorted(rng.randrange(60_000, int(length * 1000)) for _ in said)
    contents = []
    for seq, (text, offset) in enumerate(zip(said, offsets, strict=True), start=1):
        products = tuple(p.id for p in rng.sample(session.anchor.products, min(2, len(session.anchor.products))))
        recorded = session.started + timedelta(milliseconds=offset + rng.randint(200, 3000))
        contents.append(chain.ClaimContent(seq, text, offset, products, recorded))
    return chain.build(session.id, contents)


def responsibility_rows(rng: Seeded, cast: Cast, published: datetime) -> list[Row]:
    rows = []
    for product in cast.products:
        if not rng.chance(PUBLISHED[product.brand_quality]):
            continue
        body = build_list(product_id=product.id, version=1, published_at=published,
                          parties={"brand": product.brand_id, "shop": product.shop_id, "platform": "platform",
                                   "anchor": None, "carrier": None})
        rows.append({"product_id": product.id, "version": 1, "body": body, "hash": list_hash(body),
                     "published_at": published, "published_by": product.brand_id})
    return rows
