"""Bulk import of postings: POST /jobs/bulk (all or nothing) and `rengang import jobs`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from service import db
from service.cli import app as cli
from service.models import JobPosting
from service.settings import get_settings
from tests.factories import WENJIANG, ZICHUAN, create_employer, create_job, employer_payload, job_payload

BULK = "/api/v1/jobs/bulk"


def _count(client, headers) -> int:
    return client.get("/api/v1/jobs", headers=headers).json()["total"]


def test_bulk_stores_every_item_and_returns_ids_in_input_order(client, admin):
    employer = create_employer(client, admin)
    other = create_employer(client, admin, region_code=ZICHUAN)
    items = [job_payload(employer_id=employer["id"]) for _ in range(4)]
    items.insert(2, job_payload(employer_id=other["id"], region_code=ZICHUAN, lat=36.6, lon=117.9))
    r = client.post(BULK, json={"items": items}, headers=admin)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["count"] == 5 and len(body["ids"]) == 5
    stored = [client.get(f"/api/v1/jobs/{i}", headers=admin).json() for i in body["ids"]]
    assert [(j["title"], j["employer_id"]) for j in stored] == [(i["title"], i["employer_id"]) for i in items]
    assert stored[0]["lat"] == 30.682203 and stored[0]["lon"] == 103.856646  # 温江区 centroid, as single create
    assert (stored[2]["lat"], stored[2]["lon"]) == (36.6, 117.9)
    assert all(j["status"] == "open" and j["employer_name"] for j in stored)
    assert _count(client, admin) == 5


def test_a_full_batch_of_1000_is_accepted_and_1001_is_not(client, admin):
    employer = create_employer(client, admin)
    items = [job_payload(employer_id=employer["id"]) for _ in range(1001)]
    r = client.post(BULK, json={"items": items}, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "items" and r.json()["code"] == "too_long" and "1000" in r.json()["detail"]
    assert _count(client, admin) == 0
    r = client.post(BULK, json={"items": items[:1000]}, headers=admin)
    assert r.status_code == 201, r.text
    ids = r.json()["ids"]
    assert r.json()["count"] == 1000 and len(set(ids)) == 1000 and _count(client, admin) == 1000
    last = client.get(f"/api/v1/jobs/{ids[-1]}", headers=admin).json()
    assert last["title"] == items[999]["title"]


def test_an_empty_batch_is_422(client, admin):
    r = client.post(BULK, json={"items": []}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "items" and r.json()["code"] == "too_short"


def test_an_invalid_item_in_the_middle_names_item_and_field_and_stores_nothing(client, admin):
    employer = create_employer(client, admin)
    create_job(client, admin, employer_id=employer["id"])
    items = [job_payload(employer_id=employer["id"]) for _ in range(5)]
    items[2]["salary_min"] = 9000  # above salary_max: a cross-field rule
    items[3]["headcount"] = 0
    r = client.post(BULK, json={"items": items}, headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_error" and body["field"] == "items.2.salary_min"
    assert body["code"] == "salary_range" and body["detail"].startswith("items.2.salary_min：最低月薪")
    assert [e["field"] for e in body["errors"]] == ["items.2.salary_min", "items.3.headcount"]
    assert _count(client, admin) == 1


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_unknown_or_out_of_region_employer_is_422_naming_the_item(client, admin, keys, role):
    mine = create_employer(client, admin)
    elsewhere = create_employer(client, admin, region_code=ZICHUAN)
    headers = admin if role == "admin" else keys.headers("officer", region="5101")
    items = [job_payload(employer_id=mine["id"]) for _ in range(3)]
    items[1]["employer_id"] = 424242 if role == "admin" else elsewhere["id"]
    r = client.post(BULK, json={"items": items}, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "items.1.employer_id" and r.json()["code"] == "unknown_employer"
    assert _count(client, admin) == 0


def test_officer_cannot_post_outside_their_region_but_can_inside(client, admin, keys):
    officer = keys.headers("officer", region="5101")
    employer = create_employer(client, admin, region_code=WENJIANG)
    items = [job_payload(employer_id=employer["id"]) for _ in range(3)]
    items[2]["region_code"] = ZICHUAN
    r = client.post(BULK, json={"items": items}, headers=officer)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == "items.2.region_code" and body["code"] == "region_out_of_scope"
    assert _count(client, admin) == 0
    r = client.post(BULK, json={"items": items[:2]}, headers=officer)
    assert r.status_code == 201 and r.json()["count"] == 2


def test_invalid_items_outrank_duplicates_and_every_problem_is_listed(client, admin):
    employer = create_employer(client, admin)
    stored = create_job(client, admin, employer_id=employer["id"])
    items = [job_payload(employer_id=employer["id"], title=stored["title"], description=stored["description"]),
             job_payload(employer_id=424242)]
    r = client.post(BULK, json={"items": items}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "items.1.employer_id"
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("items.0.title", "duplicate_job"), ("items.1.employer_id", "unknown_employer")]


def test_duplicate_of_a_stored_posting_is_409_naming_the_item(client, admin):
    employer = create_employer(client, admin)
    create_job(client, admin, employer_id=employer["id"], title="普工", description="流水线 装配")
    items = [job_payload(employer_id=employer["id"]) for _ in range(3)]
    items[1] |= {"title": "普工", "description": "流水线  装配", "salary_min": 3000, "salary_max": 4000}  # same text
    r = client.post(BULK, json={"items": items}, headers=admin)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "duplicate_job" and body["field"] == "items.1.title"
    assert [e["field"] for e in body["errors"]] == ["items.1.title"]
    assert _count(client, admin) == 1


def test_duplicate_within_the_batch_is_409_naming_the_repeat(client, admin):
    employer = create_employer(client, admin)
    other = create_employer(client, admin)
    first = job_payload(employer_id=employer["id"], title="仓库理货员", description="清点入库货物")
    items = [first, job_payload(employer_id=employer["id"]), first | {"headcount": 9},
             first | {"employer_id": other["id"]}]  # the same posting by another employer is no duplicate
    r = client.post(BULK, json={"items": items}, headers=admin)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["field"] == "items.2.title" and body["code"] == "duplicate_job"
    assert body["errors"] == [{"field": "items.2.title", "code": "duplicate_job", "duplicate_of": 0,
                               "message": "与 items.0 的用人单位、标题和描述相同"}]
    assert _count(client, admin) == 0
    r = client.post(BULK, json={"items": [items[0], items[1], items[3]]}, headers=admin)
    assert r.status_code == 201 and _count(client, admin) == 3


def test_kiosk_may_not_bulk_create_and_app_may(client, admin, keys):
    employer = create_employer(client, admin)
    items = [job_payload(employer_id=employer["id"]) for _ in range(2)]
    r = client.post(BULK, json={"items": items}, headers=keys.headers("kiosk"))
    assert r.status_code == 403 and r.json()["error"] == "forbidden_role"
    assert _count(client, admin) == 0
    r = client.post(BULK, json={"items": items}, headers=keys.headers("app"))
    assert r.status_code == 201 and r.json()["count"] == 2


def test_the_limit_is_in_the_openapi_summary_and_schema(client):
    spec = client.get("/openapi.json").json()
    summary = spec["paths"]["/api/v1/jobs/bulk"]["post"]["summary"]
    assert summary.startswith("批量发布岗位") and "1000" in summary
    items = spec["components"]["schemas"]["JobBulkCreate"]["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (1, 1000)


def test_bulk_created_postings_are_matchable(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    items = [job_payload(employer_id=employer["id"], title=title, skills=skills, description=desc,
                         occupation_code=None, salary_min=4000, salary_max=6000)
             for title, skills, desc in [("叉车司机", ["叉车"], "仓库货物装卸搬运，持叉车证"),
                                         ("家政保洁员", ["保洁"], "负责客户家庭日常清洁、收纳整理"),
                                         ("养老护理员", ["护理"], "照护养老院老人的生活起居")]]
    r = mclient.post(BULK, json={"items": items}, headers=admin)
    assert r.status_code == 201, r.text
    ids = r.json()["ids"]
    for text, expected in [("开过铲车叉车", ids[0]), ("以前在小区和别人家里打扫卫生，擦窗户拖地都会", ids[1]), ("护工，照顾老人", ids[2])]:
        found = mclient.post("/api/v1/matches/jobs", json={"text": text, "k": 3, "scope": "anywhere"}, headers=admin)
        assert found.status_code == 200, found.text
        assert [i["id"] for i in found.json()["items"]][0] == expected, (text, found.json()["items"])
    assert all(mclient.get(f"/api/v1/jobs/{i}", headers=admin).json()["occupation_code"] for i in ids)


# --- rengang import jobs -----------------------------------------------------------------------


@pytest.fixture()
def fresh(tmp_path, monkeypatch):
    """A fresh SQLite database under a temporary var dir, with one employer; yields its id."""
    from matching.enums import Role
    from service.schemas import EmployerCreate
    from service.security import PiiCipher, Principal
    from service.usecases import employers
    from service.usecases.common import Context

    monkeypatch.setenv("RENGANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("RENGANG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    db.upgrade(settings.resolved_database_url)
    with _session() as session:
        ctx = Context(session=session, principal=Principal(key_id="test", role=Role.admin),
                      cipher=PiiCipher(settings.secret()))
        employer_id = employers.create(ctx, data=EmployerCreate(**employer_payload())).id
    yield employer_id
    get_settings.cache_clear()


def _session():
    return db.make_session_factory(db.make_engine(get_settings().resolved_database_url))()


def _stored_titles() -> list[str]:
    with _session() as session:
        return list(session.scalars(select(JobPosting.title).order_by(JobPosting.id)))


def _jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_import_jobs_from_json_lines_into_a_fresh_database(fresh, tmp_path):
    records = [job_payload(employer_id=fresh) for _ in range(7)]
    path = tmp_path / "jobs.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records[:3]) + "\n\n"
                    + "\n".join(json.dumps(r, ensure_ascii=False) for r in records[3:]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "jobs", str(path), "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert "已导入 7 个岗位" in result.output
    assert _stored_titles() == [r["title"] for r in records]


def test_import_stops_at_the_first_invalid_line_after_committing_what_precedes_it(fresh, tmp_path):
    records = [job_payload(employer_id=fresh) for _ in range(8)]
    records[5]["salary_min"] = 9000
    path = _jsonl(tmp_path / "jobs.jsonl", records)
    result = CliRunner().invoke(cli, ["import", "jobs", path, "--batch-size", "3"])
    assert result.exit_code == 1, result.output
    assert "第 6 行 salary_min：最低月薪不能高于最高月薪" in result.output
    assert "已导入 5 个岗位" in result.output
    assert _stored_titles() == [r["title"] for r in records[:5]]


def test_import_names_the_line_of_a_database_check(fresh, tmp_path):
    records = [job_payload(employer_id=fresh) for _ in range(4)]
    records.insert(3, dict(records[1]))  # line 4 repeats line 2
    path = _jsonl(tmp_path / "jobs.jsonl", records)
    result = CliRunner().invoke(cli, ["import", "jobs", path])
    assert result.exit_code == 1, result.output
    assert "第 4 行 title：与第 2 行的用人单位、标题和描述相同" in result.output
    assert _stored_titles() == [r["title"] for r in records[:3]]
    unknown = _jsonl(tmp_path / "unknown.jsonl", [job_payload(employer_id=fresh + 99)])
    result = CliRunner().invoke(cli, ["import", "jobs", unknown])
    assert result.exit_code == 1 and "第 1 行 employer_id：用人单位不存在或无权访问" in result.output


def test_all_or_nothing_checks_the_whole_json_array_first(fresh, tmp_path):
    records = [job_payload(employer_id=fresh) for _ in range(4)]
    records[1]["region_code"] = "999999"
    records[3]["employer_id"] = fresh + 99
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [n for n, line in enumerate(lines, start=1) if line == "  {"]
    result = CliRunner().invoke(cli, ["import", "jobs", str(path), "--all-or-nothing"])
    assert result.exit_code == 1, result.output
    assert f"第 {starts[1]} 行 region_code：" in result.output
    assert "未导入任何岗位" in result.output and _stored_titles() == []
    records[1]["region_code"] = WENJIANG  # the database checks come once every record is valid
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "jobs", str(path), "--all-or-nothing"])
    assert result.exit_code == 1 and f"第 {starts[3]} 行 employer_id：" in result.output
    assert _stored_titles() == []
    records[3]["employer_id"] = fresh
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "jobs", str(path), "--all-or-nothing"])
    assert result.exit_code == 0 and "已导入 4 个岗位" in result.output
    assert _stored_titles() == [r["title"] for r in records]


def test_a_broken_line_is_reported_with_its_number(fresh, tmp_path):
    good = job_payload(employer_id=fresh)
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n" + '{"title": "叉车司机",\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "jobs", str(path)])
    assert result.exit_code == 1 and "第 2 行：不是有效的 JSON" in result.output
    assert _stored_titles() == [good["title"]]
