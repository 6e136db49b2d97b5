"""The request each channel kind expects: a signed JSON webhook, 企业微信 and 钉钉 group robots, e-mail. Pure."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from aftersales.notifications.events import text_of

#: 企业微信 robots take markdown up to 4,096 bytes; 钉钉 up to 20,000: cut long bodies rather than fail
WECOM_MAX_BYTES = 4096
DINGTALK_MAX_CHARS = 18000


def _cut_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "…"


def wecom(payload: dict[str, Any]) -> dict[str, Any]:
    """企业微信群机器人: POST {"msgtype": "markdown", "markdown": {"content": ...}} to its key URL."""
    _title, body = text_of(payload)
    return {"msgtype": "markdown", "markdown": {"content": _cut_bytes(body, WECOM_MAX_BYTES)}}


def dingtalk(payload: dict[str, Any]) -> dict[str, Any]:
    """钉钉自定义机器人: markdown with a title (shown in the chat list) and the text."""
    title, body = text_of(payload)
    return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": body[:DINGTALK_MAX_CHARS]}}


def robot_accepted(answer: dict[str, Any]) -> tuple[bool, str]:
    """Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; any other errcode is a failure."""
    code = answer.get("errcode")
    if code in (0, "0"):
        return True, ""
    return False, f"errcode {code}: {answer.get('errmsg', '')}"


def email(payload: dict[str, Any], *, sender: str, recipients: list[str]) -> EmailMessage:
    title, body = text_of(payload)
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Message-ID"] = f"<{payload.get('id', 'event')}@aftersales>"
    message.set_content(body.replace("### ", ""), charset="utf-8")
    return message
