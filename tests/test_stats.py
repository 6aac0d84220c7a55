"""Statistics come from what was recorded: hires, registrations, contacts, households, exposures."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from tests.casework_helpers import contact, flagged_seeker, hire, open_job, person, register

TODAY = date.today()
PERIOD = {"start": (TODAY - timedelta(days=30)).isoformat(), "end": TODAY.isoformat()}


@pytest.fixture()
def officer(keys):
    return keys.headers("officer", region="5101")


def _stats(client, headers, **params):
    r = client.get("/api/v1/stats", params=PERIOD | params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_empty_region_has_no_rates(client, officer):
    st = _stats(client, officer)
    assert st["new_employment"] == 0 and st["registered_unemployed"] == 0
    assert st["graduates"]["rate"] is None and st["graduates"]["met"] is None and st["graduates"]["target"] == 0.9
    assert st["region"] == "5101"  # an officer's figures stay in their region


def test_figures_follow_recorded_hires_contacts_and_households(client, officer):
    grad = flagged_seeker(client, officer, "graduate", graduation_date=date(TODAY.year, 1, 1).isoformat(),
                          birth_date="2002-03-01")
    register(client, officer, grad["id"], TODAY - timedelta(days=10))
    hard = flagged_seeker(client, officer, "hard_to_employ")
    register(client, officer, hard["id"], TODAY - timedelta(days=20))
    plain = person(client, officer)
    register(client, officer, plain["id"], TODAY - timedelta(days=5))
    contact(client, officer, hard["id"])
    household = client.post("/api/v1/households", json={"region_code": "510115", "label": "乙家",
                                                        "member_ids": [hard["id"]]}, headers=officer).json()
    before = _stats(client, officer)
    assert before["registered_unemployed"] == 3 and before["seekers_due"] == 3 and before["seekers_contacted"] == 1
    assert before["households_open"] == 1 and before["households_cleared"] == 0
    assert before["graduates"] == {"cohort": 1, "employed": 0, "rate": 0.0, "target": 0.9, "met": False}

    hire(client, officer, grad["id"], open_job(client, officer)["id"])
    hire(client, officer, hard["id"], open_job(client, officer)["id"])
    after = _stats(client, officer)
    assert after["new_employment"] == 2 and after["hires_via_referral"] == 2
    assert after["registered_unemployed"] == 1
    assert after["graduates"]["rate"] == 1.0 and after["graduates"]["met"] is True
    assert after["hard_to_employ"]["employed"] == 1
    assert after["households_open"] == 0 and after["households_cleared"] == 1
    assert after["avg_days_to_placement"] == 15.0  # (10 + 20) / 2
    groups = {g["group"]: g for g in after["placement_by_group"]}
    assert groups["graduate"] == groups["graduate"] | {"registered": 1, "placed": 1, "rate": 1.0}
    assert household["id"]


def test_officers_cannot_read_another_region(client, officer, admin):
    r = client.get("/api/v1/stats", params=PERIOD | {"region": "3703"}, headers=officer)
    assert r.status_code == 422 and r.json()["code"] == "region_out_of_scope"
    assert client.get("/api/v1/stats", params=PERIOD | {"region": "3703"}, headers=admin).status_code == 200
    bad = client.get("/api/v1/stats", params={"start": PERIOD["end"], "end": PERIOD["start"]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "end"


def test_csv_export(client, officer):
    seeker = person(client, officer)
    register(client, officer, seeker["id"], TODAY - timedelta(days=3))
    r = client.get("/api/v1/stats.csv", params=PERIOD, headers=officer)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0] == ["指标", "分组", "数值"]
    assert ["期末登记失业人数", "", "1"] in rows


def test_exposure_share_counts_logged_candidate_lists(client, app, officer):
    from service.models import Seeker
    from service.security import Principal
    from service.casework import usecases as casework
    from service.usecases.common import Context
    from matching.enums import Role

    grad = flagged_seeker(client, officer, "graduate")
    other = person(client, officer)
    job = open_job(client, officer)
    with app.state.session_factory() as session:
        ctx = Context(session=session, principal=Principal(key_id="t", role=Role.admin), cipher=app.state.cipher)
        ranked = [session.get(Seeker, grad["id"]), session.get(Seeker, other["id"])]
        with ctx.transaction():
            casework.record_exposures(ctx, job_id=job["id"], region_code="510115", ranked_seekers=ranked)
    st = _stats(client, officer)
    shares = {e["group"]: e for e in st["exposure"]}
    assert st["exposure_lists"] == 1
    assert shares["graduate"]["appearances"] == 1 and shares["graduate"]["share"] == 0.5
    assert shares["hard_to_employ"]["appearances"] == 0
