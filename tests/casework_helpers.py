"""Small steps the casework and statistics tests share: each one call through the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.factories import create_employer, create_job, create_seeker


def person(client, headers, **overrides) -> dict[str, Any]:
    """A seeker without an ID number: casework tests create many, and random numbers may collide."""
    return create_seeker(client, headers, **({"id_number": None} | overrides))


def flagged_seeker(client, headers, *kinds: str, **overrides) -> dict[str, Any]:
    """A seeker with verified policy flags."""
    seeker = person(client, headers, flags=[{"kind": k} for k in kinds], **overrides)
    for flag in seeker["flags"]:
        r = client.post(f"/api/v1/flags/{flag['id']}/verify", json={"evidence_note": "核验"}, headers=headers)
        assert r.status_code == 200, r.text
    return seeker


def register(client, headers, seeker_id: int, started_on: date | None = None) -> dict[str, Any]:
    body = {"started_on": started_on.isoformat()} if started_on else {}
    r = client.post(f"/api/v1/seekers/{seeker_id}/unemployment", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def contact(client, headers, seeker_id: int, **overrides) -> dict[str, Any]:
    body = {"channel": "phone", "services": ["job_introduction"], "notes": "电话联系"} | overrides
    r = client.post(f"/api/v1/seekers/{seeker_id}/contacts", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def open_job(client, headers, **overrides) -> dict[str, Any]:
    employer = create_employer(client, headers)
    return create_job(client, headers, employer_id=employer["id"], **overrides)


def hire(client, headers, seeker_id: int, job_id: int) -> dict[str, Any]:
    r = client.post("/api/v1/referrals", json={"seeker_id": seeker_id, "job_id": job_id}, headers=headers)
    assert r.status_code == 201, r.text
    referral = r.json()
    for status in ("applied", "hired"):
        r = client.post(f"/api/v1/referrals/{referral['id']}/transition", json={"status": status}, headers=headers)
        assert r.status_code == 200, r.text
    return r.json()
