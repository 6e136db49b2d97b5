"""The run-time feature scan for a whole batch at once: the same features as `Featurizer.tokens`, without a
Python loop per message.

The batch is joined into one string (a newline between messages: `normalize` leaves none inside one), so each
automaton and regex is one call in C for the whole batch, and every hit is mapped to its message by its
offset. Character n-grams become integer keys (21 bits a code point, so a trigram fits in 63 bits) looked up
in the sorted vocabulary with numpy. `Featurizer.tokens` stays the reference: training counts document
frequencies with it, and a test keeps the two equal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from scipy import sparse

from aftersales.triage import signals as sig
from aftersales.triage.lexicon import CLASS_LEXICON

if TYPE_CHECKING:
    from aftersales.triage.features import Featurizer

SEP: Final = "\n"
# Order numbers, phone numbers and amounts vary endlessly and say nothing about the class: fold them.
LONG_NUMBER_RE: Final = re.compile(r"\d{5,}")
NUMBER_RE: Final = re.compile(r"\d+(?:\.\d+)?")
NEGATORS: Final = ("不是", "没有", "并不是", "并非", "不算", "没", "不", "无", "非")
#: the two characters after a negator are read as denied ("不是质量问题" -> N:质量)
NEG_FOLLOW_RE: Final = re.compile("(?:" + "|".join(sorted(NEGATORS, key=len, reverse=True)) + r")([^，,。！!？?\s]{2})")
_NEG_CHARS: Final = np.array([ord(c) for c in "不没非无"], dtype=np.int64)
#: a named feature ("L:3", "W:…", "S:…", "N:…", "¬K:…"), not a character n-gram; texts are lower case
_NAMED: Final = re.compile(r"¬?[A-Z]:")
_TWO_CHAR_NEG: Final = (ord("不") << 21 | ord("是"), ord("没") << 21 | ord("有"))


@dataclass(frozen=True)
class Scanned:
    """One batch: the feature matrix (L2-normalised TF-IDF) and the signal counts (messages × signal tags)."""

    x: sparse.csr_matrix
    counts: np.ndarray


def codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def ngram_key(gram: str) -> int:
    key = 0
    for ch in gram:
        key = key << 21 | ord(ch)
    return key


def _rows_of(starts: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Message index of each hit, from its start position in the joined string."""
    return np.searchsorted(offsets, starts, side="right") - 1


def _hits(automaton: Any, text: str) -> np.ndarray:
    found = automaton.find_matches_as_indexes(text)
    return np.array(found, dtype=np.int64).reshape(-1, 3)


class _Lookup:
    """Sorted keys -> feature columns, for vectorised membership."""

    def __init__(self, pairs: dict[int, int]) -> None:
        keys = np.array(sorted(pairs), dtype=np.int64)
        self.keys = keys
        self.cols = np.array([pairs[k] for k in keys.tolist()], dtype=np.int64)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask of keys found, their columns)."""
        if len(self.keys) == 0:
            return np.zeros(len(keys), dtype=bool), np.zeros(0, dtype=np.int64)
        idx = np.searchsorted(self.keys, keys)
        idx[idx == len(self.keys)] = 0
        found = self.keys[idx] == keys
        return found, self.cols[idx[found]]


class Scanner:
    """Compiled once per featurizer: n-gram keys, word and cue automata, signal tag columns."""

    def __init__(self, featurizer: Featurizer) -> None:
        import ahocorasick_rs

        vocab = featurizer.vocabulary
        self.n_features = len(vocab)
        self.idf = featurizer.idf
        self.ngram_max = featurizer.ngram_max
        grams = {tok: col for tok, col in vocab.items() if 0 < len(tok) <= self.ngram_max and col
                 and not _NAMED.match(tok)}
        self._ngrams = _Lookup({ngram_key(tok): col for tok, col in grams.items() if len(tok) > 1})
        singles = {ord(tok): col for tok, col in grams.items() if len(tok) == 1}
        self._chars = np.zeros(max(singles, default=0) + 2, dtype=np.int64)  # the last slot: "beyond the table"
        self._chars[list(singles)] = list(singles.values())
        self._chars[ord(SEP)] = 0
        kind = ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
        words = list(featurizer.words)
        self._words = ahocorasick_rs.AhoCorasick(words, matchkind=kind) if words else None
        self._word_cols = np.array([vocab.get("W:" + w, 0) for w in words], dtype=np.int64)
        cues: dict[str, list[str]] = {}
        for cls, ws in CLASS_LEXICON.items():
            for w in ws:
                cues.setdefault(w, []).append("K:" + cls)
        cue_words = list(cues)
        self._cues = ahocorasick_rs.AhoCorasick(cue_words, matchkind=kind)
        self._cue_ptr = np.cumsum([0] + [len(cues[w]) for w in cue_words])
        self._cue_cols = np.array([vocab.get(k, 0) for w in cue_words for k in cues[w]], dtype=np.int64)
        self._cue_neg_cols = np.array([vocab.get("¬" + k, 0) for w in cue_words for k in cues[w]], dtype=np.int64)
        self._neg_follow = _Lookup({ngram_key(tok[2:]): col for tok, col in vocab.items() if tok.startswith("N:")})
        self._tag_cols = np.array([vocab.get("S:" + t, 0) for t in sig.TAGS], dtype=np.int64)
        self._len_cols = np.array([vocab.get(f"L:{b}", 0) for b in range(9)], dtype=np.int64)

    def scan(self, norms: Sequence[str]) -> Scanned:
        raw = SEP.join(norms)
        if raw.count(SEP) != len(norms) - 1:  # a caller's own newline would split a message in two
            raw = SEP.join(t.replace(SEP, " ") for t in norms)
        counts = sig.batch_counts(raw, len(norms))
        folded = NUMBER_RE.sub("9", LONG_NUMBER_RE.sub("#", raw))
        lengths = np.fromiter(map(len, folded.split(SEP)), dtype=np.int64, count=len(norms))
        offsets = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        cp = codepoints(folded)
        parts = [self._grams(cp, offsets, lengths), self._word_hits(folded, offsets),
                 self._cue_hits(folded, cp, offsets), self._negations(folded, offsets),
                 self._signal_entries(counts), self._length_entries(lengths)]
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] for p in parts])
        data = np.concatenate([p[2] for p in parts]).astype(np.float32)
        keep = cols > 0
        x = sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=(len(norms), self.n_features))
        return Scanned(_tfidf(x, self.idf), counts)

    def _grams(self, cp: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
        rows = np.repeat(np.arange(len(offsets)), lengths + 1)[: len(cp)]
        # A separator or a character the vocabulary lacks is column 0; a longer n-gram is only looked up where
        # its shorter parts are known, since min_df keeps every part of a kept n-gram.
        uni = self._chars[np.minimum(cp, len(self._chars) - 1)]
        known = uni > 0
        out_r, out_c = [rows[known]], [uni[known]]
        keys, ok = cp, known
        for n in range(2, self.ngram_max + 1):
            keys = keys[:-1] << 21 | cp[n - 1 :]
            ok = ok[:-1] & ok[1:]
            where = np.flatnonzero(ok)
            found, cols = self._ngrams.find(keys[where])
            out_r.append(rows[where[found]])
            out_c.append(cols)
            ok = np.zeros(len(ok), dtype=bool)
            ok[where[found]] = True
        r, c = np.concatenate(out_r), np.concatenate(out_c)
        return r, c, np.ones(len(c))

    def _word_hits(self, folded: str, offsets: np.ndarray) -> tuple[np.ndarray, ...]:
        if self._words is None:
            return _empty()
        h = _hits(self._words, folded)
        return _rows_of(h[:, 1], offsets), self._word_cols[h[:, 0]], np.ones(len(h))

    def _cue_hits(self, folded: str, cp: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, ...]:
        h = _hits(self._cues, folded)
        if len(h) == 0:
            return _empty()
        start = h[:, 1]
        # What a negator right before denies ("不是质量问题" -> ¬K:quality_defect), as `Featurizer.tokens` reads it
        prev1 = np.where(start >= 1, cp[np.maximum(start - 1, 0)], 0)
        prev2 = np.where(start >= 2, cp[np.maximum(start - 2, 0)] << 21 | prev1, 0)
        denied = np.isin(prev1, _NEG_CHARS) | np.isin(prev2, _TWO_CHAR_NEG)
        lo, hi = self._cue_ptr[h[:, 0]], self._cue_ptr[h[:, 0] + 1]
        reps = hi - lo
        flat = np.repeat(lo - np.cumsum(reps) + reps, reps) + np.arange(reps.sum())
        cols = np.where(np.repeat(denied, reps), self._cue_neg_cols[flat], self._cue_cols[flat])
        return np.repeat(_rows_of(start, offsets), reps), cols, np.ones(len(cols))

    def _negations(self, folded: str, offsets: np.ndarray) -> tuple[np.ndarray, ...]:
        found = [(m.start(1), ngram_key(m.group(1))) for m in NEG_FOLLOW_RE.finditer(folded)]
        if not found:
            return _empty()
        pos, keys = np.array(found, dtype=np.int64).T
        hit, cols = self._neg_follow.find(keys)
        return _rows_of(pos[hit], offsets), cols, np.ones(len(cols))

    def _signal_entries(self, counts: np.ndarray) -> tuple[np.ndarray, ...]:
        r, t = np.nonzero(counts)
        return r, self._tag_cols[t], np.minimum(counts[r, t], 3)  # as tokens(): a tag counts at most three times

    def _length_entries(self, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
        return np.arange(len(lengths)), self._len_cols[np.minimum(lengths // 8, 8)], np.ones(len(lengths))


def _empty() -> tuple[np.ndarray, ...]:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)


def _tfidf(x: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF (log1p of the count) times IDF, each row L2-normalised."""
    np.log1p(x.data, out=x.data)
    x.data *= idf[x.indices]
    per_row = np.diff(x.indptr)
    rows = np.repeat(np.arange(x.shape[0]), per_row)
    norms = np.sqrt(np.bincount(rows, weights=x.data * x.data, minlength=x.shape[0])).astype(np.float32)
    norms[norms == 0] = 1.0
    x.data /= np.repeat(norms, per_row)
    return x
