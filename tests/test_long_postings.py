"""Real postings are long: a description or requirements of up to 20,000 characters is accepted on every path that
writes a posting (create, update, bulk), and one character more is refused with a 422 that names the field."""

from __future__ import annotations

import pytest

from service.schemas import MAX_POSTING_TEXT
from tests.factories import create_employer, create_job, job_payload


def long_jd(length: int) -> str:
    """A JD of exactly ``length`` characters shaped like real ones: company introduction, then numbered duties."""
    intro = "公司简介：本公司成立于2008年，总部位于成都，是一家集研发、生产、销售于一体的国家高新技术企业。"
    duty = "负责仓库第{n}区货物的装卸、搬运、码放和盘点，按单据核对数量，保持通道整洁。"
    text = intro + "\n岗位职责：\n"
    n = 1
    while len(text) < length:
        text += f"{n}. " + duty.format(n=n) + "\n"
        n += 1
    text = text[:length]
    return text[:-1] + "。" if text[-1].isspace() else text  # stored text is stripped at its ends


def test_a_19000_character_description_is_accepted_and_kept_whole(client, admin):
    employer = create_employer(client, admin)
    jd = long_jd(19_000)
    job = create_job(client, admin, employer_id=employer["id"], description=jd, requirements=long_jd(19_000))
    stored = client.get(f"/api/v1/jobs/{job['id']}", headers=admin).json()
    assert stored["description"] == jd and len(stored["requirements"]) == 19_000


@pytest.mark.parametrize("field", ["description", "requirements"])
def test_one_character_past_the_limit_is_refused_naming_the_field(client, admin, field):
    employer = create_employer(client, admin)
    payload = job_payload(employer_id=employer["id"], **{field: long_jd(MAX_POSTING_TEXT + 1)})
    r = client.post("/api/v1/jobs", json=payload, headers=admin)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field and body["code"] == "string_too_long"
    assert "20000" in body["detail"]
    assert client.get("/api/v1/jobs", headers=admin).json()["total"] == 0


def test_update_accepts_a_long_description_and_refuses_a_longer_one(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    r = client.patch(f"/api/v1/jobs/{job['id']}", json={"description": long_jd(MAX_POSTING_TEXT)}, headers=admin)
    assert r.status_code == 200, r.text
    assert len(r.json()["description"]) == MAX_POSTING_TEXT
    r = client.patch(f"/api/v1/jobs/{job['id']}", json={"requirements": long_jd(MAX_POSTING_TEXT + 1)}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "requirements"


def test_bulk_import_takes_long_descriptions_and_names_the_item_that_is_too_long(client, admin):
    employer = create_employer(client, admin)
    items = [job_payload(employer_id=employer["id"], description=long_jd(19_000 - n)) for n in range(3)]
    r = client.post("/api/v1/jobs/bulk", json={"items": items}, headers=admin)
    assert r.status_code == 201, r.text
    items = [job_payload(employer_id=employer["id"]), job_payload(employer_id=employer["id"],
                                                                  description=long_jd(MAX_POSTING_TEXT + 1))]
    r = client.post("/api/v1/jobs/bulk", json={"items": items}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "items.1.description", r.text
