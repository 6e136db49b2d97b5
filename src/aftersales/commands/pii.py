"""`aftersales pii keys | rotate-key | reencrypt | drop-old-keys`: rotating the key that encrypts personal data.

The order: `rotate-key` (a new key in front: new writes use it, every key still reads), restart the servers and
workers when the keys come from the environment, `reencrypt` (every stored value under the new key), then
`drop-old-keys`, which refuses while any stored value still needs an old key.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from aftersales.cli_errors import cli_errors, fail

pii_app = typer.Typer(help="个人信息加密密钥 / the keys that encrypt personal data", no_args_is_help=True)
console = Console()


def _env_value(keys: list[bytes]) -> str:
    return "AFTERSALES_PII_KEYS=" + ",".join(key.decode() for key in keys)


@pii_app.command("keys")
def keys_command(scan: Annotated[bool, typer.Option(help="统计每个密钥加密的值 / count the values each key "
                                                        "opens")] = False) -> None:
    """列出密钥（指纹，最新在前）/ list the keys (fingerprints, newest first)."""
    from aftersales.keyring import fingerprint
    from aftersales.runtime import build_runtime
    from aftersales.security.rotation import key_use

    runtime = build_runtime()
    with cli_errors():
        ring = runtime.pii_key
        use = key_use(runtime.session_factory, ring) if scan else None
    console.print(f"来源 / source: {ring.path or 'AFTERSALES_PII_KEYS / AFTERSALES_PII_KEY'}", markup=False)
    for number, key in enumerate(ring.keys):
        name = fingerprint(key)
        label = "最新（加密用）/ newest (encrypts)" if number == 0 else "旧（只读）/ older (reads only)"
        count = f"  {use.per_key[name]} values" if use else ""
        console.print(f"{name}  {label}{count}", markup=False)
    if use and use.unreadable:
        console.print(f"无法解密 / unreadable: {use.unreadable} ({', '.join(use.unreadable_at)})", markup=False)
    runtime.close()


@pii_app.command("rotate-key")
def rotate_key() -> None:
    """新增密钥（新写入用它，旧密钥仍可读）/ add a new key in front: new writes use it, the older ones still read."""
    from cryptography.fernet import Fernet

    from aftersales.config import get_settings
    from aftersales.keyring import add_key, fingerprint, load_keyring

    settings = get_settings()
    with cli_errors():
        ring = load_keyring(settings)
        if ring.path is None:
            key = Fernet.generate_key()
            console.print("密钥来自环境变量：请把下面一行部署到每个服务和 worker 后重启，再执行 aftersales pii reencrypt / "
                          "the keys come from the environment: deploy this line to every server and worker, restart "
                          "them, then run `aftersales pii reencrypt`:", markup=False)
            typer.echo(_env_value([key, *ring.keys]))
            return
        key = add_key(ring.path)
    console.print(f"已添加新密钥 / added key {fingerprint(key)} to {ring.path}; 运行中的进程1秒内开始使用 / running "
                  "processes pick it up within a second. 下一步 / next: aftersales pii reencrypt", markup=False)


@pii_app.command("reencrypt")
def reencrypt_command(batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="每批行数（每批一次提交）"
                                                               " / rows per batch (one commit each)")] = 500,
                      as_json: Annotated[bool, typer.Option("--json", help="JSON 报告 / JSON report")] = False) -> None:
    """用最新密钥重新加密所有个人信息列（可中断后重跑）/ re-encrypt every PII column under the newest key; resumable:
    run it again after an interruption and it continues, skipping what is already done."""
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime
    from aftersales.security.rotation import reencrypt

    runtime = build_runtime()
    with cli_errors():
        upgrade(runtime.settings.resolved_database_url())
        report = reencrypt(runtime.session_factory, runtime.pii_key, batch_size=batch_size)
    runtime.close()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        console.print(f"重新加密 / re-encrypted {report.rotated}, 已是最新 / already current {report.current}, "
                      f"无法解密 / unreadable {report.unreadable} — {report.batches} batches", markup=False)
        for where in report.unreadable_at:
            console.print(f"  无法解密 / unreadable: {where}", markup=False)


@pii_app.command("drop-old-keys")
def drop_old_keys() -> None:
    """只保留最新密钥（仍有数据需要旧密钥时拒绝）/ keep only the newest key; refused while any value needs an older one."""
    from aftersales.keyring import fingerprint, keep_only
    from aftersales.runtime import build_runtime
    from aftersales.security.rotation import key_use

    runtime = build_runtime()
    ring = runtime.pii_key
    with cli_errors():
        use = key_use(runtime.session_factory, ring)
    runtime.close()
    if len(ring.keys) == 1:
        console.print("只有一个密钥，无需删除 / one key only: nothing to drop", markup=False)
        return
    if use.needs_old_keys:
        raise fail(f"仍有 {use.needs_old_keys} 个值需要旧密钥，请先执行 aftersales pii reencrypt / {use.needs_old_keys} "
                   "stored values still need an older key: run `aftersales pii reencrypt` first")
    if ring.path is None:
        console.print("密钥来自环境变量：部署下面一行并重启 / the keys come from the environment: deploy this line and "
                      "restart:", markup=False)
        typer.echo(_env_value([ring.newest]))
        return
    with cli_errors():
        dropped = keep_only(ring.path, [ring.newest])
    console.print(f"已删除旧密钥 / dropped {', '.join(fingerprint(k) for k in dropped)}; 保留 / kept "
                  f"{fingerprint(ring.newest)}", markup=False)
