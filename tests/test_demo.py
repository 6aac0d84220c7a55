"""Generated demo data: deterministic, valid by every rule the API applies, and shaped like the labour market."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import numpy as np
import pytest

from matching import refdata
from matching.demo import CITY_WEIGHTS, FLAG_SHARES, city_tier, generate_demo
from matching.enums import Education, FlagKind, FlagStatus, Ownership, SizeClass, WorkType
from matching.identifiers import birth_date_from_id, validate_credit_code, validate_id_number, validate_phone

TODAY = date(2025, 9, 1)


def _demo(seed: int = 11, **sizes):
    sizes = {"n_employers": 80, "n_jobs": 600, "n_seekers": 600} | sizes
    return generate_demo(np.random.default_rng(seed), today=TODAY, **sizes)


@pytest.fixture(scope="module")
def demo():
    return _demo()


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def test_same_seed_same_data_different_seed_different_data():
    a, b = _demo(5, n_jobs=50, n_seekers=30), _demo(5, n_jobs=50, n_seekers=30)
    assert a == b
    assert _demo(6, n_jobs=50, n_seekers=30).seekers != a.seekers


def test_requested_sizes(demo):
    assert (len(demo.employers), len(demo.jobs), len(demo.seekers)) == (80, 600, 600)
    assert all(r["is_demo"] is True for r in demo.employers + demo.jobs + demo.seekers)


def test_employers_are_valid(demo):
    industries, counties = refdata.industries(), refdata.counties()
    codes = [e["credit_code"] for e in demo.employers]
    assert len(set(codes)) == len(codes)
    assert len({e["name"] for e in demo.employers}) == len(demo.employers)
    for e in demo.employers:
        assert validate_credit_code(e["credit_code"]) == e["credit_code"]
        assert e["credit_code"][2:8] == e["region_code"] in counties
        assert industries[e["industry_code"]].level in (2, 4)
        SizeClass(e["size_class"]), Ownership(e["ownership"])


def test_jobs_are_valid(demo):
    counties, occupations = refdata.counties(), refdata.occupations()
    for job in demo.jobs:
        employer = demo.employers[job["employer_index"]]
        assert job["region_code"] in counties
        assert job["region_code"][:4] == employer["region_code"][:4]  # the employer's county or a neighbour
        assert occupations[job["occupation_code"]].level == 4
        assert 0 < job["salary_min"] <= job["salary_max"]
        assert job["title"] and len(job["title"]) <= 100 and job["description"] and job["requirements"]
        assert job["skills"] and all(0 < len(s) <= 40 for s in job["skills"])
        assert job["education_min"] is None or Education(job["education_min"])
        WorkType(job["work_type"])
        if job["age_min"] is not None:
            assert 16 <= job["age_min"] <= job["age_max"] <= 75
        assert 10 <= (date.fromisoformat(job["valid_until"]) - TODAY).days <= 90
        assert job["headcount"] >= 1


def test_job_text_comes_from_the_occupation_tasks(demo):
    occupations = refdata.occupations()
    for job in demo.jobs[:100]:
        tasks = occupations[job["occupation_code"]].tasks
        assert any(t in job["description"] for t in tasks), job["title"]


def test_occupation_mix_follows_demand_not_the_catalogue(demo):
    counts = Counter(j["occupation_code"] for j in demo.jobs)
    major = Counter(code[0] for code in counts.elements())
    assert major["6"] + major["4"] > 0.7 * len(demo.jobs)  # production and service work dominate
    assert len(counts) < 150  # a demand-weighted mix, not 1,634 codes
    assert counts.most_common(1)[0][1] >= 3 * len(demo.jobs) / len(counts)


def test_salaries_follow_band_and_city_tier(demo):
    full_time = [j for j in demo.jobs if j["work_type"] == "full_time"]

    def mean_min(jobs):
        return np.mean([j["salary_min"] for j in jobs])

    by_tier = {t: [j for j in full_time if city_tier(j["region_code"]) == t] for t in (1, 2, 4)}
    assert all(by_tier.values())
    assert mean_min(by_tier[1]) > mean_min(by_tier[2]) > mean_min(by_tier[4])
    professionals = [j for j in full_time if j["occupation_code"][0] == "2"]  # 专业技术人员
    blue = [j for j in full_time if j["occupation_code"][0] == "6"]
    assert mean_min(professionals) > mean_min(blue)
    assert all(3000 <= j["salary_min"] <= 10000 for j in blue)


def test_work_types_and_reserved_posts(demo):
    kinds = Counter(j["work_type"] for j in demo.jobs)
    assert kinds["full_time"] > 0.7 * len(demo.jobs)
    assert all(kinds[w] > 0 for w in ("part_time", "flexible", "seasonal", "internship", "public_welfare"))
    for job in demo.jobs:
        if job["work_type"] == "public_welfare":
            assert 1800 <= job["salary_min"] <= 2800 and job["title"].startswith("公益性岗位")
        if job["work_type"] == "internship":
            assert job["education_min"] in ("associate", "bachelor", "master")


def test_room_board_is_common_in_factories_and_construction(demo):
    def share(prefix):
        jobs = [j for j in demo.jobs if j["occupation_code"].startswith(prefix)]
        return sum(j["room_board"] for j in jobs) / len(jobs)

    assert share("6-29") > 0.5  # construction trades
    assert share("2-") < 0.1


def test_seekers_are_valid(demo):
    counties = refdata.counties()
    ids = [s["id_number"] for s in demo.seekers]
    phones = [s["phone"] for s in demo.seekers]
    assert len(set(ids)) == len(ids) and len(set(phones)) == len(phones)
    for s in demo.seekers:
        assert validate_id_number(s["id_number"]) == s["id_number"]
        assert s["id_number"][:6] == s["region_code"] in counties
        assert 16 <= _age(birth_date_from_id(s["id_number"]), TODAY) <= 60
        assert validate_phone(s["phone"]) == s["phone"]
        assert all(refdata.is_region_prefix(r) for r in s["desired_regions"])
        assert s["desired_occupations"] and s["desired_salary_min"] > 0
        education = Education(s["education"])
        assert bool(s["major"]) == (education.rank >= Education.associate.rank)
        if s["graduation_date"]:
            assert date.fromisoformat(s["graduation_date"]) > birth_date_from_id(s["id_number"])
        if s["unemployment_registered_at"]:
            assert date.fromisoformat(s["unemployment_registered_at"]) <= TODAY
        kinds = [f["kind"] for f in s["flags"]]
        assert len(set(kinds)) == len(kinds)


def test_most_seekers_live_where_the_jobs_are(demo):
    cities = Counter(s["region_code"][:4] for s in demo.seekers)
    assert sum(cities[c] for c in CITY_WEIGHTS) == len(demo.seekers)
    assert cities["5101"] > 0.15 * len(demo.seekers) and cities["3703"] > 0.1 * len(demo.seekers)
    assert any(s["region_code"] == "510115" for s in demo.seekers)
    assert any(s["region_code"] == "370302" for s in demo.seekers)


def test_flag_shares_roughly_as_specified(demo):
    n = len(demo.seekers)
    counts = Counter(f["kind"] for s in demo.seekers for f in s["flags"])
    for kind, share in FLAG_SHARES.items():
        tolerance = 0.05 if share >= 0.2 else 0.03
        assert abs(counts[kind.value] / n - share) <= tolerance, (kind, counts[kind.value] / n)
    statuses = Counter(f["status"] for s in demo.seekers for f in s["flags"])
    assert statuses["verified"] > 0.5 * sum(statuses.values())
    assert statuses["self_declared"] and statuses["expired"] + statuses["rejected"] > 0
    for s in demo.seekers:
        for f in s["flags"]:
            FlagKind(f["kind"])
            if f["status"] == FlagStatus.expired.value:
                assert datetime.fromisoformat(f["expires_at"]).date() < TODAY
            if f["kind"] in ("rural_migrant", "poverty_alleviated"):
                assert s["hukou"] == "rural"
            if f["kind"] == "graduate":
                assert s["graduation_date"] and s["education"] in ("associate", "bachelor", "master")


def test_experience_is_told_in_the_seekers_own_words(demo):
    told = [s["experience"] for s in demo.seekers if s["experience"]]
    assert len(told) > 0.5 * len(demo.seekers)
    titles = {refdata.occupations()[c].clean_name for c in demo.seeker_occupation_codes}
    assert sum(not any(t in e for t in titles) for e in told) > 0.8 * len(told)


def test_payloads_pass_the_api_schemas():
    schemas = pytest.importorskip("service.schemas")
    data = generate_demo(np.random.default_rng(3), n_employers=30, n_jobs=120, n_seekers=120, today=date.today())
    for e in data.employers:
        schemas.EmployerCreate.model_validate({k: v for k, v in e.items() if k != "is_demo"})
    for j in data.jobs:
        fields = {k: v for k, v in j.items() if k not in ("is_demo", "employer_index")}
        schemas.JobCreate.model_validate(fields | {"employer_id": 1})
    for s in data.seekers:
        flags = [{k: v for k, v in f.items() if k != "status"} for f in s["flags"]]
        schemas.SeekerCreate.model_validate({k: v for k, v in s.items() if k not in ("is_demo", "flags")} | {"flags": flags})


def test_thousands_of_employers_get_unique_names_without_running_out():
    """A county has one 人社局: once its names are used up, the generator moves to another county."""
    demo = generate_demo(np.random.default_rng(11), n_employers=3000, n_jobs=0, n_seekers=0, today=date(2026, 12, 2))
    names = [e["name"] for e in demo.employers]
    assert len(names) == 3000 == len(set(names))
    assert len({e["credit_code"] for e in demo.employers}) == 3000
