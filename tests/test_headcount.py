"""A posting's headcount (招聘人数) holds: no hire beyond it, one after another or all at once."""

from __future__ import annotations

import itertools
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from urllib.parse import unquote

import pytest

from tests.factories import create_employer, create_job, create_seeker, id_number

RACERS = 10
_birthdays = (date(1980, 1, 1) + timedelta(days=n) for n in itertools.count())  # distinct ID numbers


def _refer(client, headers, *, job, status="applied"):
    seeker = create_seeker(client, headers, id_number=id_number(birth=next(_birthdays)))
    r = client.post("/api/v1/referrals", json={"seeker_id": seeker["id"], "job_id": job["id"]}, headers=headers)
    assert r.status_code == 201, r.text
    referral = r.json()
    if status == "applied":
        assert _move(client, headers, referral, "applied").status_code == 200
    return referral


def _move(client, headers, referral, status):
    return client.post(f"/api/v1/referrals/{referral['id']}/transition", json={"status": status}, headers=headers)


def _job(client, headers, **overrides):
    employer = create_employer(client, headers)
    return create_job(client, headers, employer_id=employer["id"], **overrides)


def _posting(client, headers, job):
    return client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()


def _status(client, headers, referral):
    return client.get(f"/api/v1/referrals/{referral['id']}", headers=headers).json()["status"]


def _all_at_once(calls):
    """Runs the calls from as many threads, released together."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_a_hire_beyond_the_headcount_is_refused_and_changes_nothing(client, admin):
    job = _job(client, admin, headcount=1)
    first, second = _refer(client, admin, job=job), _refer(client, admin, job=job)
    assert _move(client, admin, first, "hired").status_code == 200

    r = _move(client, admin, second, "hired")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "headcount_filled"
    assert body["detail"] == "该岗位招聘人数已满（招1人，已录用1人）"
    assert _status(client, admin, second) == "applied"
    posting = _posting(client, admin, job)
    assert posting["hired_count"] == 1 and posting["status"] == "filled"
    audit = client.get("/api/v1/audit", params={"record_type": "referral", "record_id": second["id"]},
                       headers=admin).json()
    assert sorted(e["action"] for e in audit["items"]) == ["referral.create", "referral.transition"]  # applied only


def test_a_refused_hire_can_still_be_closed_otherwise(client, admin):
    job = _job(client, admin, headcount=1)
    first, second = _refer(client, admin, job=job), _refer(client, admin, job=job)
    _move(client, admin, first, "hired")
    assert _move(client, admin, second, "hired").status_code == 409
    assert _move(client, admin, second, "rejected").status_code == 422  # needs a reason, as before
    r = client.post(f"/api/v1/referrals/{second['id']}/transition",
                    json={"status": "rejected", "reason": "岗位已招满"}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_simultaneous_hires_take_exactly_the_places_there_are(client, admin):
    job = _job(client, admin, headcount=1)
    referrals = [_refer(client, admin, job=job) for _ in range(RACERS)]

    responses = _all_at_once([lambda r=r: _move(client, admin, r, "hired") for r in referrals])

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (RACERS - 1), [r.text for r in responses if r.status_code not in (200, 409)]
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"headcount_filled"}
    posting = _posting(client, admin, job)
    assert posting["hired_count"] == 1 and posting["status"] == "filled"
    statuses = sorted(_status(client, admin, r) for r in referrals)
    assert statuses == ["applied"] * (RACERS - 1) + ["hired"]


def test_simultaneous_hires_on_a_larger_headcount_fill_it_exactly(client, admin):
    job = _job(client, admin, headcount=3)
    referrals = [_refer(client, admin, job=job) for _ in range(RACERS)]

    responses = _all_at_once([lambda r=r: _move(client, admin, r, "hired") for r in referrals])

    assert sorted(r.status_code for r in responses) == [200] * 3 + [409] * (RACERS - 3)
    posting = _posting(client, admin, job)
    assert posting["hired_count"] == 3 and posting["status"] == "filled"


def test_one_referral_hired_twice_at_once_counts_once(client, admin):
    job = _job(client, admin, headcount=5)
    referral = _refer(client, admin, job=job)

    responses = _all_at_once([lambda: _move(client, admin, referral, "hired") for _ in range(4)])

    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1 and set(codes) <= {200, 409, 422}, codes
    assert _posting(client, admin, job)["hired_count"] == 1
    history = client.get(f"/api/v1/referrals/{referral['id']}", headers=admin).json()["history"]
    assert [h["status"] for h in history] == ["recommended", "applied", "hired"]


def test_the_headcount_cannot_be_lowered_below_those_hired(client, admin):
    job = _job(client, admin, headcount=3)
    for referral in [_refer(client, admin, job=job) for _ in range(2)]:
        assert _move(client, admin, referral, "hired").status_code == 200

    r = client.patch(f"/api/v1/jobs/{job['id']}", json={"headcount": 1}, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "headcount" and r.json()["code"] == "headcount_below_hired"
    assert "已录用2人" in r.json()["detail"]
    assert _posting(client, admin, job)["headcount"] == 3

    r = client.patch(f"/api/v1/jobs/{job['id']}", json={"headcount": 2}, headers=admin)
    assert r.status_code == 200 and r.json()["headcount"] == 2


@pytest.fixture()
def console(client, keys):
    headers = keys.headers("officer", region="5101")
    client.cookies.clear()
    client.headers["Origin"] = str(client.base_url).rstrip("/")  # as a browser posts from the console's pages
    token = headers["Authorization"].removeprefix("Bearer ")
    assert client.post("/console/login", data={"key": token}, follow_redirects=False).status_code == 303
    yield headers
    client.headers.pop("Origin", None)
    client.cookies.clear()


def test_the_console_shows_why_a_hire_is_refused(client, console):
    job = _job(client, console, headcount=1)
    first, second = _refer(client, console, job=job), _refer(client, console, job=job)
    _move(client, console, first, "hired")
    page = client.get(f"/console/seekers/{second['seeker_id']}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    r = client.post(f"/console/referrals/{second['id']}/transition", data={"status": "hired", "csrf": csrf},
                    follow_redirects=False)

    assert r.status_code == 303
    assert "该岗位招聘人数已满（招1人，已录用1人）" in unquote(r.headers["location"])
    assert _status(client, console, second) == "applied"
