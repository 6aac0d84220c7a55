"""Distances and region scopes: the vectorised masks and the one-pair rule give the same answer."""

from __future__ import annotations

import numpy as np
import pytest

from matching.facts import JobColumns, SeekerColumns
from matching.geo import (
    RegionScope,
    ScopeKind,
    desired_prefixes,
    haversine_km,
    jobs_in_scope,
    pair_in_scope,
    point_of,
    seekers_in_scope,
)
from tests.test_eligibility import DONGCHENG, JINJIANG, REGIONS, WENJIANG, ZICHUAN, job, random_job, random_seeker, seeker


def test_haversine_known_distances_and_broadcasting():
    # Beijing (39.9042, 116.4074) to Shanghai (31.2304, 121.4737): about 1068 km
    assert haversine_km(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(1067.3, abs=2)
    assert haversine_km(30.0, 104.0, 30.0, 104.0) == 0.0
    lats = np.array([30.0, 31.0, np.nan])
    d = haversine_km(lats, 104.0, 30.0, 104.0)
    assert d[1] == pytest.approx(111.2, abs=0.2)
    assert np.isnan(d[2])


def test_point_falls_back_to_the_county_centroid():
    lat, lon = point_of(WENJIANG, None, None)
    assert 30.5 < lat < 30.9 and 103.6 < lon < 104.0
    assert np.isnan(point_of("999999", None, None)[0])
    assert point_of(WENJIANG, 30.0, 104.0) == (30.0, 104.0)


def test_default_desired_regions():
    assert desired_prefixes(seeker(region_code=WENJIANG)) == ("5101",)
    assert desired_prefixes(seeker(desired_regions=("37", "110101"))) == ("37", "110101")
    assert desired_prefixes(seeker(willing_to_relocate=True)) == ()


def test_scope_parse_and_validation():
    assert RegionScope.parse("radius:25") == RegionScope.within_km(25)
    assert RegionScope.parse("city").kind == ScopeKind.city
    assert RegionScope.within_km(25).label == "25公里内"
    with pytest.raises(ValueError):
        RegionScope(ScopeKind.radius)
    with pytest.raises(ValueError):
        RegionScope.within_km(0)


def test_job_scope_masks():
    jobs = [job(region_code=r) for r in (WENJIANG, JINJIANG, ZICHUAN, DONGCHENG)]
    columns = JobColumns.from_facts(jobs)
    s = seeker(region_code=WENJIANG)
    assert jobs_in_scope(columns, s, RegionScope.county()).tolist() == [True, False, False, False]
    assert jobs_in_scope(columns, s, RegionScope.city()).tolist() == [True, True, False, False]
    assert jobs_in_scope(columns, s, RegionScope.province()).tolist() == [True, True, False, False]
    assert jobs_in_scope(columns, s, RegionScope.anywhere()).all()
    assert jobs_in_scope(columns, s, RegionScope.desired()).tolist() == [True, True, False, False]
    assert jobs_in_scope(columns, s, RegionScope.within_km(2000)).tolist() == [True, True, True, True]


@pytest.mark.parametrize(
    "scope",
    [RegionScope.desired(), RegionScope.county(), RegionScope.city(), RegionScope.province(),
     RegionScope.within_km(60), RegionScope.anywhere()],
    ids=lambda s: s.kind.value,
)
def test_both_masks_match_the_pair_rule(scope):
    rng = np.random.default_rng(11)
    jobs = [random_job(rng) for _ in range(60)]
    seekers = [random_seeker(rng) for _ in range(60)]
    job_columns, seeker_columns = JobColumns.from_facts(jobs), SeekerColumns.from_facts(seekers)
    for s in seekers:
        expected = [pair_in_scope(j.region_code, point_of(j.region_code, j.lat, j.lon), s, scope)[0] for j in jobs]
        assert jobs_in_scope(job_columns, s, scope).tolist() == expected
    for j in jobs:
        point = point_of(j.region_code, j.lat, j.lon)
        expected = [pair_in_scope(j.region_code, point, s, scope)[0] for s in seekers]
        assert seekers_in_scope(seeker_columns, j.region_code, point, scope).tolist() == expected


def test_regions_used_in_tests_exist():
    from matching import refdata

    assert all(r in refdata.counties() for r in REGIONS)
