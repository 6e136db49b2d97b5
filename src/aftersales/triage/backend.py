"""Where class and emotion probabilities come from: the shipped linear model by default, or, when an operator
configures one, an OpenAI-compatible LLM endpoint or a local transformer. Rules, answers and risk flags never
depend on the backend, and any backend failure falls back to the shipped model.

Environment (all optional; nothing is contacted unless AFTERSALES_TRIAGE_BACKEND says so):
  AFTERSALES_TRIAGE_BACKEND          local (default) | openai | transformer
  AFTERSALES_TRIAGE_LLM_URL          base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8001/v1
  AFTERSALES_TRIAGE_LLM_MODEL        model name sent in the request
  AFTERSALES_TRIAGE_LLM_API_KEY      bearer token, if the endpoint wants one
  AFTERSALES_TRIAGE_LLM_TIMEOUT      seconds per request (default 3)
  AFTERSALES_TRIAGE_TRANSFORMER_PATH a local directory with a fine-tuned text-classification model
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aftersales.triage.taxonomy import CATEGORIES, EMOTIONS


class BackendError(RuntimeError):
    """The configured backend could not answer; the caller falls back to the shipped model."""


@dataclass(frozen=True)
class Prediction:
    categories: dict[str, float]
    emotions: dict[str, float]
    version: str
    mentions: list[float] | None = None  # per class (taxonomy order): is it named at all; local model only


class TriageBackend(Protocol):
    name: str

    def predict(self, texts: Sequence[str]) -> list[Prediction]: ...


_SYSTEM_PROMPT = (
    "你是直播电商售后分诊助手。阅读买家消息，只输出一个JSON对象："
    '{"category": <类别id>, "emotion": <情绪id>, "confidence": <0到1>}。'
    f"类别id只能是: {', '.join(CATEGORIES)}。情绪id只能是: {', '.join(EMOTIONS)}。"
)


def _peaked(ids: Sequence[str], chosen: str, confidence: float) -> dict[str, float]:
    """A distribution putting `confidence` on the chosen id and sharing the rest, so callers see one shape."""
    rest = (1.0 - confidence) / (len(ids) - 1)
    return {i: (confidence if i == chosen else rest) for i in ids}


class OpenAICompatibleBackend:
    """Chat-completions client for any OpenAI-compatible server (vLLM, Ollama, a cloud API)."""

    name = "openai"

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 3.0,
                 transport: Any = None) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout,
                                    transport=transport)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return [self._one(t) for t in texts]

    def _one(self, text: str) -> Prediction:
        body = {"model": self.model, "temperature": 0,
                "messages": [{"role": "system", "content": _SYSTEM_PROMPT}, {"role": "user", "content": text}]}
        try:
            response = self._client.post("/chat/completions", json=body)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
            answer = json.loads(content[content.index("{") : content.rindex("}") + 1])
        except Exception as exc:  # any transport, HTTP or format problem means: use the shipped model
            raise BackendError(f"LLM backend failed: {exc}") from exc
        category, emotion = answer.get("category"), answer.get("emotion")
        if category not in CATEGORIES or emotion not in EMOTIONS:
            raise BackendError(f"LLM backend answered unknown ids: {category!r}, {emotion!r}")
        confidence = min(max(float(answer.get("confidence", 0.8)), 1 / len(CATEGORIES)), 1.0)
        return Prediction(_peaked(CATEGORIES, category, confidence), _peaked(EMOTIONS, emotion, 0.8),
                          f"llm:{self.model}")


class TransformerBackend:
    """A local fine-tuned classifier (labels = class ids) through `transformers`, if the operator installed it."""

    name = "transformer"

    def __init__(self, path: str) -> None:
        try:
            from transformers import pipeline  # type: ignore[import-not-found]
        except ImportError as exc:
            raise BackendError("transformer backend needs the `transformers` package") from exc
        self._pipe = pipeline("text-classification", model=path, top_k=None)
        self._path = path

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        out = []
        for scores in self._pipe(list(texts)):
            cats = {c: 0.0 for c in CATEGORIES} | {s["label"]: float(s["score"]) for s in scores
                                                  if s["label"] in CATEGORIES}
            out.append(Prediction(cats, {}, f"transformer:{self._path}"))
        return out


def backend_from_env(env: Mapping[str, str] | None = None) -> TriageBackend | None:
    """The operator's configured backend, or None for the shipped model."""
    env = os.environ if env is None else env
    kind = env.get("AFTERSALES_TRIAGE_BACKEND", "local").strip().lower()
    if kind in ("", "local"):
        return None
    if kind == "openai":
        url, model = env.get("AFTERSALES_TRIAGE_LLM_URL"), env.get("AFTERSALES_TRIAGE_LLM_MODEL")
        if not url or not model:
            raise BackendError("openai backend needs AFTERSALES_TRIAGE_LLM_URL and AFTERSALES_TRIAGE_LLM_MODEL")
        return OpenAICompatibleBackend(url, model, api_key=env.get("AFTERSALES_TRIAGE_LLM_API_KEY"),
                                       timeout=float(env.get("AFTERSALES_TRIAGE_LLM_TIMEOUT", "3")))
    if kind == "transformer":
        path = env.get("AFTERSALES_TRIAGE_TRANSFORMER_PATH")
        if not path:
            raise BackendError("transformer backend needs AFTERSALES_TRIAGE_TRANSFORMER_PATH")
        return TransformerBackend(path)
    raise BackendError(f"unknown AFTERSALES_TRIAGE_BACKEND={kind!r} (local | openai | transformer)")
