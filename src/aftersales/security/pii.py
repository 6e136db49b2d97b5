"""PII at rest: Fernet encryption with a configured key, and masking for roles that do not need the clear text."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from aftersales.config import Settings
from aftersales.filemodes import private_directory
from aftersales.problems import DomainError


class PiiKeyError(DomainError):
    status = 500
    code = "pii-key"
    title = "密钥错误 / PII key error"


def load_or_create_key(settings: Settings) -> bytes:
    """The configured key, or for the embedded default a key file created once with mode 0600."""
    if settings.pii_key:
        return settings.pii_key.encode()
    key_file = settings.data_dir / "pii.key"
    if key_file.exists():
        return key_file.read_bytes().strip()
    private_directory(key_file.parent)
    key = Fernet.generate_key()
    # O_EXCL: two processes starting at once must not each write a different key
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


def encrypt(plaintext: str, key: bytes) -> str:
    return Fernet(key).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str, key: bytes) -> str:
    try:
        return Fernet(key).decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise PiiKeyError("无法解密个人信息：密钥不匹配 / cannot decrypt PII: wrong key") from error


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_address(address: str) -> str:
    """Keep province and city (what routing and analytics need); hide the street and the door."""
    for marker in ("区", "县", "市"):
        cut = address.find(marker)
        if 0 < cut < len(address) - 1:
            return address[: cut + 1] + "****"
    return address[:4] + "****"


def key_file_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
