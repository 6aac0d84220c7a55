"""The referral pipeline: recommended → applied → interviewing → hired / rejected / withdrawn."""

from __future__ import annotations

import pytest

from tests.factories import create_employer, create_job, create_seeker


@pytest.fixture()
def pair(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"], headcount=1)
    seeker = create_seeker(client, admin)
    return seeker, job


def _refer(client, headers, seeker, job):
    r = client.post("/api/v1/referrals", json={"seeker_id": seeker["id"], "job_id": job["id"]}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _move(client, headers, referral, status, reason=None):
    body = {"status": status} | ({"reason": reason} if reason else {})
    return client.post(f"/api/v1/referrals/{referral['id']}/transition", json=body, headers=headers)


def test_no_hire_straight_from_recommended(client, admin, pair):
    referral = _refer(client, admin, *pair)
    r = _move(client, admin, referral, "hired")
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition" and r.json()["field"] == "status"
    assert client.get(f"/api/v1/referrals/{referral['id']}", headers=admin).json()["status"] == "recommended"


def test_full_pipeline_fills_the_post(client, admin, keys, pair):
    seeker, job = pair
    officer = keys.headers("officer", region="5101")
    referral = _refer(client, officer, seeker, job)
    assert referral["channel"] == "officer"
    for status in ("applied", "interviewing", "hired"):
        r = _move(client, officer, referral, status)
        assert r.status_code == 200, r.text
    done = r.json()
    assert [h["status"] for h in done["history"]] == ["recommended", "applied", "interviewing", "hired"]
    assert done["applied_at"] and done["interviewing_at"] and done["closed_at"]
    posting = client.get(f"/api/v1/jobs/{job['id']}", headers=admin).json()
    assert posting["hired_count"] == 1 and posting["status"] == "filled"
    assert _move(client, officer, referral, "withdrawn").status_code == 422  # terminal


def test_rejection_needs_a_reason(client, admin, pair):
    referral = _refer(client, admin, *pair)
    _move(client, admin, referral, "applied")
    r = _move(client, admin, referral, "rejected")
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = _move(client, admin, referral, "rejected", reason="技能不符：无叉车证")
    assert r.status_code == 200 and r.json()["refusal_reason"] == "技能不符：无叉车证"


def test_referral_to_closed_job_or_twice_is_refused(client, admin, pair):
    seeker, job = pair
    _refer(client, admin, seeker, job)
    r = client.post("/api/v1/referrals", json={"seeker_id": seeker["id"], "job_id": job["id"]}, headers=admin)
    assert r.status_code == 409
    other = create_seeker(client, admin)
    client.patch(f"/api/v1/jobs/{job['id']}", json={"status": "closed"}, headers=admin)
    r = client.post("/api/v1/referrals", json={"seeker_id": other["id"], "job_id": job["id"]}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "job_id"


def test_transitions_are_audited(client, admin, pair):
    referral = _refer(client, admin, *pair)
    _move(client, admin, referral, "applied")
    audit = client.get("/api/v1/audit", params={"record_type": "referral", "record_id": referral["id"]},
                       headers=admin).json()
    actions = sorted(e["action"] for e in audit["items"])
    assert actions == ["referral.create", "referral.transition"]
