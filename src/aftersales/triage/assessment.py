"""What triage tells intake about one message; frozen so a stored assessment cannot drift."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TriageAssessment:
    category: str
    categories: dict[str, float]
    emotion: str
    emotion_scores: dict[str, float]
    confidence: float
    risk_flags: tuple[str, ...]
    symptoms: tuple[str, ...]
    answer_zh: str
    answer_en: str
    soothing_zh: str | None
    soothing_en: str | None
    model_version: str
    #: a second problem the message names (multi-issue), or None
    secondary_category: str | None = None
    #: 0..1, how strongly the buyer feels (0 calm and quiet … 1 furious, shouting); feeds queue priority
    emotion_intensity: float = 0.0
    #: -1..1, the polarity of the wording (outside lexicon + cue forms), beside the emotion: a calm buyer may
    #: still describe a bad experience; review-style text is judged on this, after-sales tone on `emotion`
    valence: float = 0.0

    def to_json(self) -> dict[str, object]:
        """The `classify` output line minus the text: plain types, probabilities rounded for humans."""
        return {
            "category": self.category,
            "secondary_category": self.secondary_category,
            "categories": {k: round(v, 4) for k, v in self.categories.items()},
            "emotion": self.emotion,
            "emotion_intensity": round(self.emotion_intensity, 3),
            "valence": round(self.valence, 3),
            "risk_flags": list(self.risk_flags),
            "symptoms": list(self.symptoms),
            "confidence": round(self.confidence, 4),
        }
