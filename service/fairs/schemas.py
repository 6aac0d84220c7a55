"""API schemas of recruitment fairs (招聘会) and the fair kiosk (自助机)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import MISSING, AfterValidator, Field, model_validator

from matching.enums import Education
from matching.kiosk import TILE_BY_KEY, TRAVEL_CHOICES
from service.schemas import Bool, CountyCode, Id, Out, Patch, Schema, _fail, _single_line, between, bounded


class FairStatus(StrEnum):
    planned = "planned"
    open = "open"
    closed = "closed"


FAIR_STATUS_LABELS = {FairStatus.planned: "筹备中", FairStatus.open: "进行中", FairStatus.closed: "已结束"}

Booth = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9\-]+$")]


def _dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise _fail("date_order", "结束日期不能早于开始日期", "ends_on")


FairName = Annotated[str, Field(min_length=2, max_length=100), AfterValidator(_single_line)]
Venue = Annotated[str, Field(min_length=2, max_length=200), AfterValidator(_single_line)]


class FairCreate(Schema):
    name: FairName
    venue: Venue
    region_code: CountyCode
    starts_on: date
    ends_on: date
    lat: between(-90, 90) | None = None
    lon: between(-180, 180) | None = None

    @model_validator(mode="after")
    def _cross_field(self) -> FairCreate:
        _dates(self.starts_on, self.ends_on)
        if (self.lat is None) != (self.lon is None):
            raise _fail("coordinates_pair", "经纬度需同时填写", "lat")
        return self


class FairUpdate(Patch):
    name: FairName | MISSING = MISSING
    venue: Venue | MISSING = MISSING
    starts_on: date | MISSING = MISSING
    ends_on: date | MISSING = MISSING


class BoothCreate(Schema):
    employer_id: Id
    booth: Booth
    job_ids: Annotated[list[Id] | None, Field(max_length=200, description="只带这些岗位参会；不填则带全部在招岗位")] = None


class BoothOut(Out):
    employer_id: int
    employer_name: str
    booth: str
    all_postings: bool
    job_ids: list[int]


class FairOut(Out):
    id: int
    name: str
    venue: str
    region_code: str
    region_name: str
    starts_on: date
    ends_on: date
    status: FairStatus
    lat: float | None
    lon: float | None
    booths: list[BoothOut]
    created_at: datetime


class FairJobOut(Out):
    id: int
    title: str
    display_title: str = Field(description="展示用标题：去掉网页标记、表情和装饰符号")
    employer_name: str
    booth: str
    occupation_code: str | None
    salary_min: int | None
    salary_max: int | None
    work_type: str
    room_board: bool


class KioskCountOut(Out):
    day: date
    key: str
    label: str
    count: int


class KioskMatchIn(Schema):
    """A seeker's taps (and optional words). Nothing here is stored; only anonymous counts are kept."""

    tiles: Annotated[list[str], Field(max_length=12)] = []
    education: Education | None = None
    work_type: Annotated[str | None, Field(pattern=r"^(full_time|part_time|flexible)$")] = None
    room_board: Bool = False
    travel_km: bounded(0, 1000) | None = None
    text: Annotated[str, Field(max_length=200)] = ""
    k: bounded(1, 20) = 8

    @model_validator(mode="after")
    def _known(self) -> KioskMatchIn:
        if any(t not in TILE_BY_KEY for t in self.tiles):
            raise _fail("unknown_tile", "未知的职业选项", "tiles")
        if self.travel_km is not None and self.travel_km not in TRAVEL_CHOICES:
            raise _fail("unknown_travel", "距离只能是 5、15 或 30 公里", "travel_km")
        return self


class KioskCountsIn(Schema):
    """Counts a kiosk gathered while offline: how many searches and which tiles, never what was typed."""

    searches: bounded(0, 500) = 0
    tiles: Annotated[dict[Annotated[str, Field(max_length=40)], bounded(0, 500)], Field(max_length=64)] = {}

    @model_validator(mode="after")
    def _known(self) -> KioskCountsIn:
        if any(t not in TILE_BY_KEY for t in self.tiles):
            raise _fail("unknown_tile", "未知的职业选项", "tiles")
        return self
