"""Chinese buyer names, mobile numbers and postal addresses across provinces."""

from __future__ import annotations

from aftersales.demo.seeded import Seeded

# the most common surnames, roughly in order of frequency, so common ones come up more often
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彩春菊凤洁梅琳素云莲真环雪荣爱妹"
    "欣怡梓涵子轩浩宇雨萱思彤佳琪一诺可馨紫薇晨曦若汐书瑶嘉怡诗雨俊杰文博宇航子墨梦琪婉清悦欣婷雅"
)

# province → (short region name, cities with districts); the big e-commerce provinces are listed first
PROVINCES: tuple[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("广东省", "广东", (("广州市", ("天河区", "海珠区", "白云区", "番禺区")),
                    ("深圳市", ("南山区", "福田区", "宝安区", "龙岗区")), ("东莞市", ("南城街道", "长安镇")))),
    ("浙江省", "浙江", (("杭州市", ("西湖区", "余杭区", "滨江区", "拱墅区")), ("宁波市", ("鄞州区", "海曙区")),
                    ("金华市", ("义乌市", "婺城区")))),
    ("江苏省", "江苏", (("南京市", ("鼓楼区", "江宁区", "玄武区")), ("苏州市", ("工业园区", "姑苏区", "吴中区")),
                    ("无锡市", ("梁溪区", "滨湖区")))),
    ("上海市", "上海", (("上海市", ("浦东新区", "徐汇区", "闵行区", "静安区", "杨浦区")),)),
    ("北京市", "北京", (("北京市", ("朝阳区", "海淀区", "丰台区", "东城区", "昌平区")),)),
    ("山东省", "山东", (("济南市", ("历下区", "槐荫区")), ("青岛市", ("市南区", "崂山区", "黄岛区")),
                    ("临沂市", ("兰山区", "河东区")))),
    ("四川省", "四川", (("成都市", ("武侯区", "锦江区", "高新区", "双流区")), ("绵阳市", ("涪城区",)))),
    ("河南省", "河南", (("郑州市", ("金水区", "二七区", "中原区")), ("洛阳市", ("洛龙区", "西工区")))),
    ("湖北省", "湖北", (("武汉市", ("洪山区", "武昌区", "江汉区", "东湖高新区")), ("宜昌市", ("西陵区",)))),
    ("福建省", "福建", (("福州市", ("鼓楼区", "仓山区")), ("厦门市", ("思明区", "湖里区")))),
    ("湖南省", "湖南", (("长沙市", ("岳麓区", "雨花区", "开福区")), ("株洲市", ("天元区",)))),
    ("河北省", "河北", (("石家庄市", ("长安区", "裕华区")), ("保定市", ("竞秀区",)))),
    ("安徽省", "安徽", (("合肥市", ("蜀山区", "包河区", "政务区")), ("芜湖市", ("镜湖区",)))),
    ("陕西省", "陕西", (("西安市", ("雁塔区", "未央区", "长安区")),)),
    ("重庆市", "重庆", (("重庆市", ("渝北区", "江北区", "九龙坡区", "南岸区")),)),
    ("辽宁省", "辽宁", (("沈阳市", ("和平区", "浑南区")), ("大连市", ("甘井子区", "沙河口区")))),
    ("云南省", "云南", (("昆明市", ("五华区", "盘龙区")),)),
    ("广西壮族自治区", "广西", (("南宁市", ("青秀区", "西乡塘区")), ("桂林市", ("七星区",)))),
    ("黑龙江省", "黑龙江", (("哈尔滨市", ("南岗区", "道里区")),)),
    ("新疆维吾尔自治区", "新疆", (("乌鲁木齐市", ("天山区", "沙依巴克区")),)),
)
# share of buyers per province: coastal provinces buy most
PROVINCE_WEIGHTS = (14, 12, 11, 8, 7, 7, 6, 6, 5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2, 1)

STREETS = ("人民路", "中山路", "解放路", "建设路", "文化路", "和平路", "新华路", "长江路", "学府路", "滨江大道",
           "科技路", "花园路", "青年路", "光明街", "幸福路", "迎宾大道")
ESTATES = ("阳光花园", "翠苑小区", "碧桂园", "万科城", "金地名郡", "保利花园", "锦绣江南", "绿城桂花园",
           "龙湖春江郦城", "恒大名都", "世纪新城", "东方明珠苑", "御景湾", "香樟园")
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                   "158", "159", "166", "173", "176", "177", "180", "181", "182", "185", "186", "187", "188",
                   "189", "191", "195", "198", "199")


def person_name(rng: Seeded) -> str:
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN_CHARS) if rng.chance(0.3) else rng.choice(GIVEN_CHARS) + rng.choice(GIVEN_CHARS)
    return surname + given


def mobile(rng: Seeded) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def address(rng: Seeded) -> tuple[str, str]:
    """A full postal address and the buyer's region (short province name)."""
    province, region, cities = rng.choices(PROVINCES, weights=PROVINCE_WEIGHTS)[0]
    city, districts = rng.choice(cities)
    district = rng.choice(districts)
    # municipalities repeat their name as city; the address writes it once
    head = province if province == city else province + city
    line = (f"{head}{district}{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.choice(ESTATES)}"
            f"{rng.randint(1, 30)}栋{rng.randint(1, 3)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室")
    return line, region
