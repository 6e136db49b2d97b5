"""What people write: buyers per problem class, the AI's standard answers, agents' replies, survey remarks."""

from __future__ import annotations

# colloquial buyer messages per triage class; {p} is the product name
BUYER_TEXTS: dict[str, tuple[str, ...]] = {
    "logistics_delay": (
        "{p}下单都五天了还没发货，到底什么时候能发啊", "物流信息三天没更新了，{p}是不是丢了？",
        "说好48小时发货的，现在还显示待发货，急用的", "快递一直卡在中转站不动，能帮忙催一下吗",
        "预售说好11号前发货，现在都过了还没动静"),
    "damaged_in_transit": (
        "收到的{p}外包装压扁了，里面也摔坏了", "快递到的时候箱子是破的，{p}碎了一地",
        "打开一看{p}漏液了，盒子都湿透了", "{p}外壳裂了，应该是运输的时候摔的"),
    "quality_defect": (
        "{p}用了两天就坏了，质量也太差了吧", "{p}有明显的线头和破洞，这是正品吗",
        "{p}充不进电，插上没反应", "{p}有一股很重的异味，根本没法用", "刚拆开{p}就发现有划痕和瑕疵"),
    "not_as_described": (
        "直播间说{p}是纯棉的，收到根本不是", "主播说买一送一，结果只收到一件{p}",
        "实物和直播里展示的颜色差太多了", "主播说{p}敏感肌可用，我用了脸上起红疹",
        "直播间承诺的赠品没有，{p}规格也不对"),
    "counterfeit": (
        "{p}防伪码查不到，怀疑是假货", "和专柜买的{p}对比，包装字体都不一样，是不是假的",
        "{p}味道和我之前买的完全不同，怀疑不是正品"),
    "size_fit": (
        "这衣服太大了，平时穿M码，这个M像XL", "{p}偏小一码，脚趾顶得疼，想换大一码",
        "裤子太长了，能换个短款吗", "按尺码表买的，{p}还是不合身"),
    "allergy_reaction": (
        "用了{p}之后嘴唇又红又肿，还起了小疙瘩", "涂了{p}脸上过敏了，又痒又红，已经去医院了",
        "{p}用完皮肤刺痛泛红，医生说是接触性皮炎", "敏感肌用了{p}直接烂脸，医院诊断报告我有"),
    "missing_item": (
        "包裹里少了一件，{p}只收到一个", "说好的赠品没收到，只有{p}", "打开箱子是空的，{p}没在里面"),
    "no_reason_return": (
        "{p}不太喜欢，想七天无理由退货", "买重复了，{p}还没拆封，申请退货", "{p}颜色不喜欢，吊牌都还在，想退"),
    "refund_progress": (
        "退货都寄回去一周了，钱怎么还没退", "商家说已经退款了，我这边一直没收到", "退款审核了好几天了，能快点吗"),
    "price_protection": (
        "我前天买的{p}，今天直播间便宜了50块，能保价吗", "刚买完{p}就降价了，申请价保退差价",
        "双11说是全年最低价，结果现在更便宜了"),
    "virtual_goods": (
        "{p}买了还没用，想申请退款", "{p}兑换码提示已被使用，我根本没用过", "{p}充值一直没到账"),
    "other": ("发票一直没开，麻烦帮忙处理一下", "想修改一下收货地址", "{p}的使用说明看不懂，有人能解答吗"),
}

# what angry buyers add; the public-opinion words are what sends a case to L3 (SPEC §2)
ANGRY_TAILS = ("！！太气人了", "，你们这是欺骗消费者", "，再不处理我就投诉了", "，态度太差了！")
PUBLIC_OPINION_TAILS = ("，不解决我就打12315", "，我要去微博曝光你们", "，已经联系律师了", "，我要找媒体")

# the AI's first answer per class (zh, en): the standard solution pushed at L1
AI_ANSWERS: dict[str, tuple[str, str]] = {
    "logistics_delay": ("已为您催促商家发货，物流更新后会第一时间短信通知您。",
                        "We have urged the seller to ship; you will get an SMS as soon as tracking updates."),
    "damaged_in_transit": ("很抱歉商品运输途中受损，请上传外包装和商品照片，我们将为您优先处理退款或补发。",
                           "Sorry the item was damaged in transit; upload photos and we will refund or resend."),
    "quality_defect": ("已收到您的质量问题反馈，请上传商品照片或视频，专员将在1小时内联系您。",
                       "Quality issue received; please upload photos, an agent will contact you within 1 hour."),
    "not_as_described": ("我们已调取直播间的承诺记录进行核对，专员将在1小时内联系您。",
                         "We are checking the live session's recorded claims; an agent will call within 1 hour."),
    "counterfeit": ("平台承诺正品保障，请上传防伪码和商品照片，我们会送检核实。",
                    "Authenticity is guaranteed; upload the anti-counterfeit code and photos for verification."),
    "size_fit": ("已为您发送尺码表和退换货指引，退货地址已通过短信发送。",
                 "The size guide and return guide have been sent; the return address is in your SMS."),
    "allergy_reaction": ("请立即停用该产品，必要时就医。上传医院诊断或检测报告后可直接退款，无需寄回商品。",
                         "Stop using the product and see a doctor if needed; with a medical report we refund "
                         "without a return."),
    "missing_item": ("已为您核对发货清单，确认漏发后将为您补发或退款。",
                     "We are checking the packing list; once confirmed we will resend or refund."),
    "no_reason_return": ("商品支持7天无理由退货，退货地址已通过短信发送，请保持商品完好。",
                         "This item has 7-day no-reason returns; the return address has been sent by SMS."),
    "refund_progress": ("您的退款正在处理中，预计2个工作日内到账。",
                        "Your refund is in progress and should arrive within 2 working days."),
    "price_protection": ("已为您提交价保申请，核实后差价将原路退回。",
                         "Price protection requested; the difference will be refunded once verified."),
    "virtual_goods": ("未使用的虚拟服务可申请退款，我们正在核实使用记录。",
                      "Unused virtual services are refundable; we are checking the usage record."),
    "other": ("您的问题已记录，客服将尽快为您处理。", "Your request is recorded; an agent will handle it soon."),
}

EMPATHETIC_REPLIES = (
    "非常理解您的心情，给您添麻烦了，真的很抱歉。我这边马上为您加急处理。",
    "亲，辛苦您了！这个问题我们一定负责到底，处理结果我会第一时间告诉您。",
    "抱歉让您久等了，您的情况我已经了解清楚，现在就为您申请最优的解决方案。",
    "您放心，这件事我会全程跟进，给您一个满意的答复。",
)
CURT_REPLIES = (
    "已提交，等通知。", "按流程处理，请耐心等待。", "这个需要商家确认，你自己联系商家吧。", "系统显示正常，请再等等。",
)
BUYER_FOLLOW_UPS = (
    "好的，谢谢", "已经上传照片了，麻烦看一下", "到底什么时候能处理好？", "快递单号已经填好了",
    "医院的诊断报告已上传", "行吧，那我等着", "怎么又没人回复了",
)
SOOTHING = ("非常理解您的心情，我们会优先为您处理，并为您申请一份关怀礼包。",
            "We understand how you feel; your case is prioritised and a care package has been requested.")

SURVEY_COMMENTS: dict[str, tuple[str, ...]] = {
    "high": ("处理很快，客服态度好", "退款秒到，点赞", "客服很耐心，问题解决了", ""),
    "mid": ("还行吧，就是有点慢", "解决了，但过程有点折腾", ""),
    "low": ("踢皮球，推来推去", "等了好多天才处理", "客服态度很差", "问题根本没解决"),
}
CALLBACK_OUTCOMES: tuple[tuple[str, int], ...] = (
    ("已致歉并补发优惠券，买家表示理解", 4),
    ("已加急退款，买家认可处理结果", 5),
    ("买家仍不满意，已记录改进意见", 2),
    ("电话未接通，已短信致歉", 3),
    ("已协调品牌方补偿，买家接受", 4),
)
