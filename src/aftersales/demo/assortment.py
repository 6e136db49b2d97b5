"""What is sold: the category tree, fictional brands with their quality, and product names with prices."""

from __future__ import annotations

from dataclasses import dataclass

# (code, name_zh, name_en, parent_code)
CATEGORIES: tuple[tuple[str, str, str, str | None], ...] = (
    ("food", "食品", "Food", None),
    ("fresh", "生鲜", "Fresh produce", None),
    ("cosmetics", "美妆", "Cosmetics", None),
    ("lipstick", "口红", "Lipstick", "cosmetics"),
    ("skincare", "护肤", "Skincare", "cosmetics"),
    ("foundation", "粉底", "Foundation", "cosmetics"),
    ("apparel", "服饰", "Apparel", None),
    ("shoes", "鞋靴", "Shoes", None),
    ("electronics", "数码3C", "Electronics", None),
    ("home", "家居", "Home", None),
    ("baby", "母婴", "Baby", None),
    ("virtual", "虚拟服务", "Virtual services", None),
    ("customised", "定制商品", "Customised goods", None),
    ("hygiene", "个护卫生", "Hygiene", None),
)
LEAF_CATEGORIES = tuple(code for code, *_ in CATEGORIES if code != "cosmetics")
BEAUTY = frozenset({"lipstick", "skincare", "foundation"})

# product nouns and a price range (CNY) per leaf category
PRODUCTS: dict[str, tuple[tuple[str, ...], tuple[int, int]]] = {
    "food": (("每日坚果礼盒", "手工牛肉干", "低糖燕麦片", "螺蛳粉6袋装", "黑芝麻丸", "即食海参", "云南鲜花饼",
              "零添加酸奶块"), (19, 199)),
    "fresh": (("烟台红富士苹果5斤", "丹东99草莓", "阳澄湖大闸蟹礼券", "赣南脐橙10斤", "海南金钻凤梨",
               "冷冻黑虎虾1kg", "内蒙古羔羊排"), (29, 399)),
    "lipstick": (("丝绒哑光口红", "水光唇釉", "雕花口红礼盒", "持妆不沾杯唇泥", "润唇膏"), (59, 329)),
    "skincare": (("玻尿酸补水精华", "烟酰胺美白面霜", "神经酰胺修护乳", "氨基酸洁面乳", "积雪草舒缓面膜",
                  "视黄醇抗老精华", "温和卸妆水"), (69, 599)),
    "foundation": (("持妆粉底液", "气垫BB霜", "遮瑕膏", "控油散粉"), (89, 459)),
    "apparel": (("羊毛混纺大衣", "宽松卫衣", "高腰阔腿裤", "真丝衬衫", "羽绒服轻薄款", "针织开衫",
                 "碎花连衣裙"), (59, 1299)),
    "shoes": (("复古运动鞋", "加绒雪地靴", "软底小白鞋", "通勤乐福鞋", "儿童学步鞋"), (79, 699)),
    "electronics": (("降噪蓝牙耳机", "65W氮化镓充电器", "智能手表", "便携投影仪", "机械键盘", "10000mAh充电宝",
                     "扫地机器人"), (59, 2999)),
    "home": (("乳胶枕", "四件套纯棉", "空气炸锅", "收纳箱3只装", "香薰加湿器", "不粘锅炒锅"), (29, 899)),
    "baby": (("婴儿纸尿裤L码", "有机米粉", "宝宝洗发沐浴露", "婴儿推车", "儿童保温杯"), (39, 1699)),
    "virtual": (("视频会员年卡", "健身私教课10节", "话费充值100元", "线上英语课", "游戏点卡"), (30, 998)),
    "customised": (("刻字银手镯", "定制照片台历", "DIY姓名抱枕", "定制情侣T恤"), (49, 599)),
    "hygiene": (("电动牙刷", "卫生巾组合装", "一次性内裤", "漱口水", "洗脸巾"), (19, 299)),
}


@dataclass(frozen=True)
class BrandSpec:
    name: str
    categories: tuple[str, ...]
    quality: str  # good | average | bad: scales its quality-defect and counterfeit complaints
    alliance: bool  # its factory is in the supply-chain alliance (bears 50% of quality compensation)


BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec("花漾集", ("lipstick", "foundation"), "good", True),
    BrandSpec("朱颜阁", ("lipstick",), "bad", False),
    BrandSpec("植萃堂", ("skincare",), "good", True),
    BrandSpec("水润肌研", ("skincare", "foundation"), "average", False),
    BrandSpec("雪域之源", ("skincare",), "bad", False),
    BrandSpec("柔肤纪", ("skincare", "hygiene"), "average", False),
    BrandSpec("麦田优选", ("food",), "good", True),
    BrandSpec("老味道", ("food",), "average", False),
    BrandSpec("鲜果时光", ("fresh",), "average", False),
    BrandSpec("海之味", ("fresh", "food"), "bad", False),
    BrandSpec("云裳坊", ("apparel",), "average", False),
    BrandSpec("简衣社", ("apparel",), "good", False),
    BrandSpec("潮野", ("apparel", "shoes"), "bad", False),
    BrandSpec("步履轻", ("shoes",), "good", True),
    BrandSpec("极客派", ("electronics",), "good", False),
    BrandSpec("声浪", ("electronics",), "bad", False),
    BrandSpec("智联家", ("electronics", "home"), "average", False),
    BrandSpec("悦居家", ("home",), "good", False),
    BrandSpec("暖窝", ("home",), "average", False),
    BrandSpec("贝亲宝", ("baby",), "good", True),
    BrandSpec("小星星母婴", ("baby",), "average", False),
    BrandSpec("乐享会员", ("virtual",), "average", False),
    BrandSpec("印记定制", ("customised",), "average", False),
    BrandSpec("洁士", ("hygiene",), "good", False),
    BrandSpec("清风伴", ("hygiene", "home"), "bad", False),
)

# the anchors' niches: which categories they sell
NICHES: dict[str, tuple[str, ...]] = {
    "beauty": ("lipstick", "skincare", "foundation", "hygiene"),
    "fashion": ("apparel", "shoes", "lipstick"),
    "food": ("food", "fresh"),
    "tech": ("electronics", "home", "virtual"),
    "family": ("baby", "home", "food", "hygiene"),
    "general": ("food", "apparel", "home", "skincare", "electronics", "customised", "virtual"),
}
