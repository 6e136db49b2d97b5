"""Whatever single tampering is done to a sealed chain, verify names that kind and that entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aftersales.live import chain

SESSION = "LS-P"
T0 = datetime(2026, 11, 11, tzinfo=UTC)


def _chain(size: int) -> list[chain.ChainEntry]:
    return chain.build(SESSION, [chain.ClaimContent(i, f"宣称{i}", i * 1000, ("P-1",), T0 + timedelta(seconds=i))
                                 for i in range(1, size + 1)])


def _found(entries: list[chain.ChainEntry], root: str, count: int) -> list[tuple[str, int]]:
    return [(issue.kind, issue.seq) for issue in chain.verify(SESSION, entries, root, count).issues]


sizes = st.integers(min_value=1, max_value=12)


@given(sizes, st.data(), st.booleans())
def test_any_altered_entry_is_named(size: int, data: st.DataObject, rehash: bool) -> None:
    entries = _chain(size)
    root = chain.seal(SESSION, entries)
    index = data.draw(st.integers(0, size - 1))
    content = replace(entries[index].content, text=entries[index].content.text + "（改）")
    entries[index] = (chain.append(entries[index].prev_hash, content) if rehash
                      else replace(entries[index], content=content))
    assert _found(entries, root, size) == [("altered", index + 1)]


@given(sizes, st.data())
def test_any_deleted_entry_is_named(size: int, data: st.DataObject) -> None:
    entries = _chain(size)
    root = chain.seal(SESSION, entries)
    index = data.draw(st.integers(0, size - 1))
    del entries[index]
    assert _found(entries, root, size) == [("deleted", index + 1)]


@given(sizes, st.data())
def test_any_inserted_entry_is_named(size: int, data: st.DataObject) -> None:
    entries = _chain(size)
    root = chain.seal(SESSION, entries)
    place = data.draw(st.integers(0, size))
    previous = entries[place - 1].hash if place else chain.genesis_hash(SESSION)
    seq = data.draw(st.integers(1, size + 1))
    forged = chain.append(previous, chain.ClaimContent(seq, "假一赔十", 5, ("P-1",), T0))
    entries.insert(place, forged)
    assert _found(entries, root, size) == [("inserted", seq)]


@given(st.integers(min_value=2, max_value=12), st.data())
def test_any_swap_is_named_as_reordered_on_both_entries(size: int, data: st.DataObject) -> None:
    entries = _chain(size)
    root = chain.seal(SESSION, entries)
    first = data.draw(st.integers(0, size - 2))
    second = data.draw(st.integers(first + 1, size - 1))
    entries[first], entries[second] = entries[second], entries[first]
    assert _found(entries, root, size) == [("reordered", first + 1), ("reordered", second + 1)]
