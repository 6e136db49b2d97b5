"""The JSON check behind the input guard: which bodies it refuses and which field it names."""

from __future__ import annotations

import pytest

from aftersales.web.input_guard import DUPLICATE_REASON, NUL_REASON, json_problem


@pytest.mark.parametrize(("body", "found"), [
    (b'{"a": 1, "a": 2}', ("a", DUPLICATE_REASON)),
    (b'{"a": {"b": [1, {"c": 1, "d": 2, "c": 3}]}}', ("a.b.1.c", DUPLICATE_REASON)),
    (b'[{"x": 1}, {"y": 1, "y": 1}]', ("1.y", DUPLICATE_REASON)),
    (b'{"a": "x\\u0000y"}', ("a", NUL_REASON)),
    (b'{"a": ["ok", {"b": "\\u0000"}]}', ("a.1.b", NUL_REASON)),
    (b'{"k\\u0000": 1}', ("k\\u0000", NUL_REASON)),
    (b'"\\u0000"', ("body", NUL_REASON)),
])
def test_a_nul_or_a_repeated_key_is_found_and_named(body: bytes, found: tuple[str, str]) -> None:
    assert json_problem(body) == found


@pytest.mark.parametrize("body", [
    b'{"a": 1, "b": {"a": 1}}',            # the same key in two objects is no repeat
    b'{"path": "C:\\\\u0000"}',            # an escaped backslash, then the text u0000
    b'{"a": [1, 1, 1]}',
    b'{"a": ',                             # malformed: the route's parser answers it, with its position
    b'\xff\xfe{',                          # not UTF-8 either
])
def test_clean_or_malformed_bodies_pass(body: bytes) -> None:
    assert json_problem(body) is None
