"""The events that go out, and the words people read for each (zh-CN first, English beside it). Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    case_opened = "case.opened"
    case_escalated = "case.escalated"
    case_breached = "case.breached"
    case_resolved = "case.resolved"
    return_requested = "case.return_requested"
    warning_raised = "warning.raised"
    survey_low_score = "survey.low_score"
    presale_delay = "presale.delay"


TITLES: dict[EventType, tuple[str, str]] = {
    EventType.case_opened: ("新售后工单", "New after-sales case"),
    EventType.case_escalated: ("工单升级", "Case escalated"),
    EventType.case_breached: ("工单超时", "SLA breached"),
    EventType.case_resolved: ("工单已解决", "Case resolved"),
    EventType.return_requested: ("请寄回商品", "Return requested"),
    EventType.warning_raised: ("风险预警", "Risk warning"),
    EventType.survey_low_score: ("低分评价待回访", "Low survey score: callback due"),
    EventType.presale_delay: ("预售延期风险", "Pre-sale delay risk"),
}


@dataclass(frozen=True)
class Event:
    """Something that happened, as a notification: who it concerns, what to say, and to whom to text it."""

    id: str
    type: EventType
    subject_type: str
    subject_id: str
    at: str  # ISO 8601 UTC
    summary_zh: str
    summary_en: str
    data: dict[str, Any] = field(default_factory=dict)
    #: parties the event concerns: a party's own channel receives only events naming it
    party_ids: tuple[str, ...] = ()
    #: a text message to the buyer (the phone is looked up when sending, never stored in the outbox)
    buyer_id: str | None = None
    sms_zh: str | None = None

    def body(self) -> dict[str, Any]:
        """The JSON a webhook receives."""
        zh, en = TITLES[self.type]
        return {"id": self.id, "type": self.type.value, "subject": {"type": self.subject_type, "id": self.subject_id},
                "at": self.at, "title": zh, "title_en": en, "summary": self.summary_zh,
                "summary_en": self.summary_en, "data": self.data}


def text_of(payload: dict[str, Any]) -> tuple[str, str]:
    """A title and a markdown body for people (group robots, e-mail), from a stored webhook body."""
    title = f"【{payload.get('title', '')}】{payload.get('title_en', '')}"
    lines = [f"### {title}", str(payload.get("summary", "")), f"> {payload.get('summary_en', '')}",
             f"- 对象 / subject: {payload.get('subject', {}).get('type')} {payload.get('subject', {}).get('id')}",
             f"- 时间 / at (UTC): {payload.get('at', '')}"]
    return title, "\n".join(lines)
