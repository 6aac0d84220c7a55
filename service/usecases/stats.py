"""Statistics for a region and period, computed from what was recorded: hires are referrals moved to
hired, registrations are unemployment spells, contacts are contact records, exposures are logged
candidate lists. Nothing here is a constant.

The period is the closed range of days [start, end] (UTC days, as the service records them).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from matching.enums import FLAG_LABELS, FlagKind
from service.casework import repository as crepo
from service.errors import InvalidInput
from service.presenters import region_name
from service.casework.schemas import (
    EMPLOYED_REASONS,
    DistrictRow,
    EndReason,
    ExposureShare,
    GroupRate,
    MonthRow,
    StatsOut,
    TargetRate,
)
from service.casework.usecases import OFFICERS, active_kinds
from service.usecases.common import Context

GRADUATE_TARGET = 0.90  # 高校毕业生年末就业率
HARD_TO_EMPLOY_TARGET = 0.90  # 就业困难人员就业率
TOP_N = 10
OTHER_EMPLOYMENT = [EndReason.employed.value, EndReason.self_employed.value]


def _region(ctx: Context, region_prefix: str | None) -> str | None:
    """An officer's statistics stay inside their region: a wider or other request is refused."""
    scope = ctx.scope_prefix()
    if scope is None:
        return region_prefix
    if region_prefix is None or scope.startswith(region_prefix):
        return scope
    if region_prefix.startswith(scope):
        return region_prefix
    raise InvalidInput("该地区不在您的管辖范围内", field="region", code="region_out_of_scope")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _target(cohort: set[int], employed: set[int], target: float) -> TargetRate:
    n, k = len(cohort), len(cohort & employed)
    rate = _rate(k, n)
    return TargetRate(cohort=n, employed=k, rate=rate, target=target, met=None if rate is None else rate >= target)


def compute(ctx: Context, *, region_prefix: str | None, start: date, end: date) -> StatsOut:
    ctx.require(*OFFICERS)
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期", field="end", code="date_order")
    if (end - start).days > 3 * 366:
        raise InvalidInput("统计期间不能超过三年", field="end", code="period_too_long")
    region = _region(ctx, region_prefix)
    s, now = ctx.session, ctx.now()
    day_after = end + timedelta(days=1)
    t0, t1 = datetime.combine(start, time(), UTC), datetime.combine(day_after, time(), UTC)
    as_of = min(now, t1)

    hires = crepo.hires(s, region_prefix=region, start=t0, end=t1)
    other = crepo.spells_ended_employed(s, region_prefix=region, start=start, end=day_after, reasons=OTHER_EMPLOYMENT)
    placed_ids = {r.seeker_id for r, _ in hires} | {sp.seeker_id for sp in other}

    overlapping = crepo.spells_overlapping(s, region_prefix=region, start=start, end=day_after)
    registered_at_end = {sp.seeker_id for sp in overlapping if sp.ended_on is None or sp.ended_on > end}
    in_period = {sp.seeker_id for sp in overlapping}
    seekers = crepo.seekers_by_id(s, ids=sorted(in_period | placed_ids))

    by_group: list[GroupRate] = []
    for kind in FlagKind:
        members = {sid for sid in in_period if kind in active_kinds(seekers[sid], as_of)}
        placed = members & placed_ids
        by_group.append(GroupRate(group=kind.value, label=FLAG_LABELS[kind], registered=len(members),
                                  placed=len(placed), rate=_rate(len(placed), len(members))))

    def employed_by_end(ids: set[int]) -> set[int]:
        return (crepo.hired_seeker_ids(s, seeker_ids=sorted(ids), before=t1)
                | crepo.employed_by_spell_ids(s, seeker_ids=sorted(ids), before=day_after,
                                              reasons=[r.value for r in EMPLOYED_REASONS]))

    graduates = {g.id for g in crepo.seekers_with_flags(s, region_prefix=region, kinds=[FlagKind.graduate.value])
                 if FlagKind.graduate in active_kinds(g, as_of)
                 and (g.graduation_date is None or g.graduation_date.year == end.year)}
    hard = {g.id for g in crepo.seekers_with_flags(s, region_prefix=region, kinds=[FlagKind.hard_to_employ.value])
            if FlagKind.hard_to_employ in active_kinds(g, as_of)}

    households = crepo.households_in(s, region_prefix=region)
    open_households = sum(1 for h in households if h.identified_on <= end
                          and (h.cleared_on is None or h.cleared_on > end))
    cleared = sum(1 for h in households if h.cleared_on is not None and start <= h.cleared_on <= end)

    spell_of = crepo.spell_for_referral(s, referral_ids=[r.id for r, _ in hires])
    waits = [(r.closed_at.date() - spell_of[r.id].started_on).days for r, _ in hires if r.id in spell_of]
    waits += [(sp.ended_on - sp.started_on).days for sp in other]

    contacts = crepo.contacts_between(s, region_prefix=region, start=start, end=day_after)
    contacted = {c.seeker_id for c in contacts}

    cases = crepo.cases_in(s, region_prefix=region, start=t0, end=t1)
    overdue = sum(1 for c in cases if (c.closed_at or as_of) > c.deadline_at and c.status != "closed")

    shown = crepo.exposures_between(s, region_prefix=region, start=t0, end=t1, top=TOP_N)
    lists = {(e.job_id, e.shown_at) for e in shown}
    counts = Counter(g for e in shown for g in e.groups)
    exposure = [ExposureShare(group=k.value, label=FLAG_LABELS[k], appearances=counts.get(k.value, 0),
                              share=_rate(counts.get(k.value, 0), len(shown))) for k in FlagKind]

    return StatsOut(
        region=region, start=start, end=end,
        new_employment=len(hires) + len(other), hires_via_referral=len(hires), employed_otherwise=len(other),
        registered_unemployed=len(registered_at_end), placement_by_group=by_group,
        graduates=_target(graduates, employed_by_end(graduates), GRADUATE_TARGET),
        hard_to_employ=_target(hard, employed_by_end(hard), HARD_TO_EMPLOY_TARGET),
        households_open=open_households, households_cleared=cleared,
        avg_days_to_placement=round(sum(waits) / len(waits), 1) if waits else None,
        contacts_done=len(contacts), seekers_contacted=len(contacted & in_period), seekers_due=len(in_period),
        assistance_opened=len(cases), assistance_overdue=overdue,
        exposure_lists=len(lists), exposure=exposure,
    )


def _month_starts(today: date, months: int) -> list[date]:
    first, out = today.replace(day=1), []
    for _ in range(months):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def trend(ctx: Context, *, region_prefix: str | None, today: date, months: int = 6) -> list[MonthRow]:
    """逐月趋势: the headline indicators for each of the last ``months`` calendar months (the current one to today)."""
    if not 1 <= months <= 36:
        raise InvalidInput("月份数须在1到36之间", field="months", code="months_range")
    if not 1900 <= today.year <= 9998:
        raise InvalidInput("日期超出可统计的范围", field="end", code="date_out_of_range")
    rows = []
    for first in _month_starts(today, months):
        last = min(today, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1))
        st = compute(ctx, region_prefix=region_prefix, start=first, end=last)
        rows.append(MonthRow(month=first.strftime("%Y-%m"), start=first, end=last, new_employment=st.new_employment,
                             hires_via_referral=st.hires_via_referral, registered_unemployed=st.registered_unemployed,
                             contacts_done=st.contacts_done, assistance_opened=st.assistance_opened,
                             assistance_overdue=st.assistance_overdue))
    return rows


def by_district(ctx: Context, *, region_prefix: str | None, start: date, end: date) -> list[DistrictRow]:
    """分区县: the same indicators for each county of the region that has any activity, read once and grouped."""
    ctx.require(*OFFICERS)
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期", field="end", code="date_order")
    region = _region(ctx, region_prefix)
    s, now = ctx.session, ctx.now()
    day_after = end + timedelta(days=1)
    t0, t1 = datetime.combine(start, time(), UTC), datetime.combine(day_after, time(), UTC)
    as_of = min(now, t1)
    rows: dict[str, Counter] = {}

    def add(code: str, key: str, n: int = 1) -> None:
        rows.setdefault(code, Counter())[key] += n

    for _r, seeker in crepo.hires(s, region_prefix=region, start=t0, end=t1):
        add(seeker.region_code, "hires_via_referral")
        add(seeker.region_code, "new_employment")
    for sp in crepo.spells_ended_employed(s, region_prefix=region, start=start, end=day_after,
                                          reasons=OTHER_EMPLOYMENT):
        add(sp.region_code, "new_employment")
    for sp in crepo.spells_overlapping(s, region_prefix=region, start=start, end=day_after):
        if sp.ended_on is None or sp.ended_on > end:
            add(sp.region_code, "registered_unemployed")
    contacts = crepo.contacts_between(s, region_prefix=region, start=start, end=day_after)
    regions_of = {i: x.region_code for i, x in crepo.seekers_by_id(s, ids=sorted({c.seeker_id for c in contacts})).items()}
    for c in contacts:
        add(regions_of[c.seeker_id], "contacts_done")
    for case in crepo.cases_in(s, region_prefix=region, start=t0, end=t1):
        add(case.region_code, "assistance_opened")
        if (case.closed_at or as_of) > case.deadline_at and case.status != "closed":
            add(case.region_code, "assistance_overdue")
    for h in crepo.households_in(s, region_prefix=region):
        if h.identified_on <= end and (h.cleared_on is None or h.cleared_on > end):
            add(h.region_code, "households_open")
    keys = ("new_employment", "hires_via_referral", "registered_unemployed", "contacts_done", "assistance_opened",
            "assistance_overdue", "households_open")
    return [DistrictRow(region_code=code, region_name=region_name(code), **{k: counts.get(k, 0) for k in keys})
            for code, counts in sorted(rows.items())]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def to_csv(st: StatsOut, *, months: list[MonthRow] = (), districts: list[DistrictRow] = ()) -> str:
    """One indicator per row: 指标, 分组, 数值 (UTF-8 with BOM so spreadsheet software reads the Chinese); the
    monthly trend's and the counties' rows are grouped by month and by county name."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["指标", "分组", "数值"])
    w.writerow(["地区", "", region_name(st.region) if st.region else "全部地区"])
    w.writerow(["统计期间", "", f"{st.start}至{st.end}"])
    for label, value in [
        ("城镇新增就业（人）", st.new_employment), ("其中：推荐录用", st.hires_via_referral),
        ("其中：自主就业创业", st.employed_otherwise), ("期末登记失业人数", st.registered_unemployed),
        ("高校毕业生就业率", _pct(st.graduates.rate)), ("高校毕业生人数", st.graduates.cohort),
        ("就业困难人员就业率", _pct(st.hard_to_employ.rate)), ("就业困难人员人数", st.hard_to_employ.cohort),
        ("零就业家庭（期末未清零）", st.households_open), ("零就业家庭（期内清零）", st.households_cleared),
        ("平均实现就业天数", "" if st.avg_days_to_placement is None else st.avg_days_to_placement),
        ("跟踪服务次数", st.contacts_done), ("已跟踪人数", st.seekers_contacted), ("应跟踪人数", st.seekers_due),
        ("纳入就业援助", st.assistance_opened), ("援助超时", st.assistance_overdue),
        ("候选名单次数", st.exposure_lists),
    ]:
        w.writerow([label, "", value])
    for g in st.placement_by_group:
        w.writerow(["重点群体实现就业率", g.label, _pct(g.rate)])
        w.writerow(["重点群体登记人数", g.label, g.registered])
    for e in st.exposure:
        w.writerow(["候选前10名出现占比", e.label, _pct(e.share)])
    for label, key in TREND_COLUMNS:
        for m in months:
            w.writerow([f"逐月：{label}", m.month, getattr(m, key)])
    for label, key in DISTRICT_COLUMNS:
        for d in districts:
            w.writerow([f"分区县：{label}", d.region_name, getattr(d, key)])
    return "\ufeff" + buf.getvalue()


TREND_COLUMNS = (("城镇新增就业", "new_employment"), ("推荐录用", "hires_via_referral"),
                 ("月末登记失业", "registered_unemployed"), ("跟踪服务次数", "contacts_done"),
                 ("纳入就业援助", "assistance_opened"), ("援助超时", "assistance_overdue"))
DISTRICT_COLUMNS = (*TREND_COLUMNS[:2], ("期末登记失业", "registered_unemployed"), *TREND_COLUMNS[3:],
                    ("未清零零就业家庭", "households_open"))
