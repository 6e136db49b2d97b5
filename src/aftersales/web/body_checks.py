"""What a request body may not carry, by its kind: a NUL character in any text (PostgreSQL refuses it), and in
JSON a key repeated in one object (the parser would keep the last one silently). Each check returns the field
to correct and the reason, or None; a body the check cannot read is left to the route's own parser, which
answers it with more detail."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

NUL = "\x00"
NUL_REASON = "不能包含空字符 U+0000 / must not contain the NUL character (U+0000)"
DUPLICATE_REASON = "JSON 对象中的键重复 / duplicate key in a JSON object"
#: a JSON text can carry NUL only as this escape (a raw NUL byte is not valid JSON); `\\u0000` also matches,
#: which is why a hit is confirmed on the parsed value
_NUL_ESCAPE = b"\\u0000"

Problem = tuple[str, str]


def shown(name: str) -> str:
    """A field name as a problem can carry it: the NUL it holds written as its escape."""
    return name.replace(NUL, "\\u0000")


class _Repeated(Exception):
    """Raised from inside the parser at the first object that repeats a key."""


class _Duplicated(dict[str, Any]):
    """An object whose key list repeated `key`; the walk that names the field looks for it."""

    key: str


def _refuse_repeats(items: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(items)
    if len(built) != len(items):
        raise _Repeated
    return built


def _mark_repeats(items: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(items)
    if len(built) == len(items):
        return built
    marked = _Duplicated(built)
    seen: set[str] = set()
    for name, _ in items:
        if name in seen:
            marked.key = name
            break
        seen.add(name)
    return marked


#: built once: `json.loads` with a hook builds a new decoder, and its scanner, on every call
_STRICT = json.JSONDecoder(object_pairs_hook=_refuse_repeats)
_MARKING = json.JSONDecoder(object_pairs_hook=_mark_repeats)


def _field(path: list[str | int]) -> str:
    return ".".join(str(p) for p in path) or "body"


def _duplicate(value: Any, path: list[str | int]) -> str | None:
    if isinstance(value, _Duplicated):
        return _field([*path, value.key])
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for name, child in children:
        found = _duplicate(child, [*path, name])
        if found is not None:
            return found
    return None


def _nul(value: Any, path: list[str | int]) -> str | None:
    if isinstance(value, str):
        return _field(path) if NUL in value else None
    if isinstance(value, dict):
        for name, child in value.items():
            if NUL in name:
                return _field([*path, shown(name)])
            found = _nul(child, [*path, name])
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found = _nul(child, [*path, index])
            if found is not None:
                return found
    return None


def json_problem(body: bytes) -> Problem | None:
    """A NUL in any string or key, or a key repeated in one object; the field as a dotted path (`items.0.text`)."""
    try:
        # decoded as `json.loads` decodes bytes, so both read the same text
        text = body.decode(json.detect_encoding(body), "surrogatepass")
        try:
            parsed = _STRICT.decode(text)
        except _Repeated:
            return _duplicate(_MARKING.decode(text), []) or "body", DUPLICATE_REASON
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    if _NUL_ESCAPE in body:
        field = _nul(parsed, [])
        if field is not None:
            return field, NUL_REASON
    return None


def pairs_problem(encoded: bytes, where: str) -> Problem | None:
    """A NUL in a URL-encoded name or value (a query string or a form body); `where` names the whole."""
    if b"%00" not in encoded and b"\x00" not in encoded:
        return None
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                 errors="replace"):
        if NUL in name or NUL in value:
            return shown(name) or where, NUL_REASON
    return None


class MultipartScan:
    """Follows a multipart body as it streams past, keeping none of it: a NUL in a field's name or in the value
    of a field that is not a file (a file's bytes may hold anything; its name is cleaned where it is stored)."""

    def __init__(self, boundary: bytes) -> None:
        self.found: Problem | None = None
        self._broken = False
        self._header = b""
        self._value = b""
        self._disposition = b""
        self._name = ""
        self._text = False
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data}
        self._parser = MultipartParser(boundary, callbacks)

    def feed(self, chunk: bytes) -> Problem | None:
        if chunk and self.found is None and not self._broken:
            try:
                self._parser.write(chunk)
            except FormParserError:  # not multipart after all: the route's form parser says how
                self._broken = True
        return self.found

    def _part_begin(self) -> None:
        self._disposition = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._text = b"filename" not in options
        if NUL in self._name:
            self.found = shown(self._name), NUL_REASON

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._text and self.found is None and data.find(b"\x00", start, end) != -1:
            self.found = self._name or "body", NUL_REASON
