"""Optional drafting model: an OpenAI-compatible chat endpoint drafts the agent's reply, grounded on the policy
decision, its reasons, the anchor's claims and the thread. Off by default.

A draft is a suggestion: `draft_reply` returns it with `may_send_to_buyer` False at L2 and above (a person
reads, edits and sends it), and True at L1 only where the caller says the AI may answer on its own (the same
rule that lets the standard answer settle a common case). Whatever the model says is checked before anyone
sees it: a non-JSON, empty, over-long or contradicting answer (a refund promised beside a deny, a refusal
beside an approval, a remedy other than the decided one, a phone number or link nobody gave) is rejected, and
the caller uses the standard answer, which `Draft.fallback` carries.

Environment (nothing is contacted unless AFTERSALES_DRAFTING_BACKEND says so):
  AFTERSALES_DRAFTING_BACKEND   off (default) | openai
  AFTERSALES_DRAFTING_URL       base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8001/v1
  AFTERSALES_DRAFTING_MODEL     model name sent in the request
  AFTERSALES_DRAFTING_API_KEY   bearer token, if the endpoint wants one
  AFTERSALES_DRAFTING_TIMEOUT   seconds per request (default 5)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from aftersales.triage import draft_checks

log = logging.getLogger(__name__)

OUTCOMES: Final = ("approve", "deny", "needs_evidence", "needs_human")
TIERS: Final = ("L1", "L2", "L3")
MAX_DRAFT_CHARS: Final = 500
_THREAD_TURNS: Final = 12  # the latest turns are what the reply answers; older ones only cost tokens


class DraftingError(RuntimeError):
    """The drafting backend could not give a usable answer (the reason is a short code, see Draft.reason)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Turn:
    """One message of the case thread: who said it (buyer, agent, system) and what."""

    role: str
    text: str


@dataclass(frozen=True)
class DraftContext:
    """What the draft must agree with. `reasons` are the policy decision's reasons (zh), `anchor_claims` what
    the anchor said in the live session, `standard_answer` the answer used when there is no draft."""

    category: str
    policy_outcome: str
    reasons: tuple[str, ...]
    standard_answer: str
    remedy: str | None = None
    anchor_claims: tuple[str, ...] = ()
    thread: tuple[Turn, ...] = ()
    emotion: str | None = None


@dataclass(frozen=True)
class Draft:
    """`text` is the checked draft, or None with `reason` saying why (disabled, timeout, http_error, not_json,
    empty, too_long, contradicts_decision:…, wrong_remedy:…, unverified_contact, invalid_input:…)."""

    text: str | None
    reason: str
    fallback: str
    may_send_to_buyer: bool = False
    model: str | None = None
    details: dict[str, str] = field(default_factory=dict)


class DraftingBackend(Protocol):
    name: str

    def complete(self, messages: list[dict[str, str]]) -> str: ...


class OpenAICompatibleDrafter:
    """Chat-completions client for any OpenAI-compatible server (vLLM, Ollama, a cloud API)."""

    name = "openai"

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 5.0,
                 transport: Any = None) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout,
                                    transport=transport)

    def complete(self, messages: list[dict[str, str]]) -> str:
        import httpx

        body = {"model": self.model, "temperature": 0.2, "messages": messages,
                "response_format": {"type": "json_object"}}
        try:
            response = self._client.post("/chat/completions", json=body)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except httpx.TimeoutException as exc:
            raise DraftingError("timeout", str(exc)) from exc
        except httpx.HTTPError as exc:
            raise DraftingError("http_error", str(exc)) from exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:  # a body that is not a chat completion
            raise DraftingError("not_json", f"not a chat completion: {exc}") from exc
        if not isinstance(content, str):
            raise DraftingError("not_json", "message content is not text")
        return content

    def close(self) -> None:
        self._client.close()


def drafter_from_env(env: Mapping[str, str] | None = None) -> DraftingBackend | None:
    """The operator's configured drafter, or None (the default: drafting is off)."""
    env = os.environ if env is None else env
    kind = env.get("AFTERSALES_DRAFTING_BACKEND", "off").strip().lower()
    if kind in ("", "off", "none"):
        return None
    if kind != "openai":
        raise DraftingError("misconfigured", f"unknown AFTERSALES_DRAFTING_BACKEND={kind!r} (off | openai)")
    url, model = env.get("AFTERSALES_DRAFTING_URL"), env.get("AFTERSALES_DRAFTING_MODEL")
    if not url or not model:
        raise DraftingError("misconfigured", "openai drafting needs AFTERSALES_DRAFTING_URL and _MODEL")
    try:
        timeout = float(env.get("AFTERSALES_DRAFTING_TIMEOUT", "5"))
    except ValueError as exc:
        raise DraftingError("misconfigured", "AFTERSALES_DRAFTING_TIMEOUT must be a number of seconds") from exc
    return OpenAICompatibleDrafter(url, model, api_key=env.get("AFTERSALES_DRAFTING_API_KEY"), timeout=timeout)


_SYSTEM: Final = (
    "你是直播电商售后客服的回复起草助手。你只起草，客服会审核后再发送。"
    "严格依据给出的售后决定、理由和主播承诺起草一条简体中文回复：礼貌、具体、不超过200字。"
    "不得承诺决定之外的任何处理（决定是拒绝时不能答应退款退货换货补发赔偿；决定是需要补充凭证或转人工时不能提前答应），"
    "不得编造电话、链接、时间或金额。只输出一个JSON对象：{\"reply\": \"回复内容\"}。"
)


def build_messages(ctx: DraftContext) -> list[dict[str, str]]:
    """The chat request: the rules in the system turn, the decision and the thread as data in the user turn."""
    facts = {
        "问题类别": ctx.category, "售后决定": ctx.policy_outcome, "处理方式": ctx.remedy or "无",
        "决定理由": list(ctx.reasons), "主播在直播间的承诺": list(ctx.anchor_claims), "买家情绪": ctx.emotion or "未知",
        "标准答复": ctx.standard_answer,
        "会话": [{"角色": t.role, "内容": t.text} for t in ctx.thread[-_THREAD_TURNS:]],
    }
    return [{"role": "system", "content": _SYSTEM},
            {"role": "user", "content": json.dumps(facts, ensure_ascii=False)}]


def draft_reply(ctx: DraftContext, *, tier: str, ai_may_answer: bool = False,
                backend: DraftingBackend | None = None) -> Draft:
    """A checked draft of the agent's reply, or None with the reason (the standard answer is `fallback`).

    `tier` is the case's response tier; `ai_may_answer` is the caller's L1 rule (the AI may settle this case on
    its own). `backend` defaults to the one configured in the environment; with none, drafting is disabled.
    """
    invalid = _invalid(ctx, tier)
    if invalid:
        return Draft(None, f"invalid_input:{invalid}", ctx.standard_answer)
    try:
        drafter = backend if backend is not None else drafter_from_env()
    except DraftingError as exc:
        log.warning("drafting backend not usable: %s", exc)
        return Draft(None, exc.reason, ctx.standard_answer)
    if drafter is None:
        return Draft(None, "disabled", ctx.standard_answer)
    model = getattr(drafter, "model", drafter.name)
    try:
        text = _parse(drafter.complete(build_messages(ctx)))
        draft_checks.check(text, ctx.policy_outcome, ctx.remedy, ctx.standard_answer, _given_text(ctx))
    except (DraftingError, draft_checks.DraftRejected) as exc:
        log.info("draft rejected (%s), the standard answer stands: %s", exc.reason, exc)
        return Draft(None, exc.reason, ctx.standard_answer, model=model, details={"detail": str(exc)})
    return Draft(text, "ok", ctx.standard_answer, may_send_to_buyer=tier == "L1" and ai_may_answer, model=model)


def _invalid(ctx: DraftContext, tier: str) -> str | None:
    if tier not in TIERS:
        return "tier"
    if ctx.policy_outcome not in OUTCOMES:
        return "policy_outcome"
    if not ctx.standard_answer.strip():
        return "standard_answer"
    return None


def _parse(content: str) -> str:
    try:
        start, end = content.index("{"), content.rindex("}") + 1
        answer = json.loads(content[start:end])
    except ValueError as exc:
        raise DraftingError("not_json", content[:80]) from exc
    reply = answer.get("reply") if isinstance(answer, dict) else None
    if not isinstance(reply, str) or not reply.strip():
        raise DraftingError("empty", "no reply text")
    reply = reply.strip()
    if len(reply) > MAX_DRAFT_CHARS:
        raise DraftingError("too_long", f"{len(reply)} characters")
    return reply


def _given_text(ctx: DraftContext) -> str:
    """Everything the draft may quote: the thread, the reasons, the claims and the standard answer."""
    return "\n".join([*ctx.reasons, *ctx.anchor_claims, ctx.standard_answer, *(t.text for t in ctx.thread)])


def context(category: str, policy_outcome: str, reasons: Sequence[str], standard_answer: str, *,
            remedy: str | None = None, anchor_claims: Sequence[str] = (),
            thread: Sequence[tuple[str, str]] = (), emotion: str | None = None) -> DraftContext:
    """A DraftContext from plain values ((role, text) pairs for the thread), for callers without the types."""
    return DraftContext(category, policy_outcome, tuple(reasons), standard_answer, remedy, tuple(anchor_claims),
                        tuple(Turn(r, t) for r, t in thread), emotion)
