"""Text normalisation shared by training and prediction, so both see the same characters."""

from __future__ import annotations

import re
from typing import Final

# Buyers from Hong Kong, Taiwan and overseas type traditional characters; folding the ones that matter
# for after-sales onto simplified keeps one set of features instead of two half-trained ones.
_TRADITIONAL: Final[str] = (
    "貨货還还說说質质問问題题麼么這这們们過过臉脸紅红癢痒膚肤發发遞递東东買买賣卖錢钱價价號号單单種种"
    "碼码頭头來来為为壞坏開开關关應应該该沒没讓让給给幫帮謝谢請请氣气點点時时間间後后聽听試试貼贴實实"
    "際际廣广虛虚贈赠禮礼會会員员儲储補补額额損损運运輸输漲涨醫医腫肿訴诉師师體体區区媒媒騙骗偽伪"
    "劣劣麗丽連连線线慢慢遲迟達达寄寄裝装產产廠厂牌牌盒盒瓶瓶膏膏霜霜紙纸鞋鞋褲裤裙裙碎碎爛烂破破"
    "漏漏少少缺缺換换寬宽緊紧長长短短號号直直播播講讲騷骚擾扰鬧闹嗎吗呢呢啊啊吧吧嘛嘛麻麻煩烦處处理理"
    "辦办態态度度這这樣样兒儿個个孩孩醫医療疗紅红疹疹痘痘腫肿刺刺痛痛燒烧熱热"
)
_TRAD_MAP: Final[dict[int, int]] = {
    ord(_TRADITIONAL[i]): ord(_TRADITIONAL[i + 1]) for i in range(0, len(_TRADITIONAL) - 1, 2)
}
# Full-width ASCII (Ａ-Ｚ, ０-９, ！？) typed by Chinese IMEs maps onto ASCII.
_FULLWIDTH_MAP: Final[dict[int, int]] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH_MAP[0x3000] = 0x20
# A message is one line to the feature scan (it joins a batch with newlines): breaks and tabs read as spaces.
_FULLWIDTH_MAP.update({ord("\n"): 0x20, ord("\r"): 0x20, ord("\t"): 0x20})
_TABLE: Final[dict[int, int]] = {**_FULLWIDTH_MAP, **_TRAD_MAP}


# A lone surrogate (a broken emoji from a JSON "\ud83d" escape) cannot be encoded, and the matchers need
# encodable text: it becomes U+FFFD, a surrogate pair becomes its character.
_SURROGATE_RE: Final = re.compile("[\ud800-\udfff]")


def normalize(text: str) -> str:
    """Fold width, case and common traditional characters; keep punctuation and emoji (they carry emotion)."""
    if _SURROGATE_RE.search(text) is not None:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text.translate(_TABLE).lower().strip()
