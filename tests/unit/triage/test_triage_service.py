"""The intake interface: assess / assess_many, answers, soothing, backends, offline model load."""

from __future__ import annotations

import json
import math
import socket

import httpx
import pytest

from aftersales.triage import service
from aftersales.triage.answers import CLASS_TEXT, answer, soothing
from aftersales.triage.backend import BackendError, OpenAICompatibleBackend, backend_from_env
from aftersales.triage.model import ARTIFACT_PATH, load
from aftersales.triage.taxonomy import CATEGORIES, EMOTIONS, POLICY_OUTCOMES


@pytest.fixture(autouse=True)
def _local_backend() -> None:
    service.use_backend(None)


def test_negation_reads_as_no_reason_return() -> None:
    assert service.assess("不是质量问题，就是不想要了").category == "no_reason_return"
    assert service.assess("衣服没有质量问题，就是不喜欢颜色，想退").category == "no_reason_return"


def test_too_big_gets_size_guide_and_exchange_step() -> None:
    a = service.assess("这衣服太大了")
    assert a.category == "size_fit"
    assert "尺码表" in a.answer_zh and "换货" in a.answer_zh
    assert "size chart" in a.answer_en


def test_probabilities_cover_every_class_and_sum_to_one() -> None:
    a = service.assess("快递一周了还没到")
    assert list(a.categories) == list(CATEGORIES)
    assert math.isclose(sum(a.categories.values()), 1.0, abs_tol=1e-4)
    assert set(a.emotion_scores) == set(EMOTIONS)
    assert a.confidence == a.categories[a.category] == max(a.categories.values())


def test_angry_buyer_gets_a_soothing_script_calm_buyer_none() -> None:
    angry = service.assess("气死了！什么垃圾东西，用一次就坏了，赶紧退钱！！！")
    assert angry.emotion == "angry"
    assert angry.soothing_zh and angry.soothing_en
    calm = service.assess("你好，请问退款什么时候到账，谢谢")
    assert calm.emotion == "calm" and calm.soothing_zh is None


def test_allergy_with_stinging_asks_about_alcohol_fragrance_and_evidence() -> None:
    a = service.assess("用了这个面霜之后脸上刺痛泛红")
    assert a.category == "allergy_reaction"
    assert set(a.symptoms) == {"刺痛", "泛红"}
    assert "酒精" in a.answer_zh and "香精" in a.answer_zh and "照片" in a.answer_zh
    assert "过敏处理通道" in a.answer_zh


def test_risk_flags_and_safety_advice_reach_the_assessment() -> None:
    a = service.assess("孩子用了起疹子，已经去医院了，我要去12315投诉")
    assert set(a.risk_flags) == {"safety", "public_opinion"}
    assert "就医" in a.answer_zh


def test_policy_outcome_changes_the_answer() -> None:
    texts = {o: service.assess("退货，不想要了", policy_outcome=o).answer_zh for o in POLICY_OUTCOMES}
    assert len(set(texts.values())) == len(POLICY_OUTCOMES)
    assert "通过" in texts["approve"] and "不支持" in texts["deny"] and "上传" in texts["needs_evidence"]


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("outcome", [None, *POLICY_OUTCOMES])
def test_every_class_and_outcome_has_zh_and_en(category: str, outcome: str | None) -> None:
    zh, en = answer(category, policy_outcome=outcome)
    assert zh and en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en)
    if outcome is None:  # without a decision the class's standard solution is the answer
        assert CLASS_TEXT[category].step[0] in zh or category in ("allergy_reaction",)


def test_every_non_calm_emotion_has_a_soothing_script() -> None:
    for emotion in EMOTIONS:
        script = soothing(emotion)
        assert (script is None) == (emotion == "calm")
    angry_allergy = service.assess("用了你们的面霜整张脸红肿，你们必须负责，不然我就去12315投诉！")
    assert angry_allergy.emotion == "angry" and angry_allergy.soothing_zh


def test_batch_equals_one_by_one() -> None:
    texts = ["快递呢", "少发了一个赠品", "这是假货吧，防伪码查不到", "降价了能价保吗"]
    batch = service.assess_many(texts)
    assert [b.category for b in batch] == [service.assess(t).category for t in texts]
    assert service.assess_many([]) == []


def test_case_type_decides_only_when_text_names_no_problem() -> None:
    assert service.assess("你好").category == "other"
    assert service.assess("你好", case_type="过敏").category == "allergy_reaction"
    assert service.assess("你好", case_type="price_protection").category == "price_protection"
    assert service.assess("这衣服太大了", case_type="过敏").category == "size_fit"


def test_low_confidence_matches_the_threshold_chosen_on_dev() -> None:
    chosen = load().meta["low_confidence"]
    assert abs(service.LOW_CONFIDENCE - chosen) <= 0.01
    assert 0.3 < service.LOW_CONFIDENCE < 1.0


def test_model_loads_from_the_package_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    assert ARTIFACT_PATH.parent.parent.name == "triage" and ARTIFACT_PATH.exists()
    assert ARTIFACT_PATH.stat().st_size < 5 * 1024 * 1024
    m = load()
    assert m.predict(["碎了"])[0].shape == (1, len(CATEGORIES))


def _fake_llm(content: str, status: int = 200) -> httpx.MockTransport:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(status, json={"choices": [{"message": {"content": content}}]})

    transport = httpx.MockTransport(handler)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


def test_llm_backend_answer_is_used_when_configured() -> None:
    transport = _fake_llm('好的 {"category": "counterfeit", "emotion": "angry", "confidence": 0.9}')
    service.use_backend(OpenAICompatibleBackend("http://llm.local/v1", "m1", transport=transport))
    a = service.assess("这衣服太大了")
    assert a.category == "counterfeit" and a.emotion == "angry"
    assert a.model_version == "llm:m1"
    assert transport.seen[0]["model"] == "m1"  # type: ignore[attr-defined]
    assert CLASS_TEXT["counterfeit"].step[0][:6] in a.answer_zh


@pytest.mark.parametrize(("content", "status"), [("not json", 200), ('{"category": "nonsense"}', 200), ("{}", 500)])
def test_llm_backend_failure_falls_back_to_the_shipped_model(content: str, status: int) -> None:
    service.use_backend(OpenAICompatibleBackend("http://llm.local/v1", "m1", transport=_fake_llm(content, status)))
    a = service.assess("这衣服太大了")
    assert a.category == "size_fit"
    assert a.model_version == load().version


def test_backend_configuration_from_environment() -> None:
    assert backend_from_env({}) is None
    assert backend_from_env({"AFTERSALES_TRIAGE_BACKEND": "local"}) is None
    configured = backend_from_env({"AFTERSALES_TRIAGE_BACKEND": "openai", "AFTERSALES_TRIAGE_LLM_URL": "http://x/v1",
                                   "AFTERSALES_TRIAGE_LLM_MODEL": "m"})
    assert isinstance(configured, OpenAICompatibleBackend)
    with pytest.raises(BackendError):
        backend_from_env({"AFTERSALES_TRIAGE_BACKEND": "openai"})
    with pytest.raises(BackendError):
        backend_from_env({"AFTERSALES_TRIAGE_BACKEND": "magic"})


def test_assess_many_applies_the_case_type_prior_like_assess() -> None:
    from aftersales.triage.service import assess, assess_many

    texts = ["你好", "这衣服太大了，想换小一码", "你好在吗"]
    types = ["allergy_claim", "exchange", None]
    batch = assess_many(texts, case_types=types)
    single = [assess(t, case_type=c) for t, c in zip(texts, types, strict=True)]
    assert [a.category for a in batch] == [a.category for a in single]
    assert batch[0].category == "allergy_reaction"
