from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Request, APIRouter, Path, Query
from fastapi.responses import Response

from matching.enums import FlagKind, WorkType
from matching.text import display_title
from service.deps import ContextDep, PageDep
from service.params import RecordId
from service.presenters import region_name
from service.schemas import MatchFiltersIn, Page, RegionScopeIn
from service.casework.schemas import (
    AssistanceClose,
    AssistanceOpen,
    AssistanceOut,
    CaseloadPage,
    ContactCreate,
    ContactOut,
    DeadlineRuleIn,
    DeadlineRuleOut,
    DistrictRow,
    HouseholdCreate,
    HouseholdOut,
    MatchItem,
    MeasureOut,
    MonthRow,
    SpellEnd,
    SpellOpen,
    SpellOut,
    StatsOut,
    TimelineEvent,
)
from service.casework import usecases as casework
from service.usecases import stats

router = APIRouter(tags=["经办台 casework"])

Region = Annotated[str | None, Query(pattern=r"^[0-9]{2,6}$")]
Sort = Literal["deadline", "contact", "months", "priority"]


@router.post("/seekers/{seeker_id}/unemployment", status_code=201, response_model=SpellOut,
             summary="失业登记")
def register_unemployment(ctx: ContextDep, seeker_id: RecordId, body: SpellOpen):
    return casework.register_unemployment(ctx, seeker_id=seeker_id, data=body)


@router.post("/seekers/{seeker_id}/unemployment/end", response_model=SpellOut, summary="结束失业登记")
def end_unemployment(ctx: ContextDep, seeker_id: RecordId, body: SpellEnd):
    return casework.end_unemployment(ctx, seeker_id=seeker_id, data=body)


@router.get("/seekers/{seeker_id}/unemployment", response_model=list[SpellOut])
def list_spells(ctx: ContextDep, seeker_id: RecordId):
    return casework.spells(ctx, seeker_id=seeker_id)


@router.get("/caseload", response_model=CaseloadPage, summary="登记失业人员台账")
def caseload(ctx: ContextDep, page: PageDep, due: bool = False, sort: Sort = "deadline", region: Region = None,
             flag: FlagKind | None = None, assistance: bool = False):
    items, total = casework.caseload(ctx, page=page, due_only=due, sort=sort, region_prefix=region,
                                     flag_kind=flag.value if flag else None, assistance_only=assistance)
    return CaseloadPage(items=items, total=total, page=page.page, page_size=page.page_size)


@router.post("/seekers/{seeker_id}/contacts", status_code=201, response_model=ContactOut, summary="记录跟踪服务")
def add_contact(ctx: ContextDep, seeker_id: RecordId, body: ContactCreate):
    return casework.add_contact(ctx, seeker_id=seeker_id, data=body)


@router.get("/seekers/{seeker_id}/contacts", response_model=list[ContactOut])
def list_contacts(ctx: ContextDep, seeker_id: RecordId):
    return casework.contacts(ctx, seeker_id=seeker_id)


@router.get("/seekers/{seeker_id}/timeline", response_model=list[TimelineEvent], summary="服务记录时间线")
def timeline(ctx: ContextDep, seeker_id: RecordId):
    return casework.timeline(ctx, seeker_id=seeker_id)


@router.get("/seekers/{seeker_id}/suggested-jobs", response_model=list[MatchItem],
            summary="可推荐岗位（援助对象优先公益性岗位）")
def suggested_jobs(request: Request, ctx: ContextDep, seeker_id: RecordId, scope: RegionScopeIn = RegionScopeIn.desired,
                   work_types: Annotated[list[WorkType], Query(max_length=6)] = [],
                   salary_floor: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
                   room_board: bool | None = None, radius_km: Annotated[float | None, Query(gt=0, le=3000)] = None):
    """Filters as the matching API's: ``scope`` (place-bound scopes are around the seeker's county), ``work_types``,
    ``salary_floor``, ``room_board``, ``radius_km``."""
    filters = MatchFiltersIn(scope=scope, work_types=work_types, salary_floor=salary_floor, room_board=room_board,
                             radius_km=radius_km)
    engine = getattr(request.app.state, "matcher", None)
    return [match_item(m) for m in casework.matches(ctx, seeker_id=seeker_id, engine=engine, filters=filters)]


def match_item(m: casework.Match) -> MatchItem:
    j, r = m.job, m.result
    e = r.explanation if r is not None else None
    return MatchItem(job_id=j.id, title=j.title, display_title=display_title(j.title), employer_name=j.employer.name,
                     region_code=j.region_code,
                     region_name=region_name(j.region_code), work_type=j.work_type, reserved=m.reserved,
                     salary_min=j.salary_min, salary_max=j.salary_max,
                     score=round(r.score, 4) if r else None, fit=round(r.fit, 4) if r else None,
                     summary=e.summary if e else "",
                     distance_km=None if m.distance_km is None else round(m.distance_km, 1),
                     matched_skills=list(e.matched_skills) if e else [],
                     missing_skills=list(e.missing_skills) if e else [],
                     referral_id=m.referral.id if m.referral else None,
                     referral_status=m.referral.status if m.referral else None)


# --- 就业援助 ---------------------------------------------------------------------------------


@router.post("/assistance", status_code=201, response_model=AssistanceOut, summary="纳入就业援助（开始计时）")
def open_assistance(ctx: ContextDep, body: AssistanceOpen):
    case = casework.open_assistance(ctx, data=body)
    return casework.assistance_list_out(ctx, [(case, ctx.session.get(casework.Seeker, case.seeker_id))])[0]


@router.get("/assistance", response_model=Page[AssistanceOut])
def list_assistance(ctx: ContextDep, page: PageDep, status: Literal["open", "placed", "closed"] | None = "open",
                    overdue: bool = False, region: Region = None):
    rows, total = casework.list_assistance(ctx, page=page, status=status, overdue_only=overdue, region_prefix=region)
    return Page[AssistanceOut](items=casework.assistance_list_out(ctx, rows), total=total,
                               page=page.page, page_size=page.page_size)


@router.get("/assistance/{case_id}", response_model=AssistanceOut)
def get_assistance(ctx: ContextDep, case_id: RecordId):
    case, seeker = casework.get_assistance(ctx, case_id=case_id)
    return casework.assistance_list_out(ctx, [(case, seeker)])[0]


@router.post("/assistance/{case_id}/close", response_model=AssistanceOut, summary="未安置结案（须说明原因）")
def close_assistance(ctx: ContextDep, case_id: RecordId, body: AssistanceClose):
    case, seeker = casework.close_assistance(ctx, case_id=case_id, data=body)
    return casework.assistance_list_out(ctx, [(case, seeker)])[0]


@router.get("/assistance-deadlines", response_model=list[DeadlineRuleOut])
def list_deadline_rules(ctx: ContextDep):
    return casework.deadline_rules(ctx)


@router.put("/assistance-deadlines/{region_prefix}", response_model=DeadlineRuleOut,
            summary="设置地区援助时限（小时或工作日）")
def set_deadline_rule(ctx: ContextDep, region_prefix: Annotated[str, Path(pattern=r"^[0-9]{2}([0-9]{2}){0,2}$")],
                      body: DeadlineRuleIn):
    return casework.set_deadline_rule(ctx, region_prefix=region_prefix, data=body)


# --- 零就业家庭 -------------------------------------------------------------------------------


@router.post("/households", status_code=201, response_model=HouseholdOut, summary="登记零就业家庭")
def create_household(ctx: ContextDep, body: HouseholdCreate):
    return casework.create_household(ctx, data=body)


@router.get("/households", response_model=Page[HouseholdOut])
def list_households(ctx: ContextDep, page: PageDep, status: Literal["open", "cleared"] | None = None,
                    region: Region = None):
    items, total = casework.list_households(ctx, page=page, status=status, region_prefix=region)
    return Page[HouseholdOut](items=items, total=total, page=page.page, page_size=page.page_size)


@router.get("/households/{household_id}", response_model=HouseholdOut)
def get_household(ctx: ContextDep, household_id: RecordId):
    return casework.get_household(ctx, household_id=household_id)


# --- statistics ------------------------------------------------------------------------------


@router.get("/stats", response_model=StatsOut, tags=["统计 stats"], summary="地区、期间的就业服务统计")
def get_stats(ctx: ContextDep, start: date, end: date, region: Region = None):
    return stats.compute(ctx, region_prefix=region, start=start, end=end)


@router.get("/stats/trend", response_model=list[MonthRow], tags=["统计 stats"], summary="逐月趋势（截至 end 的最近 N 个月）")
def get_stats_trend(ctx: ContextDep, end: date, months: Annotated[int, Query(ge=1, le=36)] = 6,
                    region: Region = None):
    return stats.trend(ctx, region_prefix=region, today=end, months=months)


@router.get("/stats/districts", response_model=list[DistrictRow], tags=["统计 stats"], summary="分区县统计")
def get_stats_districts(ctx: ContextDep, start: date, end: date, region: Region = None):
    return stats.by_district(ctx, region_prefix=region, start=start, end=end)


@router.get("/stats.csv", tags=["统计 stats"], summary="统计导出 CSV", response_class=Response, responses={
    200: {"description": "UTF-8（带 BOM）CSV：指标, 分组, 数值", "content": {"text/csv": {"schema": {"type": "string"}}}}})
def get_stats_csv(ctx: ContextDep, start: date, end: date, region: Region = None):
    body = stats.to_csv(stats.compute(ctx, region_prefix=region, start=start, end=end),
                        months=stats.trend(ctx, region_prefix=region, today=end),
                        districts=stats.by_district(ctx, region_prefix=region, start=start, end=end))
    name = f"rengang-stats-{region or 'all'}-{start}-{end}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- policy eligibility ------------------------------------------------------------------------


@router.get("/seekers/{seeker_id}/eligibility", response_model=list[MeasureOut], tags=["政策 policy"],
            summary="求职者可享受的本地就业政策（逐条件说明）")
def seeker_eligibility(ctx: ContextDep, seeker_id: RecordId):
    return casework.seeker_eligibility(ctx, seeker_id=seeker_id)


@router.get("/employers/{employer_id}/eligibility", response_model=list[MeasureOut], tags=["政策 policy"],
            summary="用人单位可享受的本地就业政策")
def employer_eligibility(ctx: ContextDep, employer_id: RecordId):
    return casework.employer_eligibility(ctx, employer_id=employer_id)

