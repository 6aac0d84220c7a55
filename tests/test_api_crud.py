"""Create, read, update, delete and list for each resource, as an admin."""

from __future__ import annotations

from datetime import date, timedelta

from tests.factories import ZICHUAN, create_employer, create_job, create_seeker, employer_payload


def test_employer_roundtrip(client, admin):
    created = create_employer(client, admin, name="成都温江食品有限公司")
    assert created["industry_code"] == "3130"  # the 门类 letter is dropped, the code kept
    got = client.get(f"/api/v1/employers/{created['id']}", headers=admin).json()
    assert got["name"] == "成都温江食品有限公司"
    r = client.patch(f"/api/v1/employers/{created['id']}", json={"size_class": "medium"}, headers=admin)
    assert r.status_code == 200 and r.json()["size_class"] == "medium"
    assert client.delete(f"/api/v1/employers/{created['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/employers/{created['id']}", headers=admin).status_code == 404


def test_employer_credit_code_is_unique(client, admin):
    payload = employer_payload()
    assert client.post("/api/v1/employers", json=payload, headers=admin).status_code == 201
    r = client.post("/api/v1/employers", json=payload | {"name": "另一家"}, headers=admin)
    assert r.status_code == 409 and r.json()["field"] == "credit_code"


def test_job_defaults_to_county_centroid_and_lists_with_filters(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    assert job["status"] == "open"
    assert job["lat"] == 30.682203 and job["lon"] == 103.856646  # 温江区 centroid
    assert job["region_name"] == "四川省成都市温江区"
    assert job["employer_name"] == employer["name"]
    create_job(client, admin, employer_id=employer["id"], region_code=ZICHUAN, work_type="part_time",
               salary_min=2000, salary_max=3000)
    listed = client.get("/api/v1/jobs", params={"region": "5101"}, headers=admin).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == job["id"]
    assert client.get("/api/v1/jobs", params={"work_type": "part_time"}, headers=admin).json()["total"] == 1
    assert client.get("/api/v1/jobs", params={"salary_at_least": 6000}, headers=admin).json()["total"] == 1
    page = client.get("/api/v1/jobs", params={"page_size": 1, "page": 2}, headers=admin).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["page"] == 2


def test_duplicate_posting_by_same_employer_is_409(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"], title="普工", description="流水线装配")
    r = client.post("/api/v1/jobs", json={k: v for k, v in job.items() if k in (
        "employer_id", "title", "description", "region_code")}, headers=admin)
    assert r.status_code == 409 and r.json()["error"] == "duplicate_job"
    other = create_employer(client, admin)
    create_job(client, admin, employer_id=other["id"], title="普工", description="流水线装配")


def test_job_expires_after_valid_until(client, admin, app):
    from datetime import UTC, datetime

    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"], valid_until=(date.today() + timedelta(days=2)).isoformat())
    app.state.clock = lambda: datetime.now(UTC) + timedelta(days=3)
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=admin).json()["status"] == "expired"
    with app.state.session_factory() as session:
        from service.usecases.jobs import expire_due

        assert expire_due(session, today=date.today() + timedelta(days=3)) == [job["id"]]
    assert client.get("/api/v1/jobs", params={"status": "expired"}, headers=admin).json()["total"] == 1


def test_job_update_checks_merged_salary_range(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"], salary_min=5000, salary_max=7000)
    r = client.patch(f"/api/v1/jobs/{job['id']}", json={"salary_min": 8000}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "salary_min"
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=admin).json()["salary_min"] == 5000


def test_seeker_roundtrip_and_delete_erases(client, admin):
    seeker = create_seeker(client, admin, name="李娜")
    assert seeker["birth_date"] == "1990-05-17" and seeker["age"] >= 35 and seeker["gender"] == "male"
    r = client.patch(f"/api/v1/seekers/{seeker['id']}", json={"skills": ["叉车", "电工证"]}, headers=admin)
    assert r.json()["skills"] == ["叉车", "电工证"]
    assert client.delete(f"/api/v1/seekers/{seeker['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=admin).status_code == 404


def test_seeker_lookup_by_phone_and_id_number(client, admin):
    seeker = create_seeker(client, admin, phone="13912345678")
    create_seeker(client, admin)
    found = client.get("/api/v1/seekers", params={"phone": "13912345678"}, headers=admin).json()
    assert [s["id"] for s in found["items"]] == [seeker["id"]]


def test_same_id_number_twice_is_409(client, admin):
    from tests.factories import id_number

    number = id_number()
    create_seeker(client, admin, id_number=number)
    r = client.post("/api/v1/seekers", json={"name": "王五", "id_number": number, "region_code": "510115"},
                    headers=admin)
    assert r.status_code == 409 and r.json()["field"] == "id_number"


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


def test_openapi_is_served(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/seekers/{seeker_id}/reveal" in spec["paths"]
    assert client.get("/docs").status_code == 200
