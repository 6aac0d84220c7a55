"""One settings object, built by :func:`get_settings`, read from ``RENGANG_*`` variables."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import RateLimitItem, parse_many
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

RATE_LIMIT_STORAGES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster", "valkey",
                       "valkeys", "valkey+unix")


def parse_rate_limits(value: str) -> list[RateLimitItem]:
    """``"1200/minute"``, or several at once: ``"20/second;1200/minute"``; ValueError for anything else."""
    items = parse_many(value)
    if any(item.amount < 1 for item in items):
        raise ValueError(f"a rate limit must allow at least one request: {value!r}")
    return items


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RENGANG_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    var_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite under var_dir
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key for encrypting ID numbers and phones and for keyed look-up hashes. "
        "Development generates one under var/ on first start; production must set it.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"

    # Matching engine (see README).
    matching: bool = Field(default=True, description="Load the matching engine (embeddings, indexes) at start")
    model: str = "default"
    models_dir: Path | None = None
    index_dir: Path | None = None
    threads: int | None = None
    model_precision: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        default="auto",
        description="Precision the model computes in: auto = bfloat16 on CPUs with AMX, float16 on CUDA, "
        "else float32 (all share one model id, so switching never re-embeds)",
    )
    model_max_tokens: int | None = Field(
        default=128, ge=8,
        description="Texts are cut to this many tokens before embedding (None: the model's own limit). "
        "Measured on the dev sets: 128 embeds posting texts 2x faster than 512 with the same MRR; "
        "changing it changes the model id, so everything is embedded again once",
    )
    flat_threshold: int = 50_000
    search_threads: int = Field(default=1, ge=1, description="OpenMP threads per index search; concurrent requests "
                                "share the cores, so 1 is fastest under load (builds always use every core)")
    match_concurrency: int = Field(default=1, ge=1, description="Matching queries run at once in one process; the "
                                   "rest wait their turn (taking turns beats sharing the GIL: 150 vs 75 queries/s)")
    index_save_seconds: int = Field(default=30, ge=0, description="How often the process holding a directory's "
                                    "snapshot lease checks whether to save new snapshots (0: every 30 s); a crash "
                                    "loses nothing: a start replays the change log since the last snapshot")
    index_mmap: bool = Field(default=True, description="Memory-map index snapshots (flat and IVF): the API "
                             "processes of a machine share one copy of their pages")
    follow_poll_seconds: float = Field(default=0.25, gt=0, le=10, description="How often a replica reads the change "
                                       "log when nothing woke it (PostgreSQL's NOTIFY wakes it at once)")
    snapshot_saver: Literal["api", "worker", "none"] = Field(
        default="api", description="Which processes save this machine's index snapshots (one at a time, by lease): "
        "the API processes, or the embedding workers (at their low CPU priority, off the request path: "
        "`rengang serve` picks this when it starts workers)")
    snapshot_group: str = Field(default="", max_length=200, description="Processes sharing one index directory "
                                "(one of them saves its snapshots); empty: this host and directory")
    snapshot_min_changes: int = Field(default=2000, ge=1, description="Save a new snapshot once this many records "
                                      "(or 2% of the snapshot) changed since the last")
    snapshot_max_age_seconds: int = Field(default=600, ge=1, description="...or once the last is this old and "
                                          "anything changed")
    change_retention_days: int = Field(default=7, ge=0, description="Keep change-log rows this long (0: forever); a "
                                       "replica further behind builds its index from the stored vectors")
    embed_in_process: bool = Field(default=True, description="Run an embedding worker thread inside the API process "
                                   "(one process, tests); `rengang serve` runs them as separate processes instead")
    embed_batch: int = Field(default=64, ge=1, le=4096, description="Records an embedding worker claims at a time")
    embed_cpu_priority: Literal["idle", "low", "normal"] = Field(
        default="idle", description="CPU priority of embedding: idle (only on CPU time nothing else wants: serving "
        "comes first, a backlog waits out a busy spell), low (nice 10), normal")
    embed_claim_seconds: int = Field(default=300, ge=10, description="A claim runs out after this long (a worker "
                                     "killed mid-batch): another worker then takes its records")
    metrics_token: SecretStr | None = Field(default=None, min_length=16, description="Bearer token for /metrics and "
                                            "/readyz's backlog from outside loopback and private networks")
    policy_file: Path | None = None
    # The deployment's subsidy rule files (政策找人): one YAML file or a folder of them (default var/rules),
    # loaded beside the shipped ones and checked at start (a broken file stops the service, naming file and line).
    rules_dir: Path | None = None
    # 岗位审核 (matching.compliance): the region's minimum-wage table (CSV like matching/data/compliance/
    # minimum_wages.csv; None: the shipped example values), and whether POST /jobs refuses a posting with a
    # `block` finding (422 naming the field and rule); off: findings are returned, nothing is refused.
    minimum_wage_file: Path | None = None
    compliance_refuse_block: bool = False

    max_page_size: int = 200
    # The officers' console (经办台): a signed-in session ends after this long without a request, and in any case
    # this long after sign-in.
    console_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    console_session_max_hours: int = Field(default=12, ge=1, le=7 * 24)
    expiry_sweep_seconds: int = 600

    # Abuse limits 限流 (see service/ratelimit.py and README): "N/second|minute|hour|day", or several joined by ";".
    rate_limit_enabled: bool = Field(default=True, description="Answer 429 past the limits below")
    rate_limit_storage: str = Field(default="memory://", description="Where counts live: memory:// (this process) "
                                    "or redis://host:6379/0, shared by every serving process")
    rate_limit_api: str = Field(default="1200/minute", description="Authenticated /api/v1 requests per key")
    rate_limit_kiosk: str = Field(default="240/minute", description="Kiosk page and endpoints, per kiosk key and "
                                  "per client address (a fair's kiosks may share both)")
    rate_limit_matching: str = Field(default="300/minute", description="Free-text matching (POST /api/v1/matches/"
                                     "jobs), per key and per client address")
    rate_limit_public: str = Field(default="120/minute", description="The public take-away page, per client address")
    rate_limit_auth_failures: str = Field(default="10/minute", description="Wrong API keys (API, kiosk setup) per "
                                          "client address and per presented key id before a lock-out")
    rate_limit_auth_lockout_seconds: int = Field(default=300, ge=1)
    rate_limit_console_failures: str = Field(default="5/5 minutes", description="Failed console logins per client "
                                             "address before a lock-out")
    rate_limit_console_lockout_seconds: int = Field(default=600, ge=1)
    rate_limit_lockout_max_seconds: int = Field(default=3600, ge=1, description="Each further lock-out within a "
                                                "day lasts twice as long as the one before, up to this")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("RENGANG_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("rate_limit_api", "rate_limit_kiosk", "rate_limit_matching", "rate_limit_public",
                     "rate_limit_auth_failures", "rate_limit_console_failures")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        parse_rate_limits(value)  # ValueError: refuse to start on a limit `limits` cannot read
        return value

    @field_validator("minimum_wage_file")
    @classmethod
    def _minimum_wage_table(cls, value: Path | None) -> Path | None:
        if value is not None:
            from matching.compliance import MinimumWages

            try:  # refuse to start on a table that cannot be read, rather than fail at the first posting
                MinimumWages.load(value)
            except (OSError, KeyError, ValueError) as e:
                raise ValueError(f"RENGANG_MINIMUM_WAGE_FILE {value}: {e!r}") from e
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_limit_storage(cls, value: str) -> str:
        if value.partition("://")[0] not in RATE_LIMIT_STORAGES:
            raise ValueError(f"RENGANG_RATE_LIMIT_STORAGE must be memory:// or a redis:// URL, not {value!r}")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> "Settings":
        if self.env == "production":
            if self.secret_key is None:
                raise ValueError("RENGANG_SECRET_KEY must be set in production (32+ random characters)")
            if not self.database_url:
                raise ValueError("RENGANG_DATABASE_URL must be set in production")
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("RENGANG_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.var_dir / 'rengang.db').as_posix()}"

    @property
    def resolved_models_dir(self) -> Path:
        return self.models_dir or self.var_dir / "models"

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.var_dir / "indexes"

    def secret(self) -> bytes:
        """The master secret; in development one is generated once under var/ (mode 0600)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.var_dir / "secret.key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
