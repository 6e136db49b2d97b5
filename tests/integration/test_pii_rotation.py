"""Key rotation end to end: a new key, every stored value re-encrypted (interrupted and resumed), the old key
dropped, and everything still reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from aftersales import keyring
from aftersales.app import create_app
from aftersales.cli import app
from aftersales.config import get_settings
from aftersales.keyring import Keyring
from aftersales.notifications import service as notification_service
from aftersales.orders import service as order_service
from aftersales.parties.models import Buyer
from aftersales.runtime import Runtime, build_runtime
from aftersales.security import pii
from aftersales.security.rotation import key_use, reencrypt
from tests.factories import World, order_payload

#: buyers B-1 and B-2 (name, phone, address each) and the carrier's webhook secret, all under the first key
OLD_VALUES = 7


class Interrupted(Exception):
    pass


@pytest.fixture
def seeded(runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setattr(keyring, "RELOAD_SECONDS", 0.0)  # the test's processes see a rewritten key file at once
    with runtime.session() as session:
        notification_service.issue_secret(session, world.ids["carrier"], runtime.pii_key, world.now)
        session.commit()
    return runtime


def _new_buyer(runtime: Runtime, world: World) -> None:
    with runtime.session() as session:
        report = order_service.upsert_orders(session, [order_payload(
            "O-9001", "B-9", "PR-LIP1", world.now, buyer={"id": "B-9", "name": "钱多多", "phone": "13700009999",
                                                          "address": "上海市浦东新区世纪大道1号", "region": "上海"})],
            runtime.pii_key, world.now)
        assert not report.errors
        session.commit()


def test_rotate_reencrypt_drop_the_old_key_and_everything_still_reads(seeded: Runtime, world: World) -> None:
    runtime = seeded
    path = runtime.pii_key.path
    assert path is not None
    old = runtime.pii_key.newest
    new = keyring.add_key(path)
    assert runtime.pii_key.keys == (new, old), "the running process follows the key file"
    _new_buyer(runtime, world)  # written under the new key at once
    before = key_use(runtime.session_factory, runtime.pii_key)
    assert before.per_key[keyring.fingerprint(old)] == OLD_VALUES and before.needs_old_keys == OLD_VALUES
    assert before.per_key[keyring.fingerprint(new)] == 3

    batches: list[str] = []

    def stop_after_two(table: str, _report: object) -> None:
        batches.append(table)
        if len(batches) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        reencrypt(runtime.session_factory, runtime.pii_key, batch_size=1, progress=stop_after_two)
    halfway = key_use(runtime.session_factory, runtime.pii_key)
    assert 0 < halfway.needs_old_keys < OLD_VALUES, "the committed batches are under the new key"
    resumed = reencrypt(runtime.session_factory, runtime.pii_key, batch_size=1)
    assert resumed.rotated == halfway.needs_old_keys and resumed.unreadable == 0
    again = reencrypt(runtime.session_factory, runtime.pii_key, batch_size=2)
    assert again.rotated == 0 and again.current == OLD_VALUES + 3, "running it twice changes nothing"
    assert key_use(runtime.session_factory, runtime.pii_key).needs_old_keys == 0

    assert keyring.keep_only(path, [new]) == [old]
    restarted = build_runtime(runtime.settings, runtime.clock)
    assert restarted.pii_key.keys == (new,)
    with restarted.session() as session:
        names = {b.id: pii.decrypt(b.name_enc, restarted.pii_key) for b in session.scalars(select(Buyer))}
        assert names == {"B-1": "王小美", "B-2": "赵大勇", "B-9": "钱多多"}
        assert notification_service.secret_of(session, world.ids["carrier"], restarted.pii_key).startswith("cwsec_")
    with TestClient(create_app(restarted, background=False)) as client:
        headers = {"Authorization": f"Bearer {world.tokens['buyer']}"}
        case = client.post("/api/v1/cases", json={"order_id": "O-1001", "case_type": "refund_only",
                                                  "text": "口红断了"}, headers=headers).json()
        staff = client.get(f"/api/v1/cases/{case['id']}",
                           headers={"Authorization": f"Bearer {world.tokens['agent']}"}).json()["buyer"]
        assert (staff["name"], staff["phone"]) == ("王小美", "13812345678")
    restarted.close()
    with pytest.raises(pii.PiiKeyError), runtime.session() as session:
        pii.decrypt(session.get(Buyer, "B-1").phone_enc, Keyring([old]))  # type: ignore[union-attr]


def test_a_value_no_key_opens_is_reported_not_fatal(seeded: Runtime, world: World) -> None:
    with seeded.session() as session:
        session.get(Buyer, "B-2").address_enc = "not-a-fernet-token"  # type: ignore[union-attr]
        session.commit()
    keyring.add_key(seeded.pii_key.path)  # type: ignore[arg-type]
    report = reencrypt(seeded.session_factory, seeded.pii_key)
    assert report.rotated == OLD_VALUES - 1 and report.unreadable == 1
    assert report.unreadable_at == ["buyers.address_enc#B-2"]


@pytest.fixture
def cli_env(seeded: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", seeded.settings.resolved_database_url())
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(seeded.settings.data_dir))
    monkeypatch.delenv("AFTERSALES_PII_KEY", raising=False)
    monkeypatch.delenv("AFTERSALES_PII_KEYS", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_commands_refuse_to_drop_a_key_still_in_use(seeded: Runtime, world: World,
                                                        cli_env: CliRunner) -> None:
    runner = cli_env
    rotated = runner.invoke(app, ["pii", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    listed = runner.invoke(app, ["pii", "keys", "--scan"])
    assert listed.exit_code == 0 and listed.output.count("values") == 2 and f"{OLD_VALUES} values" in listed.output
    refused = runner.invoke(app, ["pii", "drop-old-keys"])
    assert refused.exit_code == 2 and "reencrypt" in refused.output and "Traceback" not in refused.output
    done = runner.invoke(app, ["pii", "reencrypt", "--batch-size", "2", "--json"])
    assert done.exit_code == 0 and f'"rotated": {OLD_VALUES}' in done.output, done.output
    dropped = runner.invoke(app, ["pii", "drop-old-keys"])
    assert dropped.exit_code == 0 and "dropped" in dropped.output, dropped.output
    assert len(keyring.read_key_file(seeded.pii_key.path)) == 1  # type: ignore[arg-type]
    with seeded.session() as session:
        contact = pii.decrypt(session.get(Buyer, "B-1").phone_enc, seeded.pii_key)  # type: ignore[union-attr]
    assert contact == "13812345678"


def test_keys_from_the_environment_are_rotated_by_deploying_the_printed_line(seeded: Runtime,
                                                                            cli_env: CliRunner,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (current,) = seeded.pii_key.keys
    monkeypatch.setenv("AFTERSALES_PII_KEYS", current.decode())
    get_settings.cache_clear()
    printed = cli_env.invoke(app, ["pii", "rotate-key"])
    assert printed.exit_code == 0, printed.output
    line = next(x for x in printed.output.splitlines() if x.startswith("AFTERSALES_PII_KEYS="))
    deployed = line.split("=", 1)[1]
    assert deployed.endswith("," + current.decode()) and deployed.count(",") == 1
    assert len(keyring.read_key_file(seeded.pii_key.path)) == 1, "the environment's keys are not written to disk"  # type: ignore[arg-type]
    monkeypatch.setenv("AFTERSALES_PII_KEYS", deployed)
    get_settings.cache_clear()
    assert cli_env.invoke(app, ["pii", "reencrypt"]).exit_code == 0
    final = cli_env.invoke(app, ["pii", "drop-old-keys"])
    assert final.exit_code == 0 and f"AFTERSALES_PII_KEYS={deployed.split(',')[0]}" in final.output

