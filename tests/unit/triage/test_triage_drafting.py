"""The optional drafting model against a small OpenAI-compatible server started on 127.0.0.1 by the test:
good drafts come through as suggestions, bad ones (not JSON, empty, too slow, contradicting the decision)
fall back to the standard answer with a reason."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from aftersales.triage import draft_checks
from aftersales.triage.drafting import (
    Draft,
    OpenAICompatibleDrafter,
    context,
    draft_reply,
    drafter_from_env,
)

STANDARD_DENY = "很抱歉，按售后规则本单暂不支持退货退款，具体原因已写在工单中；我们可以为您安排维修。"
STANDARD_APPROVE = "好消息：您的换货申请符合规则，已为您通过，请在订单页选择新的规格。"


class FakeLLM(BaseHTTPRequestHandler):
    """Answers /v1/chat/completions with whatever the test queued; records what it was asked."""

    replies: list[tuple[float, int, str]] = []
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # the name http.server calls
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeLLM.seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        delay, status, content = FakeLLM.replies.pop(0) if FakeLLM.replies else (0.0, 200, '{"reply": "好的"}')
        time.sleep(delay)
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def llm(server: str) -> Iterator[OpenAICompatibleDrafter]:
    FakeLLM.replies.clear()
    FakeLLM.seen.clear()
    drafter = OpenAICompatibleDrafter(server, "fake-model", api_key="k", timeout=0.5)
    yield drafter
    drafter.close()


def _queue(content: str, *, delay: float = 0.0, status: int = 200) -> None:
    FakeLLM.replies.append((delay, status, content))


def _deny() -> Any:
    return context("quality_defect", "deny", ["已超过7天无理由退货期限"], STANDARD_DENY, remedy="return_refund",
                   thread=[("buyer", "耳机用了十天左耳没声音了，我要退货"), ("agent", "您好，正在为您查看")],
                   emotion="disappointed")


def test_a_good_draft_is_a_suggestion_grounded_on_the_decision(llm: OpenAICompatibleDrafter) -> None:
    _queue(json.dumps({"reply": "非常抱歉耳机出现问题。本单已超过7天无理由退货期限，暂不支持退货，我们可以为您安排维修。"}))
    draft = draft_reply(_deny(), tier="L2", backend=llm)
    assert draft.reason == "ok" and draft.text and "维修" in draft.text
    assert draft.may_send_to_buyer is False  # L2: a person sends it
    sent = FakeLLM.seen[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer k"
    facts = json.loads(sent["body"]["messages"][1]["content"])
    assert facts["售后决定"] == "deny" and facts["决定理由"] == ["已超过7天无理由退货期限"]
    assert facts["会话"][0]["内容"].startswith("耳机用了十天")


def test_only_an_l1_case_the_ai_may_settle_can_be_sent_without_a_person(llm: OpenAICompatibleDrafter) -> None:
    ctx = context("logistics_delay", "approve", ["物流信息可查"], "您的包裹正在派送中。")
    for tier, may, expected in (("L1", True, True), ("L1", False, False), ("L2", True, False), ("L3", True, False)):
        _queue(json.dumps({"reply": "您的包裹今天正在派送，请留意电话。"}))
        assert draft_reply(ctx, tier=tier, ai_may_answer=may, backend=llm).may_send_to_buyer is expected


@pytest.mark.parametrize(("content", "reason"), [
    ("好的，我来帮您写一段回复：亲，已经为您处理了", "not_json"),
    ('{"reply": ""}', "empty"),
    ('{"answer": "缺少reply字段"}', "empty"),
    (json.dumps({"reply": "好" * 600}), "too_long"),
    (json.dumps({"reply": "非常抱歉，我们马上为您退款，请放心。"}), "contradicts_decision:deny_grants_refund"),
    (json.dumps({"reply": "理解您的心情，可以退货的，退货地址稍后发您。"}), "contradicts_decision:deny_grants_return_refund"),
    (json.dumps({"reply": "抱歉给您添麻烦了，我们会赔偿您的损失。"}), "contradicts_decision:deny_grants_compensation"),
    (json.dumps({"reply": "抱歉，您可拨打13812345678联系维修。"}), "unverified_contact"),
])
def test_bad_answers_fall_back_to_the_standard_answer(llm: OpenAICompatibleDrafter, content: str,
                                                      reason: str) -> None:
    _queue(content)
    draft = draft_reply(_deny(), tier="L2", backend=llm)
    assert (draft.text, draft.reason, draft.fallback) == (None, reason, STANDARD_DENY)


def test_a_slow_server_times_out_and_the_standard_answer_stands(llm: OpenAICompatibleDrafter) -> None:
    _queue('{"reply": "迟到的回复"}', delay=1.5)
    started = time.monotonic()
    draft = draft_reply(_deny(), tier="L2", backend=llm)
    assert draft.text is None and draft.reason == "timeout"
    assert time.monotonic() - started < 1.4  # the client's 0.5 s timeout, not the server's delay


def test_a_server_error_is_a_reason_not_an_exception(llm: OpenAICompatibleDrafter) -> None:
    _queue('{"error": "overloaded"}', status=503)
    assert draft_reply(_deny(), tier="L2", backend=llm).reason == "http_error"


def test_approval_drafts_may_not_refuse_or_switch_remedy(llm: OpenAICompatibleDrafter) -> None:
    ctx = context("size_fit", "approve", ["7天内未穿着"], STANDARD_APPROVE, remedy="exchange")
    _queue(json.dumps({"reply": "抱歉，这单无法为您换货。"}))
    assert draft_reply(ctx, tier="L2", backend=llm).reason == "contradicts_decision:approve_refuses"
    _queue(json.dumps({"reply": "已为您通过，我们直接为您退款。"}))
    assert draft_reply(ctx, tier="L2", backend=llm).reason == "wrong_remedy:refund"
    _queue(json.dumps({"reply": "已为您通过换货，请在订单页选择新的尺码，我们会优先发出。"}))
    assert draft_reply(ctx, tier="L2", backend=llm).reason == "ok"


def test_evidence_first_means_no_promise_before_the_photos(llm: OpenAICompatibleDrafter) -> None:
    ctx = context("quality_defect", "needs_evidence", ["需要故障照片"], "为尽快处理退款，请在工单中上传故障照片，收到后24小时内审核。",
                  remedy="refund")
    _queue(json.dumps({"reply": "我们马上为您退款。"}))
    assert draft_reply(ctx, tier="L2", backend=llm).reason == "contradicts_decision:needs_evidence_grants_refund"
    _queue(json.dumps({"reply": "麻烦上传故障照片，审核通过后为您退款。"}))
    assert draft_reply(ctx, tier="L2", backend=llm).reason == "ok"


def test_off_by_default_and_misconfiguration_is_a_reason() -> None:
    assert drafter_from_env({}) is None
    assert draft_reply(_deny(), tier="L2", backend=None).reason in ("disabled",)
    with pytest.raises(Exception, match="AFTERSALES_DRAFTING_URL"):
        drafter_from_env({"AFTERSALES_DRAFTING_BACKEND": "openai"})
    assert draft_reply(context("other", "maybe", [], "标准答复"), tier="L2").reason == "invalid_input:policy_outcome"
    assert draft_reply(_deny(), tier="L9").reason == "invalid_input:tier"


def test_configured_from_the_environment(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeLLM.replies.clear()
    monkeypatch.setenv("AFTERSALES_DRAFTING_BACKEND", "openai")
    monkeypatch.setenv("AFTERSALES_DRAFTING_URL", server)
    monkeypatch.setenv("AFTERSALES_DRAFTING_MODEL", "env-model")
    monkeypatch.setenv("AFTERSALES_DRAFTING_TIMEOUT", "0.5")
    _queue(json.dumps({"reply": "本单暂不支持退货，我们可以为您安排维修。"}))
    draft: Draft = draft_reply(_deny(), tier="L2")
    assert draft.reason == "ok" and draft.model == "env-model"


def test_the_checks_read_negation_and_conditions() -> None:
    assert draft_checks.grants("我们马上为您退款") == {"refund"}
    assert draft_checks.grants("很抱歉，无法为您退款") == set()
    assert draft_checks.grants("审核通过后为您退款") == set()
    assert draft_checks.refusals("本单不支持换货") == {"exchange"}
