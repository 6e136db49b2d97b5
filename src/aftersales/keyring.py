"""The PII keys, newest first: new ciphertexts use the newest, reads try each (cryptography's MultiFernet).

Keys come from AFTERSALES_PII_KEYS (comma-separated, newest first), else AFTERSALES_PII_KEY, else the key file
`<data_dir>/pii.key` (one key a line, newest first; created 0600 with one key on first use). A keyring read from
the file notices when `aftersales pii rotate-key` or `drop-old-keys` rewrites it, so a running server reads rows
another process encrypted with a key added after it started.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from aftersales.config import Settings
from aftersales.filemodes import private_directory

KEY_FILE = "pii.key"
#: a file-backed keyring looks at the file at most this often
RELOAD_SECONDS = 1.0

__all__ = [
    "InvalidToken",
    "KeyConfigError",
    "Keyring",
    "add_key",
    "fingerprint",
    "keep_only",
    "key_file",
    "load_keyring",
    "read_key_file",
]


class KeyConfigError(ValueError):
    """The configured keys cannot be used (not a Fernet key, none at all): said at start-up, not at first use."""


def fingerprint(key: bytes) -> str:
    """A short name for a key that reveals nothing of it (for logs and `aftersales pii keys`)."""
    return hashlib.sha256(b"aftersales pii key fingerprint|" + key).hexdigest()[:12]


def _parse(keys: Sequence[bytes], origin: str) -> tuple[bytes, ...]:
    parsed: list[bytes] = []
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as error:
            raise KeyConfigError(f"{origin}: 第{number}个密钥不是有效的 Fernet 密钥 / key {number} is not a valid "
                                 "Fernet key (urlsafe base64 of 32 bytes)") from error
        if key not in parsed:
            parsed.append(key)
    if not parsed:
        raise KeyConfigError(f"{origin}: 没有密钥 / no key")
    return tuple(parsed)


@dataclass(frozen=True)
class _State:
    keys: tuple[bytes, ...]
    multi: MultiFernet
    newest: Fernet
    stamp: tuple[int, int] | None


def _state(keys: tuple[bytes, ...], stamp: tuple[int, int] | None = None) -> _State:
    fernets = [Fernet(key) for key in keys]
    return _State(keys=keys, multi=MultiFernet(fernets), newest=fernets[0], stamp=stamp)


class Keyring:
    """Encrypts with the newest key, decrypts with any; thread-safe (the state is swapped whole)."""

    def __init__(self, keys: Sequence[bytes], *, path: Path | None = None, origin: str = "PII keys") -> None:
        self._path = path
        self._origin = origin
        self._checked = time.monotonic()
        self._current = _state(_parse(keys, origin), _stamp(path) if path else None)

    @property
    def path(self) -> Path | None:
        """The key file this keyring follows; None when the keys come from the environment."""
        return self._path

    def _live(self) -> _State:
        state = self._current
        if self._path is None or time.monotonic() - self._checked < RELOAD_SECONDS:
            return state
        self._checked = time.monotonic()
        stamp = _stamp(self._path)
        if stamp is not None and stamp != state.stamp:
            keys = read_key_file(self._path)
            if keys:
                # a half-edited file is never read: the tools that change it rename a complete file into place
                state = self._current = _state(_parse(keys, str(self._path)), stamp)
        return state

    @property
    def keys(self) -> tuple[bytes, ...]:
        return self._live().keys

    @property
    def newest(self) -> bytes:
        return self._live().keys[0]

    @property
    def oldest(self) -> bytes:
        return self._live().keys[-1]

    def encrypt(self, plaintext: str) -> str:
        return self._live().multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext; InvalidToken when no key opens it (a moment later the file may hold the key: retried)."""
        try:
            return self._live().multi.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            if self._path is None:
                raise InvalidToken from None
            self._checked = 0.0  # another process may have added the key since the last look
            try:
                return self._live().multi.decrypt(ciphertext.encode("ascii")).decode("utf-8")
            except UnicodeEncodeError:
                raise InvalidToken from None

    def is_current(self, ciphertext: str) -> bool:
        """True when the newest key alone opens it: re-encrypting it would change nothing."""
        try:
            self._live().newest.decrypt(ciphertext.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext under the newest key (its original timestamp kept). InvalidToken if unreadable."""
        try:
            return self._live().multi.rotate(ciphertext.encode("ascii")).decode("ascii")
        except UnicodeEncodeError:
            raise InvalidToken from None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_mtime_ns, found.st_ino)


def key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def read_key_file(path: Path) -> list[bytes]:
    """The keys in a key file, newest first; blank lines and # comments are skipped."""
    lines = (line.strip() for line in path.read_bytes().splitlines())
    return [line for line in lines if line and not line.startswith(b"#")]


def _write_key_file(path: Path, keys: Sequence[bytes]) -> None:
    # a complete file renamed into place: a reader sees the old keys or the new ones, never half a file
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pii-key-")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(b"".join(key + b"\n" for key in keys))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    # two rotations at once would each prepend to the same old file and one new key would be lost
    private_directory(path.parent)
    lock = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)


def _create_key_file(path: Path) -> list[bytes]:
    private_directory(path.parent)
    key = Fernet.generate_key()
    # O_EXCL: two processes starting at once must not each write a different key
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
    return [key]


def _configured(settings: Settings) -> list[bytes] | None:
    if settings.pii_keys:
        return [part.strip().encode() for part in settings.pii_keys.split(",") if part.strip()]
    if settings.pii_key:
        return [settings.pii_key.strip().encode()]
    return None


def load_keyring(settings: Settings) -> Keyring:
    """The configured keys, or for the embedded default the key file (created once with mode 0600)."""
    configured = _configured(settings)
    if configured is not None:
        origin = "AFTERSALES_PII_KEYS" if settings.pii_keys else "AFTERSALES_PII_KEY"
        return Keyring(configured, origin=origin)
    path = key_file(settings)
    keys = read_key_file(path) if path.exists() else _create_key_file(path)
    return Keyring(keys, path=path, origin=str(path))


def add_key(path: Path) -> bytes:
    """A new key put first in the key file (new writes use it; the others still read). Returns it."""
    with _locked(path):
        keys = read_key_file(path) if path.exists() else []
        key = Fernet.generate_key()
        _write_key_file(path, [key, *keys])
    return key


def keep_only(path: Path, keep: Sequence[bytes]) -> list[bytes]:
    """Rewrite the key file with only `keep` (newest first); returns the keys it dropped."""
    with _locked(path):
        keys = read_key_file(path)
        if not keep or keys[: len(keep)] != list(keep):
            raise KeyConfigError(f"{path}: 密钥文件已被其他进程修改 / the key file changed meanwhile; run again")
        _write_key_file(path, keep)
    return keys[len(keep):]
