"""Notifications that actually go out: the outbox row is written with the event, workers deliver it signed, retry
with backoff, dead-letter what keeps failing; 企业微信/钉钉 robots, e-mail to a real local SMTP server, SMS."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from aftersales.clock import FrozenClock
from aftersales.notifications import delivery, retry, signing
from aftersales.notifications.models import Delivery
from aftersales.notifications.transports import LoggingSmsProvider, SmtpSettings, Transports
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World


class Receiver:
    """A fake outside world for httpx: records requests and answers as told."""

    def __init__(self, answer: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda request: httpx.Response(200, json={"errcode": 0, "errmsg": "ok"}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response: httpx.Response = self.answer(request)
        return response


def transports(receiver: Receiver, smtp: SmtpSettings | None = None, clock: FrozenClock | None = None) -> Transports:
    return Transports(http=httpx.Client(transport=httpx.MockTransport(receiver)), sms=LoggingSmsProvider(), smtp=smtp,
                      clock=(lambda: clock.now().timestamp()) if clock else time.time)


def channel(api: Api, kind: str, target: str, **extra: Any) -> dict[str, Any]:
    response = api.as_("platform_admin").post("/api/v1/notifications/channels", json={
        "name": f"{kind} 通道", "kind": kind, "target": target, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def open_angry_case(api: Api) -> dict[str, Any]:
    response = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-1002", "case_type": "complaint",
                                                             "text": "衣服质量太差了，我要投诉！"})
    assert response.status_code == 201
    return response.json()


def test_a_case_opened_goes_out_as_a_signed_webhook(api: Api, runtime: Runtime, clock: FrozenClock) -> None:
    made = channel(api, "webhook", "https://hooks.example.test/aftersales", events=["case.opened"])
    assert made["secret"].startswith("whsec_")
    assert "secret" not in api.as_("platform_admin").get("/api/v1/notifications/channels").json()[0]
    case = open_angry_case(api)
    receiver = Receiver()
    report = delivery.deliver_due(runtime.session_factory, clock.now(), transports(receiver, clock=clock),
                                  runtime.pii_key)
    assert report.delivered == 1
    sent = receiver.requests[0]
    body = sent.content
    assert json.loads(body)["subject"] == {"type": "case", "id": case["id"]}
    assert json.loads(body)["type"] == "case.opened"
    verdict = signing.verify(made["secret"], timestamp=sent.headers[signing.TIMESTAMP_HEADER],
                             signed=sent.headers[signing.SIGNATURE_HEADER], body=body,
                             now_seconds=clock.now().timestamp())
    assert verdict.ok
    tampered = signing.verify(made["secret"], timestamp=sent.headers[signing.TIMESTAMP_HEADER],
                              signed=sent.headers[signing.SIGNATURE_HEADER], body=body + b" ",
                              now_seconds=clock.now().timestamp())
    assert not tampered.ok
    again = delivery.deliver_due(runtime.session_factory, clock.now(), transports(receiver), runtime.pii_key)
    assert again.delivered == 0 and len(receiver.requests) == 1, "delivered once"


def test_a_failing_endpoint_is_retried_with_backoff_then_dead_lettered(api: Api, runtime: Runtime,
                                                                       clock: FrozenClock) -> None:
    channel(api, "webhook", "https://down.example.test/hook", events=["case.opened"])
    open_angry_case(api)
    receiver = Receiver(lambda request: httpx.Response(503))
    gaps = []
    for _attempt in range(retry.MAX_ATTEMPTS):
        report = delivery.deliver_due(runtime.session_factory, clock.now(), transports(receiver), runtime.pii_key)
        assert report.delivered == 0
        with runtime.session() as session:
            row = session.scalars(select(Delivery)).one()
        if row.state == "dead":
            break
        gap = (row.next_attempt_at - clock.now()).total_seconds()
        gaps.append(gap)
        assert delivery.deliver_due(runtime.session_factory, clock.now(), transports(receiver),
                                    runtime.pii_key).retried == 0, "not before its time"
        clock.advance(seconds=gap)
    assert gaps == sorted(gaps) and gaps[0] == retry.BASE_DELAY_SECONDS and gaps[-1] > gaps[0]
    dead = api.as_("supervisor").get("/api/v1/notifications/dead-letters").json()
    assert len(dead) == 1 and dead[0]["attempts"] == retry.MAX_ATTEMPTS and "503" in dead[0]["last_error"]
    again = api.as_("supervisor").post(f"/api/v1/notifications/deliveries/{dead[0]['id']}/retry")
    assert again.json()["state"] == "pending"
    ok = delivery.deliver_due(runtime.session_factory, clock.now(), transports(Receiver()), runtime.pii_key)
    assert ok.delivered == 1


def test_a_rejected_request_goes_straight_to_the_dead_letters(api: Api, runtime: Runtime,
                                                              clock: FrozenClock) -> None:
    channel(api, "webhook", "https://strict.example.test/hook")
    open_angry_case(api)
    report = delivery.deliver_due(runtime.session_factory, clock.now(), transports(Receiver(
        lambda request: httpx.Response(400))), runtime.pii_key)
    assert report.dead >= 1 and report.retried == 0


def test_group_robots_get_their_own_message_formats(api: Api, runtime: Runtime, clock: FrozenClock) -> None:
    channel(api, "wecom", "https://qyapi.weixin.qq.example/cgi-bin/webhook/send?key=K", events=["case.opened"])
    channel(api, "dingtalk", "https://oapi.dingtalk.example/robot/send?access_token=T", events=["case.opened"],
            secret="SECtest")
    open_angry_case(api)
    receiver = Receiver()
    report = delivery.deliver_due(runtime.session_factory, clock.now(), transports(receiver, clock=clock),
                                  runtime.pii_key)
    assert report.delivered == 2
    by_host = {r.url.host: r for r in receiver.requests}
    wecom = json.loads(by_host["qyapi.weixin.qq.example"].content)
    assert wecom["msgtype"] == "markdown" and "新售后工单" in wecom["markdown"]["content"]
    ding = by_host["oapi.dingtalk.example"]
    body = json.loads(ding.content)
    assert body["msgtype"] == "markdown" and body["markdown"]["title"].startswith("【新售后工单】")
    stamp = ding.url.params["timestamp"]
    assert ding.url == httpx.URL(signing.dingtalk_signed_url("https://oapi.dingtalk.example/robot/send?access_token=T",
                                                             "SECtest", int(stamp)))
    errored = Receiver(lambda request: httpx.Response(200, json={"errcode": 310000, "errmsg": "sign not match"}))
    open_angry_case_again = api.as_("buyer").post("/api/v1/cases", json={
        "order_id": "O-1001", "case_type": "complaint", "text": "口红质量差，投诉"})
    assert open_angry_case_again.status_code == 201
    failed = delivery.deliver_due(runtime.session_factory, clock.now(), transports(errored), runtime.pii_key)
    assert failed.retried == 2, "a robot's errcode is a failure, retried"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free loopback port (the controller checks its own port on start)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_warnings_reach_a_mailbox_through_a_real_smtp_server(api: Api, world: World, runtime: Runtime,
                                                             clock: FrozenClock,
                                                             smtp_server: tuple[Inbox, int]) -> None:
    from tests.integration.test_risk_spikes import allergy_case

    inbox, port = smtp_server
    channel(api, "email", "emergency@example.test, legal@example.test", events=["warning.raised"])
    for n in range(6):
        allergy_case(api, world, n, clock)
    assert api.as_("supervisor").post("/api/v1/risk/scan").json()["warnings"]
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="aftersales@example.test")
    report = delivery.deliver_due(runtime.session_factory, clock.now(), transports(Receiver(), smtp),
                                  runtime.pii_key)
    assert report.delivered >= 1
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert sorted(mail.rcpt_tos) == ["emergency@example.test", "legal@example.test"]
    parsed = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert "风险预警" in str(parsed["Subject"])
    assert "BA-LIP1-01" in parsed.get_content() or "批次" in parsed.get_content()


def test_buyers_get_the_text_the_answer_promised(api: Api, runtime: Runtime, clock: FrozenClock,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    case = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-1002", "case_type": "return_refund",
                                                         "text": "不想要了，七天无理由退货，吊牌还在"}).json()
    assert case["state"] == "awaiting_return"
    with runtime.session() as session:
        sms = session.scalars(select(Delivery).where(Delivery.kind == "sms")).all()
    assert [s.recipient for s in sms] == ["buyer:B-1"] and "13812345678" not in json.dumps(sms[0].payload)
    with caplog.at_level(logging.INFO, logger="aftersales.notifications.transports"):
        report = delivery.deliver_due(runtime.session_factory, clock.now(), transports(Receiver()), runtime.pii_key)
    assert report.delivered == 1
    assert "138****5678" in caplog.text and "寄回" in caplog.text


def test_channels_are_checked_and_a_brand_subscribes_only_for_itself(api: Api, world: World) -> None:
    bad = api.as_("platform_admin").post("/api/v1/notifications/channels", json={
        "name": "x", "kind": "webhook", "target": "ftp://nope"})
    assert bad.status_code == 422 and bad.json()["field"] == "target"
    unknown = api.as_("platform_admin").post("/api/v1/notifications/channels", json={
        "name": "x", "kind": "email", "target": "a@example.test", "events": ["case.exploded"]})
    assert unknown.status_code == 422 and unknown.json()["field"] == "events"
    other = api.as_("brand").post("/api/v1/notifications/channels", json={
        "name": "x", "kind": "email", "target": "a@example.test", "party_id": world.ids["brand2"]})
    assert other.status_code == 403
    own = api.as_("brand").post("/api/v1/notifications/channels", json={
        "name": "品牌通知", "kind": "email", "target": "qa@brand.example"})
    assert own.status_code == 201 and own.json()["party_id"] == world.ids["brand"]
    assert api.as_("agent").get("/api/v1/notifications/dead-letters").status_code == 403
