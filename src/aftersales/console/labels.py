"""Domain vocabularies that already come with (zh, en) labels, gathered for the templates."""

from __future__ import annotations

from aftersales.liability.statement import ACCOUNT_LABELS
from aftersales.triage.taxonomy import CATEGORY_LABELS, EMOTION_LABELS, RISK_LABELS

__all__ = ["ACCOUNT_LABELS", "CATEGORY_LABELS", "EMOTION_LABELS", "RISK_LABELS"]
