"""API schemas for officer accounts (admin only). A password goes in, never out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.schemas import Out, PersonName, RegionPrefix


class AccountCreate(BaseModel):
    """Not a :class:`service.schemas.Schema`: its string cleaning would change a password."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=24, description="3–24 位小写字母、数字或 . _ -，以字母开头")
    password: str = Field(min_length=1, max_length=128, description="至少 10 位；只保存其 argon2id 哈希")
    role: Literal["officer", "admin"] = "officer"
    region_prefix: RegionPrefix | None = Field(default=None, description="经办人员的管辖区划前缀，如 5101")
    display_name: PersonName | None = None


class PasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=128)


class AccountOut(Out):
    id: int
    username: str
    display_name: str
    role: str
    region_prefix: str | None
    created_at: datetime
    last_login_at: datetime | None
    disabled_at: datetime | None
