"""The `aftersales` command: one Typer sub-app per domain, registered here and nowhere else."""

from __future__ import annotations

import typer

from aftersales.bench.cli import app as bench_app
from aftersales.cli_errors import database_faults
from aftersales.commands.backup import backup_command, restore_command
from aftersales.commands.demo import demo
from aftersales.commands.pii import pii_app
from aftersales.commands.policy_ops import publish_command, published_command, replay_command
from aftersales.commands.server import db_app, serve, worker
from aftersales.commands.spark_cluster import spark_cluster_app
from aftersales.commands.tokens import token_app
from aftersales.commands.transfer import export_command, import_command
from aftersales.commands.users import user_app
from aftersales.evaluation.cli import app as evaluate_app
from aftersales.liability.cli import app as ledger_app
from aftersales.live.cli import app as live_app
from aftersales.policy.cli import app as policy_app
from aftersales.privacy.cli import audit_app, buyer_app
from aftersales.triage.cli import app as triage_app

app = typer.Typer(
    name="aftersales",
    help="直播电商售后服务中枢 / After-sales service hub for live-stream e-commerce.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve)
app.command("demo")(demo)
app.command("worker")(worker)
app.command("import")(import_command)
app.command("export")(export_command)
db_app.command("backup")(backup_command)
db_app.command("restore")(restore_command)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(pii_app, name="pii")
app.add_typer(buyer_app, name="buyer")
app.add_typer(audit_app, name="audit")
app.add_typer(triage_app, name="triage")
# replaying and publishing need the case and audit tables, so they join the policy sub-app here, above both
policy_app.command("replay")(replay_command)
policy_app.command("publish")(publish_command)
policy_app.command("published")(published_command)
app.add_typer(policy_app, name="policy")
app.add_typer(live_app, name="live")
app.add_typer(ledger_app, name="ledger")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(bench_app, name="bench")
app.add_typer(spark_cluster_app, name="spark-cluster")


def main() -> None:
    with database_faults():
        app()


if __name__ == "__main__":
    main()
