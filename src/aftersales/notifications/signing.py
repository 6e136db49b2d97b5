"""Webhook signatures both ways: HMAC-SHA256 over `timestamp.body`, refused outside a replay window. Pure.

The scheme (`t=<unix seconds>`, `v1=<hex>`) follows the common shape of payment and SaaS webhooks: the timestamp
is inside the signed message, so a captured request cannot be replayed later with a fresh timestamp.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from dataclasses import dataclass

TIMESTAMP_HEADER = "X-Aftersales-Timestamp"
SIGNATURE_HEADER = "X-Aftersales-Signature"
SENDER_HEADER = "X-Aftersales-Sender"
#: a signed request older (or newer) than this is refused: long enough for clock skew and a retry in flight
REPLAY_WINDOW_SECONDS = 300
SCHEME = "v1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def signed_headers(secret: str, timestamp: int, body: bytes, sender: str | None = None) -> dict[str, str]:
    headers = {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}
    if sender is not None:
        headers[SENDER_HEADER] = sender
    return headers


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""
    field: str = ""


def verify(secret: str, *, timestamp: str | None, signed: str | None, body: bytes, now_seconds: float,
           window: int = REPLAY_WINDOW_SECONDS) -> Verdict:
    """Whether the request was signed with the secret within the replay window (constant-time comparison)."""
    if not timestamp or not timestamp.strip().isdigit():
        return Verdict(False, "缺少或无效的签名时间戳 / missing or invalid signature timestamp", TIMESTAMP_HEADER)
    stamp = int(timestamp)
    if abs(now_seconds - stamp) > window:
        return Verdict(False, f"签名已过期（超过{window}秒）/ signature outside the {window} s replay window",
                       TIMESTAMP_HEADER)
    if not signed:
        return Verdict(False, "缺少签名 / missing signature", SIGNATURE_HEADER)
    candidates = [part.strip() for part in signed.split(",")]  # several v1= values while a secret rotates
    expected = signature(secret, stamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        return Verdict(False, "签名不匹配 / signature does not match", SIGNATURE_HEADER)
    return Verdict(True)


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """钉钉 group robots with 加签: HMAC-SHA256 of `timestamp\\nsecret`, base64, URL-encoded, on the query."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    sign = base64.b64encode(hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()).decode()
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={urllib.parse.quote_plus(sign)}"
