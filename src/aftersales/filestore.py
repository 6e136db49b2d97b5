"""Content-addressed file storage for evidence: a file is stored once under its SHA-256 and read back by it.

The default is a folder (under the data dir); several API workers on one host share it. Writes are atomic
(a temporary file renamed into place), so a crash never leaves half a file behind a stored hash.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_HASH = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    def put(self, content: bytes) -> str: ...

    def get(self, digest: str) -> bytes: ...

    def delete(self, digest: str) -> bool: ...


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if not _HASH.match(digest):
            raise ValueError(f"not a SHA-256 digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self._path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        return self._path(digest).read_bytes()

    def delete(self, digest: str) -> bool:
        """Remove a file for good (an erasure); False when it was already gone."""
        try:
            self._path(digest).unlink()
        except FileNotFoundError:
            return False
        return True
