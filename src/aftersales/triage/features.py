"""Feature extraction: character n-grams, a word signal without jieba at run time, and emotion lexicon hits.

jieba segments the training corpus once (in `train`); its words become one trie-shaped regex that scans a
message in C at run time, far cheaper than `jieba.lcut`. What follows a negator ("不是质量问题") becomes its
own feature ("N:质量"), which is what lets the model read negation.
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
from aftersales.triage.scan import LONG_NUMBER_RE, NEG_FOLLOW_RE, NUMBER_RE, Scanned, Scanner
from aftersales.triage.signals import Signals, signals

PAD: Final = "\x00"
_SHORT_NEGATORS: Final = ("不是", "没有", "不", "没", "非", "无")
_NEG_CHAR_RE: Final = re.compile("[不没非无]")

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
        cues: dict[str, list[str]] = {}
        for cls, ws in CLASS_LEXICON.items():
            for w in ws:
                cues.setdefault(w, []).append("K:" + cls)
        self._cue_re = re.compile(trie_pattern(cues))
        self._cue_of = cues
        self._scanner: Scanner | None = None

    def tokens(self, text: str, *, normalized: bool = False, sig: Signals | None = None) -> list[str]:
        """Every feature name one message produces (before vocabulary lookup)."""
        raw = text if normalized else normalize(text)
        t = NUMBER_RE.sub("9", LONG_NUMBER_RE.sub("#", raw))
        # map(str.__add__, ...) builds n-grams in C; a slicing comprehension costs twice as much.
        out: list[str] = list(t)
        grams: Iterable[str] = t
        for n in range(2, self.ngram_max + 1):
            grams = list(map(str.__add__, grams, t[n - 1 :]))
            out.extend(grams)
        if self._word_re is not None:  # the trie only matches whole known words, so no length filter
            out.extend(map("W:".__add__, self._word_re.findall(t)))
        # What follows a negator is read as denied: "不是质量问题" yields N:质量, unlike "质量问题".
        out.extend(map("N:".__add__, NEG_FOLLOW_RE.findall(t)))
        # cue forms, DUTIR/HowNet hits and intensity marks, read before numbers are folded (12315)
        out.extend((sig or signals(raw)).tokens())
        if _NEG_CHAR_RE.search(t) is None:  # most messages deny nothing: skip the per-match check
            out.extend(chain.from_iterable(map(self._cue_of.__getitem__, self._cue_re.findall(t))))
        else:
            for m in self._cue_re.finditer(t):
                denied = t[max(0, m.start() - 2) : m.start()].endswith(_SHORT_NEGATORS)
                out.extend(("¬" + k) if denied else k for k in self._cue_of[m.group()])
        out.append(f"L:{min(len(t) // 8, 8)}")
        return out

    def transform(self, texts: Sequence[str], *, normalized: bool = False) -> sparse.csr_matrix:
        """L2-normalised TF-IDF rows, one per text (the batch scan: see `scan.py`)."""
        return self.scan(texts, normalized=normalized).x

    def scan(self, texts: Sequence[str], *, normalized: bool = False) -> Scanned:
        """The feature matrix and the signal counts of a batch, in one pass."""
        if self._scanner is None:
            self._scanner = Scanner(self)
        return self._scanner.scan(texts if normalized else [normalize(t) for t in texts])

    def reference_transform(self, texts: Sequence[str], *, normalized: bool = False) -> sparse.csr_matrix:
        """The same matrix from `tokens`, one message at a time: what the batch scan must equal."""
        vocab = self.vocabulary
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            # Index 0 is a padding feature no text produces, so filter(None, ...) drops unknown tokens in C.
            indices.extend(filter(None, map(vocab.get, self.tokens(text, normalized=normalized))))
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
