"""The second corpus family: a problem, how the buyer feels (by form: accusation, threat, demand, rhetoric,
sarcasm, urgency, resignation, politeness), a request and a voice, assembled in varied order.

The emotion label is the feeling the message was built with, and a message is built with the forms that carry
it, so the label and the words agree; calm messages say no feeling or only politeness or praise. Each pool is
split once, so held-out dev/test messages use problems, feelings, requests and voices never seen in training.
"""

from __future__ import annotations

import random
from typing import Final

from aftersales.triage.corpus import templates as tp
from aftersales.triage.corpus import voices as vc
from aftersales.triage.corpus.generate import Message, split_items
from aftersales.triage.taxonomy import CATEGORIES, EMOTIONS

PER_CLASS: Final = {"train": 330, "dev": 50, "test": 50}
EMOTION_WEIGHTS: Final = (0.3, 0.2, 0.2, 0.3)
_VOICE_WEIGHTS: Final = {"plain": 0.42, "elder": 0.1, "slang": 0.1, "upset": 0.08, "dialect": 0.12, "story": 0.18}
_JOINS: Final = ("，", "，", "。", "！", " ", "", "，", "...", "～")
_MARKS: Final[dict[str, tuple[str, ...]]] = {
    "angry": ("！", "！！", "！！！", "？？？", "？！", "!!", "😡", "🤬", "", "。"),
    "anxious": ("！", "？", "？？", "。", "", "😭", "🙏", "!!"),
    "disappointed": ("。", "", "...", "😔", "😞", "～", "！"),
    "calm": ("。", "", "？", "~", "🙏", "😊", "，谢谢"),
}
_LEADS: Final = ("等了{d}天才到，结果", "好不容易到了，", "催了半天才送来，")


def _split(items: tuple[str, ...], rng: random.Random, shares: tuple[float, float]) -> dict[str, list[str]]:
    """split_items, but a small pool still leaves test one item (taken from train)."""
    parts = split_items(items, rng, shares)
    if not parts["test"] and len(parts["train"]) > 1:
        parts["test"].append(parts["train"].pop())
    return parts


class Composer:
    def __init__(self, rng: random.Random, trad: dict[str, str]) -> None:
        self.rng = rng
        self.trad = trad
        r = random.Random(rng.random())
        self.problems = {c: _split(vc.PROBLEMS[c], r, (0.7, 0.15)) for c in CATEGORIES}
        self.requests = {c: _split(vc.REQUESTS[c], r, (0.6, 0.2)) for c in CATEGORIES}
        self.feelings = {e: {f: _split(p, r, (0.7, 0.15)) for f, p in forms.items()}
                         for e, forms in vc.FEELINGS.items()}
        self.voices = {v: _split(p, r, (0.6, 0.2)) if len(p) > 2 else {s: list(p) for s in ("train", "dev", "test")}
                       for v, p in vc.VOICES.items()}

    def message(self, category: str, split: str) -> Message:
        rng = self.rng
        emotion = rng.choices(EMOTIONS, EMOTION_WEIGHTS)[0]
        msg = Message(text="", category=category, categories=[category], emotion=emotion)
        problem = self.rng.choice(self.problems[category][split])
        parts = [self._fill(problem)]
        if category != "other" and rng.random() < 0.18:
            self._second(category, split, msg, parts)
        if rng.random() < 0.55:
            parts.append(rng.choice(self.requests[category][split]))
        feelings = self._feelings(emotion, split)
        for f in feelings:
            parts.insert(rng.choice((0, len(parts))), f)
        body = self._join(parts) + rng.choice(_MARKS[emotion])
        voice = rng.choices(list(_VOICE_WEIGHTS), list(_VOICE_WEIGHTS.values()))[0]
        if emotion == "calm" and voice == "upset":
            voice = "plain"
        msg.text = self._noise(rng.choice(self.voices[voice][split]).format(body=body))
        msg.template = f"compose:{category}:{problem}"
        return msg

    def _problem(self, category: str, split: str) -> str:
        return self._fill(self.rng.choice(self.problems[category][split]))

    def _second(self, category: str, split: str, msg: Message, parts: list[str]) -> None:
        rng = self.rng
        other = rng.choice([c for c in CATEGORIES if c not in (category, "other")])
        msg.categories.append(other)
        if other == "logistics_delay" and rng.random() < 0.6:
            parts[0] = self._fill(rng.choice(_LEADS)) + parts[0]
            return
        parts.append(rng.choice(("而且", "另外", "还有", "并且", "顺便说下", "还")) + self._problem(other, split))

    def _feelings(self, emotion: str, split: str) -> list[str]:
        rng = self.rng
        forms = self.feelings[emotion]
        if emotion == "calm" and rng.random() < 0.4:
            return []
        k = 1 if emotion == "calm" else rng.choice((1, 1, 2, 2, 3))
        chosen = rng.sample(sorted(forms), min(k, len(forms)))
        return [rng.choice(forms[f][split]) for f in chosen]

    def _join(self, parts: list[str]) -> str:
        out = parts[0]
        for part in parts[1:]:
            out += self.rng.choice(_JOINS) + part
        return out

    def _fill(self, text: str) -> str:
        rng = self.rng
        return text.format(p=rng.choice(tp.GOODS + tp.CLOTHES + tp.COSMETICS), d=rng.choice((2, 3, 5, 7, 10, 15)),
                           c=rng.choice(tp.CARRIERS), a=rng.choice(("20块", "50元", "100", "¥39")),
                           g=rng.choice(tp.GIFTS), sz=rng.choice(tp.SIZES))

    def _noise(self, text: str) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            old, new = rng.choice(vc.TYPOS)
            text = text.replace(old, new, 1)
        if rng.random() < 0.06:
            text = "".join(self.trad.get(ch, ch) for ch in text)
        if rng.random() < 0.08:
            text = text.replace("！", "!").replace("？", "?").replace("，", ",")
        return text

    def praise(self) -> Message:
        text, category = self.rng.choice(vc.PRAISE)
        return Message(text=text, category=category, categories=[category], emotion="calm", template="praise")

    def review(self, good: bool) -> Message:
        """A buyer judging the goods, one to four aspects: pleased is calm (class other), displeased is
        disappointed (class of the first aspect judged badly); a mixed verdict takes its worst part."""
        rng = self.rng
        aspects = rng.sample(vc.ASPECTS, rng.choice((1, 2, 2, 3, 4)))
        verdicts = [good or (i > 0 and rng.random() < 0.3) for i in range(len(aspects))]
        if not good:
            rng.shuffle(verdicts)
            verdicts[rng.randrange(len(verdicts))] = False
        clauses = [a + rng.choice(vc.GOOD if v else vc.BAD) for (a, _), v in zip(aspects, verdicts, strict=True)]
        closer = rng.choice(vc.CLOSE_GOOD if good else vc.CLOSE_BAD)
        text = self._join([*clauses, closer] if closer else clauses) + rng.choice(("。", "！", "", "~"))
        bad = [c for (_, c), v in zip(aspects, verdicts, strict=True) if not v]
        category = bad[0] if bad else "other"
        return Message(text=self._noise(text), category=category, categories=list(dict.fromkeys(bad or ["other"])),
                       emotion="calm" if good else "disappointed", template="review")
