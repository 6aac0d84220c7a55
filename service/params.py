"""Path and query parameters shared by the routes, each with the bounds every value must meet."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from service.schemas import MAX_ID

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="记录 id")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
YuanQuery = Annotated[int | None, Query(ge=0, le=1_000_000)]
