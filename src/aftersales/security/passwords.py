"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommended profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from aftersales.problems import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256
_hasher = PasswordHasher()
#: verified against when the username is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def check_strength(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(f"密码长度须为 {MIN_LENGTH}–{MAX_LENGTH} 个字符 / a password needs {MIN_LENGTH}–"
                           f"{MAX_LENGTH} characters", field="password")
    if password.strip() != password or len(set(password)) < 4:
        raise InvalidInput("密码过于简单或首尾有空格 / the password is too simple or has leading/trailing spaces",
                           field="password")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def rehash(password: str) -> str:
    """A fresh hash of a password already accepted once (new argon2 parameters), without re-judging it."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing hash still spends the same time before saying no."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
