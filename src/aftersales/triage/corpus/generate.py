"""Deterministic generator of the labelled triage corpus: `python -m aftersales.triage.corpus.generate`.

Templates, short messages, emotion wrappers and risk phrases are each split once into train/dev/test,
so the dev and test files are written with phrasings the model never saw in training.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

from aftersales.triage.corpus import templates as tp
from aftersales.triage.taxonomy import CATEGORIES, EMOTIONS

SEED: Final = 20261125
SPLITS: Final = ("train", "dev", "test")
PER_CLASS: Final = {"train": 270, "dev": 55, "test": 60}
EMOTION_WEIGHTS: Final = (0.34, 0.22, 0.19, 0.25)
CORPUS_DIR: Final = Path(__file__).parent

T = TypeVar("T")
_PRODUCT_SLOT: Final = {"virtual_goods": "{v}", "allergy_reaction": "{mp}", "size_fit": "{cp}", "damaged_in_transit": "{fp}",
                        "counterfeit": "{bp}", "quality_defect": "{gp}"}


@dataclass
class Message:
    text: str
    category: str
    categories: list[str]
    emotion: str
    risk_flags: set[str] = field(default_factory=set)
    symptoms: list[str] = field(default_factory=list)
    template: str = ""

    def record(self, split: str, index: int) -> dict[str, object]:
        return {
            "id": f"{split}-{index:05d}", "text": self.text, "category": self.category,
            "categories": self.categories, "emotion": self.emotion or None,
            "risk_flags": sorted(self.risk_flags), "symptoms": self.symptoms, "template": self.template,
        }


def split_items(items: Sequence[T], rng: random.Random, shares: tuple[float, float] = (0.6, 0.2)) -> dict[str, list[T]]:
    """Shuffle once and cut into train/dev/test; every split gets at least one item."""
    pool = list({repr(item): item for item in items}.values())  # a phrasing listed twice stays in one split
    rng.shuffle(pool)
    n_train = max(1, round(len(pool) * shares[0]))
    n_dev = max(1, round(len(pool) * shares[1]))
    return {"train": pool[:n_train], "dev": pool[n_train : n_train + n_dev], "test": pool[n_train + n_dev :]}


def _unpack(template: tp.Template) -> tuple[str, dict[str, str]]:
    return (template, {}) if isinstance(template, str) else template


class Generator:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        r = random.Random(seed + 1)
        self.templates = {c: split_items(tp.TEMPLATES[c] + tp.MORE[c], r, (0.7, 0.15)) for c in CATEGORIES}
        self.short = {c: split_items(tp.SHORT[c] + tp.SHORT_MORE[c], r, (0.6, 0.2)) for c in CATEGORIES}
        self.openers = {e: split_items(tp.OPENERS[e] + tp.OPENERS_MORE[e], r, (0.7, 0.15)) for e in EMOTIONS}
        self.closers = {e: split_items(tp.CLOSERS[e] + tp.CLOSERS_MORE[e], r, (0.7, 0.15)) for e in EMOTIONS}
        self.risks = {f: split_items(p, r, (0.7, 0.15)) for f, p in tp.RISK_PHRASES.items()}
        self.symptoms = split_items(tp.SYMPTOM_PHRASES, r, (0.7, 0.15))
        self.problems = {c: split_items(tp.PROBLEMS[c] + tp.PROBLEMS_MORE[c], r, (0.7, 0.15)) for c in CATEGORIES}
        self.requests = {c: split_items(tp.REQUESTS[c], r, (0.6, 0.2)) for c in CATEGORIES}
        self.frames = split_items(tp.FRAMES, r, (0.7, 0.15))
        # A held-out problem phrase that is also a training message by itself ("用了过敏") is not held out.
        seen = {_unpack(t)[0] for c in CATEGORIES for t in self.short[c]["train"] + self.templates[c]["train"]}
        seen |= {_unpack(p)[0] for c in CATEGORIES for p in self.problems[c]["train"]}
        for c in CATEGORIES:
            for split in ("dev", "test"):
                self.problems[c][split] = [p for p in self.problems[c][split] if _unpack(p)[0] not in seen] or self.problems[c][split]
                self.short[c][split] = [p for p in self.short[c][split] if _unpack(p)[0] not in seen] or self.short[c][split]
        self.trad = {s: t for t, s in (tp_pair for tp_pair in _trad_pairs())}
        from aftersales.triage.corpus.compose import Composer

        self._composer = Composer(random.Random(seed + 2), self.trad)

    def fill(self, text: str, split: str, msg: Message) -> str:
        rng = self.rng
        slots = {
            "p": rng.choice(tp.GOODS + tp.CLOTHES + tp.COSMETICS), "p2": rng.choice(tp.GOODS),
            "gp": rng.choice(tp.GOODS), "cp": rng.choice(tp.CLOTHES), "mp": rng.choice(tp.COSMETICS),
            "fp": rng.choice(tp.FRAGILE), "bp": rng.choice(tp.BRANDED), "fp2": rng.choice(tp.FOODS),
            "v": rng.choice(tp.VIRTUAL), "g": rng.choice(tp.GIFTS), "c": rng.choice(tp.CARRIERS),
            "sz": rng.choice(tp.SIZES), "t": rng.choice(tp.TIMES), "mat": rng.choice(tp.MATERIALS),
            "anchor": rng.choice(tp.ANCHORS), "d": str(rng.choice((2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20))),
            "n": str(rng.randint(2, 6)), "n2": "1", "o": self._order(), "a": self._amount(),
        }
        if "{s}" in text:
            phrase, symptom = rng.choice(self.symptoms[split])
            slots["s"] = phrase
            msg.symptoms.append(symptom)
        if "{mi}" in text:
            phrase, symptom = rng.choice(tp.MAKEUP_ISSUES)
            slots["mi"] = phrase
            msg.symptoms.append(symptom)
        return text.format(**slots)

    def _order(self) -> str:
        rng = self.rng
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((16, 18, 19))))
        return rng.choice(("订单号", "单号", "订单", "订单编号:", "")) + digits

    def _amount(self) -> str:
        rng = self.rng
        value = rng.choice((19.9, 39, 59, 89.9, 99, 129, 168, 199, 259, 299, 399, 599, 899, 1299))
        return rng.choice((f"¥{value}", f"{value}元", f"{value}块", f"{int(value)}块钱"))

    def _tagged(self, template: tp.Template, split: str, msg: Message) -> str:
        text, tags = _unpack(template)
        if "risk" in tags:
            msg.risk_flags.update(tags["risk"].split(","))
        if "sym" in tags:
            msg.symptoms.extend(tags["sym"].split(","))
        return self.fill(text, split, msg)

    def message(self, category: str, split: str) -> Message:
        rng = self.rng
        emotion = rng.choices(EMOTIONS, EMOTION_WEIGHTS)[0]
        msg = Message(text="", category=category, categories=[category], emotion=emotion)
        kind = rng.choices(("short", "normal", "long", "multi"), (0.12, 0.62, 0.14, 0.12))[0]
        pool = self.short[category][split] if kind == "short" else self.templates[category][split]
        template = self._composed(category, split) if kind != "short" and rng.random() < 0.45 else rng.choice(pool)
        msg.template = f"{category}:{_unpack(template)[0]}"
        body = self._tagged(template, split, msg)
        if kind == "multi":
            body += "，" + self._second(category, split, msg)
        if kind == "long":
            body = "".join(self.fill(s, split, msg) for s in rng.sample(tp.STORY, 2)) + body
        if kind != "short" and rng.random() < 0.12:
            flag = rng.choice(sorted(self.risks))
            body += "，" + self._tagged(rng.choice(self.risks[flag][split]), split, msg)
            msg.risk_flags.add(flag)
        if emotion == "calm" and _reads_angry(body):
            msg.emotion = ""  # a sarcastic or accusing template under a calm wrapper: no emotion label
        msg.text = self._noise(self._wrap(body, emotion, split, kind), emotion)
        msg.symptoms = list(dict.fromkeys(msg.symptoms))
        return msg

    def _composed(self, category: str, split: str) -> tp.Template:
        rng = self.rng
        frame = rng.choice(self.frames[split])
        if frame == "{x}" or ("{r}" in frame and rng.random() < 0.3):
            frame = frame.replace("，{r}", "")
        request = rng.choice(self.requests[category][split])
        frame = frame.replace("{p}", _PRODUCT_SLOT.get(category, "{p}"))
        problem, tags = _unpack(rng.choice(self.problems[category][split]))
        text = frame.replace("{x}", problem).replace("{r}", request)
        return (text, tags) if tags else text

    def _second(self, category: str, split: str, msg: Message) -> str:
        other = self.rng.choice([c for c in CATEGORIES if c not in (category, "other")])
        msg.categories.append(other)
        return self._tagged(self.rng.choice(tp.SECOND_ISSUES[other]), split, msg)

    def _wrap(self, body: str, emotion: str, split: str, kind: str) -> str:
        rng = self.rng
        opener = rng.choice(self.openers[emotion][split])
        closer = rng.choice(self.closers[emotion][split])
        if kind == "short" and emotion == "calm" and rng.random() < 0.6:
            opener, closer = "", ""
        if emotion != "calm" and not opener and not closer.strip("，。"):
            closer = rng.choice([c for c in self.closers[emotion][split] if c])
        if emotion in ("angry", "disappointed") and rng.random() < 0.1:
            opener = rng.choice(tp.SLANG) + opener
        return opener + body + closer

    def _noise(self, text: str, emotion: str) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            old, new = rng.choice(tp.TYPOS)
            text = text.replace(old, new, 1)
        if rng.random() < 0.18:
            text += rng.choice(tp.EMOJI[emotion]) * rng.choice((1, 1, 2, 3))
        if rng.random() < 0.06:
            text = "".join(self.trad.get(ch, ch) for ch in text)
        if rng.random() < 0.1:
            text = text.replace("，", rng.choice((" ", ",", "")))
        if rng.random() < 0.05:
            text = text.replace("。", "").rstrip("，")
        return text

    def corpus(self) -> dict[str, list[dict[str, object]]]:
        """Half of dev/test uses phrasings held out of training entirely (`heldout`), half reuses training
        phrasings with fresh slots, wrappers and noise; exact duplicates of a training text are dropped."""
        out: dict[str, list[dict[str, object]]] = {}
        seen: set[str] = set()
        for split in SPLITS:
            messages: list[tuple[Message, bool]] = []
            for c in CATEGORIES:
                for i in range(PER_CLASS[split]):
                    heldout = split != "train" and i % 2 == 0
                    msg = self.message(c, split if heldout else "train")
                    if split == "train":
                        seen.add(msg.text)
                    elif msg.text not in seen:
                        messages.append((msg, heldout))
                        continue
                    if split == "train":
                        messages.append((msg, False))
            messages.extend(self._composed_family(split, seen))
            self.rng.shuffle(messages)
            out[split] = [m.record(split, i) | {"heldout": h} for i, (m, h) in enumerate(messages)]
        return out


    def _composed_family(self, split: str, seen: set[str]) -> list[tuple[Message, bool]]:
        """The second family (compose.py), same held-out scheme; a calm body that reads as angry (sarcasm in
        a first-family template) keeps its class but loses its emotion label rather than teach "sarcasm is calm"."""
        from aftersales.triage.corpus.compose import PER_CLASS as COMPOSED

        composer = self._composer
        out: list[tuple[Message, bool]] = []
        for c in CATEGORIES:
            for i in range(COMPOSED[split]):
                heldout = split != "train" and i % 2 == 0
                msg = composer.message(c, split if heldout else "train")
                if split == "train":
                    seen.add(msg.text)
                elif msg.text in seen:
                    continue
                out.append((msg, heldout))
        if split == "train":
            out.extend((composer.praise(), False) for _ in range(40))
        for i in range({"train": 500, "dev": 60, "test": 60}[split]):
            msg = composer.review(good=i % 2 == 0)
            if msg.text not in seen:
                seen.add(msg.text)
                out.append((msg, False))
        return out


def _reads_angry(body: str) -> bool:
    from aftersales.triage.normalize import normalize
    from aftersales.triage.signals import signals

    return signals(normalize(body)).anger() >= 0.55


def _trad_pairs() -> list[tuple[str, str]]:
    from aftersales.triage.normalize import _TRADITIONAL

    return [(_TRADITIONAL[i], _TRADITIONAL[i + 1]) for i in range(0, len(_TRADITIONAL) - 1, 2)
            if _TRADITIONAL[i] != _TRADITIONAL[i + 1]]


def write(directory: Path = CORPUS_DIR, seed: int = SEED) -> dict[str, int]:
    """Write train/dev/test JSONL files; returns the number of messages per split."""
    counts: dict[str, int] = {}
    for split, records in Generator(seed).corpus().items():
        path = directory / f"{split}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        counts[split] = len(records)
    return counts


if __name__ == "__main__":
    import sys

    sys.stdout.write(json.dumps(write()) + "\n")
