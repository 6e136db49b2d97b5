"""Pure checks of a drafted reply against the decision it must follow: a model may write well and still
promise what the policy refused. Clause by clause, a remedy word with a commitment ("为您退款", "可以退货",
"马上补发") is a grant unless a negation ("无法", "不支持") or a condition ("核实后", "如果") governs it; a
remedy word under a negation is a refusal.
"""

from __future__ import annotations

import re
from typing import Final

#: remedy kinds and the words that name them in a reply
REMEDY_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "refund": ("退款", "退钱", "退还货款", "把钱退", "钱退", "原路退回"),
    "return_refund": ("退货",),
    "exchange": ("换货", "换新", "换一个", "给您换", "为您换", "调换"),
    "repair": ("维修", "修理", "返修"),
    "resend": ("补发", "重新发货", "重发", "再发一"),
    "compensation": ("赔偿", "补偿", "赔付", "赔您", "退一赔三", "假一赔十"),
}
_COMMIT: Final = ("会", "将", "已", "马上", "立即", "立刻", "为您", "给您", "帮您", "可以", "同意", "安排", "通过", "办理",
                  "支持", "保证", "承诺", "一定", "直接", "今天", "现在")
_NEGATION: Final = ("不", "无法", "没法", "未能", "暂不", "不能", "不予", "拒绝", "没有办法", "爱莫能助")
_CONDITION: Final = ("如果", "若", "如", "核实后", "审核后", "审核通过", "确认后", "收到", "待", "一旦", "经", "是否",
                     "上传", "以便")
_REACH: Final = 4  # characters between a commitment and its remedy word ("会尽快为您" … "退款")
_CLAUSE_RE: Final = re.compile(r"[，。！？；,.!?;\n、]+")
# links and phone numbers (mobile, landline, 400 lines); digits are bounded by non-digits, not \b (CJK is \w)
_CONTACT_RE: Final = re.compile(r"https?://\S+|www\.\S+|(?<!\d)(?:1[3-9]\d{9}|\d{3,4}-\d{7,8}|400-?\d{3}-?\d{4})(?!\d)")


class DraftRejected(ValueError):
    """The draft contradicts the decision or says what nobody gave it; `reason` is a short code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def _kinds(clause: str) -> set[str]:
    return {kind for kind, words in REMEDY_WORDS.items() if any(w in clause for w in words)}


def grants(text: str) -> set[str]:
    """Remedy kinds the text promises outright: a commitment shortly before the remedy word ("为您退款",
    "可以退货", "已安排补发"), not just anywhere in the clause ("已超过无理由退货期限" promises nothing)."""
    out: set[str] = set()
    for clause in _CLAUSE_RE.split(text):
        if _negated(clause) or _conditional(clause):
            continue
        for kind, words in REMEDY_WORDS.items():
            if any(_committed(clause, clause.find(w)) for w in words if w in clause):
                out.add(kind)
    return out


def _committed(clause: str, at: int) -> bool:
    window = clause[max(0, at - _REACH - 2) : at]
    return any(c in window for c in _COMMIT)


def refusals(text: str) -> set[str]:
    """Remedy kinds the text refuses ("无法为您退款", "不支持换货")."""
    out: set[str] = set()
    for clause in _CLAUSE_RE.split(text):
        if _negated(clause):
            out |= _kinds(clause)
    return out


def _negated(clause: str) -> bool:
    return any(n in clause for n in _NEGATION)


def _conditional(clause: str) -> bool:
    return any(c in clause for c in _CONDITION)


def _allowed(outcome: str, remedy: str | None) -> set[str]:
    if outcome != "approve" or not remedy or remedy == "none":
        return set()
    # a return is refunded once it is back, so a return+refund approval may also speak of the refund
    return {"return_refund", "refund"} if remedy == "return_refund" else {remedy}


def check(draft: str, outcome: str, remedy: str | None, standard: str, given: str) -> None:
    """Raise DraftRejected when `draft` contradicts the decision (`outcome`, `remedy`) or invents a contact.

    What the policy-approved `standard` answer itself grants or refuses is never held against the draft (a
    deny may offer a repair instead); `given` is all the text the draft may quote (thread, reasons, claims).
    """
    standard_grants = grants(standard)
    promised = grants(draft) - standard_grants - _allowed(outcome, remedy)
    if outcome != "approve" and promised:
        raise DraftRejected(f"contradicts_decision:{outcome}_grants_{sorted(promised)[0]}", draft[:80])
    if outcome == "approve":
        refused = refusals(draft) & (_allowed(outcome, remedy) or set(REMEDY_WORDS))
        if refused - refusals(standard):
            raise DraftRejected("contradicts_decision:approve_refuses", draft[:80])
        if promised:
            raise DraftRejected(f"wrong_remedy:{sorted(promised)[0]}", draft[:80])
    for contact in _CONTACT_RE.findall(draft):
        if contact not in given:
            raise DraftRejected("unverified_contact", contact)
