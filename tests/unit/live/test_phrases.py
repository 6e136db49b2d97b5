"""What an anchor says becomes the promise ids the policy engine extends a buyer's rights with."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.live import phrases


@pytest.mark.parametrize(("said", "promise"), [
    ("家人们过敏包退，放心拍", "allergy_refund"),
    ("过敏无条件退！", "allergy_refund"),
    ("假一赔十", "fake_pays_ten"),
    ("假一罚１０", "fake_pays_ten"),
    ("假一赔三", "fake_pays_three"),
    ("正品保证", "authentic_guarantee"),
    ("我们保证正品", "authentic_guarantee"),
    ("破损包赔", "damage_covered"),
    ("七天无理由", "seven_day_return"),
    ("7 天无理由退换", "seven_day_return"),
    ("保价30天", "price_protection_days"),
    ("敏感肌可用", "sensitive_skin_safe"),
    ("敏感肌放心用", "sensitive_skin_safe"),
])
def test_each_variant_maps_to_its_promise(said: str, promise: str) -> None:
    assert phrases.promise_ids(said) == (promise,)


def test_fake_pays_three_is_not_fake_pays_ten() -> None:
    assert "fake_pays_ten" not in phrases.promise_ids("假一赔三")


@pytest.mark.parametrize(("said", "days"), [("保价30天", 30), ("保价三十天", 30), ("十五天保价", 15), ("价保30天", 30),
                                            ("支持7天价保", 7)])
def test_price_protection_carries_its_days(said: str, days: int) -> None:
    (promise,) = phrases.extract_promises(said)
    assert promise.id == "price_protection_days" and promise.days == days
    assert str(days) in promise.zh


def test_one_sentence_can_make_several_promises_each_once() -> None:
    ids = phrases.promise_ids("正品保证，保证正品！过敏包退，破损包赔，七天无理由")
    expected = ["authentic_guarantee", "allergy_refund", "damage_covered", "seven_day_return"]
    assert sorted(ids) == sorted(expected)


@pytest.mark.parametrize("said", ["不保证正品哦", "这个过敏不退的", "今天天气不错", "敏感肌慎用"])
def test_negated_or_unrelated_words_make_no_promise(said: str) -> None:
    assert phrases.promise_ids(said) == ()


def test_library_ids_are_the_policy_vocabulary() -> None:
    assert {rule.id for rule in phrases.load_library().promises} == set(phrases.PROMISE_IDS)


def test_library_refuses_an_unknown_promise_id() -> None:
    data = {"version": "x", "promise": [{"id": "free_money", "zh": "", "en": "", "patterns": ["送钱"]}],
            "ingredient": [], "efficacy": []}
    with pytest.raises(ValueError, match="free_money"):
        phrases.parse_library(data)


@pytest.mark.parametrize("said", ["含95%玻尿酸", "玻尿酸含量高达95%", "含有９５％的透明质酸钠"])
def test_ingredient_claim_with_its_share(said: str) -> None:
    (claim,) = phrases.extract_checkable(said)
    assert isinstance(claim, phrases.IngredientClaim)
    assert claim.ingredient_id == "hyaluronic_acid" and claim.percent == Decimal("95")


@pytest.mark.parametrize(("said", "days"), [("七天美白", 7), ("3天就能祛痘", 3), ("二十天淡斑", 20)])
def test_efficacy_claim_with_its_days(said: str, days: int) -> None:
    (claim,) = phrases.extract_checkable(said)
    assert isinstance(claim, phrases.EfficacyClaim) and claim.days == days


def test_promises_and_checkable_claims_are_separate() -> None:
    said = "含95%玻尿酸，七天美白，敏感肌可用"
    assert phrases.promise_ids(said) == ("sensitive_skin_safe",)
    assert {claim.kind for claim in phrases.extract_checkable(said)} == {"ingredient", "efficacy"}


@pytest.mark.parametrize(("token", "value"), [("7", 7), ("七", 7), ("十", 10), ("十五", 15), ("三十", 30),
                                              ("两", 2), ("九十九", 99), ("百", None), ("", None)])
def test_numbers_in_either_script(token: str, value: int | None) -> None:
    assert phrases.parse_count(token) == value


def test_promise_ids_are_exactly_what_the_policy_engine_understands() -> None:
    from aftersales.policy.vocabulary import Promise as PolicyPromise

    assert set(phrases.PROMISE_IDS) == {promise.value for promise in PolicyPromise}
