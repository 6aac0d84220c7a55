"""岗位审核 on posting writes: POST /jobs, PATCH /jobs/{id} and POST /jobs/bulk return the findings; a `block`
finding refuses a new posting only where the deployment turns that on."""

from __future__ import annotations

from tests.factories import create_employer, job_payload

DISCRIMINATORY = "负责仓库货物装卸和搬运，限男性，本地户口，入职交押金200元。"


def rules_of(findings) -> set[str]:
    return {f["rule"] for f in findings}


def test_a_new_posting_comes_back_with_its_findings_and_their_spans(client, admin):
    employer = create_employer(client, admin)
    r = client.post("/api/v1/jobs", json=job_payload(employer_id=employer["id"], description=DISCRIMINATORY),
                    headers=admin)
    assert r.status_code == 201, r.text  # nothing is refused yet: the review lifecycle is a later step
    body = r.json()
    assert {"gender", "origin", "fees"} <= rules_of(body["compliance"])
    gender = next(f for f in body["compliance"] if f["rule"] == "gender")
    assert gender["severity"] == "block" and gender["title"] == "性别限制"
    span = gender["spans"][0]
    assert span["field"] == "description" and DISCRIMINATORY[span["start"]:span["end"]] == span["text"] == "限男性"
    assert any(b["article"] == "第二十七条" for b in gender["basis"])
    assert [f["severity"] for f in body["compliance"]][0] == "block"


def test_a_clean_posting_has_no_findings_and_the_read_routes_carry_none(client, admin):
    employer = create_employer(client, admin)
    r = client.post("/api/v1/jobs", json=job_payload(employer_id=employer["id"], address="温江区海峡科技园3栋"),
                    headers=admin)
    assert r.status_code == 201 and r.json()["compliance"] == [], r.text
    assert client.get(f"/api/v1/jobs/{r.json()['id']}", headers=admin).json()["compliance"] == []
    listed = client.get("/api/v1/jobs", headers=admin).json()["items"]
    assert listed and "compliance" not in listed[0]  # JobOut, as lists and matches show postings, is unchanged


def test_a_patch_is_checked_again_on_what_the_posting_now_says(client, admin):
    employer = create_employer(client, admin)
    job = client.post("/api/v1/jobs", json=job_payload(employer_id=employer["id"], address="温江区海峡科技园3栋"),
                      headers=admin).json()
    r = client.patch(f"/api/v1/jobs/{job['id']}", json={"requirements": "35岁以下，乙肝勿扰。"}, headers=admin)
    assert r.status_code == 200, r.text
    found = {f["rule"]: f for f in r.json()["compliance"]}
    assert set(found) == {"age", "hepatitis_b"}
    assert found["age"]["severity"] == "review" and found["age"]["spans"][0]["field"] == "requirements"
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=admin).json()["compliance"] == r.json()["compliance"]
    r = client.patch(f"/api/v1/jobs/{job['id']}", json={"requirements": "持有叉车证。"}, headers=admin)
    assert r.json()["compliance"] == []


def test_near_duplicates_of_open_postings_are_found_for_the_same_employer_and_others(client, admin):
    a = create_employer(client, admin)
    b = create_employer(client, admin)
    same = {"title": "仓库叉车司机", "address": "温江区海峡科技园3栋",
            "description": "负责仓库货物装卸、搬运和码放，服从班组长安排，做六休一，包吃住，月薪5000-7000元。"}
    first = client.post("/api/v1/jobs", json=job_payload(employer_id=a["id"], **same), headers=admin).json()
    assert first["compliance"] == []
    again = client.post("/api/v1/jobs", json=job_payload(employer_id=a["id"], **{
        **same, "description": same["description"].replace("包吃住", "包住")}), headers=admin).json()
    [dup] = [f for f in again["compliance"] if f["rule"] == "near_duplicate"]
    assert dup["severity"] == "review" and dup["related_ids"] == [first["id"]]
    other = client.post("/api/v1/jobs", json=job_payload(employer_id=b["id"], **same), headers=admin).json()
    assert {(f["severity"], tuple(f["related_ids"])) for f in other["compliance"]} == {
        ("note", tuple(sorted([first["id"], again["id"]])))}


def test_bulk_create_returns_each_items_findings_in_order(client, admin):
    employer = create_employer(client, admin)
    items = [job_payload(employer_id=employer["id"], address="温江区海峡科技园3栋"),
             job_payload(employer_id=employer["id"], address="温江区海峡科技园3栋", description=DISCRIMINATORY)]
    r = client.post("/api/v1/jobs/bulk", json={"items": items}, headers=admin)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["count"] == 2 and len(body["compliance"]) == 2
    assert body["compliance"][0] == [] and {"gender", "origin", "fees"} <= rules_of(body["compliance"][1])


def test_with_the_setting_on_a_block_finding_refuses_the_posting_naming_field_and_rule(client, admin, app):
    employer = create_employer(client, admin)
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"compliance_refuse_block": True})
    try:
        _refused_when_blocking(client, admin, employer)
    finally:
        app.state.settings = settings


def _refused_when_blocking(client, admin, employer):
    r = client.post("/api/v1/jobs", json=job_payload(employer_id=employer["id"], description=DISCRIMINATORY),
                    headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "compliance_gender" and body["field"] == "description" and "限男性" in body["detail"]
    assert {"gender", "origin", "fees"} <= rules_of(body["compliance"])
    assert client.get("/api/v1/jobs", headers=admin).json()["total"] == 0  # nothing written
    # a finding for review does not refuse
    r = client.post("/api/v1/jobs", json=job_payload(employer_id=employer["id"], requirements="35岁以下。"),
                    headers=admin)
    assert r.status_code == 201 and "age" in rules_of(r.json()["compliance"])


def test_a_near_duplicate_outside_the_readers_region_is_not_named(client, admin, keys):
    employer = create_employer(client, admin)
    same = {"title": "仓库叉车司机", "address": "海峡科技园3栋",
            "description": "负责仓库货物装卸、搬运和码放，服从班组长安排，做六休一，包吃住，月薪5000-7000元。"}
    far = client.post("/api/v1/jobs", json=job_payload(employer_id=employer["id"], region_code="500111", **same),
                      headers=admin).json()
    officer = keys.headers("officer", region="5101")
    near = client.post("/api/v1/jobs", json=job_payload(employer_id=employer["id"], **{
        **same, "description": same["description"].replace("包吃住", "包住")}), headers=officer)
    assert near.status_code == 201, near.text
    assert "near_duplicate" not in rules_of(near.json()["compliance"])
    seen_by_admin = client.get(f"/api/v1/jobs/{near.json()['id']}", headers=admin).json()["compliance"]
    assert [f["related_ids"] for f in seen_by_admin if f["rule"] == "near_duplicate"] == [[far["id"]]]
