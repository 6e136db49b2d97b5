"""A published responsibility list is bound to its product: any change to it is detectable."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from aftersales.liability import responsibility as resp

AT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _body() -> dict:
    return resp.build_list(product_id="P-1", version=1, published_at=AT,
                           parties={"brand": "BR", "platform": "PL", "shop": "SH"})


def test_list_names_the_four_duties_of_the_spec() -> None:
    duties = {duty["party_kind"]: duty["scope"] for duty in _body()["duties"]}
    assert duties["brand"] == "product_quality"
    assert duties["anchor"] == "truth_of_claims"
    assert duties["platform"] == "oversight"
    assert duties["carrier"] == "transit"


def test_hash_is_stable_and_verifies() -> None:
    body = _body()
    digest = resp.list_hash(body)
    assert len(digest) == 64 and digest == resp.list_hash(copy.deepcopy(body))
    assert resp.verify_list(body, digest, "P-1")


def test_a_changed_duty_fails_verification() -> None:
    body = _body()
    digest = resp.list_hash(body)
    body["duties"][0]["party_id"] = "OTHER"
    assert not resp.verify_list(body, digest, "P-1")


def test_a_list_does_not_verify_for_another_product() -> None:
    body = _body()
    assert not resp.verify_list(body, resp.list_hash(body), "P-2")


def test_party_lookup() -> None:
    assert resp.party_for(_body(), "brand") == "BR"
    assert resp.party_for(_body(), "anchor") is None
