"""The evidence chain names each kind of tampering, so an arbitrator knows what was done to which claim."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from aftersales.live import chain

SESSION = "LS-1"
T0 = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
TEXTS = ["过敏包退，放心买", "假一赔十", "含95%玻尿酸", "敏感肌可用", "七天无理由"]


def _contents() -> list[chain.ClaimContent]:
    return [chain.ClaimContent(seq=i + 1, text=text, offset_ms=60_000 * (i + 1), product_ids=("P-1",),
                               recorded_at=T0 + timedelta(minutes=i + 1)) for i, text in enumerate(TEXTS)]


def _sealed() -> tuple[list[chain.ChainEntry], str]:
    entries = chain.build(SESSION, _contents())
    return entries, chain.seal(SESSION, entries)


def _issues(report: chain.VerifyReport) -> list[tuple[str, int]]:
    return [(issue.kind, issue.seq) for issue in report.issues]


def test_untouched_chain_verifies() -> None:
    entries, root = _sealed()
    report = chain.verify(SESSION, entries, root, len(entries))
    assert report.ok and report.sealed and report.issues == ()


def test_each_entry_links_to_the_previous_hash() -> None:
    entries, _ = _sealed()
    assert entries[0].prev_hash == chain.genesis_hash(SESSION)
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(entries))
    assert len({entry.hash for entry in entries}) == len(entries)


def test_altered_text_is_named() -> None:
    entries, root = _sealed()
    entries[2] = replace(entries[2], content=replace(entries[2].content, text="含9.5%玻尿酸"))
    report = chain.verify(SESSION, entries, root, 5)
    assert _issues(report) == [("altered", 3)]
    assert "3" in report.issues[0].message_zh and "altered" in report.issues[0].message_en


def test_altered_entry_with_recomputed_hash_is_still_named_altered() -> None:
    entries, root = _sealed()
    forged = chain.append(entries[1].hash, replace(entries[2].content, offset_ms=1))
    entries[2] = forged
    assert _issues(chain.verify(SESSION, entries, root, 5)) == [("altered", 3)]


def test_altered_last_entry_with_recomputed_hash_is_named() -> None:
    entries, root = _sealed()
    entries[4] = chain.append(entries[3].hash, replace(entries[4].content, text="十五天无理由"))
    assert _issues(chain.verify(SESSION, entries, root, 5)) == [("altered", 5)]


def test_inserted_entry_is_named_even_with_a_valid_hash() -> None:
    entries, root = _sealed()
    extra = chain.append(entries[2].hash, replace(entries[3].content, text="不满意随时退"))
    entries.insert(3, extra)
    report = chain.verify(SESSION, entries, root, 5)
    assert _issues(report) == [("inserted", 4)]
    assert report.issues[0].position == 4


def test_entry_appended_after_the_seal_is_inserted() -> None:
    entries, root = _sealed()
    content = chain.ClaimContent(6, "假一赔三", 999_000, ("P-1",), T0 + timedelta(hours=2))
    entries.append(chain.append(entries[-1].hash, content))
    assert _issues(chain.verify(SESSION, entries, root, 5)) == [("inserted", 6)]


@pytest.mark.parametrize("index", [0, 2, 4])
def test_deleted_entry_is_named(index: int) -> None:
    entries, root = _sealed()
    del entries[index]
    assert _issues(chain.verify(SESSION, entries, root, 5)) == [("deleted", index + 1)]


def test_deleted_tail_is_seen_even_without_the_sealed_count() -> None:
    entries, root = _sealed()
    report = chain.verify(SESSION, entries[:-1], root, None)
    assert ("deleted", 5) in _issues(report)


def test_reordered_entries_are_named_and_not_called_altered() -> None:
    entries, root = _sealed()
    entries[1], entries[3] = entries[3], entries[1]
    report = chain.verify(SESSION, entries, root, 5)
    assert _issues(report) == [("reordered", 2), ("reordered", 4)]


def test_entry_copied_from_another_session_does_not_verify() -> None:
    other = chain.build("LS-2", _contents())
    report = chain.verify(SESSION, other, chain.seal(SESSION, chain.build(SESSION, _contents())), 5)
    assert not report.ok


def test_open_session_checks_links_from_the_genesis_hash() -> None:
    entries, _ = _sealed()
    entries[1] = replace(entries[1], content=replace(entries[1].content, product_ids=("P-2",)))
    report = chain.verify(SESSION, entries, None)
    assert not report.sealed
    assert _issues(report) == [("altered", 2)]


def test_naive_and_aware_timestamps_hash_the_same() -> None:
    content = _contents()[0]
    naive = replace(content, recorded_at=content.recorded_at.replace(tzinfo=None))
    assert chain.entry_hash("x", content) == chain.entry_hash("x", naive)


def test_export_round_trip_keeps_the_verdict() -> None:
    entries, root = _sealed()
    exported = json.loads(json.dumps(chain.to_export(SESSION, entries, root, 5), ensure_ascii=False))
    session_id, loaded, loaded_root, count = chain.from_export(exported)
    assert chain.verify(session_id, loaded, loaded_root, count).ok
    exported["entries"][0]["text"] = "过敏不退"
    assert _issues(chain.verify(*chain.from_export(exported))) == [("altered", 1)]


def test_foreign_file_is_refused() -> None:
    with pytest.raises(chain.ExportFormatError):
        chain.from_export({"entries": []})
