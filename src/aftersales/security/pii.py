"""PII at rest: Fernet encryption under the configured keys (rotatable, see keyring.py), and masking for roles that
do not need the clear text."""

from __future__ import annotations

from pathlib import Path

from aftersales.config import Settings
from aftersales.keyring import InvalidToken, Keyring, load_keyring
from aftersales.problems import DomainError

#: what a caller may pass as the key: the process's keyring, or one bare Fernet key (tests, one-off tools)
Keys = Keyring | bytes


class PiiKeyError(DomainError):
    status = 500
    code = "pii-key"
    title = "密钥错误 / PII key error"


def load_or_create_key(settings: Settings) -> Keyring:
    """The configured keyring, or for the embedded default the key file, created once with mode 0600."""
    return load_keyring(settings)


def as_keyring(keys: Keys) -> Keyring:
    return keys if isinstance(keys, Keyring) else Keyring([keys])


def encrypt(plaintext: str, keys: Keys) -> str:
    return as_keyring(keys).encrypt(plaintext)


def decrypt(ciphertext: str, keys: Keys) -> str:
    try:
        return as_keyring(keys).decrypt(ciphertext)
    except InvalidToken as error:
        raise PiiKeyError("无法解密个人信息：密钥不匹配 / cannot decrypt PII: wrong key") from error


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str) -> str:
    """Like the phone: the ends kept, the middle hidden (张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明)."""
    text = name.strip()
    if len(text) <= 1:
        return "*" * len(text)
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def mask_address(address: str) -> str:
    """Keep province and city (what routing and analytics need); hide the street and the door."""
    for marker in ("区", "县", "市"):
        cut = address.find(marker)
        if 0 < cut < len(address) - 1:
            return address[: cut + 1] + "****"
    return address[:4] + "****"


def key_file_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
