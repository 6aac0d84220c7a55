"""Every invalid field gets a 422 that names it, in Chinese with a stable code, and nothing is stored."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import create_employer, employer_payload, job_payload, seeker_payload


def _corrupt_check_digit(code: str) -> str:
    last = code[-1]
    return code[:-1] + ("1" if last != "1" else "2")


def _count(client, admin, path):
    return client.get(path, headers=admin).json()["total"]


EMPLOYER_CASES = [
    ("credit_code", lambda p: _corrupt_check_digit(p["credit_code"]), "invalid_check_digit"),
    ("credit_code", lambda p: p["credit_code"][:17], None),
    ("industry_code", lambda p: "9999", "unknown_industry"),
    ("region_code", lambda p: "999999", "unknown_region"),
    ("region_code", lambda p: "5101", None),
    ("size_class", lambda p: "huge", "enum"),
    ("name", lambda p: "", "string_too_short"),
]


@pytest.mark.parametrize(("field", "bad", "code"), EMPLOYER_CASES)
def test_bad_employer_fields(client, admin, field, bad, code):
    payload = employer_payload()
    payload[field] = bad(payload)
    r = client.post("/api/v1/employers", json=payload, headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field and body["error"] == "validation_error"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body["detail"]
    if code:
        assert body["code"] == code
    assert _count(client, admin, "/api/v1/employers") == 0


JOB_CASES = [
    ("description", "x" * 20_001, "string_too_long"),
    ("requirements", "x" * 20_001, "string_too_long"),
    ("region_code", "000000", "unknown_region"),
    ("occupation_code", "9-99-99-99", "unknown_occupation"),
    ("occupation_code", "2-02-00-00", "unknown_occupation"),
    ("salary_min", 9000, "salary_range"),
    ("salary_max", -1, "greater_than_equal"),
    ("education_min", "kindergarten", "enum"),
    ("work_type", "volunteer", "enum"),
    ("valid_until", "2025-02-30", "date_from_datetime_parsing"),
    ("valid_until", (date.today() - timedelta(days=1)).isoformat(), "date_in_past"),
    ("age_min", 70, "age_range"),
    ("headcount", 0, "greater_than_equal"),
    ("skills", ["x" * 41], "item_too_long"),
    ("title", "", "string_too_short"),
]


@pytest.mark.parametrize(("field", "value", "code"), JOB_CASES)
def test_bad_job_fields(client, admin, field, value, code):
    employer = create_employer(client, admin)
    payload = job_payload(employer_id=employer["id"], age_min=20, age_max=40)
    payload[field] = value
    r = client.post("/api/v1/jobs", json=payload, headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field or body["field"].startswith(f"{field}."), body
    assert body["code"] in (code, "date_parsing", "date_from_datetime_parsing")
    assert _count(client, admin, "/api/v1/jobs") == 0


def test_unknown_employer_on_job_names_the_field(client, admin):
    r = client.post("/api/v1/jobs", json=job_payload(employer_id=424242), headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "employer_id"


SEEKER_CASES = [
    ("id_number", lambda p: _corrupt_check_digit(p["id_number"]), "invalid_check_digit"),
    ("id_number", lambda p: p["id_number"][:6] + "19991332" + p["id_number"][14:], None),
    ("phone", lambda p: "12345", None),
    ("region_code", lambda p: "123456", "unknown_region"),
    ("desired_regions", lambda p: ["99"], "unknown_region"),
    ("education", lambda p: "phd", "enum"),
    ("desired_work_types", lambda p: ["gig"], "enum"),
    ("birth_date", lambda p: (date.today() + timedelta(days=3)).isoformat(), "date_in_future"),
    ("unemployment_registered_at", lambda p: (date.today() + timedelta(days=3)).isoformat(), "date_in_future"),
    ("experience", lambda p: "经" * 5001, "string_too_long"),
    ("hukou", lambda p: "foreign", "enum"),
    ("flags", lambda p: [{"kind": "astronaut"}], "enum"),
]


@pytest.mark.parametrize(("field", "bad", "code"), SEEKER_CASES)
def test_bad_seeker_fields(client, admin, field, bad, code):
    payload = seeker_payload()
    if field == "birth_date":
        payload.pop("id_number")
    payload[field] = bad(payload)
    r = client.post("/api/v1/seekers", json=payload, headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field or body["field"].startswith(f"{field}."), body
    if code:
        assert body["code"] == code
    assert _count(client, admin, "/api/v1/seekers") == 0


def test_birth_date_must_match_id_number(client, admin):
    r = client.post("/api/v1/seekers", json=seeker_payload(birth_date="1991-01-01"), headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "birth_date"
    assert _count(client, admin, "/api/v1/seekers") == 0


def test_unknown_fields_are_rejected(client, admin):
    r = client.post("/api/v1/employers", json=employer_payload(owner="x"), headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "owner" and r.json()["code"] == "extra_forbidden"


def test_failed_update_changes_nothing(client, admin):
    from tests.factories import create_seeker

    seeker = create_seeker(client, admin, major="机电")
    r = client.patch(f"/api/v1/seekers/{seeker['id']}", json={"major": "会计", "phone": "123"}, headers=admin)
    assert r.status_code == 422
    assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=admin).json()["major"] == "机电"


def test_failed_write_midway_rolls_back_everything(client, admin, app):
    """A seeker whose flag insert fails leaves no seeker behind."""
    payload = seeker_payload(flags=[{"kind": "graduate"}, {"kind": "graduate"}])
    r = client.post("/api/v1/seekers", json=payload, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "duplicate_flag"
    assert _count(client, admin, "/api/v1/seekers") == 0
