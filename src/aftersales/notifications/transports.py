"""Sending one delivery: HTTP for webhooks and group robots, SMTP for e-mail, a provider seam for SMS."""

from __future__ import annotations

import importlib
import logging
import smtplib
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import orjson

from aftersales.notifications import formats, retry, signing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A claimed delivery with everything needed to send it, read while the row was claimed."""

    id: int
    kind: str
    target: str  # URL, comma-separated addresses, or the buyer's phone for a text
    secret: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    #: retrying cannot help (a 4xx, an unknown address): straight to the dead letters
    permanent: bool = False


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send a text; returns the provider's message id, raises on failure."""
        ...


class LoggingSmsProvider:
    """The default: texts are written to the log (phone masked), for development and until a provider is set."""

    def send(self, phone: str, text: str) -> str:
        masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "***"
        log.info("SMS to %s: %s", masked, text)
        return f"logged-{int(time.time() * 1000)}"


def load_sms_provider(spec: str) -> SmsProvider:
    """`logging`, or `package.module:ClassName` of a class with `send(phone, text) -> message id`."""
    if spec == "logging":
        return LoggingSmsProvider()
    module_name, _, class_name = spec.partition(":")
    provider: SmsProvider = getattr(importlib.import_module(module_name), class_name)()
    return provider


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False


class Transports:
    """The outside world, injected: tests pass an httpx client on a mock transport or a local SMTP server."""

    def __init__(self, *, http: httpx.Client, sms: SmsProvider, smtp: SmtpSettings | None,
                 timeout: float = 5.0, clock: Any = time.time) -> None:
        self.http, self.sms, self.smtp, self.timeout, self._clock = http, sms, smtp, timeout, clock

    def send(self, job: Job) -> Outcome:
        try:
            if job.kind == "webhook":
                return self._webhook(job)
            if job.kind in ("wecom", "dingtalk"):
                return self._robot(job)
            if job.kind == "email":
                return self._email(job)
            if job.kind == "sms":
                return self._sms(job)
        except (httpx.HTTPError, smtplib.SMTPException, OSError) as error:
            return Outcome(False, f"{type(error).__name__}: {error}")
        return Outcome(False, f"unknown channel kind {job.kind}", permanent=True)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.http.post(url, content=body, headers={"Content-Type": "application/json; charset=utf-8",
                                                          **headers}, timeout=self.timeout)

    def _webhook(self, job: Job) -> Outcome:
        body = orjson.dumps(job.payload)
        headers = signing.signed_headers(job.secret, int(self._clock()), body) if job.secret else {}
        answer = self._post(job.target, body, headers)
        if answer.is_success:
            return Outcome(True)
        return Outcome(False, f"HTTP {answer.status_code}", permanent=retry.permanent(answer.status_code))

    def _robot(self, job: Job) -> Outcome:
        message = formats.wecom(job.payload) if job.kind == "wecom" else formats.dingtalk(job.payload)
        url = job.target
        if job.kind == "dingtalk" and job.secret:
            url = signing.dingtalk_signed_url(url, job.secret, int(self._clock() * 1000))
        answer = self._post(url, orjson.dumps(message), {})
        if not answer.is_success:
            return Outcome(False, f"HTTP {answer.status_code}", permanent=retry.permanent(answer.status_code))
        try:
            accepted, why = formats.robot_accepted(answer.json())
        except ValueError:
            return Outcome(False, "robot answered no JSON")
        return Outcome(accepted, why)

    def _email(self, job: Job) -> Outcome:
        if self.smtp is None:
            return Outcome(False, "SMTP is not configured (AFTERSALES_SMTP_HOST)")
        recipients = [a.strip() for a in job.target.split(",") if a.strip()]
        message = formats.email(job.payload, sender=self.smtp.sender, recipients=recipients)
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.timeout) as client:
            if self.smtp.starttls:
                client.starttls()
            if self.smtp.username:
                client.login(self.smtp.username, self.smtp.password or "")
            refused = client.send_message(message)
        if refused:
            return Outcome(False, f"refused: {sorted(refused)}", permanent=len(refused) == len(recipients))
        return Outcome(True)

    def _sms(self, job: Job) -> Outcome:
        if not job.target:
            return Outcome(False, "the buyer has no phone number", permanent=True)
        try:
            self.sms.send(job.target, str(job.payload.get("sms", "")))
        except Exception as error:  # a provider plug-in may raise anything: it is one failed try, retried later
            return Outcome(False, f"{type(error).__name__}: {error}")
        return Outcome(True)
