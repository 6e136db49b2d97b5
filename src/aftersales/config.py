"""Settings from the environment (prefix AFTERSALES_); the embedded default needs none of them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", env_file=None, extra="ignore")

    environment: str = Field("development", description="development | test | production")
    data_dir: Path = Field(Path("var"), description="where the embedded database and key file live")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite:///<data_dir>/aftersales.db")
    pii_key: str | None = Field(None, description="Fernet key for PII; default: a 0600 key file in data_dir")
    pii_keys: str | None = Field(None, description="Fernet keys for PII, comma-separated, newest first (key "
                                                   "rotation: new writes use the first, reads try each); "
                                                   "overrides pii_key")
    files_dir: Path | None = Field(None, description="evidence file store; default <data_dir>/files")
    host: str = "127.0.0.1"
    port: int = 8000
    sweeper_interval_seconds: float = Field(5.0, description="how often the in-process SLA sweeper runs")
    run_sweeper_in_process: bool = True
    group_commit_max_batch: int = Field(256, description="most intake requests committed in one transaction")
    language: str = Field("zh-CN", description="zh-CN or en for user-facing texts")
    session_secret: str | None = Field(None, description="signs console session cookies; default: derived "
                                                         "from the PII key, so every worker process agrees")
    session_hours: float = Field(12.0, gt=0, le=24 * 30, description="a console sign-in lasts this long")
    secure_cookies: bool = Field(False, description="mark console cookies Secure (behind HTTPS)")
    monitor_interval_seconds: float = Field(10.0, description="how often the risk monitors and the outbox run")
    smtp_host: str | None = Field(None, description="SMTP server for e-mail notifications; unset: e-mail is off")
    smtp_port: int = 25
    smtp_sender: str = Field("aftersales@localhost", description="From: of notification e-mails")
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    sms_provider: str = Field("logging", description="logging (default: texts go to the log) or module:Class")
    notification_timeout_seconds: float = Field(5.0, description="per request to a webhook, robot or SMTP server")
    spark_master: str = Field("local[2]", description="where `--source spark` runs the health index: local[N] or "
                                                      "a standalone master such as spark://127.0.0.1:7077")
    spark_driver_memory: str = Field("1g", description="heap of the evaluation's Spark driver")
    spark_executor_memory: str = Field("512m", description="heap of each executor on a cluster (a worker must "
                                                           "offer at least this much)")
    spark_java_options: str = Field("-XX:TieredStopAtLevel=1", description="JVM options of the driver and the "
                                    "executors; the default keeps the JIT to its quick tier (the evaluation is ~70 "
                                    "short jobs), empty for long jobs on big executors")
    token_default_ttl: str = Field("90d", description="lifetime of `aftersales token create` without --ttl: "
                                                      "3600s, 12h, 30d, 2w or never")
    # Rate limits (the `limits` library's notation, several joined by ';'). The defaults leave room for a
    # live-stream peak on one token (intake runs at a few hundred cases a second per process); failed
    # authentication is what is kept tight. Per-second windows for the volume limits: a counter lives as long
    # as its window, and the in-memory store sweeps every live counter about a hundred times a second, so
    # minute windows over thousands of buyer tokens would cost intake more than the limit is worth.
    rate_limits_enabled: bool = Field(True, description="off only for load tests and fuzzing")
    rate_limit_storage: str = Field("memory://", description="memory:// (counted per process) or "
                                                             "redis://host:port/db (shared by every worker)")
    rate_limit_key_prefix: str = Field("aftersales", description="prefix of the counters' keys in Redis")
    rate_limit_per_token: str = Field("1000/second", description="requests per API token")
    rate_limit_per_address: str = Field("2000/second", description="requests per client address")
    rate_limit_auth_failures: str = Field("20/minute;100/hour", description="refused tokens per client address "
                                                                            "before it is answered 429")
    cors_allow_origins: str = Field("", description="comma-separated origins a browser may call the API "
                                                    "from; empty (the default): no CORS at all")

    @field_validator("rate_limit_per_token", "rate_limit_per_address", "rate_limit_auth_failures")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(f"not a rate limit such as '600/minute' or '20/minute;100/hour': {value!r}") from error
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError(f"rate limit storage is memory:// or redis://host:port/db, not {value!r}")
        return value

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_allow_origins.split(",") if origin.strip()]

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production" and not self.is_sqlite and not (self.pii_key or self.pii_keys):
            raise ValueError("production needs AFTERSALES_PII_KEYS (or AFTERSALES_PII_KEY); a key file on one host "
                             "is not enough")
        return self

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'aftersales.db').as_posix()}"

    def resolved_files_dir(self) -> Path:
        return self.files_dir or self.data_dir / "files"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url().startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
