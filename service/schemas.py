"""API schemas: what goes over the wire. Validation messages are Chinese, codes are stable English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar, Literal

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    computed_field,
    field_validator,
    model_validator,
)
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
from matching.sanitize import clean, single_line

T = TypeVar("T")

MAX_TEXT = 5000
# A posting's description and requirements (岗位描述、任职要求): real JDs run to several thousand characters with a
# company introduction first (one refused at 5,000 had 5,619). A bulk import of many at this length is bounded
# by the body limit (service/edge.py), not by this.
MAX_POSTING_TEXT = 20_000


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


def _single_line(value: str) -> str:
    return single_line(value)


# Every number a client sends is a JSON number of the declared type (no "3", no true) within bounds; ids fit
# the id columns (INTEGER: 32 bits on PostgreSQL).
MAX_ID = 2**31 - 1
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
Bool = Annotated[bool, Strict()]


def bounded(ge: int, le: int) -> Any:
    """A strict integer in [ge, le]."""
    return Annotated[int, Strict(), Field(ge=ge, le=le)]


def between(ge: float, le: float) -> Any:
    """A strict number in [ge, le]."""
    return Annotated[float, Strict(), Field(ge=ge, le=le)]


CountyCode = Annotated[str, Field(pattern=r"^[0-9]{6}$"), AfterValidator(_county)]
RegionPrefix = Annotated[str, Field(pattern=r"^[0-9]{2}([0-9]{2}){0,2}$"), AfterValidator(_region_prefix)]
IndustryCode = Annotated[str, Field(min_length=1, max_length=5), AfterValidator(_industry)]
OccupationCode = Annotated[str, Field(pattern=r"^[0-9]-[0-9]{2}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_occupation)]
CreditCode = Annotated[str, AfterValidator(_identifier(validate_credit_code))]
IdNumber = Annotated[str, AfterValidator(_identifier(validate_id_number))]
Phone = Annotated[str, AfterValidator(_identifier(validate_phone))]
PastDate = Annotated[date, AfterValidator(_not_future)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_single_line)]
PersonName = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(_single_line)]
Title = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_single_line)]
Address = Annotated[str, Field(max_length=300), AfterValidator(_single_line)]
Note = Annotated[str, Field(max_length=500)]
LongText = Annotated[str, Field(max_length=MAX_TEXT)]
PostingText = Annotated[str, Field(max_length=MAX_POSTING_TEXT)]
Items = Annotated[list[str], Field(max_length=50), AfterValidator(_short_items)]
Yuan = bounded(0, 1_000_000)
Age = bounded(16, 75)
Latitude = between(3.0, 54.0)  # mainland China, Hainan to Mohe
Longitude = between(73.0, 136.0)


def _clean_strings(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {_clean_strings(k): _clean_strings(v) for k, v in value.items()}
    return value


class Schema(BaseModel):
    """A request body. Unknown fields are refused; every string is cleaned (:mod:`matching.sanitize`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return _clean_strings(value)


class Patch(Schema):
    """A partial update (PATCH): a field left out is left as it is.

    One policy for ``null``: a field whose stored value may be empty is declared ``X | None | MISSING``
    and ``null`` clears it; every other field is ``X | MISSING``, so ``null`` answers 422 naming the field
    and nothing is stored. The OpenAPI schema says exactly which fields accept ``null``.
    """


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
    contact_note: Note = ""


class EmployerUpdate(Patch):
    name: Name | MISSING = MISSING
    industry_code: IndustryCode | MISSING = MISSING
    size_class: SizeClass | MISSING = MISSING
    ownership: Ownership | MISSING = MISSING
    region_code: CountyCode | MISSING = MISSING
    contact_note: Note | MISSING = MISSING


class EmployerCheck(BaseModel):
    key: str
    severity: Literal["review", "note"]
    detail: str


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
    verified_at: datetime | None = Field(default=None, description="经办人员核验时间；所核内容变更后清除")
    verified_by: str = ""
    created_at: datetime
    updated_at: datetime

    @computed_field(description="统一社会信用代码与所填地区、性质、规模的比对（供核验参考，不拒绝登记）")
    @property
    def checks(self) -> list[EmployerCheck]:
        from matching.employer_checks import credit_code_findings

        return [EmployerCheck(**f.to_dict()) for f in credit_code_findings(
            self.credit_code, region_code=self.region_code, ownership=self.ownership, size_class=self.size_class)]


# --- job postings ----------------------------------------------------------------------------


def _check_ranges(obj: Any) -> Any:
    lo, hi = getattr(obj, "salary_min", None), getattr(obj, "salary_max", None)
    if lo is not None and hi is not None and lo > hi:
        raise _fail("salary_range", "最低月薪不能高于最高月薪", "salary_min")
    lo, hi = getattr(obj, "age_min", None), getattr(obj, "age_max", None)
    if lo is not None and hi is not None and lo > hi:
        raise _fail("age_range", "最低年龄不能高于最高年龄", "age_min")
    return obj


Headcount = bounded(1, 100_000)
ExperienceYears = bounded(0, 60)


class JobFields(Schema):
    title: Title
    description: PostingText = ""
    requirements: PostingText = ""
    skills: Items = []
    occupation_code: OccupationCode | None = None
    region_code: CountyCode
    address: Address = ""
    lat: Latitude | None = None
    lon: Longitude | None = None
    salary_min: Yuan | None = None
    salary_max: Yuan | None = None
    education_min: Education | None = None
    experience_years: ExperienceYears | None = None
    age_min: Age | None = None
    age_max: Age | None = None
    work_type: WorkType = WorkType.full_time
    room_board: Bool = False
    headcount: Headcount = 1
    valid_until: date | None = None


class JobCreate(JobFields):
    employer_id: Id

    @model_validator(mode="after")
    def _cross_field(self) -> JobCreate:
        _check_ranges(self)
        if (self.lat is None) != (self.lon is None):
            raise _fail("coordinates", "经纬度需同时提供", "lat")
        if self.valid_until is not None and self.valid_until < date.today():
            raise _fail("date_in_past", "有效期不能早于今天", "valid_until")
        return self


class JobUpdate(Patch):
    title: Title | MISSING = MISSING
    description: PostingText | MISSING = MISSING
    requirements: PostingText | MISSING = MISSING
    skills: Items | MISSING = MISSING
    occupation_code: OccupationCode | None | MISSING = MISSING
    region_code: CountyCode | MISSING = MISSING
    address: Address | MISSING = MISSING
    lat: Latitude | None | MISSING = MISSING
    lon: Longitude | None | MISSING = MISSING
    salary_min: Yuan | None | MISSING = MISSING
    salary_max: Yuan | None | MISSING = MISSING
    education_min: Education | None | MISSING = MISSING
    experience_years: ExperienceYears | None | MISSING = MISSING
    age_min: Age | None | MISSING = MISSING
    age_max: Age | None | MISSING = MISSING
    work_type: WorkType | MISSING = MISSING
    room_board: Bool | MISSING = MISSING
    headcount: Headcount | MISSING = MISSING
    valid_until: date | None | MISSING = MISSING
    status: JobStatus | MISSING = MISSING


class JobOut(Out):
    id: int
    matching: Literal["ready", "pending"] = Field(
        default="ready", description="pending: saved, waiting for its vector (matchable within seconds); ready: matchable")
    employer_id: int
    employer_name: str
    title: str = Field(description="标题，原样")
    display_title: str = Field(description="展示用标题：去掉网页标记、表情和装饰符号")
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


class ComplianceSpan(Out):
    field: str = Field(description="出问题的字段：title、description、requirements，或 salary_min/salary_max/age_max")
    start: int = Field(description="起始字符位置（从 0 开始）")
    end: int = Field(description="结束字符位置（不含）")
    text: str


class ComplianceBasis(Out):
    law: str
    article: str
    checked: bool = Field(description="false：条号有待与正式文本核对")
    note: str


class ComplianceFinding(Out):
    """岗位审核发现的问题 (a compliance finding; matching.compliance)."""

    rule: str = Field(description="规则键（稳定英文）：gender、ethnicity、religion、origin、marital、hepatitis_b、age、fees、"
                      "minimum_wage、missing_pay、missing_place、missing_duties、fraud、near_duplicate")
    severity: Literal["block", "review", "note"] = Field(
        description="block：不应照此发布；review：需经办人员审核；note：提示。目前只提示，不拦截（除非部署开启拦截）")
    title: str
    detail: str
    spans: list[ComplianceSpan]
    basis: list[ComplianceBasis]
    related_ids: list[int] = Field(default=[], description="near_duplicate：几乎相同的已发布岗位")


class JobCheckedOut(JobOut):
    """One posting as a write or a read of it returns it: with the compliance checks' findings on what it says
    now (lists and match answers show ``JobOut``, without them)."""

    compliance: list[ComplianceFinding] = Field(default=[], description="岗位审核结果：写入时检查，最严重的在前")


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
    compliance: list[list[ComplianceFinding]] = Field(default=[], description="每个岗位的审核结果，与 items 顺序一致")


# --- seekers and policy flags ----------------------------------------------------------------


class FlagDeclare(Schema):
    kind: FlagKind
    evidence_note: Note = ""
    expires_at: datetime | None = None


class FlagVerify(Schema):
    evidence_note: Note | None = None
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


Major = Annotated[str, Field(max_length=100), AfterValidator(_single_line)]
SelfIntro = Annotated[str, Field(max_length=2000)]
DesiredOccupations = Annotated[list[str], Field(max_length=10), AfterValidator(_short_items)]
DesiredRegions = Annotated[list[RegionPrefix], Field(max_length=10)]
DesiredWorkTypes = Annotated[list[WorkType], Field(max_length=6)]


class SeekerFields(Schema):
    name: PersonName
    id_number: IdNumber | None = None
    phone: Phone | None = None
    birth_date: PastDate | None = None
    region_code: CountyCode
    education: Education | None = None
    major: Major = ""
    graduation_date: date | None = None
    skills: Items = []
    experience: LongText = ""
    experience_years: ExperienceYears | None = None
    self_intro: SelfIntro = ""
    desired_occupations: DesiredOccupations = []
    desired_regions: DesiredRegions = []
    desired_salary_min: Yuan | None = None
    desired_work_types: DesiredWorkTypes = []
    willing_to_relocate: Bool = False
    hukou: Hukou | None = None
    unemployment_registered_at: PastDate | None = None
    consent_to_share: Bool = False


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


class SeekerUpdate(Patch):
    name: PersonName | MISSING = MISSING
    id_number: IdNumber | None | MISSING = MISSING
    phone: Phone | None | MISSING = MISSING
    birth_date: PastDate | None | MISSING = MISSING
    region_code: CountyCode | MISSING = MISSING
    education: Education | None | MISSING = MISSING
    major: Major | MISSING = MISSING
    graduation_date: date | None | MISSING = MISSING
    skills: Items | MISSING = MISSING
    experience: LongText | MISSING = MISSING
    experience_years: ExperienceYears | None | MISSING = MISSING
    self_intro: SelfIntro | MISSING = MISSING
    desired_occupations: DesiredOccupations | MISSING = MISSING
    desired_regions: DesiredRegions | MISSING = MISSING
    desired_salary_min: Yuan | None | MISSING = MISSING
    desired_work_types: DesiredWorkTypes | MISSING = MISSING
    willing_to_relocate: Bool | MISSING = MISSING
    hukou: Hukou | None | MISSING = MISSING
    unemployment_registered_at: PastDate | None | MISSING = MISSING
    consent_to_share: Bool | MISSING = MISSING


class SeekerOut(Out):
    id: int
    matching: Literal["ready", "pending"] = Field(
        default="ready", description="pending: saved, waiting for its vector (matchable within seconds); ready: matchable")
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
    seeker_id: Id
    job_id: Id
    channel: Channel | None = None
    note: Note = ""


class ReferralTransition(Schema):
    status: ReferralStatus
    reason: Note | None = None

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


SCOPE_LABELS = {RegionScopeIn.desired: "意向地区", RegionScopeIn.county: "同县区", RegionScopeIn.city: "同城市",
                RegionScopeIn.province: "同省", RegionScopeIn.radius: "附近（按距离）", RegionScopeIn.anywhere: "不限地区"}


class MatchFiltersIn(Schema):
    scope: RegionScopeIn = RegionScopeIn.desired
    region_code: CountyCode | None = None
    radius_km: Annotated[float, Strict(), Field(gt=0, le=3000)] | None = None
    work_types: Annotated[list[WorkType], Field(max_length=6)] = []
    salary_floor: Yuan | None = None
    room_board: Bool | None = None
    occupation_codes: Annotated[list[Annotated[str, Field(max_length=12)]], Field(max_length=20)] = []


MatchK = bounded(1, 100)


class TextMatchRequest(MatchFiltersIn):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    skills: Items = []
    education: Education | None = None
    age: Age | None = None
    k: MatchK = 20

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
    similar_ids: list[int] = Field(default=[], description="与本条几乎相同、已合并的岗位（另有N个相似岗位）")
    job: JobOut | None = None
    seeker: SeekerOut | None = None


class UnderstoodOccupation(BaseModel):
    code: str
    name: str
    confidence: float


class UnderstoodPlace(BaseModel):
    code: str
    name: str


class Understood(BaseModel):
    """What a free-text request was read as (需求理解), so the person can correct it."""

    summary: str = Field(description="如“理解为：数据分析 · 实习 · 深圳市”")
    occupations: list[UnderstoodOccupation]
    skills: list[str]
    intents: list[str] = Field(description="internship, part_time, apprenticeship, room_board, day_paid, novice, "
                                           "near_home")
    salary_floor: int | None
    place: UnderstoodPlace | None
    age: int | None
    education: Education | None
    notes: list[str] = Field(description="理解后未能照办的地方，如“未提供您的位置，无法按离家远近排序”")


class MatchList(BaseModel):
    items: list[MatchItem]
    eligible: int = Field(description="通过硬性条件筛选的记录数")
    model_id: str
    took_ms: float
    understood: Understood | None = Field(default=None, description="自由文本匹配时：系统对需求的理解")
    notice: str | None = Field(default=None, description="结果较少等需要告知的情况（中文）")
