"""Pure matching logic: the priority bound, reserved posts, filters, components."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from matching.enums import Education, FlagKind, FlagStatus, WorkType
from matching.scoring import (
    FlagFact,
    JobFacts,
    JobTable,
    MatchFilters,
    PriorityPolicy,
    SeekerFacts,
    active_flags,
    bounded_boost,
    check_pair,
    eligible_jobs_mask,
    flag_weight,
    occupation_component,
    rank,
    reserved_post_check,
)

TODAY = date(2026, 11, 22)
POLICY = PriorityPolicy.load()


def test_boost_never_lifts_a_clearly_worse_candidate_randomised():
    rng = np.random.default_rng(2026)
    for _ in range(500):
        n = int(rng.integers(2, 60))
        fit = rng.beta(2, 3, n)
        raw = rng.choice([0.0, 0.4, 0.5, 1.0], n)
        boost, bound = bounded_boost(fit, raw, POLICY)
        assert (boost >= 0).all() and (boost <= bound + 1e-12).all()
        order = rank(fit + boost, fit)
        position = np.empty(n, int)
        position[order] = np.arange(n)
        gap = fit[:, None] - fit[None, :]
        clearly_better = gap > bound + 1e-12
        assert (position[:, None] < position[None, :])[clearly_better].all()


def test_boost_reorders_comparable_candidates():
    fit = np.array([0.80, 0.79, 0.50, 0.30, 0.20])
    raw = np.array([0.0, 1.0, 0.0, 0.0, 1.0])
    boost, bound = bounded_boost(fit, raw, POLICY)
    order = rank(fit + boost, fit)
    assert 0 < bound <= POLICY.cap_abs
    assert order[0] == 1  # a verified hard-to-employ seeker within 0.01 of the best goes first
    assert order.tolist().index(4) > order.tolist().index(3)  # but 0.20 is not lifted over 0.30 + bound


def test_a_single_candidate_or_equal_fits_get_no_boost():
    assert bounded_boost(np.array([0.7]), np.array([1.0]), POLICY)[1] == 0.0
    assert bounded_boost(np.full(10, 0.5), np.ones(10), POLICY)[1] == 0.0


def test_only_verified_unexpired_flags_are_active():
    now = datetime(2026, 11, 22, tzinfo=UTC)
    flags = [
        FlagFact(FlagKind.graduate, FlagStatus.verified),
        FlagFact(FlagKind.veteran, FlagStatus.self_declared),
        FlagFact(FlagKind.disabled, FlagStatus.verified, now - timedelta(seconds=1)),
        FlagFact(FlagKind.hard_to_employ, FlagStatus.rejected),
        FlagFact(FlagKind.rural_migrant, FlagStatus.verified, now + timedelta(days=1)),
    ]
    assert active_flags(flags, now) == {FlagKind.graduate, FlagKind.rural_migrant}
    assert flag_weight(frozenset(), POLICY) == 0
    assert flag_weight(frozenset({FlagKind.hard_to_employ, FlagKind.graduate}), POLICY) == 1.0


@pytest.mark.parametrize(("seeker", "internship", "welfare"), [
    (SeekerFacts(1), False, False),
    (SeekerFacts(1, graduation_date=TODAY - timedelta(days=400)), True, False),
    (SeekerFacts(1, graduation_date=TODAY - timedelta(days=800)), False, False),
    (SeekerFacts(1, birth_date=date(2004, 1, 1), unemployed_since=TODAY), True, False),
    (SeekerFacts(1, birth_date=date(2000, 1, 1), unemployed_since=TODAY), False, False),
    (SeekerFacts(1, flags=frozenset({FlagKind.hard_to_employ})), False, True),
    (SeekerFacts(1, flags=frozenset({FlagKind.zero_employment_household})), False, True),
])
def test_reserved_posts(seeker, internship, welfare):
    assert reserved_post_check(WorkType.internship, seeker, TODAY, POLICY)[0] is internship
    assert reserved_post_check(WorkType.public_welfare, seeker, TODAY, POLICY)[0] is welfare
    assert reserved_post_check(WorkType.full_time, seeker, TODAY, POLICY)[0] is True


def _random_jobs(rng, n):
    counties = ["510115", "510104", "510112", "370302", "440305", "330106"]
    return [
        JobFacts(id=i + 1, title="t", region_code=str(rng.choice(counties)), lat=30.0, lon=104.0,
                 salary_min=3000, salary_max=int(rng.integers(2500, 9000)),
                 education_min=[None, *Education][int(rng.integers(0, 7))],
                 age_min=int(rng.choice([0, 18, 30])) or None, age_max=int(rng.choice([0, 35, 60])) or None,
                 work_type=WorkType(str(rng.choice([w.value for w in WorkType]))),
                 valid_until=TODAY + timedelta(days=int(rng.integers(-5, 30))))
        for i in range(n)
    ]


def test_mask_agrees_with_the_pairwise_checks():
    rng = np.random.default_rng(7)
    jobs = _random_jobs(rng, 400)
    table = JobTable()
    table.upsert(jobs)
    for _ in range(30):
        seeker = SeekerFacts(
            id=1, region_code="510115", desired_regions=("5101",),
            birth_date=date(int(rng.integers(1970, 2008)), 5, 1),
            education=list(Education)[int(rng.integers(0, 6))], desired_salary_min=int(rng.integers(2000, 6000)),
            graduation_date=TODAY - timedelta(days=int(rng.integers(0, 1500))),
            flags=frozenset(FlagKind(k) for k in rng.choice([k.value for k in FlagKind], int(rng.integers(0, 3)),
                                                            replace=False)),
        )
        mask = eligible_jobs_mask(table, seeker, MatchFilters(), TODAY, POLICY)
        for job, allowed in zip(jobs, mask, strict=True):
            expected = job.region_code.startswith("5101") and all(c.passed for c in check_pair(job, seeker, TODAY, POLICY))
            assert bool(allowed) == expected, (job, seeker)


def test_scopes_and_filters():
    from matching.refdata import county_centroid

    def job(i, county, **kw):
        lat, lon = county_centroid(county)
        return JobFacts(i, "t", county, lat=lat, lon=lon, **kw)

    table = JobTable()
    table.upsert([job(1, "510115"), job(2, "510104"), job(3, "513401"), job(4, "370302"),
                  job(5, "510115", room_board=True, work_type=WorkType.part_time)])
    ids = table.cols["id"]

    def pick(**kw):
        return sorted(ids[eligible_jobs_mask(table, None, MatchFilters(**kw), TODAY, POLICY)].tolist())

    assert pick(scope="county", region_code="510115") == [1, 5]
    assert pick(scope="city", region_code="510115") == [1, 2, 5]
    assert pick(scope="province", region_code="510115") == [1, 2, 3, 5]
    assert pick(scope="anywhere") == [1, 2, 3, 4, 5]
    assert pick(scope="anywhere", room_board=True) == [5]
    assert pick(scope="anywhere", work_types=(WorkType.part_time,)) == [5]
    assert pick(scope="radius", region_code="510115", radius_km=30) == [1, 2, 5]


def test_occupation_component_levels():
    got = occupation_component(["4-03-02-10"], ["4-03-02-10", "4-03-02-05", "4-03-01-01", "2-02-01-01", None])
    assert got.tolist() == [1.0, 0.7, 0.4, 0.0, 0.0]


def test_policy_file_is_validated(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("weights: {astronaut: 1}\n")
    with pytest.raises(ValueError, match="astronaut"):
        PriorityPolicy.load(bad)
    bad.write_text("weights: {graduate: 0.5}\ncolour: red\n")
    with pytest.raises(ValueError, match="colour"):
        PriorityPolicy.load(bad)
    assert all(k.value in POLICY.sources for k in POLICY.weights)
