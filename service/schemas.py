"""API schemas: what goes over the wire. Validation messages are Chinese, codes are stable English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

from matching import refdata
from matching.enums import (
    Channel,
    Education,
    FlagKind,
    FlagStatus,
    Hukou,
    JobStatus,
    Ownership,
    ReferralStatus,
    Role,
    SizeClass,
    WorkType,
)
from matching.identifiers import IdentifierError, validate_credit_code, validate_id_number, validate_phone

T = TypeVar("T")

MAX_TEXT = 5000


def _fail(code: str, message: str, field: str | None = None) -> PydanticCustomError:
    """A validation error with a stable code; ``field`` names it when raised by a cross-field check."""
    return PydanticCustomError(code, message, {"field": field} if field else None)


def _county(value: str) -> str:
    if value not in refdata.counties():
        raise _fail("unknown_region", "未知的县级行政区划代码（GB/T 2260，6位）")
    return value


def _region_prefix(value: str) -> str:
    if not refdata.is_region_prefix(value):
        raise _fail("unknown_region", "未知的行政区划代码（省2位、市4位或县6位）")
    return value


def _industry(value: str) -> str:
    """A GB/T 4754-2017 code: 门类 letter, or 2–4 digits, optionally written with its letter (C3130)."""
    value = value.upper()
    if len(value) > 1 and value[0].isalpha():
        value = value[1:]
    if value not in refdata.industries():
        raise _fail("unknown_industry", "未知的行业代码（GB/T 4754-2017）")
    return value


def _occupation(value: str) -> str:
    occ = refdata.occupations().get(value)
    if occ is None or occ.level != 4:
        raise _fail("unknown_occupation", "未知的职业代码（职业分类大典2022细类，如 4-02-02-01）")
    return value


def _identifier(fn):
    def check(value: str) -> str:
        try:
            return fn(value)
        except IdentifierError as e:
            raise _fail(e.code, e.message) from None

    return check


def _not_future(value: date) -> date:
    if value > date.today():
        raise _fail("date_in_future", "日期不能晚于今天")
    return value


def _short_items(value: list[str]) -> list[str]:
    cleaned = []
    for item in value:
        item = item.strip()
        if not item:
            continue
        if len(item) > 40:
            raise _fail("item_too_long", "每一项不能超过40个字符")
        if item not in cleaned:
            cleaned.append(item)
    return cleaned


CountyCode = Annotated[str, Field(pattern=r"^\d{6}$"), AfterValidator(_county)]
RegionPrefix = Annotated[str, Field(pattern=r"^\d{2}(\d{2}){0,2}$"), AfterValidator(_region_prefix)]
IndustryCode = Annotated[str, Field(min_length=1, max_length=5), AfterValidator(_industry)]
OccupationCode = Annotated[str, Field(pattern=r"^\d-\d{2}-\d{2}-\d{2}$"), AfterValidator(_occupation)]
CreditCode = Annotated[str, AfterValidator(_identifier(validate_credit_code))]
IdNumber = Annotated[str, AfterValidator(_identifier(validate_id_number))]
Phone = Annotated[str, AfterValidator(_identifier(validate_phone))]
PastDate = Annotated[date, AfterValidator(_not_future)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=MAX_TEXT)]
Items = Annotated[list[str], Field(max_length=50), AfterValidator(_short_items)]
Yuan = Annotated[int, Field(ge=0, le=1_000_000)]
Age = Annotated[int, Field(ge=16, le=75)]


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Out, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


# --- employers -------------------------------------------------------------------------------


class EmployerCreate(Schema):
    name: Name
    credit_code: CreditCode
    industry_code: IndustryCode
    size_class: SizeClass
    ownership: Ownership = Ownership.private
    region_code: CountyCode
    contact_note: Annotated[str, Field(max_length=500)] = ""


class EmployerUpdate(Schema):
    name: Name | None = None
    industry_code: IndustryCode | None = None
    size_class: SizeClass | None = None
    ownership: Ownership | None = None
    region_code: CountyCode | None = None
    contact_note: Annotated[str, Field(max_length=500)] | None = None


class EmployerOut(Out):
    id: int
    name: str
    credit_code: str
    industry_code: str
    size_class: SizeClass
    ownership: Ownership
    region_code: str
    contact_note: str
    is_demo: bool
    created_at: datetime
    updated_at: datetime


# --- job postings ----------------------------------------------------------------------------


def _check_ranges(obj: Any) -> Any:
    lo, hi = getattr(obj, "salary_min", None), getattr(obj, "salary_max", None)
    if lo is not None and hi is not None and lo > hi:
        raise _fail("salary_range", "最低月薪不能高于最高月薪", "salary_min")
    lo, hi = getattr(obj, "age_min", None), getattr(obj, "age_max", None)
    if lo is not None and hi is not None and lo > hi:
        raise _fail("age_range", "最低年龄不能高于最高年龄", "age_min")
    return obj


class JobFields(Schema):
    title: Annotated[str, Field(min_length=1, max_length=100)]
    description: LongText = ""
    requirements: LongText = ""
    skills: Items = []
    occupation_code: OccupationCode | None = None
    region_code: CountyCode
    address: Annotated[str, Field(max_length=300)] = ""
    lat: Annotated[float, Field(ge=3.0, le=54.0)] | None = None
    lon: Annotated[float, Field(ge=73.0, le=136.0)] | None = None
    salary_min: Yuan | None = None
    salary_max: Yuan | None = None
    education_min: Education | None = None
    experience_years: Annotated[int, Field(ge=0, le=50)] | None = None
    age_min: Age | None = None
    age_max: Age | None = None
    work_type: WorkType = WorkType.full_time
    room_board: bool = False
    headcount: Annotated[int, Field(ge=1, le=100_000)] = 1
    valid_until: date | None = None


class JobCreate(JobFields):
    employer_id: int

    @model_validator(mode="after")
    def _cross_field(self) -> JobCreate:
        _check_ranges(self)
        if (self.lat is None) != (self.lon is None):
            raise _fail("coordinates", "经纬度需同时提供", "lat")
        if self.valid_until is not None and self.valid_until < date.today():
            raise _fail("date_in_past", "有效期不能早于今天", "valid_until")
        return self


class JobUpdate(Schema):
    title: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    description: LongText | None = None
    requirements: LongText | None = None
    skills: Items | None = None
    occupation_code: OccupationCode | None = None
    region_code: CountyCode | None = None
    address: Annotated[str, Field(max_length=300)] | None = None
    lat: Annotated[float, Field(ge=3.0, le=54.0)] | None = None
    lon: Annotated[float, Field(ge=73.0, le=136.0)] | None = None
    salary_min: Yuan | None = None
    salary_max: Yuan | None = None
    education_min: Education | None = None
    experience_years: Annotated[int, Field(ge=0, le=50)] | None = None
    age_min: Age | None = None
    age_max: Age | None = None
    work_type: WorkType | None = None
    room_board: bool | None = None
    headcount: Annotated[int, Field(ge=1, le=100_000)] | None = None
    valid_until: date | None = None
    status: JobStatus | None = None


class JobOut(Out):
    id: int
    employer_id: int
    employer_name: str
    title: str
    description: str
    requirements: str
    skills: list[str]
    occupation_code: str | None
    occupation_name: str | None
    occupation_auto: bool
    region_code: str
    region_name: str
    address: str
    lat: float | None
    lon: float | None
    salary_min: int | None
    salary_max: int | None
    education_min: Education | None
    experience_years: int | None
    age_min: int | None
    age_max: int | None
    work_type: WorkType
    room_board: bool
    headcount: int
    hired_count: int
    valid_until: date | None
    status: JobStatus
    is_demo: bool
    created_at: datetime
    updated_at: datetime


MAX_BULK_JOBS = 1000


class JobBulkCreate(Schema):
    """批量发布岗位：每次 1–1000 个，全部有效才写入 (bulk create, all or nothing)."""

    items: Annotated[list[JobCreate], Field(
        min_length=1, max_length=MAX_BULK_JOBS,
        description="1–1000 个岗位，每个与 POST /jobs 的请求体相同；出错时以 items.{序号}.{字段} 指明（序号从 0 开始）",
    )]


class JobBulkOut(Out):
    ids: list[int] = Field(description="新岗位的 id，与 items 顺序一致")
    count: int


# --- seekers and policy flags ----------------------------------------------------------------


class FlagDeclare(Schema):
    kind: FlagKind
    evidence_note: Annotated[str, Field(max_length=500)] = ""
    expires_at: datetime | None = None


class FlagVerify(Schema):
    evidence_note: Annotated[str, Field(max_length=500)] | None = None
    expires_at: datetime | None = None

    @model_validator(mode="after")
    def _future(self) -> FlagVerify:
        if self.expires_at is not None:
            at = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=UTC)
            if at <= datetime.now(UTC):
                raise _fail("date_in_past", "有效期限必须晚于现在", "expires_at")
        return self


class FlagReject(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class FlagOut(Out):
    id: int
    seeker_id: int
    kind: FlagKind
    status: FlagStatus
    evidence_note: str
    verified_by: str | None
    verified_at: datetime | None
    expires_at: datetime | None
    rejection_reason: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class SeekerFields(Schema):
    name: Annotated[str, Field(min_length=1, max_length=50)]
    id_number: IdNumber | None = None
    phone: Phone | None = None
    birth_date: PastDate | None = None
    region_code: CountyCode
    education: Education | None = None
    major: Annotated[str, Field(max_length=100)] = ""
    graduation_date: date | None = None
    skills: Items = []
    experience: LongText = ""
    experience_years: Annotated[int, Field(ge=0, le=60)] | None = None
    self_intro: Annotated[str, Field(max_length=2000)] = ""
    desired_occupations: Annotated[list[str], Field(max_length=10), AfterValidator(_short_items)] = []
    desired_regions: Annotated[list[RegionPrefix], Field(max_length=10)] = []
    desired_salary_min: Yuan | None = None
    desired_work_types: Annotated[list[WorkType], Field(max_length=6)] = []
    willing_to_relocate: bool = False
    hukou: Hukou | None = None
    unemployment_registered_at: PastDate | None = None
    consent_to_share: bool = False


class SeekerCreate(SeekerFields):
    flags: Annotated[list[FlagDeclare], Field(max_length=8)] = []

    @model_validator(mode="after")
    def _cross_field(self) -> SeekerCreate:
        _check_seeker_dates(self.birth_date, self.graduation_date)
        kinds = [f.kind for f in self.flags]
        if len(set(kinds)) != len(kinds):
            raise _fail("duplicate_flag", "同一类别的政策标识只能申报一次", "flags")
        return self


def _check_seeker_dates(birth: date | None, graduation: date | None) -> None:
    if birth is not None and graduation is not None and graduation <= birth:
        raise _fail("date_order", "毕业日期不能早于出生日期", "graduation_date")
    if graduation is not None and graduation.year > date.today().year + 1:
        raise _fail("date_in_future", "毕业日期不能晚于明年", "graduation_date")


class SeekerUpdate(Schema):
    name: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    id_number: IdNumber | None = None
    phone: Phone | None = None
    birth_date: PastDate | None = None
    region_code: CountyCode | None = None
    education: Education | None = None
    major: Annotated[str, Field(max_length=100)] | None = None
    graduation_date: date | None = None
    skills: Items | None = None
    experience: LongText | None = None
    experience_years: Annotated[int, Field(ge=0, le=60)] | None = None
    self_intro: Annotated[str, Field(max_length=2000)] | None = None
    desired_occupations: Annotated[list[str], Field(max_length=10), AfterValidator(_short_items)] | None = None
    desired_regions: Annotated[list[RegionPrefix], Field(max_length=10)] | None = None
    desired_salary_min: Yuan | None = None
    desired_work_types: Annotated[list[WorkType], Field(max_length=6)] | None = None
    willing_to_relocate: bool | None = None
    hukou: Hukou | None = None
    unemployment_registered_at: PastDate | None = None
    consent_to_share: bool | None = None


class SeekerOut(Out):
    id: int
    name: str
    id_number: str | None = Field(description="Masked, e.g. 510***********1234")
    phone: str | None = Field(description="Masked, e.g. 138****1234")
    birth_date: date | None
    age: int | None
    gender: str | None
    region_code: str
    region_name: str
    education: Education | None
    major: str
    graduation_date: date | None
    skills: list[str]
    experience: str
    experience_years: int | None
    self_intro: str
    desired_occupations: list[str]
    desired_occupation_codes: list[str]
    desired_regions: list[str]
    desired_salary_min: int | None
    desired_work_types: list[WorkType]
    willing_to_relocate: bool
    hukou: Hukou | None
    unemployment_registered_at: date | None
    consent_to_share: bool
    flags: list[FlagOut]
    is_demo: bool
    created_at: datetime
    updated_at: datetime


class RevealRequest(Schema):
    reason: Annotated[str, Field(min_length=4, max_length=500)]


class RevealOut(BaseModel):
    seeker_id: int
    id_number: str | None
    phone: str | None


# --- referrals -------------------------------------------------------------------------------


class ReferralCreate(Schema):
    seeker_id: int
    job_id: int
    channel: Channel | None = None
    note: Annotated[str, Field(max_length=500)] = ""


class ReferralTransition(Schema):
    status: ReferralStatus
    reason: Annotated[str, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _reason_when_rejected(self) -> ReferralTransition:
        if self.status is ReferralStatus.rejected and not (self.reason or "").strip():
            raise _fail("reason_required", "标记为未录用时必须填写原因", "reason")
        return self


class ReferralOut(Out):
    id: int
    seeker_id: int
    job_id: int
    channel: Channel
    created_by: str
    status: ReferralStatus
    refusal_reason: str | None
    note: str
    history: list[dict[str, Any]]
    applied_at: datetime | None
    interviewing_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


# --- keys and audit --------------------------------------------------------------------------


class AuditOut(Out):
    id: int
    at: datetime
    key_id: str
    role: Role
    action: str
    record_type: str
    record_id: int | None
    detail: dict[str, Any]


# --- matching --------------------------------------------------------------------------------


class RegionScopeIn(StrEnum):
    county = "county"  # 同县区
    city = "city"  # 同城市
    province = "province"  # 同省
    radius = "radius"  # 半径 N 公里
    anywhere = "anywhere"  # 不限
    desired = "desired"  # 求职者的意向地区（默认）


class MatchFiltersIn(Schema):
    scope: RegionScopeIn = RegionScopeIn.desired
    region_code: CountyCode | None = None
    radius_km: Annotated[float, Field(gt=0, le=3000)] | None = None
    work_types: Annotated[list[WorkType], Field(max_length=6)] = []
    salary_floor: Yuan | None = None
    room_board: bool | None = None
    occupation_codes: Annotated[list[str], Field(max_length=20)] = []


class TextMatchRequest(MatchFiltersIn):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    skills: Items = []
    education: Education | None = None
    age: Age | None = None
    k: Annotated[int, Field(ge=1, le=100)] = 20

    @model_validator(mode="after")
    def _place(self) -> TextMatchRequest:
        if self.scope in (RegionScopeIn.county, RegionScopeIn.city, RegionScopeIn.province,
                          RegionScopeIn.radius) and self.region_code is None:
            raise _fail("region_required", "按地区筛选时需提供 region_code", "region_code")
        if self.scope == RegionScopeIn.radius and self.radius_km is None:
            raise _fail("radius_required", "按半径筛选时需提供 radius_km", "radius_km")
        return self


class MatchComponent(BaseModel):
    value: float
    weight: float
    label: str


class MatchItem(BaseModel):
    id: int
    score: float
    fit: float
    boost: float
    components: dict[str, MatchComponent]
    explanation: dict[str, Any]
    job: JobOut | None = None
    seeker: SeekerOut | None = None


class MatchList(BaseModel):
    items: list[MatchItem]
    eligible: int = Field(description="通过硬性条件筛选的记录数")
    model_id: str
    took_ms: float
    # The records behind the items as the engine loaded them (id → ORM row), for the use-case to add policy
    # facts without reading them again; never serialised.
    _records: dict[int, Any] = PrivateAttr(default_factory=dict)
