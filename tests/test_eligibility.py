"""Hard filters, read as their specification: each rule at its edge, reserved posts, and masks equal to check_pair."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from matching.eligibility import (
    MatchFilters,
    check_pair,
    eligible_job_rows,
    eligible_jobs_mask,
    eligible_seeker_rows,
    eligible_seekers_mask,
    internship_basis,
    pair_is_eligible,
)
from matching.enums import Education, FlagKind, FlagStatus, JobStatus, WorkType
from matching.facts import FlagFact, JobColumns, JobFacts, SeekerColumns, SeekerFacts, active_flags
from matching.geo import RegionScope

TODAY = date(2025, 6, 15)
WENJIANG, JINJIANG, DUJIANGYAN = "510115", "510104", "510181"  # 成都市
ZICHUAN, ZHANGDIAN = "370302", "370303"  # 淄博市
DONGCHENG = "110101"  # 北京市
REGIONS = (WENJIANG, JINJIANG, DUJIANGYAN, ZICHUAN, ZHANGDIAN, DONGCHENG)

_ids = itertools.count(1)


def job(**overrides: Any) -> JobFacts:
    values: dict[str, Any] = dict(
        id=next(_ids),
        employer_id=1,
        title="叉车司机",
        occupation_code="6-30-05-01",
        region_code=WENJIANG,
        lat=None,
        lon=None,
        salary_min=4000,
        salary_max=6000,
        education_min=None,
        experience_years=None,
        age_min=None,
        age_max=None,
        work_type=WorkType.full_time,
        headcount=3,
        hired_count=0,
        status=JobStatus.open,
        valid_until=TODAY + timedelta(days=30),
        skills=("叉车", "仓储管理"),
        room_board=False,
    )
    values.update(overrides)
    return JobFacts(**values)


def seeker(**overrides: Any) -> SeekerFacts:
    values: dict[str, Any] = dict(
        id=next(_ids),
        birth_date=date(1990, 5, 17),
        education=Education.senior_high,
        graduation_date=date(2008, 7, 1),
        region_code=WENJIANG,
        lat=None,
        lon=None,
        desired_regions=(),
        desired_salary_min=None,
        desired_work_types=(),
        desired_occupation_codes=("6-30-05-01",),
        skills=("叉车",),
        willing_to_relocate=False,
        flags=(),
        unemployed_since=None,
        experience_years=5,
    )
    values.update(overrides)
    return SeekerFacts(**values)


def verified(kind: FlagKind, expires_at: datetime | None = None) -> FlagFact:
    return FlagFact(kind=kind, status=FlagStatus.verified, expires_at=expires_at)


def _maybe(rng: np.random.Generator, value: Any, p: float = 0.5) -> Any:
    return value if rng.random() < p else None


def random_job(rng: np.random.Generator, **overrides: Any) -> JobFacts:
    region = str(rng.choice(REGIONS))
    lo = int(rng.integers(2000, 8000))
    age_min = _maybe(rng, int(rng.integers(16, 30)), 0.3)
    headcount = _maybe(rng, int(rng.integers(1, 5)), 0.8)
    values = dict(
        region_code=region,
        lat=_maybe(rng, 30.0 + float(rng.normal(0, 1)), 0.3),
        lon=_maybe(rng, 104.0 + float(rng.normal(0, 1)), 0.3),
        salary_min=_maybe(rng, lo, 0.8),
        salary_max=_maybe(rng, lo + int(rng.integers(0, 4000)), 0.8),
        education_min=_maybe(rng, list(Education)[int(rng.integers(0, 4))], 0.5),
        age_min=age_min,
        age_max=_maybe(rng, int(rng.integers(30, 60)), 0.3),
        work_type=list(WorkType)[int(rng.integers(0, len(WorkType)))],
        headcount=headcount,
        hired_count=int(rng.integers(0, headcount + 1)) if headcount else int(rng.integers(0, 3)),
        status=JobStatus.open if rng.random() < 0.85 else list(JobStatus)[int(rng.integers(1, 4))],
        valid_until=_maybe(rng, TODAY + timedelta(days=int(rng.integers(-10, 60))), 0.8),
        skills=tuple(rng.choice(["叉车", "焊工", "Excel", "仓储管理", "电工", "驾驶"], size=int(rng.integers(0, 4)),
                                replace=False).tolist()),
    )
    values.update(overrides)
    return job(**values)


def random_seeker(rng: np.random.Generator, **overrides: Any) -> SeekerFacts:
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    flags = tuple(
        FlagFact(
            kind=list(FlagKind)[int(rng.integers(0, len(FlagKind)))],
            status=list(FlagStatus)[int(rng.integers(0, len(FlagStatus)))],
            expires_at=_maybe(rng, now + timedelta(days=int(rng.integers(-30, 30)), hours=int(rng.integers(0, 24)))),
        )
        for _ in range(int(rng.integers(0, 3)))
    )
    prefixes = [r[:k] for r in REGIONS for k in (2, 4, 6)]
    values = dict(
        birth_date=_maybe(rng, TODAY - timedelta(days=int(rng.integers(15 * 365, 60 * 365))), 0.95),
        education=_maybe(rng, list(Education)[int(rng.integers(0, 6))], 0.9),
        graduation_date=_maybe(rng, TODAY + timedelta(days=int(rng.integers(-4 * 365, 200))), 0.7),
        region_code=str(rng.choice(REGIONS)),
        lat=_maybe(rng, 30.0 + float(rng.normal(0, 1)), 0.3),
        lon=_maybe(rng, 104.0 + float(rng.normal(0, 1)), 0.3),
        desired_regions=tuple(rng.choice(prefixes, size=int(rng.integers(0, 3)), replace=False).tolist()),
        desired_salary_min=_maybe(rng, int(rng.integers(2000, 9000)), 0.6),
        desired_work_types=tuple(rng.choice(list(WorkType), size=int(rng.integers(0, 3)), replace=False).tolist()),
        skills=tuple(rng.choice(["叉车", "焊工", "excel", "仓储管理", "电工"], size=int(rng.integers(0, 4)),
                                replace=False).tolist()),
        willing_to_relocate=bool(rng.random() < 0.3),
        flags=flags,
        unemployed_since=_maybe(rng, TODAY - timedelta(days=int(rng.integers(-5, 700))), 0.5),
    )
    values.update(overrides)
    return seeker(**values)


def failed(j: JobFacts, s: SeekerFacts, options: MatchFilters | None = None) -> set[str]:
    return {c.key for c in check_pair(j, s, TODAY, options) if not c.passed}


# ------------------------------------------------------------------------------------- one rule at a time


def test_a_plain_pair_passes_every_filter_and_each_check_is_labelled():
    checks = check_pair(job(), seeker(), TODAY)
    assert [c.key for c in checks] == ["open", "headcount", "region", "work_type", "salary", "education", "age",
                                       "reserved"]
    assert all(c.passed for c in checks)
    assert all(c.label_zh and c.detail for c in checks)


def test_posting_must_be_open_and_valid_through_today():
    assert failed(job(valid_until=TODAY), seeker()) == set()
    assert failed(job(valid_until=TODAY - timedelta(days=1)), seeker()) == {"open"}
    assert failed(job(status=JobStatus.closed), seeker()) == {"open"}
    assert failed(job(valid_until=None), seeker()) == set()


def test_headcount_filled_fails():
    assert failed(job(headcount=2, hired_count=2), seeker()) == {"headcount"}
    assert failed(job(headcount=None, hired_count=9), seeker()) == set()


def test_region_defaults_to_residence_city_and_desired_regions_replace_it():
    s = seeker(region_code=WENJIANG)
    assert failed(job(region_code=JINJIANG), s) == set()  # same city 成都
    assert failed(job(region_code=ZICHUAN), s) == {"region"}
    assert failed(job(region_code=ZICHUAN), replace(s, desired_regions=("37",))) == set()
    assert failed(job(region_code=WENJIANG), replace(s, desired_regions=("37",))) == {"region"}
    assert failed(job(region_code=DONGCHENG), replace(s, willing_to_relocate=True)) == set()


def test_explicit_scopes():
    s = seeker(region_code=WENJIANG)
    assert failed(job(region_code=JINJIANG), s, MatchFilters(region=RegionScope.county())) == {"region"}
    assert failed(job(region_code=ZICHUAN), s, MatchFilters(region=RegionScope.anywhere())) == set()
    assert failed(job(region_code=JINJIANG), s, MatchFilters(region=RegionScope.within_km(30))) == set()
    assert failed(job(region_code=JINJIANG), s, MatchFilters(region=RegionScope.within_km(5))) == {"region"}


def test_work_type_from_options_or_seeker():
    s = seeker(desired_work_types=(WorkType.part_time,))
    assert failed(job(work_type=WorkType.full_time), s) == {"work_type"}
    assert failed(job(work_type=WorkType.full_time), s, MatchFilters(work_types=(WorkType.full_time,))) == set()
    assert failed(job(work_type=WorkType.seasonal), seeker()) == set()


def test_salary_floor_uses_best_pay_and_ignores_unknowns():
    assert failed(job(salary_max=6000), seeker(desired_salary_min=6000)) == set()
    assert failed(job(salary_max=5999), seeker(desired_salary_min=6000)) == {"salary"}
    assert failed(job(salary_min=None, salary_max=None), seeker(desired_salary_min=9000)) == set()
    assert failed(job(salary_min=7000, salary_max=None), seeker(desired_salary_min=6000)) == set()


def test_education_requirement_unknown_education_fails():
    j = job(education_min=Education.associate)
    assert failed(j, seeker(education=Education.bachelor)) == set()
    assert failed(j, seeker(education=Education.senior_high)) == {"education"}
    assert failed(j, seeker(education=None)) == {"education"}


def test_age_limits_in_whole_years_on_today():
    j = job(age_min=18, age_max=45)
    assert failed(j, seeker(birth_date=date(2007, 6, 15))) == set()  # 18 today
    assert failed(j, seeker(birth_date=date(2007, 6, 16))) == {"age"}  # 18 tomorrow
    assert failed(j, seeker(birth_date=date(1979, 6, 16))) == set()  # 45
    assert failed(j, seeker(birth_date=date(1979, 6, 15))) == {"age"}  # 46 today
    assert failed(j, seeker(birth_date=None)) == {"age"}


# ------------------------------------------------------------------------------------------ reserved posts


def test_public_welfare_posts_only_for_active_verified_hard_to_employ_or_zero_employment():
    post = job(work_type=WorkType.public_welfare)
    later = datetime(2026, 1, 1, tzinfo=UTC)
    assert failed(post, seeker()) == {"reserved"}
    assert failed(post, seeker(flags=(verified(FlagKind.hard_to_employ),))) == set()
    assert failed(post, seeker(flags=(verified(FlagKind.zero_employment_household, later),))) == set()
    self_declared = FlagFact(FlagKind.hard_to_employ, FlagStatus.self_declared, None)
    assert failed(post, seeker(flags=(self_declared,))) == {"reserved"}
    expired = verified(FlagKind.hard_to_employ, datetime(2025, 6, 15, 12, tzinfo=UTC))  # expires during today
    assert failed(post, seeker(flags=(expired,))) == {"reserved"}
    assert failed(post, seeker(flags=(verified(FlagKind.veteran),))) == {"reserved"}


def test_a_policy_may_widen_who_takes_public_welfare_posts():
    post = job(work_type=WorkType.public_welfare)
    veteran = seeker(flags=(verified(FlagKind.disabled),))
    wider = MatchFilters(public_welfare_kinds=frozenset({FlagKind.hard_to_employ, FlagKind.disabled}))
    assert failed(post, veteran) == {"reserved"}
    assert failed(post, veteran, wider) == set()


@pytest.mark.parametrize(
    ("overrides", "basis"),
    [
        (dict(education=Education.bachelor, graduation_date=date(2024, 7, 1)), "离校2年内高校毕业生"),
        (dict(education=Education.associate, graduation_date=date(2023, 6, 15)), "离校2年内高校毕业生"),
        (dict(education=Education.bachelor, graduation_date=date(2023, 6, 14)), None),
        (dict(education=Education.bachelor, graduation_date=date(2025, 12, 31)), "毕业年度内在校大学生"),
        (dict(education=Education.bachelor, graduation_date=date(2026, 1, 1)), None),
        (dict(education=Education.senior_high, graduation_date=date(2024, 7, 1)), None),  # not 高校
        (dict(birth_date=date(2001, 6, 15), unemployed_since=date(2025, 1, 1)), "16–24岁失业青年"),  # 24
        (dict(birth_date=date(2000, 6, 15), unemployed_since=date(2025, 1, 1)), None),  # 25 today
        (dict(birth_date=date(2005, 1, 1), unemployed_since=None), None),  # young, not registered unemployed
    ],
)
def test_internship_posts_only_for_recent_graduates_or_unemployed_youth(overrides, basis):
    s = seeker(**overrides)
    assert internship_basis(s, TODAY) == basis
    assert pair_is_eligible(job(work_type=WorkType.internship), s, TODAY) == (basis is not None)


# --------------------------------------------------------------------------------------------------- masks


def test_job_mask_returns_only_eligible_postings():
    s = seeker(desired_salary_min=5000)
    jobs = [job(), job(salary_max=4000), job(region_code=ZICHUAN), job(work_type=WorkType.public_welfare),
            job(status=JobStatus.filled)]
    columns = JobColumns.from_facts(jobs)
    mask = eligible_jobs_mask(columns, s, MatchFilters(), TODAY)
    assert columns.ids[mask].tolist() == [jobs[0].id]


def test_removed_and_replaced_postings_are_filtered_by_their_latest_facts():
    a, b = job(), job()
    columns = JobColumns.from_facts([a, b])
    columns.remove([a.id])
    columns.upsert([replace(b, status=JobStatus.closed)])
    assert not eligible_jobs_mask(columns, seeker(), MatchFilters(), TODAY).any()
    columns.upsert([a])
    assert columns.ids[eligible_jobs_mask(columns, seeker(), MatchFilters(), TODAY)].tolist() == [a.id]


@pytest.mark.parametrize(
    "options",
    [
        MatchFilters(),
        MatchFilters(region=RegionScope.city()),
        MatchFilters(region=RegionScope.province()),
        MatchFilters(region=RegionScope.within_km(80)),
        MatchFilters(region=RegionScope.anywhere(), work_types=(WorkType.internship, WorkType.public_welfare)),
        MatchFilters(public_welfare_kinds=frozenset(FlagKind)),
    ],
    ids=["desired", "city", "province", "radius", "reserved-only", "all-kinds"],
)
def test_masks_agree_with_check_pair_on_random_facts(options):
    rng = np.random.default_rng(20250615)
    jobs = [random_job(rng) for _ in range(80)]
    seekers = [random_seeker(rng) for _ in range(80)]
    job_columns = JobColumns.from_facts(jobs)
    seeker_columns = SeekerColumns.from_facts(seekers)
    expected = np.array([[pair_is_eligible(j, s, TODAY, options) for j in jobs] for s in seekers])
    assert 0.02 < expected.mean() < 0.9  # the random facts exercise both outcomes
    for i, s in enumerate(seekers):
        np.testing.assert_array_equal(eligible_jobs_mask(job_columns, s, options, TODAY), expected[i])
    for k, j in enumerate(jobs):
        np.testing.assert_array_equal(eligible_seekers_mask(seeker_columns, j, options, TODAY), expected[:, k])


def test_reserved_posts_never_reach_ineligible_seekers():
    rng = np.random.default_rng(7)
    seekers = [random_seeker(rng, desired_regions=(), willing_to_relocate=True, desired_work_types=())
               for _ in range(300)]
    columns = SeekerColumns.from_facts(seekers)
    for work_type in (WorkType.public_welfare, WorkType.internship):
        post = job(work_type=work_type, education_min=None, salary_max=None, salary_min=None)
        shown = set(columns.ids[eligible_seekers_mask(columns, post, MatchFilters(), TODAY)].tolist())
        for s in seekers:
            if s.id not in shown:
                continue
            if work_type == WorkType.public_welfare:
                assert active_flags(s.flags, TODAY) & {FlagKind.hard_to_employ, FlagKind.zero_employment_household}
            else:
                assert internship_basis(s, TODAY) is not None
        assert shown  # some are eligible


def test_a_subset_of_rows_gives_the_same_answer_as_the_full_mask():
    rng = np.random.default_rng(3)
    jobs = [random_job(rng) for _ in range(50)]
    columns = JobColumns.from_facts(jobs)
    s = random_seeker(rng, willing_to_relocate=True, desired_regions=())
    rows = np.array([4, 9, 0, 33])
    full = eligible_jobs_mask(columns, s, MatchFilters(), TODAY)
    np.testing.assert_array_equal(eligible_jobs_mask(columns, s, MatchFilters(), TODAY, rows=rows), full[rows])


def test_columns_compact_after_many_removals_and_keep_every_live_row_intact():
    rng = np.random.default_rng(9)
    seekers = [random_seeker(rng) for _ in range(2100)]
    columns = SeekerColumns.from_facts(seekers)
    removed = {s.id for s in seekers[::3]} | {s.id for s in seekers[1::3]}
    columns.remove(sorted(removed))
    live = [s for s in seekers if s.id not in removed]
    assert len(columns) == len(live) and columns.n_rows == len(live)  # compacted
    assert (np.diff(columns.region) >= 0).all()  # laid out in region order: a region is one block of rows
    fresh = SeekerColumns.from_facts(live)
    assert columns.rows_of([seekers[0].id]).tolist() == [-1]
    rows = columns.rows_of([s.id for s in live])
    assert (rows >= 0).all()
    for name in ("regions", "occupations"):
        a, sa = columns.ragged(name, rows)
        b, sb = fresh.ragged(name, np.arange(len(live)))
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(sa, sb)
    post = job(work_type=WorkType.internship)
    np.testing.assert_array_equal(eligible_seekers_mask(columns, post, MatchFilters(), TODAY, rows=rows),
                                  eligible_seekers_mask(fresh, post, MatchFilters(), TODAY))


def test_a_compacted_copy_leaves_the_columns_a_query_is_reading_as_they_were():
    """The engine swaps in compacted copies: rows a query computed on the old columns keep naming the same
    records, and the copy answers every filter as the old columns do."""
    rng = np.random.default_rng(21)
    jobs = [random_job(rng) for _ in range(3000)]
    columns = JobColumns.from_facts(jobs)
    columns.compact_on_remove = False
    seeker = random_seeker(rng, desired_regions=(), willing_to_relocate=True)
    options = MatchFilters(region=RegionScope.anywhere())
    columns.remove([j.id for j in jobs[:2000]])
    assert columns.wants_compaction() and columns.n_rows == 3000  # not compacted in place
    rows = eligible_job_rows(columns, seeker, options, TODAY)
    named = columns.ids[rows].copy()
    fresh = columns.compacted()
    np.testing.assert_array_equal(columns.ids[rows], named)  # the old object is untouched
    assert columns.n_rows == 3000 and fresh.n_rows == 1000 and not fresh.wants_compaction()
    assert sorted(fresh.ids[eligible_job_rows(fresh, seeker, options, TODAY)].tolist()) == sorted(named.tolist())
    kept = jobs[2500]
    old_pay = float(columns.pay[columns.rows_of([kept.id])][0])
    fresh.upsert([replace(kept, salary_min=99_000, salary_max=99_000)])  # writes to the copy stay in the copy
    assert float(fresh.pay[fresh.rows_of([kept.id])][0]) == 99_000
    np.testing.assert_equal(float(columns.pay[columns.rows_of([kept.id])][0]), old_pay)


SCOPES = [RegionScope.desired(), RegionScope.county(), RegionScope.city(), RegionScope.province(),
          RegionScope.within_km(30), RegionScope.within_km(150), RegionScope.anywhere()]


def test_rows_from_the_region_index_equal_the_full_mask_through_moves_appends_and_compaction():
    """The region index narrows rows first; the answer is the full mask's, whatever happened to the columns."""
    rng = np.random.default_rng(11)
    jobs = [random_job(rng) for _ in range(400)]
    columns = JobColumns.from_facts(jobs)
    seekers = [random_seeker(rng) for _ in range(30)]

    def agree() -> None:
        for s, scope in itertools.product(seekers, SCOPES):
            options = MatchFilters(region=scope)
            expected = np.flatnonzero(eligible_jobs_mask(columns, s, options, TODAY))
            np.testing.assert_array_equal(np.sort(eligible_job_rows(columns, s, options, TODAY)), expected)

    agree()
    columns.upsert(random_job(rng, id=j.id) for j in jobs[:150])  # new regions for sorted rows
    agree()
    columns.upsert(random_job(rng) for _ in range(5000))  # appends past the re-sort threshold
    agree()
    columns.remove([j.id for j in jobs[100:400]])
    columns.upsert([random_job(rng, id=jobs[0].id, region_code=DONGCHENG, lat=39.9, lon=116.4)])
    agree()
    before = [eligible_jobs_mask(columns, s, MatchFilters(region=RegionScope.city()), TODAY) for s in seekers]
    ids_before = columns.ids.copy()
    columns.compact()  # rows renumbered in region order; every answer names the same postings
    agree()
    for i, s in enumerate(seekers):
        after = eligible_jobs_mask(columns, s, MatchFilters(region=RegionScope.city()), TODAY)
        assert sorted(columns.ids[after].tolist()) == sorted(ids_before[before[i]].tolist())
    candidates = columns.region_rows([(110000, 119999)])
    assert len(candidates) and (np.diff(np.sort(candidates)) == 1).all()  # Beijing's rows: one block


def test_seeker_rows_from_the_region_index_equal_the_full_mask():
    rng = np.random.default_rng(12)
    seekers = [random_seeker(rng) for _ in range(500)]
    columns = SeekerColumns.from_facts(seekers)
    columns.upsert(random_seeker(rng, id=s.id) for s in seekers[:100])
    posts = [random_job(rng, status=JobStatus.open, headcount=None, valid_until=None) for _ in range(20)]
    for post, scope in itertools.product(posts, SCOPES):
        options = MatchFilters(region=scope)
        expected = np.flatnonzero(eligible_seekers_mask(columns, post, options, TODAY))
        np.testing.assert_array_equal(np.sort(eligible_seeker_rows(columns, post, options, TODAY)), expected)


def test_columns_saved_as_arrays_come_back_answering_every_filter_alike(tmp_path):
    """What a snapshot keeps beside its index: a replica starts from these arrays instead of every record."""
    rng = np.random.default_rng(12)
    jobs = [random_job(rng) for _ in range(300)]
    seekers = [random_seeker(rng) for _ in range(300)]
    for cls, facts in ((JobColumns, jobs), (SeekerColumns, seekers)):
        columns = cls.from_facts(facts)
        columns.remove([f.id for f in facts[::4]])  # removed rows are not saved
        np.savez(tmp_path / "columns.npz", **columns.to_arrays())
        with np.load(tmp_path / "columns.npz", allow_pickle=False) as saved:
            loaded = cls.from_arrays(saved)
        live = [f for f in facts[1:] if f not in facts[::4]]
        assert len(loaded) == len(live) == loaded.n_rows
        assert loaded.skill_vocab._ids == columns.skill_vocab._ids
        probe = [f.id for f in facts[:10]]
        assert (loaded.rows_of(probe) >= 0).tolist() == (columns.rows_of(probe) >= 0).tolist()
        loaded.upsert(facts[:3])  # stays writable: the log is replayed onto it
        assert len(loaded) == len(live) + 1
    job_columns = JobColumns.from_arrays(JobColumns.from_facts(jobs).to_arrays())
    seeker_columns = SeekerColumns.from_arrays(SeekerColumns.from_facts(seekers).to_arrays())
    for options in (MatchFilters(), MatchFilters(region=RegionScope.within_km(80)),
                    MatchFilters(region=RegionScope.city())):
        for s in seekers[:40]:
            mask = eligible_jobs_mask(job_columns, s, options, TODAY)
            expected = [pair_is_eligible(j, s, TODAY, options) for j in jobs]
            assert sorted(job_columns.ids[mask].tolist()) == sorted(j.id for j, ok in zip(jobs, expected) if ok)
        for j in jobs[:40]:
            mask = eligible_seekers_mask(seeker_columns, j, options, TODAY)
            expected = [pair_is_eligible(j, s, TODAY, options) for s in seekers]
            assert sorted(seeker_columns.ids[mask].tolist()) == sorted(s.id for s, ok in zip(seekers, expected) if ok)


def test_saved_columns_of_another_shape_are_refused():
    arrays = JobColumns.from_facts([random_job(np.random.default_rng(1))]).to_arrays()
    with pytest.raises(ValueError):
        SeekerColumns.from_arrays(arrays)
    broken = dict(arrays, **{"col.region": arrays["col.region"].astype(np.int64)})
    with pytest.raises(ValueError):
        JobColumns.from_arrays(broken)
    with pytest.raises(ValueError):
        JobColumns.from_arrays({k: v for k, v in arrays.items() if k != "col.pay"})


def test_the_board_and_lodging_filter_is_one_filter_among_the_others():
    """包吃住 is applied by the masks and explained by the per-pair check, like every hard filter."""
    rng = np.random.default_rng(31)
    jobs = [random_job(rng, room_board=bool(rng.random() < 0.4)) for _ in range(120)]
    seekers = [random_seeker(rng) for _ in range(40)]
    columns = JobColumns.from_facts(jobs)
    options = MatchFilters(region=RegionScope.anywhere(), room_board=True)
    for s in seekers:
        expected = [pair_is_eligible(j, s, TODAY, options) for j in jobs]
        np.testing.assert_array_equal(eligible_jobs_mask(columns, s, options, TODAY), expected)
        assert not any(ok and not j.room_board for j, ok in zip(jobs, expected, strict=True))
    checks = {c.key: c for c in check_pair(jobs[0], seekers[0], TODAY, options)}
    assert checks["room_board"].passed == jobs[0].room_board and checks["room_board"].label_zh == "包吃住"
    assert "room_board" not in {c.key for c in check_pair(jobs[0], seekers[0], TODAY, MatchFilters())}
