"""The evidence hash chain of a live session: each claim is hashed over the previous hash and itself.

Pure: no database, no clock. Each entry carries its own `seq` and `prev_hash` so that verification can
tell an altered entry from an inserted, a deleted or a reordered one (bare hashes could only say "broken").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from aftersales.clock import as_utc

IssueKind = Literal["altered", "inserted", "deleted", "reordered"]

_ISSUE_TEXT: dict[IssueKind, tuple[str, str]] = {
    "altered": ("第{seq}条记录内容被篡改", "entry {seq} was altered"),
    "inserted": ("第{seq}条记录是事后插入的", "entry {seq} was inserted afterwards"),
    "deleted": ("第{seq}条记录被删除", "entry {seq} was deleted"),
    "reordered": ("第{seq}条记录的顺序被调换（出现在第{position}位）",
                  "entry {seq} was reordered (found at position {position})"),
}


def canonical_json(payload: Any) -> str:
    """One byte-exact text per value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def genesis_hash(session_id: str) -> str:
    """The first prev_hash is bound to the session: an entry copied from another session does not verify."""
    return sha256_hex(f"aftersales-live-session:{session_id}")


@dataclass(frozen=True)
class ClaimContent:
    """What the anchor said and when: everything that is hashed."""

    seq: int
    text: str
    offset_ms: int
    product_ids: tuple[str, ...]
    recorded_at: datetime

    def canonical(self) -> str:
        return canonical_json({
            "seq": self.seq,
            "text": self.text,
            "offset_ms": self.offset_ms,
            "product_ids": list(self.product_ids),
            # microsecond ISO in UTC: a naive SQLite value and an aware one hash the same
            "recorded_at": as_utc(self.recorded_at).isoformat(timespec="microseconds"),
        })


@dataclass(frozen=True)
class ChainEntry:
    content: ClaimContent
    prev_hash: str
    hash: str

    @property
    def seq(self) -> int:
        return self.content.seq


def entry_hash(prev_hash: str, content: ClaimContent) -> str:
    return sha256_hex(prev_hash + "\n" + content.canonical())


def append(prev_hash: str, content: ClaimContent) -> ChainEntry:
    return ChainEntry(content=content, prev_hash=prev_hash, hash=entry_hash(prev_hash, content))


def build(session_id: str, contents: Sequence[ClaimContent]) -> list[ChainEntry]:
    entries: list[ChainEntry] = []
    previous = genesis_hash(session_id)
    for content in contents:
        entry = append(previous, content)
        entries.append(entry)
        previous = entry.hash
    return entries


def seal(session_id: str, entries: Sequence[ChainEntry]) -> str:
    """The root hash: the head of the chain (the genesis hash for a session without claims)."""
    return entries[-1].hash if entries else genesis_hash(session_id)


@dataclass(frozen=True)
class Issue:
    kind: IssueKind
    seq: int
    #: 1-based place in the list as presented; None for a deleted entry, which has no place.
    position: int | None
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    sealed: bool
    count: int
    root_hash: str | None
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    def kinds(self) -> set[str]:
        return {issue.kind for issue in self.issues}


def _issue(kind: IssueKind, seq: int, position: int | None) -> Issue:
    zh, en = _ISSUE_TEXT[kind]
    values = {"seq": seq, "position": position}
    return Issue(kind, seq, position, zh.format(**values), en.format(**values))


def _is_intact(entry: ChainEntry) -> bool:
    return entry_hash(entry.prev_hash, entry.content) == entry.hash


def verify(session_id: str, entries: Sequence[ChainEntry], root_hash: str | None,
           sealed_count: int | None = None) -> VerifyReport:
    """Check a presented chain against its sealed root; name every altered, inserted, deleted or moved entry.

    Without a root (session still open) the chain is checked from the genesis hash only, so a deleted tail
    cannot be seen; the report says `sealed=False`.
    """
    by_seq: dict[int, list[int]] = {}
    for index, entry in enumerate(entries):
        by_seq.setdefault(entry.seq, []).append(index)
    last = _last_slot(entries, root_hash, sealed_count)
    authentic = _authentic_slots(session_id, entries, by_seq, root_hash, last)

    issues: list[Issue] = []
    chosen: set[int] = set()
    for seq in range(1, last + 1):
        candidates = by_seq.get(seq, [])
        if not candidates:
            issues.append(_issue("deleted", seq, None))
            continue
        pick = authentic.get(seq)
        if pick is None or not _is_intact(entries[pick]):
            pick = pick if pick is not None else candidates[0]
            issues.append(_issue("altered", seq, pick + 1))
        chosen.add(pick)
    for index, entry in enumerate(entries):
        if index not in chosen:
            issues.append(_issue("inserted", entry.seq, index + 1))
    issues.extend(_reordered(entries, sorted(chosen)))
    issues.sort(key=lambda issue: (issue.seq, issue.kind))
    return VerifyReport(ok=not issues, sealed=root_hash is not None, count=len(entries),
                        root_hash=root_hash, issues=tuple(issues))


def _last_slot(entries: Sequence[ChainEntry], root_hash: str | None, sealed_count: int | None) -> int:
    if sealed_count is not None:
        return sealed_count
    # without the sealed count, the last slot is the one the root hash names, or the highest intact seq
    for entry in entries:
        if root_hash is not None and entry.hash == root_hash:
            return entry.seq
    intact = [entry.seq for entry in entries if _is_intact(entry) and entry.seq > 0]
    highest = max(intact, default=0)
    # a root that names no entry means at least the last one is gone
    return highest + 1 if root_hash is not None and entries else highest


def _authentic_slots(session_id: str, entries: Sequence[ChainEntry], by_seq: dict[int, list[int]],
                     root_hash: str | None, last: int) -> dict[int, int]:
    """For each seq, the presented entry the chain's links vouch for (from the root back, then forward)."""
    expected_back: dict[int, str] = {}
    if root_hash is not None:
        expected: str | None = root_hash
        for seq in range(last, 0, -1):
            if expected is None:
                break
            expected_back[seq] = expected
            match = next((i for i in by_seq.get(seq, []) if entries[i].hash == expected), None)
            if match is None:
                # a rewritten entry usually keeps its link backwards; a deleted one leaves nothing to follow
                slot = by_seq.get(seq, [])
                lone_intact = len(slot) == 1 and _is_intact(entries[slot[0]])
                expected = entries[slot[0]].prev_hash if lone_intact else None
            else:
                expected = entries[match].prev_hash
    chosen: dict[int, int] = {}
    previous: str | None = genesis_hash(session_id)
    for seq in range(1, last + 1):
        candidates = by_seq.get(seq, [])
        target = expected_back.get(seq)
        match = next((i for i in candidates if target is not None and entries[i].hash == target), None)
        # a forward link only speaks for a slot the root cannot reach (e.g. before a deleted entry)
        if match is None and target is None and previous is not None:
            linked = (i for i in candidates if entries[i].prev_hash == previous and _is_intact(entries[i]))
            match = next(linked, None)
        if match is not None:
            chosen[seq] = match
        # the genuine hash of this slot: what the successor points back to, else what the match carries;
        # a lone unmatched entry still passes on its stored hash so one edit does not condemn all later ones
        if target is not None:
            previous = target
        elif match is not None:
            previous = entries[match].hash
        else:
            previous = entries[candidates[0]].hash if len(candidates) == 1 else None
    return chosen


def _reordered(entries: Sequence[ChainEntry], chosen: list[int]) -> list[Issue]:
    """Genuine entries whose place among the genuine ones differs from their seq order."""
    presented = [entries[i] for i in chosen]
    in_order = sorted(presented, key=lambda entry: entry.seq)
    return [_issue("reordered", entry.seq, chosen[rank] + 1)
            for rank, entry in enumerate(presented) if in_order[rank] is not entry]


def to_export(session_id: str, entries: Sequence[ChainEntry], root_hash: str | None,
              sealed_count: int | None) -> dict[str, Any]:
    """The JSON form a buyer or arbitrator keeps and verifies offline (`aftersales live verify --file`)."""
    return {
        "format": "aftersales-live-chain/1",
        "session_id": session_id,
        "root_hash": root_hash,
        "sealed_count": sealed_count,
        "entries": [
            {
                "seq": entry.content.seq,
                "text": entry.content.text,
                "offset_ms": entry.content.offset_ms,
                "product_ids": list(entry.content.product_ids),
                "recorded_at": as_utc(entry.content.recorded_at).isoformat(timespec="microseconds"),
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
            for entry in entries
        ],
    }


class ExportFormatError(ValueError):
    """The exported file is not a chain this program wrote."""


def from_export(payload: Any) -> tuple[str, list[ChainEntry], str | None, int | None]:
    if not isinstance(payload, dict) or payload.get("format") != "aftersales-live-chain/1":
        raise ExportFormatError("not an aftersales-live-chain/1 export")
    try:
        entries = [
            ChainEntry(
                content=ClaimContent(
                    seq=int(item["seq"]),
                    text=str(item["text"]),
                    offset_ms=int(item["offset_ms"]),
                    product_ids=tuple(str(p) for p in item["product_ids"]),
                    recorded_at=datetime.fromisoformat(str(item["recorded_at"])),
                ),
                prev_hash=str(item["prev_hash"]),
                hash=str(item["hash"]),
            )
            for item in payload["entries"]
        ]
        raw_count = payload.get("sealed_count")
        count = None if raw_count is None else int(raw_count)
        return str(payload["session_id"]), entries, payload.get("root_hash"), count
    except (KeyError, TypeError, ValueError) as error:
        raise ExportFormatError(f"malformed entry: {error}") from error
