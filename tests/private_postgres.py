"""A PostgreSQL server of the test's own: initdb and pg_ctl into a temporary folder, a free port on 127.0.0.1, trust
authentication. Tests that stop or restart the database use this one, never the shared server."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from aftersales.bench.intake import free_port


def server_binaries() -> Path | None:
    """The newest installed server's bin folder (Debian keeps initdb and pg_ctl off the PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and (Path(on_path).parent / "initdb").exists() else None


@dataclass
class PrivatePostgres:
    root: Path
    binaries: Path
    port: int
    #: PostgreSQL refuses to run as root: as root, every server command runs as this account
    user: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.binaries / args[0]), *args[1:]]
        done = subprocess.run(command, user=self.user, capture_output=True, text=True, check=False,
                              cwd=self.root, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` rolls back open transactions and checkpoints; `immediate` is a crash: recovery on next start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def create_database(self, name: str) -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "server.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private server for the block; skips where no PostgreSQL server binaries are installed."""
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to start a private server")
    user = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres").pw_name
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' account to run a private server as")
    # not under pytest's tmp_path: that is private to root, and the server runs as `postgres`
    root = Path(tempfile.mkdtemp(prefix="aftersales-pg-"))
    if user is not None:
        os.chown(root, pwd.getpwnam(user).pw_uid, -1)
    server = PrivatePostgres(root=root, binaries=binaries, port=free_port(), user=user).init()
    server.start()
    try:
        yield server
    finally:
        with suppress(RuntimeError):  # already stopped by the test
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
