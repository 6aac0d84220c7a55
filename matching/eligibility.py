"""Hard filters (硬性条件): a pair that fails one is never shown, whatever its score.

Each filter exists twice, as a vectorised mask (``eligible_jobs_mask`` over ``JobColumns`` for one seeker,
``eligible_seekers_mask`` over ``SeekerColumns`` for one posting) and as a per-pair explanation
(``check_pair``); the tests hold the two to the same answer on random facts.

The filters, by key:

* ``open`` — status open and ``valid_until`` ≥ today (no date: no end);
* ``headcount`` — fewer hired than the headcount (no headcount: no limit);
* ``region`` — ``MatchFilters.region`` (default: the seeker's desired regions, see ``matching.geo``);
* ``work_type`` — the posting's type among ``MatchFilters.work_types`` if given, else among the seeker's
  desired types (none desired: any);
* ``salary`` — the posting's best pay (salary_max, else salary_min) ≥ the seeker's floor, when both are known;
* ``education`` — seeker's level ≥ the posting's minimum (unknown level fails a posting that sets one);
* ``age`` — the seeker's age in whole years within the posting's limits (unknown age fails a posting with limits);
* ``reserved`` — posts reserved by policy:
  公益性岗位 only for seekers with an active (verified, unexpired) flag of a kind in
  ``MatchFilters.public_welfare_kinds`` (default 就业困难人员, 零就业家庭成员; a deployment's priority policy
  may widen it); 见习岗位 only for 离校2年内高校毕业生 (大专 or above, graduation within the last 2 years,
  or later in the current calendar year: 毕业年度内在校大学生) or 16–24岁失业青年 (registered unemployed),
  following 000_6ee6945cb9904930.txt 三（四）9.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from matching import postings
from matching.enums import EDUCATION_LABELS, FLAG_LABELS, WORK_TYPE_LABELS, Education, FlagKind, JobStatus, WorkType
from matching.codes import UNKNOWN
from matching.facts import (
    WORK_TYPE_CODE,
    JobColumns,
    JobFacts,
    SeekerColumns,
    SeekerFacts,
    active_flags,
    age_on,
    as_day,
    flag_bits,
    ymd,
)
from matching.geo import (
    RegionScope,
    job_scope_ranges,
    jobs_in_scope,
    pair_in_scope,
    point_of,
    seeker_scope_ranges,
    seekers_in_scope,
)

DEFAULT_PUBLIC_WELFARE_KINDS = frozenset({FlagKind.hard_to_employ, FlagKind.zero_employment_household})
GRADUATE_MIN_EDUCATION = Education.associate  # 高校毕业生: 大专 and above
GRADUATE_WINDOW_YEARS = 2
YOUTH_AGES = (16, 24)

FILTER_LABELS = {
    "open": "岗位在招",
    "headcount": "尚有名额",
    "region": "地区",
    "work_type": "工作类型",
    "salary": "薪资不低于期望",
    "education": "学历要求",
    "age": "年龄要求",
    "reserved": "专项岗位资格",
    "room_board": "包吃住",
}


@dataclass(frozen=True, slots=True)
class FilterCheck:
    key: str
    label_zh: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label_zh, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class MatchFilters:
    region: RegionScope = field(default_factory=RegionScope.desired)
    work_types: tuple[WorkType, ...] | None = None  # None: the seeker's desired types
    public_welfare_kinds: frozenset[FlagKind] = DEFAULT_PUBLIC_WELFARE_KINDS
    now: datetime | None = None  # instant flags are judged at; default: the end of ``today``
    room_board: bool = False  # only postings that provide board and lodging (包吃住)
    # Facts the asker did not give ("education", "age": an anonymous query): not filtered on, and never stated.
    unstated: frozenset[str] = frozenset()
    # An anonymous asker who says they are a student or recent graduate (or wants 实习) is shown 见习岗位 on their
    # word; the basis is checked when an officer refers them. 公益性岗位 always need a verified flag.
    internship_declared: bool = False


def _now(options: MatchFilters, today: date | datetime) -> date | datetime:
    return options.now if options.now is not None else today


# ------------------------------------------------------------------------------- reserved posts, one seeker


def internship_basis(seeker: SeekerFacts, today: date) -> str | None:
    """Why the seeker may take a 见习岗位 (a Chinese phrase), or None."""
    t = ymd(today)
    grad = ymd(seeker.graduation_date)
    if (
        grad != UNKNOWN
        and seeker.education is not None
        and seeker.education.rank >= GRADUATE_MIN_EDUCATION.rank
        and grad >= t - GRADUATE_WINDOW_YEARS * 10000
    ):
        if grad <= t:
            return "离校2年内高校毕业生"
        if grad // 10000 == t // 10000:
            return "毕业年度内在校大学生"
    age = age_on(seeker.birth_date, today)
    since = ymd(seeker.unemployed_since)
    if age is not None and YOUTH_AGES[0] <= age <= YOUTH_AGES[1] and since != UNKNOWN and since <= t:
        return "16–24岁失业青年"
    return None


def public_welfare_basis(
    seeker: SeekerFacts, now: date | datetime, kinds: frozenset[FlagKind] = DEFAULT_PUBLIC_WELFARE_KINDS
) -> FlagKind | None:
    """The active flag that opens 公益性岗位 to the seeker, or None."""
    active = active_flags(seeker.flags, now) & kinds
    return min(active, key=list(FlagKind).index) if active else None


def internship_mask(columns: SeekerColumns, today: date, rows: np.ndarray) -> np.ndarray:
    t = ymd(today)
    grad = columns.graduation[rows]
    graduate = (
        (grad != UNKNOWN)
        & (columns.education[rows] >= GRADUATE_MIN_EDUCATION.rank)
        & (grad >= t - GRADUATE_WINDOW_YEARS * 10000)
        & ((grad <= t) | (grad // 10000 == t // 10000))
    )
    birth = columns.birth[rows]
    age = (t - birth) // 10000
    since = columns.unemployed_since[rows]
    youth = (birth != UNKNOWN) & (age >= YOUTH_AGES[0]) & (age <= YOUTH_AGES[1]) & (since != UNKNOWN) & (since <= t)
    return graduate | youth


# ------------------------------------------------------------------------------------------- masks


def eligible_jobs_mask(
    columns: JobColumns,
    seeker: SeekerFacts,
    options: MatchFilters,
    today: date,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Mask over all rows of ``columns`` (or over ``rows``) of postings the seeker may be shown."""
    today = as_day(today)
    # The cheap, selective filters run over every row; the rest only over the survivors (or over whole
    # columns when most rows survive: a gather costs more than a comparison).
    base = columns.open_mask(today, rows) & jobs_in_scope(columns, seeker, options.region, rows)
    idx = np.flatnonzero(base)
    dense = rows is None and len(idx) > len(base) // 4
    sub = None if dense else (idx if rows is None else np.asarray(rows)[idx])

    def take(column: np.ndarray) -> np.ndarray:
        return column if sub is None else column[sub]

    wt = take(columns.work_type)
    ok = base.copy() if dense else np.ones(len(sub), dtype=bool)

    allowed = options.work_types if options.work_types is not None else seeker.desired_work_types
    if allowed:
        ok &= _work_type_lut(allowed)[wt]

    if options.room_board:
        ok &= take(columns.room_board)

    if seeker.desired_salary_min is not None:
        pay = take(columns.pay)
        ok &= np.isnan(pay) | (pay >= seeker.desired_salary_min)

    if "education" not in options.unstated:
        edu = take(columns.education)
        seeker_edu = UNKNOWN if seeker.education is None else seeker.education.rank
        if seeker_edu == UNKNOWN:
            ok &= edu == UNKNOWN
        else:
            ok &= edu <= seeker_edu  # UNKNOWN (-1) is below every level

    age = age_on(seeker.birth_date, today)
    if "age" not in options.unstated:
        age_min, age_max = take(columns.age_min), take(columns.age_max)
        if age is None:
            ok &= (age_min == UNKNOWN) & (age_max == UNKNOWN)
        else:
            ok &= (age_min <= age) & ((age_max == UNKNOWN) | (age <= age_max))  # UNKNOWN (-1) ≤ any age

    reserved = []
    if public_welfare_basis(seeker, _now(options, today), options.public_welfare_kinds) is None:
        reserved.append(WorkType.public_welfare)
    if internship_basis(seeker, today) is None and not options.internship_declared:
        reserved.append(WorkType.internship)
    if reserved:
        ok &= ~_work_type_lut(reserved)[wt]
    if dense:
        return ok
    mask = np.zeros(len(base), dtype=bool)
    mask[idx[ok]] = True
    return mask


def _work_type_lut(kinds) -> np.ndarray:
    """A lookup table over work-type codes: ``lut[codes]`` is a membership test without ``np.isin``."""
    lut = np.zeros(len(WORK_TYPE_CODE), dtype=bool)
    lut[[WORK_TYPE_CODE[w] for w in kinds]] = True
    return lut


def eligible_job_rows(columns: JobColumns, seeker: SeekerFacts, options: MatchFilters, today: date) -> np.ndarray:
    """Rows of the postings the seeker may be shown.

    A region scope first narrows the rows to a few slices of the columns' region index, so a county or city
    among a million postings costs in proportion to its own postings; every filter then runs on those rows.
    """
    ranges = job_scope_ranges(columns, seeker, options.region)
    if ranges is None:
        return np.flatnonzero(eligible_jobs_mask(columns, seeker, options, today))
    rows = columns.region_rows(ranges)
    return rows[eligible_jobs_mask(columns, seeker, options, today, rows=rows)]


def eligible_seeker_rows(columns: SeekerColumns, job: JobFacts, options: MatchFilters, today: date) -> np.ndarray:
    """Rows of the seekers a posting may be shown to (narrowed first by residence, as for postings)."""
    ranges = seeker_scope_ranges(columns, job.region_code, point_of(job.region_code, job.lat, job.lon),
                                 options.region)
    if ranges is None:
        return np.flatnonzero(eligible_seekers_mask(columns, job, options, today))
    rows = columns.region_rows(ranges)
    return rows[eligible_seekers_mask(columns, job, options, today, rows=rows)]


def job_is_open(job: JobFacts, today: date) -> bool:
    return postings.is_open(job.status, job.valid_until, today)


def headcount_left(job: JobFacts) -> int | None:
    return postings.places_left(job.headcount, job.hired_count)


def eligible_seekers_mask(
    columns: SeekerColumns,
    job: JobFacts,
    options: MatchFilters,
    today: date,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Mask over all rows of ``columns`` (or over ``rows``) of seekers the posting may be shown to."""
    today = as_day(today)
    rows = np.arange(columns.n_rows) if rows is None else np.asarray(rows, dtype=np.int64)
    left = headcount_left(job)
    if not job_is_open(job, today) or left == 0:
        return np.zeros(len(rows), dtype=bool)
    mask = columns.alive[rows].copy()
    mask &= seekers_in_scope(columns, job.region_code, point_of(job.region_code, job.lat, job.lon), options.region, rows)

    code = WORK_TYPE_CODE[job.work_type]
    if options.work_types is not None:
        if job.work_type not in options.work_types:
            mask[:] = False
    else:
        bits = columns.work_types[rows]
        mask &= (bits == 0) | ((bits >> code) & 1 == 1)

    pay = job.salary_max if job.salary_max is not None else job.salary_min
    if pay is not None:
        floor = columns.desired_salary[rows]
        mask &= np.isnan(floor) | (floor <= pay)

    if job.education_min is not None:
        mask &= columns.education[rows] >= job.education_min.rank

    if job.age_min is not None or job.age_max is not None:
        birth = columns.birth[rows]
        age = (ymd(today) - birth) // 10000
        ok = birth != UNKNOWN
        if job.age_min is not None:
            ok &= age >= job.age_min
        if job.age_max is not None:
            ok &= age <= job.age_max
        mask &= ok

    if job.work_type == WorkType.public_welfare:
        bits = columns.active_bits(_now(options, today), rows)
        mask &= (bits & flag_bits(options.public_welfare_kinds)) != 0
    elif job.work_type == WorkType.internship:
        mask &= internship_mask(columns, today, rows)
    return mask


# ------------------------------------------------------------------------------------------- one pair


def check_pair(
    job: JobFacts, seeker: SeekerFacts, today: date, options: MatchFilters | None = None
) -> list[FilterCheck]:
    """Every hard filter for one pair, passed or not, with a Chinese detail; the pair is eligible iff all pass."""
    options = options or MatchFilters()
    today = as_day(today)
    checks: list[FilterCheck] = []

    def add(key: str, passed: bool, detail: str) -> None:
        checks.append(FilterCheck(key, FILTER_LABELS[key], bool(passed), detail))

    if job.status != JobStatus.open:
        add("open", False, "岗位已停止招聘")
    elif job.valid_until is not None and job.valid_until < today:
        add("open", False, f"已过有效期（{job.valid_until.isoformat()}）")
    else:
        add("open", True, "招聘中" + (f"，有效期至{job.valid_until.isoformat()}" if job.valid_until else ""))

    left = headcount_left(job)
    add("headcount", left != 0, "不限人数" if left is None else (f"尚缺{left}人" if left else "名额已满"))

    inside, distance = pair_in_scope(job.region_code, point_of(job.region_code, job.lat, job.lon), seeker, options.region)
    where = f"，相距约{distance:.0f}公里" if distance is not None else ""
    add("region", inside, f"{'在' if inside else '不在'}{options.region.label}{where}")

    allowed = options.work_types if options.work_types is not None else seeker.desired_work_types
    ok = not allowed or job.work_type in allowed
    add("work_type", ok, WORK_TYPE_LABELS[job.work_type] + ("" if ok else "，不在求职意向内"))

    if options.room_board:
        add("room_board", job.room_board, "提供食宿" if job.room_board else "不提供食宿")

    pay = job.salary_max if job.salary_max is not None else job.salary_min
    if pay is None or seeker.desired_salary_min is None:
        add("salary", True, "薪资或期望未填写")
    else:
        ok = pay >= seeker.desired_salary_min
        add("salary", ok, f"最高{pay}元，期望不低于{seeker.desired_salary_min}元")

    if job.education_min is None:
        add("education", True, "不限学历")
    elif "education" in options.unstated:
        add("education", True, f"要求{EDUCATION_LABELS[job.education_min]}及以上（您未提供学历，未按学历筛选）")
    else:
        need = EDUCATION_LABELS[job.education_min]
        have = EDUCATION_LABELS[seeker.education] if seeker.education else "未填写"
        ok = seeker.education is not None and seeker.education.rank >= job.education_min.rank
        add("education", ok, f"要求{need}及以上，本人{have}")

    if job.age_min is None and job.age_max is None:
        add("age", True, "不限年龄")
    elif "age" in options.unstated:
        lo = "" if job.age_min is None else f"{job.age_min}"
        hi = "" if job.age_max is None else f"{job.age_max}"
        add("age", True, f"要求{lo}–{hi}岁（您未提供年龄，未按年龄筛选）")
    else:
        age = age_on(seeker.birth_date, today)
        lo = "" if job.age_min is None else f"{job.age_min}"
        hi = "" if job.age_max is None else f"{job.age_max}"
        ok = (
            age is not None
            and (job.age_min is None or age >= job.age_min)
            and (job.age_max is None or age <= job.age_max)
        )
        add("age", ok, f"要求{lo}–{hi}岁，本人{'未知' if age is None else f'{age}岁'}")

    if job.work_type == WorkType.public_welfare:
        basis = public_welfare_basis(seeker, _now(options, today), options.public_welfare_kinds)
        names = "、".join(FLAG_LABELS[k] for k in sorted(options.public_welfare_kinds, key=list(FlagKind).index))
        add("reserved", basis is not None,
            f"公益性岗位：已核验{FLAG_LABELS[basis]}" if basis else f"公益性岗位仅限已核验的{names}")
    elif job.work_type == WorkType.internship:
        why = internship_basis(seeker, today)
        if why is None and options.internship_declared:
            add("reserved", True, "见习岗位：限离校2年内高校毕业生或16–24岁失业青年（按您所述，推荐时核验）")
        else:
            add("reserved", why is not None,
                f"见习岗位：{why}" if why else "见习岗位仅限离校2年内高校毕业生或16–24岁失业青年")
    else:
        add("reserved", True, "非专项岗位")
    return checks


def pair_is_eligible(job: JobFacts, seeker: SeekerFacts, today: date, options: MatchFilters | None = None) -> bool:
    return all(c.passed for c in check_pair(job, seeker, today, options))


__all__ = [
    "DEFAULT_PUBLIC_WELFARE_KINDS",
    "FILTER_LABELS",
    "FilterCheck",
    "MatchFilters",
    "check_pair",
    "eligible_job_rows",
    "eligible_jobs_mask",
    "eligible_seeker_rows",
    "eligible_seekers_mask",
    "internship_basis",
    "internship_mask",
    "pair_is_eligible",
    "public_welfare_basis",
]
