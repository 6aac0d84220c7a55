"""API schemas and codes of the officers' workbench (失业登记, 跟踪服务, 就业援助, 零就业家庭, statistics)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from matching.enums import FlagKind, WorkType
from service.schemas import CountyCode, Id, LongText, Out, PastDate, Schema, _fail, bounded


class ContactChannel(StrEnum):
    phone = "phone"
    visit = "visit"  # 上门走访
    online = "online"
    in_person = "in_person"  # 窗口/来访


CHANNEL_LABELS = {ContactChannel.phone: "电话", ContactChannel.visit: "上门走访", ContactChannel.online: "网络",
                  ContactChannel.in_person: "来访面谈"}


class Service(StrEnum):
    job_introduction = "job_introduction"  # 职业介绍
    career_guidance = "career_guidance"  # 职业指导
    entrepreneurship = "entrepreneurship"  # 创业服务
    training_referral = "training_referral"  # 培训推荐
    policy_referral = "policy_referral"  # 政策落实/推荐


SERVICE_LABELS = {Service.job_introduction: "职业介绍", Service.career_guidance: "职业指导",
                  Service.entrepreneurship: "创业服务", Service.training_referral: "培训推荐",
                  Service.policy_referral: "政策推荐"}


class EndReason(StrEnum):
    hired = "hired"  # set by a hire through a referral, never by hand
    employed = "employed"  # 自主就业/灵活就业
    self_employed = "self_employed"  # 自主创业
    moved = "moved"  # 迁出
    retired = "retired"  # 达到退休年龄
    enrolled = "enrolled"  # 升学、参军
    not_seeking = "not_seeking"  # 无就业意愿
    other = "other"


END_REASON_LABELS = {EndReason.hired: "推荐录用", EndReason.employed: "自主就业", EndReason.self_employed: "自主创业",
                     EndReason.moved: "迁出", EndReason.retired: "退休", EndReason.enrolled: "升学或参军",
                     EndReason.not_seeking: "无就业意愿", EndReason.other: "其他"}
EMPLOYED_REASONS = (EndReason.hired, EndReason.employed, EndReason.self_employed)


class AssistanceBasis(StrEnum):
    hard_to_employ = "hard_to_employ"
    zero_employment_household = "zero_employment_household"


BASIS_LABELS = {AssistanceBasis.hard_to_employ: "就业困难人员", AssistanceBasis.zero_employment_household: "零就业家庭"}

Note = Annotated[str, Field(max_length=500)]


# --- unemployment registration -----------------------------------------------------------------


class SpellOpen(Schema):
    started_on: PastDate | None = Field(default=None, description="登记日期，默认今天")


class SpellEnd(Schema):
    reason: EndReason
    note: Note = ""
    ended_on: PastDate | None = None

    @model_validator(mode="after")
    def _rules(self) -> SpellEnd:
        if self.reason is EndReason.hired:
            raise _fail("reason_reserved", "“推荐录用”由推荐记录标记录用时自动登记，不能手工选择", "reason")
        if self.reason is EndReason.other and not self.note.strip():
            raise _fail("note_required", "原因为“其他”时必须填写说明", "note")
        return self


class SpellOut(Out):
    id: int
    seeker_id: int
    region_code: str
    started_on: date
    ended_on: date | None
    end_reason: EndReason | None
    end_note: str
    hire_referral_id: int | None
    registered_by: str
    ended_by: str | None


# --- contacts --------------------------------------------------------------------------------


class ContactCreate(Schema):
    contacted_on: PastDate | None = Field(default=None, description="默认今天")
    channel: ContactChannel
    services: Annotated[list[Service], Field(max_length=5)] = []
    notes: LongText = ""
    next_step: Note = ""

    @model_validator(mode="after")
    def _unique(self) -> ContactCreate:
        if len(set(self.services)) != len(self.services):
            raise _fail("duplicate_service", "服务项目不能重复", "services")
        return self


class ContactOut(Out):
    id: int
    seeker_id: int
    contacted_on: date
    channel: ContactChannel
    services: list[Service]
    notes: str
    next_step: str
    officer: str
    created_at: datetime


# --- caseload --------------------------------------------------------------------------------


class AssistanceSummary(BaseModel):
    id: int
    basis: AssistanceBasis
    deadline_at: datetime
    seconds_left: int
    overdue: bool
    escalation_level: int
    due_soon: bool = Field(description="临期：离期限不到提醒时数（默认12小时）")
    escalated_to: str | None = Field(description="已记录的督办对象")
    escalated_at: datetime | None


class CaseloadItem(BaseModel):
    seeker_id: int
    name: str
    phone: str | None
    region_code: str
    region_name: str
    flags: list[FlagKind]
    registered: bool = Field(description="是否登记失业（未结束的失业登记）；否则仅在就业援助中")
    registered_on: date | None
    months_unemployed: int | None
    last_contact_on: date | None
    days_since_contact: int | None
    contact_due_on: date | None = Field(description="下次跟踪服务最迟日期（每月至少1次）")
    due: bool
    assistance: AssistanceSummary | None


class CaseloadPage(BaseModel):
    items: list[CaseloadItem]
    total: int
    page: int
    page_size: int


# --- timeline and matches -----------------------------------------------------------------------


class TimelineEvent(BaseModel):
    at: datetime
    kind: str
    title: str
    detail: str = ""
    record_id: int | None = None


class MatchItem(BaseModel):
    job_id: int
    title: str
    display_title: str = Field(description="展示用标题：去掉网页标记、表情和装饰符号")
    employer_name: str
    region_code: str
    region_name: str
    work_type: WorkType
    reserved: bool = Field(description="公益性岗位等援助预留岗位")
    salary_min: int | None
    salary_max: int | None
    score: float | None = None
    fit: float | None = Field(default=None, description="匹配度（0–1，不含优先加分）")
    summary: str = Field(default="", description="推荐理由（与匹配接口 explanation.summary 相同）")
    distance_km: float | None = Field(default=None, description="距求职者居住地（公里）")
    matched_skills: list[str] = []
    missing_skills: list[str] = []
    referral_id: int | None = None
    referral_status: str | None = None


# --- assistance ------------------------------------------------------------------------------


class AssistanceOpen(Schema):
    seeker_id: Id
    note: Note = ""


class AssistanceClose(Schema):
    reason: Annotated[str, Field(min_length=2, max_length=500)]


class AssistanceOut(BaseModel):
    id: int
    seeker_id: int
    seeker_name: str
    region_code: str
    region_name: str
    basis: AssistanceBasis
    household_id: int | None
    opened_at: datetime
    deadline_at: datetime
    deadline_rule: str
    status: str
    seconds_left: int
    overdue: bool
    escalation_level: int = Field(description="0 未超时；1 超时，报科室负责人；2 超时一倍以上，报分管领导")
    escalated_to: str | None
    escalated_at: datetime | None = Field(description="督办记录时间")
    due_soon: bool = Field(description="临期：离期限不到提醒时数（默认12小时）")
    closed_at: datetime | None
    close_reason: str
    placement_referral_id: int | None


class DeadlineRuleIn(Schema):
    hours: bounded(1, 24 * 60) | None = None
    working_days: bounded(1, 60) | None = None
    warn_hours: bounded(1, 24 * 30) | None = Field(default=None, description="期限前多少小时提醒，默认12")

    @model_validator(mode="after")
    def _exactly_one(self) -> DeadlineRuleIn:
        if (self.hours is None) == (self.working_days is None):
            raise _fail("one_of", "小时数和工作日数须且只能填写一项", "hours")
        return self


class DeadlineRuleOut(Out):
    region_prefix: str
    hours: int | None
    working_days: int | None
    warn_hours: int | None
    updated_by: str
    updated_at: datetime


# --- households ------------------------------------------------------------------------------


class HouseholdCreate(Schema):
    region_code: CountyCode
    label: Annotated[str, Field(min_length=1, max_length=100, description="如户主姓名+门牌")]
    member_ids: Annotated[list[Id], Field(min_length=1, max_length=12)]
    identified_on: PastDate | None = None

    @model_validator(mode="after")
    def _unique(self) -> HouseholdCreate:
        if len(set(self.member_ids)) != len(self.member_ids):
            raise _fail("duplicate_member", "家庭成员不能重复", "member_ids")
        return self


class HouseholdMemberOut(BaseModel):
    seeker_id: int
    name: str
    employed: bool


class HouseholdOut(BaseModel):
    id: int
    region_code: str
    label: str
    identified_on: date
    status: str
    cleared_on: date | None
    cleared_by_seeker_id: int | None
    cleared_referral_id: int | None
    members: list[HouseholdMemberOut]


# --- statistics ------------------------------------------------------------------------------


class GroupRate(BaseModel):
    group: str
    label: str
    registered: int
    placed: int
    rate: float | None


class TargetRate(BaseModel):
    cohort: int
    employed: int
    rate: float | None
    target: float
    met: bool | None


class ExposureShare(BaseModel):
    group: str
    label: str
    appearances: int
    share: float | None


class StatsOut(BaseModel):
    region: str | None
    start: date
    end: date
    new_employment: int
    hires_via_referral: int
    employed_otherwise: int
    registered_unemployed: int
    placement_by_group: list[GroupRate]
    graduates: TargetRate
    hard_to_employ: TargetRate
    households_open: int
    households_cleared: int
    avg_days_to_placement: float | None
    contacts_done: int
    seekers_contacted: int
    seekers_due: int
    assistance_opened: int
    assistance_overdue: int
    exposure_lists: int
    exposure: list[ExposureShare]
    extra: dict[str, Any] = {}


class MonthRow(BaseModel):
    """One calendar month of a statistics trend (the last month ends today)."""

    month: str = Field(description="YYYY-MM")
    start: date
    end: date
    new_employment: int
    hires_via_referral: int
    registered_unemployed: int = Field(description="月末登记失业人数")
    contacts_done: int
    assistance_opened: int
    assistance_overdue: int


class DistrictRow(BaseModel):
    """One county (区县) of the region over the period."""

    region_code: str
    region_name: str
    new_employment: int
    hires_via_referral: int
    registered_unemployed: int = Field(description="期末登记失业人数")
    contacts_done: int
    assistance_opened: int
    assistance_overdue: int
    households_open: int


# --- policy eligibility -----------------------------------------------------------------------


class ConditionOut(BaseModel):
    key: str
    label: str
    met: bool
    detail: str


class MeasureOut(BaseModel):
    """One local measure (补贴/政策) and whether it applies, condition by condition, with its source."""

    rule_id: str
    name: str
    pays: str
    applies: bool
    amount_yuan: float | None
    amount_text: str
    conditions: list[ConditionOut]
    to_verify: list[str]
    source_title: str
    source_clause: str
