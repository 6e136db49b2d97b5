"""A Spark standalone cluster on this machine (one master, N workers), run by pyspark's own daemon script.

The pip package of pyspark ships `sbin/spark-daemon.sh` (what `start-master.sh` and `start-worker.sh` call in a
full Spark distribution, which the wheel leaves out), so the daemons are started and stopped through it, with
their logs, pid files, work and scratch folders under one folder of ours. Everything binds to one address
(127.0.0.1 by default), so nothing listens beyond this machine. Which Python the executors run is the
driver's choice (`spark_engine` passes its own interpreter), not the workers'.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aftersales.problems import InvalidInput

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
IDENT = "aftersales"  # spark-daemon.sh names its pid files after it
STATE_FILE = "cluster.json"


class ClusterError(RuntimeError):
    """The cluster did not come up (or down) as asked; the message names the log to read."""


@dataclass(frozen=True)
class ClusterSpec:
    folder: Path
    host: str = "127.0.0.1"
    port: int = 7077
    webui_port: int = 8080
    workers: int = 2
    #: the first worker's web UI port, the next workers take the following ones; 0: any free port each
    worker_webui_port: int = 8081
    worker_cores: int = 1
    worker_memory: str = "1g"
    #: heap of the master and worker daemons themselves (they only schedule; executors get their own JVMs)
    daemon_memory: str = "256m"

    @property
    def master_url(self) -> str:
        return f"spark://{self.host}:{self.port}"

    @property
    def master_ui(self) -> str:
        return f"http://{self.host}:{self.webui_port}"


@dataclass
class ClusterState:
    master_url: str
    master_ui: str
    folder: str
    spark_home: str
    workers: int
    started_at: float = field(default_factory=time.time)


def spark_home() -> Path:
    """The pyspark package folder: its `sbin/spark-daemon.sh`, `bin/spark-class` and `jars/`."""
    try:
        import pyspark
    except ImportError:
        raise InvalidInput("未安装 pyspark（pip install -e '.[spark]'）/ pyspark is not installed "
                           "(pip install -e '.[spark]')", field="spark") from None
    home = Path(pyspark.__file__).parent
    if not (home / "sbin" / "spark-daemon.sh").is_file():
        raise InvalidInput(f"{home} 中没有 sbin/spark-daemon.sh / no sbin/spark-daemon.sh in {home}", field="spark")
    return home


def daemon_env(spec: ClusterSpec, home: Path) -> dict[str, str]:
    """The environment spark-daemon.sh reads: where its files go, which address it binds, how big it is."""
    folder = spec.folder.resolve()
    env = {key: value for key, value in os.environ.items()
           # set by an earlier Spark script in this shell: they would skip loading our (empty) configuration
           if key not in {"SPARK_ENV_LOADED", "SPARK_CONF_DIR", "SPARK_HOME", "PYSPARK_PYTHONPATH_SET"}}
    env.update({
        "SPARK_HOME": str(home),
        "SPARK_CONF_DIR": str(folder / "conf"),
        "SPARK_LOG_DIR": str(folder / "logs"),
        "SPARK_PID_DIR": str(folder / "pids"),
        "SPARK_LOCAL_DIRS": str(folder / "scratch"),
        "SPARK_IDENT_STRING": IDENT,
        "SPARK_LOCAL_IP": spec.host,
        "SPARK_PUBLIC_DNS": spec.host,
        "SPARK_DAEMON_MEMORY": spec.daemon_memory,
        # the daemons only schedule: the JIT's quick tier starts them sooner and leaves the cores to the work
        "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1",
    })
    if "JAVA_HOME" not in env and shutil.which("java") is None:
        raise InvalidInput("找不到 Java（需要 Java 17）/ no java found (Spark needs Java 17)", field="java")
    return env


def _daemons(spec: ClusterSpec) -> list[tuple[str, int, list[str]]]:
    """(class, instance number, arguments) of the master and each worker, as start-master/start-worker pass them."""
    master = (MASTER_CLASS, 1, ["--host", spec.host, "--port", str(spec.port), "--webui-port", str(spec.webui_port)])
    workers = []
    for number in range(1, spec.workers + 1):
        ui = 0 if spec.worker_webui_port == 0 else spec.worker_webui_port + number - 1
        workers.append((WORKER_CLASS, number, [
            "--host", spec.host, "--webui-port", str(ui), "--cores", str(spec.worker_cores),
            "--memory", spec.worker_memory, "--work-dir", str(spec.folder.resolve() / "work" / f"worker-{number}"),
            spec.master_url]))
    return [master, *workers]


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for tests and side-by-side clusters; a race remains, as with any pick)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _run_daemon_script(home: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(["bash", str(home / "sbin" / "spark-daemon.sh"), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def master_json(master_ui: str, timeout: float = 2.0) -> dict[str, Any]:
    """The master's status page as JSON: workers (state, cores, web UI), running and finished applications."""
    with urllib.request.urlopen(f"{master_ui}/json/", timeout=timeout) as answer:
        return dict(json.load(answer))


def worker_json(worker_ui: str, timeout: float = 2.0) -> dict[str, Any]:
    """A worker's status page as JSON: its executors, running and finished, with their application ids."""
    with urllib.request.urlopen(f"{worker_ui}/json/", timeout=timeout) as answer:
        return dict(json.load(answer))


def _log_tail(folder: Path, lines: int = 12) -> str:
    logs = sorted((folder / "logs").glob("*.out"), key=lambda p: p.stat().st_mtime)
    if not logs:
        return ""
    tail = logs[-1].read_text(errors="replace").splitlines()[-lines:]
    return f"\n{logs[-1]}:\n" + "\n".join(tail)


def start(spec: ClusterSpec, timeout: float = 120.0) -> ClusterState:
    """Start the master and the workers and wait until every worker has registered; stop them all on failure."""
    if spec.workers < 1:
        raise InvalidInput("至少需要一个 worker / at least one worker is needed", field="workers")
    home = spark_home()
    env = daemon_env(spec, home)
    if (spec.folder / STATE_FILE).exists() and _live_pids(spec.folder):
        raise InvalidInput(f"{spec.folder} 中的集群仍在运行（先 stop）/ the cluster in {spec.folder} is still "
                           "running (stop it first)", field="folder")
    busy = [p for p in (spec.port, spec.webui_port) if not _port_free(spec.host, p)]
    busy += [p for p in range(spec.worker_webui_port, spec.worker_webui_port + spec.workers)
             if spec.worker_webui_port and not _port_free(spec.host, p)]
    if busy:
        raise InvalidInput(f"端口已被占用 / ports in use on {spec.host}: {', '.join(map(str, busy))}", field="port")
    for sub in ("conf", "logs", "pids", "scratch", "work"):
        (spec.folder / sub).mkdir(parents=True, exist_ok=True)
    state = ClusterState(master_url=spec.master_url, master_ui=spec.master_ui, folder=str(spec.folder.resolve()),
                         spark_home=str(home), workers=spec.workers)
    (spec.folder / STATE_FILE).write_text(json.dumps(asdict(state), indent=2))
    try:
        # the workers retry until the master listens, so all daemons start together (each script waits ~3 s)
        scripts = [_run_daemon_script(home, env, "start", cls, str(n), *args) for cls, n, args in _daemons(spec)]
        for script in scripts:
            output, _ = script.communicate(timeout=60)
            if script.returncode != 0 or "failed to launch" in output:
                raise ClusterError(f"Spark 守护进程未能启动 / a Spark daemon failed to start:\n{output.strip()}")
        _wait_for_workers(spec, timeout)
    except BaseException:
        stop(spec.folder)
        raise
    return state


def _wait_for_workers(spec: ClusterSpec, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    alive = 0
    while time.monotonic() < deadline:
        if len(_live_pids(spec.folder)) < spec.workers + 1:
            raise ClusterError("Spark 守护进程已退出 / a Spark daemon exited" + _log_tail(spec.folder))
        try:
            alive = int(master_json(spec.master_ui).get("aliveworkers", 0))
        except (OSError, ValueError):
            alive = 0  # the master's web UI is not up yet
        if alive >= spec.workers:
            return
        time.sleep(0.5)
    raise ClusterError(f"{timeout:.0f} 秒内只有 {alive}/{spec.workers} 个 worker 注册 / only {alive} of "
                       f"{spec.workers} workers registered within {timeout:.0f} s" + _log_tail(spec.folder))


def _pid_files(folder: Path) -> list[Path]:
    return sorted((folder / "pids").glob(f"spark-{IDENT}-*.pid"))


def _is_our_daemon(pid: int, folder: Path) -> bool:
    """The pid still names a JVM started for this folder (a pid file can outlive its process, pids are reused)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return "org.apache.spark.deploy." in command and str(folder.resolve() / "conf") in command


def _live_pids(folder: Path) -> dict[Path, int]:
    live = {}
    for pid_file in _pid_files(folder):
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            continue
        if _is_our_daemon(pid, folder):
            live[pid_file] = pid
    return live


def stop(folder: Path, timeout: float = 30.0) -> list[str]:
    """Stop the workers, then the master, through spark-daemon.sh; wait for them, kill what outlives `timeout`.

    Returns what was stopped. A worker stopping takes its executors down with it.
    """
    live = _live_pids(folder)
    if not live:
        for pid_file in _pid_files(folder):
            pid_file.unlink(missing_ok=True)
        return []
    home = spark_home()
    env = daemon_env(ClusterSpec(folder=folder), home)
    stopped = []
    # workers first: a master stopped before them would leave them retrying to register
    for pid_file in sorted(live, key=lambda p: MASTER_CLASS in p.name):
        cls, number = pid_file.stem.removeprefix(f"spark-{IDENT}-").rsplit("-", 1)
        _run_daemon_script(home, env, "stop", cls, number).communicate(timeout=30)
        stopped.append(f"{cls.rsplit('.', 1)[-1]} {number} (pid {live[pid_file]})")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and processes(folder):
        time.sleep(0.2)
    for pid in processes(folder):  # what ignored SIGTERM that long: a daemon or an orphaned executor
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return stopped


def processes(folder: Path) -> list[int]:
    """Every JVM of the cluster in `folder`: daemons and executors (their class path starts with our conf dir)."""
    marker = str(folder.resolve() / "conf").encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker in command and b"org.apache.spark." in command:
                found.append(int(entry.name))
    return found


def status(folder: Path) -> dict[str, Any]:
    """Whether the cluster of `folder` runs, and what its master says of the workers and applications."""
    state_file = folder / STATE_FILE
    if not state_file.exists():
        return {"running": False, "folder": str(folder), "daemons": 0}
    state = json.loads(state_file.read_text())
    live = _live_pids(folder)
    report: dict[str, Any] = {"running": bool(live), "folder": str(folder), "daemons": len(live), **state}
    if live:
        try:
            master = master_json(state["master_ui"])
        except (OSError, ValueError) as exc:
            report["master_error"] = str(exc)
        else:
            report["alive_workers"] = master.get("aliveworkers")
            report["cores"] = master.get("cores")
            report["memory_mb"] = master.get("memory")
            report["worker_uis"] = [w["webuiaddress"] for w in master.get("workers", []) if w.get("state") == "ALIVE"]
            report["active_apps"] = [a.get("name") for a in master.get("activeapps", [])]
            report["completed_apps"] = len(master.get("completedapps", []))
    return report


def executors_by_worker(master_ui: str, app_id: str) -> dict[str, list[dict[str, Any]]]:
    """Per alive worker (by web UI address), the executors it ran or runs for the application."""
    result: dict[str, list[dict[str, Any]]] = {}
    for worker in master_json(master_ui).get("workers", []):
        if worker.get("state") != "ALIVE":
            continue
        try:
            page = worker_json(worker["webuiaddress"])
        except (OSError, urllib.error.URLError, ValueError):
            continue
        executors = [*page.get("executors", []), *page.get("finishedexecutors", [])]
        result[worker["webuiaddress"]] = [e for e in executors if e.get("appid") == app_id]
    return result
