"""The body checks behind the input guard: which bodies they refuse and which field they name."""

from __future__ import annotations

import pytest

from aftersales.web.body_checks import DUPLICATE_REASON, NUL_REASON, MultipartScan, json_problem


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


def _multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    out = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += b"--XyZ\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + value + b"\r\n"
    return out + b"--XyZ--\r\n"


@pytest.mark.parametrize(("parts", "found"), [
    ((("text", None, b"ok"), ("photo", "a.jpg", b"\x00\xff\x00")), None),
    ((("photo", "a.jpg", b"\x00"), ("text", None, b"bro\x00ken")), ("text", NUL_REASON)),
])
def test_a_nul_in_a_form_field_is_found_in_any_chunking_but_a_files_bytes_may_hold_one(
        parts: tuple[tuple[str, str | None, bytes], ...], found: tuple[str, str] | None) -> None:
    body = _multipart(*parts)
    for size in (1, 7, len(body)):
        scan = MultipartScan(b"XyZ")
        results = [scan.feed(body[i:i + size]) for i in range(0, len(body), size)]
        assert results[-1] == found
