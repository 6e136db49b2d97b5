"""Feature extraction: character n-grams, a word signal without jieba at run time, and emotion lexicon hits.

jieba segments the training corpus once (in `train`); its words become one trie-shaped regex that scans a
message in C at run time, far cheaper than `jieba.lcut`. What follows a negator ("不是质量问题") becomes its
own feature ("¬质量"), which is what lets the model read negation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Final

import numpy as np
from scipy import sparse

from aftersales.triage.lexicon import CLASS_LEXICON
from aftersales.triage.normalize import normalize

NEGATORS: Final = ("不是", "没有", "并不是", "并非", "不算", "没", "不", "无", "非")
# Order numbers, phone numbers and amounts vary endlessly and say nothing about the class: fold them.
_LONG_NUMBER_RE: Final = re.compile(r"\d{5,}")
_NUMBER_RE: Final = re.compile(r"\d+(?:\.\d+)?")
PAD: Final = "\x00"
_SHORT_NEGATORS: Final = ("不是", "没有", "不", "没", "非", "无")
_NEG_CHAR_RE: Final = re.compile("[不没非无]")
_NEG_FOLLOW_RE: Final = re.compile("(?:" + "|".join(sorted(NEGATORS, key=len, reverse=True)) + r")([^，,。！!？?\s]{2})")

# Emotion cue words (general Chinese e-commerce chat, written by the team); counts become features.
EMOTION_LEXICON: Final[dict[str, tuple[str, ...]]] = {
    "angry": ("气死", "生气", "垃圾", "骗子", "骗人", "过分", "投诉", "差评", "搞什么", "什么玩意", "离谱", "服了",
              "醉了", "疯了", "呵呵", "栓q", "敷衍", "滚", "坑人", "黑心", "无良", "恶心", "欺负", "忍无可忍",
              "岂有此理", "可真行", "好样的", "给个说法", "退钱", "!!", "😡", "🤬", "💢", "😤", "🙄",
              "奸商", "忽悠", "太坑", "坑爹", "黑店", "烂透", "太烂", "气人", "无耻", "什么东西"),
    "anxious": ("急", "在线等", "快点", "尽快", "加急", "等不了", "什么时候", "到底", "求求", "拜托", "明天就要",
                "着急", "赶时间", "来不及", "怎么还", "还没", "??", "😭", "😰", "🥺", "⏰", "🆘"),
    "disappointed": ("唉", "哎", "失望", "期待", "心凉", "伤心", "心累", "算了", "不会再买", "信任", "白高兴", "emo",
                     "可惜", "怎么会这样", "难过", "遗憾", "寒心", "后悔", "再也不", "😞", "😔", "💔", "😢", "🥲",
                     # general review words, so the model hears disappointment said in other ways
                     "不满意", "不值", "不怎么样", "一般般", "没想象", "不推荐", "别买", "上当", "浪费", "糟糕", "差劲",
                     "太差", "很差", "好差", "不好用", "难用", "难吃", "难看", "不舒服", "不如", "没意思", "凑合"),
    "calm": ("谢谢", "麻烦", "请问", "辛苦", "您好", "你好", "亲", "感谢", "打扰", "3q", "xx", "🙏", "😊", "👌", "🌹"),
}


def trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation factored into a trie, so matching cost does not grow with the word count."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: dict[str, dict]) -> str:
    ends = "" in node
    branches = [re.escape(ch) + _node_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
    return body


@dataclass
class Featurizer:
    """Maps messages to L2-normalised sublinear TF-IDF rows over n-grams, words and lexicon cues."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    words: tuple[str, ...]
    ngram_max: int = 3

    def __post_init__(self) -> None:
        self._word_re = re.compile(trie_pattern(self.words)) if self.words else None
        lexicon = [(f"E:{e}", w) for e, ws in EMOTION_LEXICON.items() for w in ws]
        self._lex_re = re.compile(trie_pattern(w for _, w in lexicon))
        self._lex_of = {w: k for k, w in lexicon}
        cues: dict[str, list[str]] = {}
        for cls, ws in CLASS_LEXICON.items():
            for w in ws:
                cues.setdefault(w, []).append("K:" + cls)
        self._cue_re = re.compile(trie_pattern(cues))
        self._cue_of = cues

    def tokens(self, text: str, *, normalized: bool = False) -> list[str]:
        """Every feature name one message produces (before vocabulary lookup)."""
        t = _NUMBER_RE.sub("9", _LONG_NUMBER_RE.sub("#", text if normalized else normalize(text)))
        # map(str.__add__, ...) builds n-grams in C; a slicing comprehension costs twice as much.
        out: list[str] = list(t)
        grams: Iterable[str] = t
        for n in range(2, self.ngram_max + 1):
            grams = list(map(str.__add__, grams, t[n - 1 :]))
            out.extend(grams)
        if self._word_re is not None:  # the trie only matches whole known words, so no length filter
            out.extend(map("W:".__add__, self._word_re.findall(t)))
        # What follows a negator is read as denied: "不是质量问题" yields ¬质量, unlike "质量问题".
        out.extend(map("¬".__add__, _NEG_FOLLOW_RE.findall(t)))
        out.extend(map(self._lex_of.__getitem__, self._lex_re.findall(t)))
        if _NEG_CHAR_RE.search(t) is None:  # most messages deny nothing: skip the per-match check
            out.extend(chain.from_iterable(map(self._cue_of.__getitem__, self._cue_re.findall(t))))
        else:
            for m in self._cue_re.finditer(t):
                denied = t[max(0, m.start() - 2) : m.start()].endswith(_SHORT_NEGATORS)
                out.extend(("¬" + k) if denied else k for k in self._cue_of[m.group()])
        out.append(f"L:{min(len(t) // 8, 8)}")
        return out

    def transform(self, texts: Sequence[str], *, normalized: bool = False) -> sparse.csr_matrix:
        vocab = self.vocabulary
        indices: list[int] = []
        indptr = [0]
        get = vocab.get
        for text in texts:
            # Index 0 is a padding feature no text produces, so filter(None, ...) drops unknown tokens in C.
            indices.extend(filter(None, map(get, self.tokens(text, normalized=normalized))))
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        x = sparse.csr_matrix((data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
                              shape=(len(texts), len(vocab)))
        x.sum_duplicates()
        np.log1p(x.data, out=x.data)
        x.data *= self.idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms).astype(np.float32) @ x)


def fit_featurizer(texts: Sequence[str], words: Sequence[str], min_df: int = 2, ngram_max: int = 3) -> Featurizer:
    """Learn the vocabulary (features seen in >= min_df messages) and smoothed IDF from training texts."""
    probe = Featurizer(vocabulary={}, idf=np.zeros(0, dtype=np.float32), words=tuple(words), ngram_max=ngram_max)
    df: dict[str, int] = {}
    for text in texts:
        for tok in set(probe.tokens(text)):
            df[tok] = df.get(tok, 0) + 1
    kept = [PAD, *sorted(tok for tok, n in df.items() if n >= min_df)]
    df[PAD] = n_docs = len(texts)
    vocabulary = {tok: i for i, tok in enumerate(kept)}
    idf = np.array([np.log((1 + n_docs) / (1 + df[tok])) + 1.0 for tok in kept], dtype=np.float32)
    return Featurizer(vocabulary=vocabulary, idf=idf, words=tuple(words), ngram_max=ngram_max)
