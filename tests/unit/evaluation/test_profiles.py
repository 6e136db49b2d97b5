"""Weight profiles as data, and the rule that chooses one (SPEC §Evaluation, Dynamic weights)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftersales.evaluation import profiles
from aftersales.problems import InvalidInput


@pytest.fixture(scope="module")
def book() -> profiles.ProfileBook:
    return profiles.load_book()


def test_base_profile_is_20_25_20_15_10_10(book: profiles.ProfileBook) -> None:
    w = book.get("base").weights
    assert [w[d] for d in ("response", "resolution", "satisfaction", "responsibility", "technology",
                           "empathy")] == pytest.approx([0.20, 0.25, 0.20, 0.15, 0.10, 0.10])


def test_promo_profile_other_four_share_the_rest_in_base_proportions(book: profiles.ProfileBook) -> None:
    w = book.get("promo").weights
    assert w["response"] == pytest.approx(0.30)
    assert w["resolution"] == pytest.approx(0.28)
    # 42% left for satisfaction:responsibility:technology:empathy = 20:15:10:10 (sum 55)
    assert w["satisfaction"] == pytest.approx(0.42 * 20 / 55)
    assert w["responsibility"] == pytest.approx(0.42 * 15 / 55)
    assert w["empathy"] == pytest.approx(0.42 * 10 / 55)
    assert sum(w.values()) == pytest.approx(1.0)


def test_sensitive_skin_profile(book: profiles.ProfileBook) -> None:
    w = book.get("sensitive_skin").weights
    assert w["empathy"] == pytest.approx(0.15) and w["technology"] == pytest.approx(0.15)
    # 70% left for response:resolution:satisfaction:responsibility = 20:25:20:15 (sum 80)
    assert w["resolution"] == pytest.approx(0.70 * 25 / 80)
    assert sum(w.values()) == pytest.approx(1.0)


def test_promo_period_chooses_promo_with_reason(book: profiles.ProfileBook) -> None:
    choice = profiles.choose_profile(book, in_promo=True, sensitive_skin_share=0.1)
    assert choice.profile.name == "promo"
    assert "大促" in choice.reason_zh and "promotion" in choice.reason_en


def test_mostly_sensitive_skin_gmv_chooses_sensitive_skin(book: profiles.ProfileBook) -> None:
    choice = profiles.choose_profile(book, in_promo=False, sensitive_skin_share=0.7)
    assert choice.profile.name == "sensitive_skin"
    assert "70%" in choice.reason_zh


def test_half_or_less_sensitive_and_no_promo_is_base(book: profiles.ProfileBook) -> None:
    assert profiles.choose_profile(book, in_promo=False, sensitive_skin_share=0.5).profile.name == "base"
    assert profiles.choose_profile(book, in_promo=False, sensitive_skin_share=None).profile.name == "base"


def test_both_rules_apply_promo_wins_and_says_so(book: profiles.ProfileBook) -> None:
    choice = profiles.choose_profile(book, in_promo=True, sensitive_skin_share=0.9)
    assert choice.profile.name == "promo"
    assert "sensitive_skin" in choice.reason_en


def test_user_choice_overrides_the_rule(book: profiles.ProfileBook) -> None:
    choice = profiles.choose_profile(book, in_promo=True, sensitive_skin_share=0.9, forced="base")
    assert choice.profile.name == "base" and "用户" in choice.reason_zh


def test_custom_profile_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text('[profiles.quality_first]\nbase = "base"\nfixed = { satisfaction = 0.5 }\n'
                 '[profiles.flat]\nweights = { response = 1, resolution = 1, satisfaction = 1, '
                 'responsibility = 1, technology = 1, empathy = 1 }\n', encoding="utf-8")
    book = profiles.load_book(f)
    q = book.get("quality_first").weights
    assert q["satisfaction"] == pytest.approx(0.5)
    assert q["response"] == pytest.approx(0.5 * 20 / 80)
    assert book.get("flat").weights["empathy"] == pytest.approx(1 / 6)  # given as counts, renormalised
    assert "promo" in book.profiles  # built-ins stay available


def test_bad_profiles_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('[profiles.x]\nbase = "base"\nfixed = { response = 0.8, resolution = 0.5 }\n',
                 encoding="utf-8")
    with pytest.raises(InvalidInput):
        profiles.load_book(f)
    with pytest.raises(InvalidInput):
        profiles.load_book().get("nope")
