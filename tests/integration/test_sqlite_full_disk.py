"""SQLite on a full disk (issue 13): the embedded database lives on a small file system the test mounts (tmpfs, or
a loop-mounted image; see tests/small_filesystem.py), and a filler file takes the rest of its space.

The API answers 507 problem+json (never 500), the CLI one clear line (never a traceback); the file stays whole
(`PRAGMA integrity_check`), every case answered 201 before is there, and once space is freed the same request
goes through.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from rich.console import Console

from aftersales.app import create_app
from aftersales.bench.intake import seed_world
from aftersales.bench.world import BenchBuyer, case_payload
from aftersales.config import Settings
from aftersales.runtime import build_runtime
from tests.small_filesystem import small_filesystem

pytestmark = pytest.mark.slow

FILESYSTEM_BYTES = 16 * 1024 * 1024
BUYERS = 300
BEFORE_FULL = 20
#: left free after the filler: a few more cases fit, then the disk fills while the service writes
SLACK_BYTES = 256 * 1024


@dataclass
class Disk:
    root: Path
    database: Path
    filler: Path
    buyers: list[BenchBuyer]
    client: TestClient


@pytest.fixture
def disk() -> Iterator[Disk]:
    with small_filesystem(FILESYSTEM_BYTES) as root:
        buyers = seed_world(root, BUYERS, Console(quiet=True))
        database = root / "aftersales.db"
        runtime = build_runtime(Settings(environment="test", data_dir=root, database_url=f"sqlite:///{database}",
                                         run_sweeper_in_process=False))
        try:
            with TestClient(create_app(runtime, background=False)) as client:
                yield Disk(root, database, root / "filler.bin", buyers, client)
        finally:
            runtime.close()


def _open(disk: Disk, index: int) -> httpx.Response:
    buyer = disk.buyers[index]
    return disk.client.post("/api/v1/cases", json=case_payload(buyer, index),
                            headers={"Authorization": f"Bearer {buyer.token}", "Idempotency-Key": f"disk-{index}"})


def _fill(disk: Disk) -> None:
    """Take every free byte, then give back SLACK_BYTES."""
    block = b"\0" * 65536
    with disk.filler.open("wb") as handle:
        try:
            while True:
                handle.write(block)
                handle.flush()
        except OSError:  # ENOSPC: the file system is full
            pass
    os.truncate(disk.filler, max(0, disk.filler.stat().st_size - SLACK_BYTES))


def _integrity(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]


def _cases(database: Path) -> dict[str, set[str]]:
    """Each case with the kinds of its timeline events."""
    with sqlite3.connect(database) as connection:
        found: dict[str, set[str]] = {case_id: set() for (case_id,) in connection.execute("SELECT id FROM cases")}
        for case_id, kind in connection.execute("SELECT case_id, kind FROM timeline_events"):
            found.setdefault(case_id, set()).add(kind)
    return found


def _orders_csv(path: Path, rows: int) -> Path:
    """An import big enough that its first chunk cannot fit in what is left."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["order_id", "buyer_id", "buyer_name", "buyer_phone",
                                                    "buyer_address", "buyer_region", "product_id", "amount",
                                                    "placed_at", "shipping_insurance"])
        writer.writeheader()
        for n in range(rows):
            writer.writerow({"order_id": f"O-DISK-{n:05d}", "buyer_id": f"B-DISK-{n:05d}", "buyer_name": "钱多多",
                             "buyer_phone": f"137{n:08d}", "buyer_address": "江苏省南京市鼓楼区中山路1号" * 4,
                             "buyer_region": "江苏", "product_id": "PR-BM-DRESS", "amount": "299.00",
                             "placed_at": "2026-11-01T20:15:00+08:00", "shipping_insurance": "是"})
    return path


def test_a_full_disk_is_a_clear_error_and_no_corruption(disk: Disk, tmp_path: Path) -> None:
    acknowledged = {}
    for index in range(BEFORE_FULL):
        answer = _open(disk, index)
        assert answer.status_code == 201, answer.text
        acknowledged[index] = answer.json()["id"]
    _fill(disk)

    refused: list[tuple[int, httpx.Response]] = []
    index = BEFORE_FULL
    while index < BUYERS and len(refused) < 5:
        answer = _open(disk, index)
        status = answer.status_code
        if status == 201:
            acknowledged[index] = answer.json()["id"]
        else:
            refused.append((index, answer))
        index += 1
    assert refused, f"the disk never filled: {index - BEFORE_FULL} cases fit in {SLACK_BYTES} bytes"
    for _, answer in refused:
        assert answer.status_code == 507, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        body = answer.json()
        assert body["type"].endswith("/insufficient-storage") and "磁盘已满" in body["detail"]
        assert "disk is full" in body["detail"]

    # the command line on the same full disk: one line naming the problem, no traceback
    env = {**os.environ, "AFTERSALES_DATA_DIR": str(disk.root), "AFTERSALES_DATABASE_URL": f"sqlite:///{disk.database}"}
    imported = subprocess.run([sys.executable, "-m", "aftersales.cli", "import", "orders",
                               str(_orders_csv(tmp_path / "orders.csv", 3000))], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
    assert imported.returncode == 2, imported.stdout[-2000:] + imported.stderr[-2000:]
    assert "磁盘已满" in imported.stderr and "disk is full" in imported.stderr, imported.stderr[-2000:]
    assert "Traceback" not in imported.stderr + imported.stdout

    assert _integrity(disk.database) == ["ok"]
    cases = _cases(disk.database)
    assert set(cases) == set(acknowledged.values()), "a case answered 201 is missing, or a refused one was kept"
    assert all("opened" in kinds for kinds in cases.values()), "a case lost part of its writes"
    with sqlite3.connect(disk.database) as connection:
        partial = connection.execute("SELECT count(*) FROM orders WHERE id LIKE 'O-DISK-%'").fetchone()
    assert partial == (0,), "the refused import left part of itself"

    disk.filler.unlink()  # the operator frees space: the service works again, the refused request included
    retried, _ = refused[0]
    again = _open(disk, retried)
    assert again.status_code == 201, again.text
    earlier = disk.buyers[0]
    read = disk.client.get(f"/api/v1/cases/{acknowledged[0]}", headers={"Authorization": f"Bearer {earlier.token}"})
    assert read.status_code == 200 and read.json()["order_id"] == earlier.order_id
    assert _integrity(disk.database) == ["ok"]
