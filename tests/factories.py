"""Keyword-only payload factories: valid by default, each test overrides only what it is about."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import numpy as np

from matching.identifiers import make_credit_code, make_id_number

_seq = itertools.count(1)

WENJIANG = "510115"  # 四川省成都市温江区
ZICHUAN = "370302"  # 山东省淄博市淄川区


def _rng() -> np.random.Generator:
    return np.random.default_rng(next(_seq))


def credit_code(region: str = WENJIANG) -> str:
    return make_credit_code(_rng(), region)


def id_number(*, region: str = WENJIANG, birth: date = date(1990, 5, 17), gender: str = "male") -> str:
    """Distinct for 500 calls in a row (drawn at random, two of a few dozen people left in a shared database by
    earlier tests collided now and then: a seeded world then failed with duplicate_seeker)."""
    n = next(_seq)
    return make_id_number(np.random.default_rng(n), region, birth, gender, serial=n)


def employer_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    region = overrides.get("region_code", WENJIANG)
    return {
        "name": f"温江测试制造有限公司{n}",
        "credit_code": credit_code(region),
        "industry_code": "C3130",
        "size_class": "small",
        "ownership": "private",
        "region_code": region,
    } | overrides


def job_payload(*, employer_id: int, **overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    return {
        "employer_id": employer_id,
        "title": f"叉车司机{n}",
        "description": "负责仓库货物装卸、搬运和码放，服从班组长安排。",
        "requirements": "持有叉车证，有一年以上工作经验。",
        "skills": ["叉车", "仓储"],
        "occupation_code": "6-30-05-01",
        "region_code": WENJIANG,
        "salary_min": 5000,
        "salary_max": 7000,
        "education_min": "junior_middle",
        "experience_years": 1,
        "work_type": "full_time",
        "room_board": True,
        "headcount": 3,
        "valid_until": (date.today() + timedelta(days=30)).isoformat(),
    } | overrides


def seeker_payload(**overrides: Any) -> dict[str, Any]:
    region = overrides.get("region_code", WENJIANG)
    return {
        "name": "张伟",
        "id_number": id_number(region=region),
        "phone": f"138{next(_seq) % 10**8:08d}",
        "region_code": region,
        "education": "senior_high",
        "skills": ["叉车"],
        "experience": "在物流园开了三年叉车，也做过仓库理货。",
        "desired_occupations": ["叉车司机"],
        "desired_regions": ["5101"],
        "desired_salary_min": 4500,
        "desired_work_types": ["full_time"],
        "hukou": "rural",
        "consent_to_share": True,
    } | overrides


def create_employer(client, headers, **overrides) -> dict[str, Any]:
    r = client.post("/api/v1/employers", json=employer_payload(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def create_job(client, headers, *, employer_id: int, **overrides) -> dict[str, Any]:
    r = client.post("/api/v1/jobs", json=job_payload(employer_id=employer_id, **overrides), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def create_seeker(client, headers, **overrides) -> dict[str, Any]:
    r = client.post("/api/v1/seekers", json=seeker_payload(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()
