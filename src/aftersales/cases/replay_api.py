"""Supervisors' policy routes: replay a draft rule set over past cases, and list the rule sets in force."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from aftersales.cases.replay import Window, replay_window
from aftersales.policy import service as policy_service
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, DbSession, RuntimeDep, require_roles

router = APIRouter(prefix="/api/v1/policy", tags=["policy 售后规则"])
#: a rule file is a few dozen KB; the body limit of the app stops anything far larger before it is parsed
MAX_RULES_CHARS = 200_000


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    rules: str = Field(min_length=1, max_length=MAX_RULES_CHARS, description="草案规则文件（TOML 文本） / the draft")
    start: date = Field(alias="from", description="开始日（北京时间） / first day, Asia/Shanghai")
    end: date = Field(alias="to", description="结束日（含） / last day, inclusive")
    examples: int = Field(3, ge=0, le=20, description="每种变化的示例数 / examples per change")


@router.post("/replays", summary="规则回放 / re-decide the window's cases under a draft rule set, beside the "
                                 "rules that decided them (nothing changes on any case)")
def replay(body: ReplayIn, principal: CurrentPrincipal, session: DbSession) -> dict[str, Any]:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    draft = policy_service.read_rule_text(body.rules, "draft")
    return replay_window(session, draft, Window(body.start, body.end), examples=body.examples)


@router.get("/rulesets", summary="规则版本 / the rule set versions, packaged and published, and which is in force")
def rulesets(principal: CurrentPrincipal, session: DbSession, runtime: RuntimeDep) -> list[dict[str, Any]]:
    require_roles(principal, Role.agent, Role.supervisor, Role.platform_admin)
    book = policy_service.book_in_force(session)
    today = runtime.clock.now().date()
    current = book.for_date(today).version if today >= book.versions[0].effective_from else None
    return [{"version": v.version, "effective_from": v.effective_from.isoformat(), "title_zh": v.title_zh,
             "title_en": v.title_en, "rules": len(v.rules), "in_force": v.version == current,
             "price_protection_base_days": v.price_protection.base_days} for v in book.versions]
