"""Emotion cue phrases written by the team from after-sales chat, grouped by what they do to a buyer's tone.

They are kept apart from the corpus templates on purpose: the cues name *forms* (an accusation, a threat, a
demand, a rhetorical question), so a message written in words the corpus never used still lights them up.
`signals.py` matches them together with the DUTIR emotion ontology and the HowNet sentiment words.
"""

from __future__ import annotations

import re
from typing import Final

#: tag -> phrases; every phrase is matched on normalised text (simplified, half-width, lower case)
CUES: Final[dict[str, tuple[str, ...]]] = {
    # going outside: regulators, the press, lawyers, public reviews
    "threat": (
        "12315", "12345", "投诉", "曝光", "媒体", "记者", "律师", "起诉", "法院", "打官司", "吃官司", "告你们", "告到",
        "消协", "消费者协会", "市场监管", "工商", "报警", "黑猫", "维权", "举报", "差评", "发微博", "发小红书",
        "发抖音", "上热搜", "发到网上", "发出去", "让大家看看", "评评理", "找平台", "平台介入", "走法律",
    ),
    # calling the seller a cheat or a liar
    "accuse": (
        "骗子", "骗人", "骗钱", "欺骗", "诈骗", "坑人", "坑爹", "被坑", "太坑", "黑心", "无良", "奸商", "黑店", "忽悠",
        "糊弄", "耍人", "耍我", "虚假宣传", "卖假货", "假货", "韭菜", "冤大头", "霸王条款", "欺负人", "欺负",
        "白嫖", "踢皮球", "推三阻四", "推卸", "不要脸", "良心", "无耻", "套路", "当猴耍", "敷衍", "甩锅", "耍流氓",
        "欺诈", "骗了", "睁眼说瞎话", "昧良心", "一眼假", "不负责任", "没人管", "没人理", "没人回", "不理人",
        "装死", "拉黑", "逗我", "玩我", "倒闭",
    ),
    # contempt for the goods or the people
    "insult": (
        "垃圾", "破玩意", "破东西", "什么玩意", "啥玩意", "什么东西", "什么破", "烂货", "稀巴烂", "烂透", "狗屎",
        "该死", "妈的", "tmd", "特么", "他妈", "尼玛", "sb", "智障", "脑子", "有病", "滚", "恶心", "辣鸡", "废物",
        "丑到爆", "太烂", "摆设", "机器人吗",
    ),
    # sarcasm and mock praise
    "sarcasm": (
        "呵呵", "可真行", "真行", "真是好", "好样的", "绝了", "笑死", "服了", "无语", "醉了", "栓q", "真棒啊",
        "真快啊", "真是快", "厉害了", "佩服", "666", "🙄", "😅", "蜗牛", "月亮上", "真当", "好质量", "好服务",
        "也是醉", "牛啊", "呵",
    ),
    # a demand with force
    "demand": (
        "必须", "给个说法", "给我个说法", "给我一个说法", "给我解释", "给个解释", "给个交代", "给我一个答复",
        "给个准话", "赔偿", "赔钱", "赔我", "必须赔", "负责", "担得起", "马上处理", "立刻", "立即", "退钱",
        "今天必须", "不然", "否则", "要不然", "别想", "等着", "看着办", "没完", "讨个说法", "假一赔十",
    ),
    # plain anger words
    "anger": (
        "生气", "气死", "气炸", "火大", "气人", "愤怒", "恼火", "忍无可忍", "岂有此理", "太过分", "过分", "离谱",
        "受够", "够了", "拒绝", "搞什么", "怎么回事", "什么意思", "想怎样", "想怎么样", "凭什么", "到底",
        "😡", "🤬", "💢", "😤", "👎",
    ),
    # urgency and worry
    "urgent": (
        "急", "快点", "尽快", "赶紧", "加急", "马上", "在线等", "等着用", "明天就要", "后天", "明天", "今天",
        "来不及", "赶时间", "等不了", "求求", "拜托", "快回", "快帮", "怎么办", "担心", "害怕", "会不会",
        "到期", "过期", "催", "急用", "救命", "⏰", "🆘", "🙏",
    ),
    # let down, resigned, sad
    "sad": (
        "失望", "唉", "哎", "算了", "心累", "心塞", "心疼", "后悔", "可惜", "白期待", "白等", "白高兴", "难过",
        "伤心", "寒心", "心凉", "哭", "不会再", "不敢再", "再也不", "以后不", "不想再", "一般般", "凑合",
        "亏了", "打水漂", "失落", "郁闷", "无奈", "累了", "折腾", "辜负", "遗憾", "没想到", "本来", "丢死人",
        "不值", "不推荐", "别买", "上当", "浪费", "差劲", "太差", "很差", "好差", "真差", "不满意", "不好用",
        "难用", "不怎么样", "糟糕", "一言难尽", "😔", "😞", "💔", "😢", "😭", "🥲", "emo",
    ),
    # politeness and praise: a calm or pleased buyer
    "polite": (
        "谢谢", "麻烦", "请问", "辛苦", "您好", "你好", "感谢", "打扰", "亲", "3q", "劳驾", "多谢", "唔该",
        "满意", "不错", "很好", "喜欢", "推荐", "好评", "值得", "划算", "性价比", "方便", "舒服", "👍", "😊",
        "🌹", "👌",
    ),
    # "you (the shop)": accusations are addressed to someone
    "you": ("你们", "你家", "你们家", "贵店", "商家", "客服"),
}

#: negators that flip the next sentiment word ("不好" is bad, "不差" is not)
NEGATORS: Final[tuple[str, ...]] = ("不", "没", "没有", "不是", "别", "无", "未", "并不", "不太", "不怎么", "不够")

#: rhetorical and accusing sentence forms that a word list cannot express
RHETORIC: Final[tuple[str, ...]] = (
    r"[也还]敢",  # 这质量也敢卖
    r"这也[叫算配]",
    r"不叫.{0,8}叫什么",
    r"(?:有|哪有)你们这[样么种]",
    r"当.{0,6}(?:傻|韭菜|冤大头|猴)",
    r"你们(?:是|就是|这是|还|到底|真|怎么)",
    r"[吗呢嘛啊][?？][!?！？]*",
    r"是吧[?？]",
    r"(?:难道|凭啥|何必|谁负责|谁出|谁赔)",
    r"(?:就是这么|就这么)做生意",
)
#: every character a RHETORIC form can start with: a lookahead on them lets the scan skip other positions at
#: once (3x faster than trying ten alternatives everywhere); a test keeps it equal to the plain alternation
RHETORIC_FIRST: Final = "也还这不有哪当你吗呢嘛啊是难凭何谁就"
RHETORIC_RE: Final = re.compile(f"(?=[{RHETORIC_FIRST}])(?:" + "|".join(RHETORIC) + ")")
#: a character typed three times ("等等等", "啊啊啊") or a word said twice for emphasis ("八天！！八天")
REPEAT_RE: Final = re.compile(r"([\u4e00-\u9fff])\1\1|([\u4e00-\u9fff]{2,4})[!！?？,，。 ]+\2")
