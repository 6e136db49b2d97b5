"""L1 standard answers: per class a polite solution with a concrete next step that agrees with the policy
decision (outcome and remedy), the product's category, symptoms and risk; soothing scripts for the agent for
every buyer who is not calm. Pure text rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aftersales.triage.rules import SYMPTOM_EN


@dataclass(frozen=True)
class ClassText:
    step: tuple[str, str]  # the standard solution: what we do now and what the buyer does next
    action: tuple[str, str]  # the remedy named in outcome sentences
    alternative: tuple[str, str]  # offered when the policy says no
    evidence: tuple[str, str]  # asked for when the policy needs proof


CLASS_TEXT: Final[dict[str, ClassText]] = {
    "logistics_delay": ClassText(
        ("亲，已为您查询物流并向快递公司发起催件，最新进度会短信通知您；若48小时内仍无更新，可在订单页直接申请退款。",
         "We have traced your parcel and asked the carrier to hurry; updates come by SMS. If nothing moves within "
         "48 hours you can request a refund from the order page."),
        ("催件/延误退款", "chase or delay refund"), ("为您持续跟踪物流并每日同步进度", "keep tracking the parcel and update you daily"),
        ("物流截图或快递员联系记录", "a screenshot of the tracking page or your contact with the courier")),
    "damaged_in_transit": ClassText(
        ("非常抱歉商品在运输中受损。请在工单中上传外箱和破损处照片（有开箱视频更好），我们核实后为您补发或退款，无需寄回破损件。",
         "We are sorry the item arrived damaged. Please upload photos of the box and the damage (an unboxing video "
         "helps); once checked we resend or refund, and you need not return the broken item."),
        ("补发或退款", "replacement or refund"), ("向承运快递发起理赔并为您补偿", "file a claim with the carrier and compensate you"),
        ("外箱和破损处照片或开箱视频", "photos of the box and damage, or the unboxing video")),
    "quality_defect": ClassText(
        ("抱歉给您带来不便。请上传能看清问题的照片或视频及商品批号，我们核实质量问题后为您换新或退货退款，退货运费由商家承担。",
         "Sorry for the trouble. Please upload a photo or video showing the defect and the batch number; once the "
         "defect is confirmed we exchange it or refund you, and the seller pays return shipping."),
        ("换新或退货退款", "exchange or return and refund"), ("为您安排维修或部分补偿", "arrange a repair or a partial compensation"),
        ("问题部位照片/视频和商品批号", "photos or video of the defect and the batch number")),
    "not_as_described": ClassText(
        ("收到，我们会调取该场直播的存证记录，核对主播的介绍与商品详情。请上传实物照片（吊牌、标签、成分表），核实不符后为您退货退款，运费由我们承担。",
         "Noted. We will pull the recorded live-session evidence and compare what the anchor said with the product. "
         "Please upload photos of the item (tag, label, ingredient list); if it does not match, you get a return "
         "and refund with shipping on us."),
        ("退货退款", "return and refund"), ("按直播承诺为您补偿差异部分", "compensate the difference the anchor promised"),
        ("实物及吊牌/标签/成分表照片", "photos of the item and its tag, label or ingredient list")),
    "counterfeit": ClassText(
        ("我们非常重视正品问题。请保留商品和包装，上传防伪码、批号和包装照片，我们将提交品牌方鉴定，鉴定为假将按“假一赔十”等承诺处理。",
         "We take authenticity seriously. Please keep the item and packaging and upload the anti-counterfeit code, "
         "batch number and packaging photos; we send them to the brand for verification, and a fake is handled per "
         "the promise made (e.g. ten times compensation)."),
        ("退款并按承诺赔付", "refund and compensation as promised"), ("提供品牌授权和正品溯源证明", "show the brand authorisation and the product trace"),
        ("防伪码、批号和包装照片（有鉴定报告更好）", "the anti-counterfeit code, batch number, packaging photos and any appraisal report")),
    "size_fit": ClassText(
        ("已为您发送该商品的尺码表（含实测肩宽、胸围、衣长），建议按实测数据选码。未穿着、吊牌完好可在订单页申请换货，选好新尺码后我们优先发出。",
         "We have sent you the size chart with measured shoulder, chest and length. Unworn items with tags on can "
         "be exchanged from the order page; pick the new size and we ship it first."),
        ("换码", "size exchange"), ("帮您核对尺码并给出穿搭建议", "check the sizing with you and suggest a fit"),
        ("吊牌和商品状态照片", "photos of the tag and the item's condition")),
    "allergy_reaction": ClassText(
        ("请先停用该产品，用清水轻柔冲洗患处；症状加重请及时就医。我们已为您开启过敏处理通道，请上传患处照片、商品批号，如已就医请上传诊断或检测报告。",
         "Please stop using the product and rinse the area gently with water; see a doctor if it gets worse. We "
         "have opened the allergy path for you: please upload photos of the skin and the batch number, and the "
         "diagnosis or test report if you saw a doctor."),
        ("过敏退款", "allergy refund"), ("为您安排皮肤科咨询并提供护理补偿", "arrange a dermatology consultation and a care compensation"),
        ("患处照片，医院诊断或检测报告", "photos of the reaction and a hospital diagnosis or test report")),
    "missing_item": ClassText(
        ("抱歉漏发了。我们会核对仓库出库记录和包裹重量，请告诉我们缺少的商品或赠品名称，核实后48小时内为您补发。",
         "Sorry something is missing. We will check the warehouse record and parcel weight; tell us which item or "
         "gift is missing and we resend it within 48 hours once confirmed."),
        ("补发", "resend"), ("按缺件价值为您退款", "refund the value of the missing part"),
        ("包裹内物品和面单照片", "a photo of the parcel contents and the shipping label")),
    "no_reason_return": ClassText(
        ("可以的，签收7天内且不影响二次销售的商品支持无理由退货。请在订单页点击“申请退货”，退货地址会短信发给您，无理由退货运费由您承担（有运费险的由保险赔付）。",
         "Yes: within 7 days of delivery and if it can still be resold, the item can be returned without a reason. "
         "Tap 'Return' on the order page; the return address comes by SMS. Return shipping is yours unless the "
         "order has shipping insurance."),
        ("无理由退货", "no-reason return"), ("为您提供换货或优惠券补偿", "offer an exchange or a coupon"),
        ("商品和包装完好的照片", "photos showing the item and packaging intact")),
    "refund_progress": ClassText(
        ("已为您查询退款进度：仓库签收退货后24小时内审核，审核通过后原路退回，一般1–3个工作日到账，可在订单页“退款详情”查看。",
         "We checked your refund: it is reviewed within 24 hours of the warehouse receiving the return and paid "
         "back to the original account, usually within 1–3 working days; see 'Refund details' on the order page."),
        ("退款", "refund"), ("向财务加急并告知准确到账时间", "escalate to finance and give you an exact date"),
        ("退货物流单号或退款页面截图", "the return tracking number or a screenshot of the refund page")),
    "price_protection": ClassText(
        ("您的订单在价保期内（一般30天）可申请价格保护。请在订单页点击“申请价保”，系统核实同款同规格降价后，差价将原路退回。",
         "Your order may be covered by price protection (usually 30 days). Tap 'Price protection' on the order "
         "page; once the same item is confirmed cheaper, the difference is paid back."),
        ("价保差价退款", "price-difference refund"), ("为您发放等值优惠券", "give you a coupon of equal value"),
        ("降价页面截图（含时间）", "a dated screenshot of the lower price")),
    "virtual_goods": ClassText(
        ("已为您核查卡券/充值状态：未发放的将在2小时内重新发送到您的手机；未使用的虚拟商品可申请退款，请在订单页提交。",
         "We checked the voucher or top-up: anything not delivered is resent to your phone within 2 hours; unused "
         "virtual goods can be refunded from the order page."),
        ("重发或退款", "resend or refund"), ("联系服务商为您延期或换券", "ask the provider to extend or replace the voucher"),
        ("兑换失败页面截图和卡券号", "a screenshot of the failed redemption and the voucher number")),
    "other": ClassText(
        ("您好，已收到您的问题，客服会尽快为您解答；常见问题（发票、改地址、优惠券）可在“我的-帮助中心”自助办理。",
         "Hello, we have your question and an agent will answer soon; common requests (invoice, address change, "
         "coupons) can be done in 'Me > Help centre'."),
        ("处理", "request"), ("为您提供其他可行的方案", "offer you another option"),
        ("相关截图", "any relevant screenshots")),
}

_ACK: Final[dict[str, tuple[str, str]]] = {
    "logistics_delay": ("亲，已收到您的物流问题，我们正在核查包裹状态。", "We have your delivery question and are checking the parcel."),
    "damaged_in_transit": ("非常抱歉商品在运输中受损。", "We are sorry the item arrived damaged."),
    "quality_defect": ("抱歉商品出现质量问题，给您添麻烦了。", "We are sorry about the defect and the trouble."),
    "not_as_described": ("收到，我们会调取该场直播的存证记录，核对主播的介绍与商品详情。",
                         "Noted: we will pull the recorded live session and compare the anchor's words with the item."),
    "counterfeit": ("我们非常重视正品问题，请保留商品和包装。", "We take authenticity seriously; please keep the item and packaging."),
    "size_fit": ("抱歉尺码不合适。", "Sorry the size does not fit."),
    "allergy_reaction": ("非常抱歉给您的皮肤带来不适。", "We are very sorry about the reaction."),
    "missing_item": ("抱歉包裹里少了东西，我们会核对仓库出库记录和包裹重量。",
                     "Sorry something is missing; we will check the warehouse record and the parcel weight."),
    "no_reason_return": ("收到您的退货申请。", "We have your return request."),
    "refund_progress": ("已为您查询退款进度。", "We have looked up your refund."),
    "price_protection": ("收到您的价保申请。", "We have your price-protection request."),
    "virtual_goods": ("已为您核查卡券/充值状态。", "We have checked the voucher or top-up."),
    "other": ("您好，已收到您的问题。", "Hello, we have your question."),
}

# What the approved remedy means for the buyer next; the decision's remedy, not the class, names it.
_REMEDY: Final[dict[str, tuple[str, str]]] = {
    "refund": ("退款将原路退回，一般1–3个工作日到账。", "the refund goes back to your original account, usually in 1–3 working days."),
    "return_refund": ("退货地址会短信发给您，请在7天内寄回，仓库签收后为您退款。",
                      "the return address comes by SMS; send it back within 7 days and we refund once the warehouse signs for it."),
    "exchange": ("请在订单页选择新的规格，收到退回的商品后我们优先为您发出。",
                 "pick the new option on the order page and we ship it first once the return arrives."),
    "repair": ("请按短信中的地址寄回，我们维修后免费寄还。", "send it to the address in the SMS; we repair it and ship it back free."),
}
_REMEDY_NAME: Final[dict[str, tuple[str, str]]] = {
    "refund": ("退款", "refund"), "return_refund": ("退货退款", "return and refund"),
    "exchange": ("换货", "exchange"), "repair": ("维修", "repair"),
}

_OUTCOME: Final[dict[str, tuple[str, str]]] = {
    "approve": ("好消息：您的{action}申请符合规则，已为您通过，{next}",
                "Good news: your {action} meets the rules and is approved; {next}"),
    "deny": ("很抱歉，按售后规则本单暂不支持{action}，具体原因已写在工单中；我们可以{alternative}。",
             "We are sorry: under the after-sales rules this order is not eligible for {action} (the reasons are in "
             "the case); we can {alternative} instead."),
    "needs_evidence": ("为尽快处理{action}，请在工单中上传{evidence}，收到后24小时内审核。",
                       "To process the {action}, please upload {evidence} in the case; we review it within 24 hours."),
    "needs_human": ("您的问题已转给人工专员，1小时内会联系您。",
                    "Your case has gone to a specialist, who will contact you within 1 hour."),
}

# Product families by the order's category id (policy rulesets); an unknown category gets the general text.
_WEARABLE: Final = frozenset({"apparel", "underwear", "shoes"})
_SKIN: Final = frozenset({"cosmetics", "lipstick", "skincare", "foundation"})
_SIZE_STEP_OTHER: Final = (
    "请告诉我们想换的规格或型号；未使用、包装完好可在订单页申请换货，我们收到后优先发出。",
    "Tell us which size or model you need; unused items in their packaging can be exchanged from the order "
    "page, and we ship the new one first.")
_ALLERGY_CARE: Final = ("请先停用该产品，用清水轻柔冲洗患处；症状加重请及时就医。",
                        "Please stop using the product and rinse gently with water; see a doctor if it gets worse.")
_TREATED: Final = ("您已在就医，请遵医嘱安心治疗；诊断证明和医疗票据请保留，医疗费用我们会协助处理。",
                   "You are already under a doctor's care: follow their advice; keep the diagnosis and receipts, "
                   "and we will help with the medical costs.")
_SAFETY: Final = ("您的健康和安全最重要：如有不适请立即就医，医疗费用凭票据我们会协助处理。",
                  "Your health comes first: please see a doctor now if you feel unwell; we help with the medical "
                  "costs against receipts.")

_MAKEUP: Final = frozenset({"卡粉", "脱妆", "氧化"})


def answer(category: str, *, policy_outcome: str | None = None, symptoms: tuple[str, ...] = (),
           risk_flags: tuple[str, ...] = (), remedy: str | None = None, product_category: str | None = None,
           already_treated: bool = False) -> tuple[str, str]:
    """(zh, en) L1 answer that agrees with the decision: the outcome and remedy decide what is promised,
    the product's category what is offered (no size chart for a cleanser), and evidence is asked for once.
    Unknown outcomes fall back to the class's standard solution rather than failing intake."""
    ct = CLASS_TEXT.get(category, CLASS_TEXT["other"])
    zh: list[str] = []
    en: list[str] = []
    outcome = policy_outcome if policy_outcome in _OUTCOME else None
    if outcome is not None:
        _add(zh, en, _ACK.get(category, _ACK["other"]))
    if "safety" in risk_flags or already_treated:
        _add(zh, en, _TREATED if already_treated else _SAFETY)
    if category == "allergy_reaction":
        _add(zh, en, _ALLERGY_CARE if not already_treated else ("请先停用该产品。", "Please stop using the product."))
    step = _step(category, ct, product_category)
    _add(zh, en, step if outcome is None else _outcome_text(outcome, ct, remedy, step))
    _symptom_notes(zh, en, category, symptoms, ask_photos=outcome is None)
    return "".join(zh), " ".join(en)


def _add(zh: list[str], en: list[str], text: tuple[str, str]) -> None:
    zh.append(text[0])
    en.append(text[1])


def _step(category: str, ct: ClassText, product_category: str | None) -> tuple[str, str]:
    if category == "size_fit" and product_category is not None and product_category not in _WEARABLE:
        return _SIZE_STEP_OTHER
    if category == "allergy_reaction":  # the care advice is said once, before; keep the path and the evidence
        return ("我们已为您开启过敏处理通道，请上传患处照片、商品批号及医院诊断或检测报告（如有）。",
                "We have opened the allergy path: please upload photos of the skin, the batch number and any "
                "hospital diagnosis or test report.")
    return ct.step


def _outcome_text(outcome: str, ct: ClassText, remedy: str | None, step: tuple[str, str]) -> tuple[str, str]:
    action = _REMEDY_NAME.get(remedy or "", ct.action)
    tz, te = _OUTCOME[outcome]
    if outcome == "approve":
        nz, ne = _REMEDY.get(remedy or "", ("进度可在订单页查看。", "follow it on the order page."))
        if remedy not in _REMEDY and ct is not CLASS_TEXT["other"]:
            nz, ne = step[0], step[1][0].lower() + step[1][1:]
        return tz.format(action=action[0], next=nz), te.format(action=action[1], next=ne)
    return (tz.format(action=action[0], alternative=ct.alternative[0], evidence=ct.evidence[0]),
            te.format(action=action[1], alternative=ct.alternative[1], evidence=ct.evidence[1]))


def _symptom_notes(zh: list[str], en: list[str], category: str, symptoms: tuple[str, ...], *, ask_photos: bool) -> None:
    skin = tuple(s for s in symptoms if s not in _MAKEUP)
    if skin:
        zh.append(f"您提到{'、'.join(skin)}：如有刺痛或灼热，请告诉我们您是否对酒精、香精敏感，方便判断成分原因。")
        en.append(f"You mention {', '.join(SYMPTOM_EN[s] for s in skin)}: if it stings or burns, tell us whether "
                  "you are sensitive to alcohol or fragrance, so we can trace the ingredient.")
        if category != "allergy_reaction":
            _add(zh, en, ("我们已同时为您开启过敏处理通道。", "We have also opened the allergy path for you."))
    makeup = tuple(s for s in symptoms if s in _MAKEUP)
    if makeup:
        zh.append(f"关于{'、'.join(makeup)}：建议上妆前做好保湿、少量多次上妆并定妆"
                  + ("；若仍明显，请上传上妆照片和批号，我们核实后处理。" if ask_photos else "。"))
        en.append(f"About {', '.join(SYMPTOM_EN[s] for s in makeup)}: moisturise first, apply thin layers and set "
                  "it" + ("; if it persists, upload a photo and the batch number and we will look into it." if ask_photos else "."))


_SOOTHING: Final[dict[str, tuple[str, str]]] = {
    "angry": ("先真诚道歉，不辩解：“非常抱歉让您这么生气，这次确实是我们没做好，我会亲自跟进到底。”复述买家的问题以示理解，"
              "给出明确的处理时间（“今天18点前给您结果”），并可主动提供关怀礼包（小样或无门槛优惠券）。",
              "Apologise first, without excuses: \"I am truly sorry this made you so angry; we got it wrong and I "
              "will follow it through personally.\" Restate the problem to show you understood, give a firm time "
              "(\"you will have an answer by 18:00 today\") and offer a care package (samples or a coupon)."),
    "anxious": ("先让买家安心：“您别着急，我现在就帮您处理。”说清正在做什么、下一步是什么，给出具体时间点"
                "（“2小时内给您回复进度”），到点主动回访，不让买家再来催。",
                "Reassure first: \"Don't worry, I am on it right now.\" Say what you are doing and what comes next, "
                "give a concrete time (\"an update within 2 hours\"), and call back on time so the buyer need not chase."),
    "disappointed": ("先认可买家的感受：“辜负了您的期待，真的很抱歉。”说明我们会怎样弥补，给出下一步和时间，"
                     "结束前感谢对方的耐心，可附赠小样或优惠券表达心意。",
                     "Acknowledge the feeling: \"We let you down, and we are sorry.\" Explain how we will make it "
                     "right, with the next step and a time; thank them for their patience and add samples or a "
                     "coupon as a gesture."),
}


def soothing(emotion: str) -> tuple[str, str] | None:
    """Agent script for every non-calm buyer (angry, disappointed, anxious); None when the buyer is calm."""
    return _SOOTHING.get(emotion)
