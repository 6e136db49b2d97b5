"""Run the Alembic migrations from inside the package (no alembic.ini needed on a user's machine)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from aftersales.keyring import Keyring

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head", *, pii_keys: Keyring | None = None) -> None:
    """Migrate to `revision`. A migration that encrypts existing rows uses `pii_keys`, else the configured keys."""
    config = alembic_config(database_url)
    if pii_keys is not None:
        config.attributes["pii_keys"] = pii_keys
    command.upgrade(config, revision)


def downgrade(database_url: str, revision: str, *, pii_keys: Keyring | None = None) -> None:
    config = alembic_config(database_url)
    if pii_keys is not None:
        config.attributes["pii_keys"] = pii_keys
    command.downgrade(config, revision)


def current_heads(database_url: str) -> list[str]:
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
