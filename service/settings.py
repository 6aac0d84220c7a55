"""One settings object, built by :func:`get_settings`, read from ``RENGANG_*`` variables."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    index_save_seconds: int = Field(default=30, ge=0, description="Save changed indexes this often (0: only at "
                                    "shutdown and after a sync); a crash loses nothing: the next start reconciles")
    policy_file: Path | None = None

    max_page_size: int = 200
    expiry_sweep_seconds: int = 600

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("RENGANG_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
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
