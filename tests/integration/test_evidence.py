"""Evidence uploads: photos and reports checked by content, stored once, shown only to who may see the case,
photos without their GPS position, and a medical report that decides an allergy claim again."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from PIL import Image

from tests.conftest import Api
from tests.factories import World, order_payload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _photo(fmt: str = "JPEG", *, gps: bool = True, size: tuple[int, int] = (80, 60)) -> bytes:
    image = Image.new("RGB", size, (220, 40, 60))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def _case(api: Api, **body: Any) -> dict[str, Any]:
    response = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-1002", "case_type": "return_refund",
                                                             "text": "裙子有破洞，质量问题", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _upload(api: Api, case_id: str, content: bytes, name: str = "photo.jpg", who: str = "buyer",
            **form: str) -> Any:
    return api.as_(who).post(f"/api/v1/cases/{case_id}/evidence", files={"file": (name, content)}, data=form)


def test_a_photo_is_stored_once_without_its_location_and_served_to_the_case_only(api: Api) -> None:
    case = _case(api)
    uploaded = _upload(api, case["id"], _photo(), name="../../etc/现场.jpg")
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()["evidence"]
    assert evidence["content_type"] == "image/jpeg" and evidence["filename"] == "现场.jpg"
    again = _upload(api, case["id"], _photo(), name="again.jpg")
    assert again.status_code == 200 and again.json()["evidence"]["id"] == evidence["id"]
    served = api.as_("agent").get(evidence["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert not Image.open(io.BytesIO(served.content)).getexif().get_ifd(0x8825), "GPS is gone"
    assert api.as_("buyer2").get(evidence["url"]).status_code == 404
    assert api.as_("brand").get(evidence["url"]).status_code == 404, "the dress's brand is not this lipstick brand"
    listed = api.as_("buyer").get(f"/api/v1/cases/{case['id']}/evidence").json()
    assert [e["id"] for e in listed] == [evidence["id"]]
    kinds = [e["kind"] for e in api.as_("buyer").get(f"/api/v1/cases/{case['id']}/timeline").json()]
    assert "evidence" in kinds


def test_the_type_comes_from_the_bytes_and_limits_hold(api: Api) -> None:
    case = _case(api)
    fake = _upload(api, case["id"], b"MZ\x90\x00 an executable", name="photo.jpg")
    assert fake.status_code == 415
    assert _upload(api, case["id"], PDF, name="report.pdf").status_code == 422, "a PDF needs its kind"
    assert _upload(api, case["id"], PDF, name="report.pdf", kind="test_report").status_code == 201
    assert _upload(api, case["id"], _photo("PNG"), name="a.png").json()["evidence"]["content_type"] == "image/png"
    assert _upload(api, case["id"], _photo("WEBP"), name="a.webp").status_code == 201
    big = b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024)
    assert _upload(api, case["id"], big, name="big.jpg").status_code == 413
    broken = _upload(api, case["id"], b"\xff\xd8\xff\xe0 not really a jpeg", name="broken.jpg")
    assert broken.status_code == 422
    for number in range(6):
        assert _upload(api, case["id"], _photo(size=(20 + number, 20)), name=f"{number}.jpg").status_code == 201
    ninth_plus_one = _upload(api, case["id"], _photo(size=(99, 99)), name="more.jpg")
    assert ninth_plus_one.status_code == 422 and "9" in ninth_plus_one.json()["detail"]
    assert _upload(api, case["id"], _photo(), who="brand").status_code == 404, "another brand's case"
    assert _upload(api, case["id"], _photo(), who="brand2").status_code == 403, "the brand answers, it does not attach"


def test_a_medical_report_decides_an_allergy_claim_again(api: Api, world: World) -> None:
    # bought outside the live session, so without its 过敏包退: the allergy claim waits for a hospital report
    api.as_("platform_admin").post("/api/v1/orders", json=order_payload("O-SHOP", "B-1", "PR-LIP1", world.now))
    case = api.as_("buyer").post("/api/v1/cases", json={
        "order_id": "O-SHOP", "case_type": "allergy_claim", "text": "涂了这支口红嘴唇过敏起红疹"}).json()
    assert case["decision"]["outcome"] == "needs_evidence", case["decision"]
    photo = _upload(api, case["id"], _photo())
    assert photo.json()["redecided"] is False or photo.json()["case"]["decision"]["outcome"] != "approve"
    report = _upload(api, case["id"], PDF, name="医院诊断.pdf", kind="medical_report")
    assert report.status_code == 201 and report.json()["redecided"] is True
    decision = report.json()["case"]["decision"]
    assert decision["outcome"] == "approve" and Decimal(decision["refund_amount"]) > 0
    assert decision["superseded"]["outcome"] == "needs_evidence"
    timeline = api.as_("buyer").get(f"/api/v1/cases/{case['id']}/timeline").json()
    redecided = [e for e in timeline if e["kind"] == "policy_redecided"]
    assert redecided and redecided[0]["data"]["to"] == "approve"
