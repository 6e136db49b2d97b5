"""The PII keyring and masking: several keys (newest writes, any reads), the key file, and names masked like phones."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from aftersales import keyring
from aftersales.cases.erasure import SCRUBBED, Scrubber
from aftersales.config import Settings
from aftersales.keyring import InvalidToken, KeyConfigError, Keyring, load_keyring
from aftersales.security import pii


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("王小美", "王*美"), ("欧阳小明", "欧**明"),
                                              ("李", "*"), ("", ""), ("Alice Wong", "A********g")])
def test_names_keep_their_ends_like_phone_numbers(name: str, masked: str) -> None:
    assert pii.mask_name(name) == masked


def test_new_writes_use_the_newest_key_and_every_key_reads() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    before = Keyring([old]).encrypt("13812345678")
    ring = Keyring([new, old])
    after = ring.encrypt("王小美")
    assert ring.decrypt(before) == "13812345678" and ring.decrypt(after) == "王小美"
    assert Fernet(new).decrypt(after.encode()) == "王小美".encode()
    assert not ring.is_current(before) and ring.is_current(after)
    rotated = ring.rotate(before)
    assert ring.is_current(rotated) and Keyring([new]).decrypt(rotated) == "13812345678"
    with pytest.raises(InvalidToken):
        Keyring([old]).decrypt(after)
    with pytest.raises(pii.PiiKeyError):
        pii.decrypt("not a token 买家", ring)


def test_configured_keys_come_newest_first_and_bad_ones_are_refused_at_start(tmp_path: Path) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    ring = load_keyring(Settings(data_dir=tmp_path, pii_keys=f"{new.decode()}, {old.decode()}"))
    assert ring.keys == (new, old) and ring.path is None
    assert load_keyring(Settings(data_dir=tmp_path, pii_key=old.decode())).keys == (old,)
    with pytest.raises(KeyConfigError, match="key 2"):
        load_keyring(Settings(data_dir=tmp_path, pii_keys=f"{new.decode()},not-a-key"))
    assert not (tmp_path / "pii.key").exists(), "keys from the environment never write a key file"


def test_the_key_file_is_created_private_and_a_rotation_is_seen_by_a_running_keyring(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    running = load_keyring(settings)
    path = tmp_path / "data" / "pii.key"
    assert running.path == path and path.stat().st_mode & 0o777 == 0o600
    first = running.newest
    added = keyring.add_key(path)
    written_elsewhere = Keyring([added]).encrypt("浙江省杭州市西湖区文三路100号")
    # a value another process wrote under the new key is read at once: the failed read looks at the file again
    assert running.decrypt(written_elsewhere) == "浙江省杭州市西湖区文三路100号"
    assert running.keys == (added, first) and path.stat().st_mode & 0o777 == 0o600
    assert keyring.keep_only(path, [added]) == [first]
    monkeypatch.setattr(keyring, "RELOAD_SECONDS", 0.0)
    assert running.keys == (added,)
    with pytest.raises(KeyConfigError):
        keyring.keep_only(path, [first])  # the file no longer starts with that key: someone changed it


def test_a_buyers_identity_is_scrubbed_from_other_peoples_words() -> None:
    scrub = Scrubber(["王小美", "13812345678", "浙江省杭州市西湖区文三路100号3幢201", ""])
    text = "王小美您好，已致电 138-1234-5678 和 13812345678，寄回 浙江省杭州市西湖区文三路100号3幢201 的包裹"
    assert scrub(text) == f"{SCRUBBED}您好，已致电 {SCRUBBED} 和 {SCRUBBED}，寄回 {SCRUBBED} 的包裹"
    assert Scrubber([])("不变") == "不变"
