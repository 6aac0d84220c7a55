"""The officers' workbench: 失业登记, caseload and monthly follow-up, 就业援助 on a deadline, 零就业家庭."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.casework_helpers import contact, flagged_seeker, hire, open_job, person, register
from tests.factories import ZICHUAN


@pytest.fixture()
def officer(keys):
    return keys.headers("officer", region="5101")


def _caseload(client, headers, **params):
    r = client.get("/api/v1/caseload", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


# --- 失业登记 ---------------------------------------------------------------------------------


def test_registration_opens_once_and_ends_with_a_reason(client, officer):
    seeker = person(client, officer)
    spell = register(client, officer, seeker["id"], date.today() - timedelta(days=10))
    assert spell["ended_on"] is None
    again = client.post(f"/api/v1/seekers/{seeker['id']}/unemployment", json={}, headers=officer)
    assert again.status_code == 409 and again.json()["error"] == "already_registered"

    no_note = client.post(f"/api/v1/seekers/{seeker['id']}/unemployment/end", json={"reason": "other"}, headers=officer)
    assert no_note.status_code == 422 and no_note.json()["field"] == "note"
    by_hand = client.post(f"/api/v1/seekers/{seeker['id']}/unemployment/end", json={"reason": "hired"},
                          headers=officer)
    assert by_hand.status_code == 422 and by_hand.json()["code"] == "reason_reserved"

    r = client.post(f"/api/v1/seekers/{seeker['id']}/unemployment/end", json={"reason": "moved", "note": "迁往外省"},
                    headers=officer)
    assert r.status_code == 200 and r.json()["end_reason"] == "moved"
    assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=officer).json()["unemployment_registered_at"] is None
    assert _caseload(client, officer)["total"] == 0


def test_a_hire_through_a_referral_ends_the_registration(client, officer):
    seeker = person(client, officer)
    register(client, officer, seeker["id"], date.today() - timedelta(days=40))
    job = open_job(client, officer)
    referral = hire(client, officer, seeker["id"], job["id"])
    [spell] = client.get(f"/api/v1/seekers/{seeker['id']}/unemployment", headers=officer).json()
    assert spell["end_reason"] == "hired" and spell["hire_referral_id"] == referral["id"]
    assert spell["ended_on"] is not None
    assert _caseload(client, officer)["total"] == 0


def test_officers_see_and_register_only_their_region(client, officer, admin):
    elsewhere = person(client, admin, region_code=ZICHUAN)
    r = client.post(f"/api/v1/seekers/{elsewhere['id']}/unemployment", json={}, headers=officer)
    assert r.status_code == 404
    register(client, admin, elsewhere["id"])
    assert _caseload(client, officer)["total"] == 0
    assert _caseload(client, admin)["total"] == 1
    assert client.get(f"/api/v1/seekers/{elsewhere['id']}/timeline", headers=officer).status_code == 404


def test_app_keys_have_no_caseload(client, keys):
    assert client.get("/api/v1/caseload", headers=keys.headers("app")).status_code == 403


# --- caseload and contacts ----------------------------------------------------------------------


def test_due_list_holds_everyone_not_contacted_in_the_last_month(client, officer):
    today = date.today()
    fresh = person(client, officer, name="新登记")
    register(client, officer, fresh["id"], today - timedelta(days=3))
    stale = person(client, officer, name="久未联系")
    register(client, officer, stale["id"], today - timedelta(days=120))
    contact(client, officer, stale["id"], contacted_on=(today - timedelta(days=45)).isoformat())
    never = person(client, officer, name="从未联系")
    register(client, officer, never["id"], today - timedelta(days=60))
    recent = person(client, officer, name="本月已联系")
    register(client, officer, recent["id"], today - timedelta(days=200))
    contact(client, officer, recent["id"], contacted_on=(today - timedelta(days=2)).isoformat())

    due = _caseload(client, officer, due="true")
    assert [i["name"] for i in due["items"]] == ["从未联系", "久未联系"]  # never contacted first, then oldest
    stale_row = next(i for i in due["items"] if i["name"] == "久未联系")
    assert stale_row["days_since_contact"] == 45 and stale_row["months_unemployed"] >= 3 and stale_row["due"]

    by_months = _caseload(client, officer, sort="months")
    assert by_months["total"] == 4 and by_months["items"][0]["name"] == "本月已联系"

    contact(client, officer, never["id"], channel="visit", services=["career_guidance", "policy_referral"],
            next_step="下周推荐岗位")
    assert [i["name"] for i in _caseload(client, officer, due="true")["items"]] == ["久未联系"]


def test_priority_sort_puts_assistance_and_policy_groups_first(client, officer):
    plain = person(client, officer, name="普通")
    register(client, officer, plain["id"], date.today() - timedelta(days=90))
    hard = flagged_seeker(client, officer, "hard_to_employ", name="困难")
    register(client, officer, hard["id"], date.today() - timedelta(days=5))
    r = client.post("/api/v1/assistance", json={"seeker_id": hard["id"]}, headers=officer)
    assert r.status_code == 201
    items = _caseload(client, officer, sort="priority")["items"]
    assert items[0]["name"] == "困难" and items[0]["assistance"]["basis"] == "hard_to_employ"
    assert items[0]["flags"] == ["hard_to_employ"]


def test_contact_validation_in_chinese(client, officer):
    seeker = person(client, officer)
    r = client.post(f"/api/v1/seekers/{seeker['id']}/contacts", json={"channel": "fax"}, headers=officer)
    assert r.status_code == 422 and r.json()["field"] == "channel"
    r = client.post(f"/api/v1/seekers/{seeker['id']}/contacts",
                    json={"channel": "phone", "services": ["career_guidance", "career_guidance"]}, headers=officer)
    assert r.status_code == 422 and r.json()["field"] == "services" and "重复" in r.json()["detail"]
    future = (date.today() + timedelta(days=3)).isoformat()
    r = client.post(f"/api/v1/seekers/{seeker['id']}/contacts", json={"channel": "phone", "contacted_on": future},
                    headers=officer)
    assert r.status_code == 422 and r.json()["field"] == "contacted_on"


def test_timeline_shows_contacts_referrals_and_outcomes(client, officer):
    seeker = person(client, officer)
    register(client, officer, seeker["id"], date.today() - timedelta(days=20))
    contact(client, officer, seeker["id"], notes="意向叉车岗位")
    refused = open_job(client, officer, title="仓库理货员")
    r = client.post("/api/v1/referrals", json={"seeker_id": seeker["id"], "job_id": refused["id"]}, headers=officer)
    client.post(f"/api/v1/referrals/{r.json()['id']}/transition", json={"status": "rejected", "reason": "距离太远"},
                headers=officer)
    job = open_job(client, officer, title="叉车司机")
    hire(client, officer, seeker["id"], job["id"])

    events = client.get(f"/api/v1/seekers/{seeker['id']}/timeline", headers=officer).json()
    titles = [e["title"] for e in events]
    assert "推荐「仓库理货员」：未录用" in titles and "推荐「叉车司机」：已录用" in titles
    assert any(e["detail"] == "距离太远" for e in events)
    assert "失业登记结束：推荐录用" in titles and "失业登记" in titles
    assert any(e["kind"] == "contact" and "意向叉车岗位" in e["detail"] for e in events)


# --- 就业援助 ---------------------------------------------------------------------------------


def test_only_verified_hard_to_employ_or_household_members_go_on_assistance(client, officer):
    plain = person(client, officer, flags=[{"kind": "hard_to_employ"}])  # declared, not verified
    r = client.post("/api/v1/assistance", json={"seeker_id": plain["id"]}, headers=officer)
    assert r.status_code == 422 and r.json()["code"] == "not_eligible_for_assistance"


def test_assistance_runs_a_48_hour_clock_and_escalates_when_overdue(client, app, officer):
    opened = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
    seeker = flagged_seeker(client, officer, "hard_to_employ")
    app.state.clock = lambda: opened
    case = client.post("/api/v1/assistance", json={"seeker_id": seeker["id"]}, headers=officer).json()
    assert case["deadline_rule"] == "48小时" and case["seconds_left"] == 48 * 3600
    assert datetime.fromisoformat(case["deadline_at"]) == opened + timedelta(hours=48)
    dup = client.post("/api/v1/assistance", json={"seeker_id": seeker["id"]}, headers=officer)
    assert dup.status_code == 409

    app.state.clock = lambda: opened + timedelta(hours=49)
    late = client.get(f"/api/v1/assistance/{case['id']}", headers=officer).json()
    assert late["overdue"] and late["escalation_level"] == 1 and late["escalated_to"] == "科室负责人"
    assert late["seconds_left"] < 0
    assert client.get("/api/v1/assistance", params={"overdue": "true"}, headers=officer).json()["total"] == 1

    app.state.clock = lambda: opened + timedelta(hours=97)
    assert client.get(f"/api/v1/assistance/{case['id']}", headers=officer).json()["escalation_level"] == 2


def test_a_region_can_commit_to_working_days_instead(client, app, admin, officer):
    r = client.put("/api/v1/assistance-deadlines/510115", json={"working_days": 10}, headers=officer)
    assert r.status_code == 403
    r = client.put("/api/v1/assistance-deadlines/510115", json={"hours": 24, "working_days": 10}, headers=admin)
    assert r.status_code == 422
    assert client.put("/api/v1/assistance-deadlines/510115", json={"working_days": 10}, headers=admin).status_code == 200
    friday = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)  # Friday 10:00 in Beijing
    app.state.clock = lambda: friday
    seeker = flagged_seeker(client, officer, "hard_to_employ")
    case = client.post("/api/v1/assistance", json={"seeker_id": seeker["id"]}, headers=officer).json()
    assert case["deadline_rule"] == "10个工作日"
    assert datetime.fromisoformat(case["deadline_at"]) == friday + timedelta(days=14)  # two working weeks


def test_reserved_posts_are_offered_first_on_assistance(client, officer):
    seeker = flagged_seeker(client, officer, "hard_to_employ")
    ordinary = open_job(client, officer, title="叉车司机")
    reserved = open_job(client, officer, title="社区保洁", work_type="public_welfare", occupation_code=None)
    before = client.get(f"/api/v1/seekers/{seeker['id']}/suggested-jobs", headers=officer).json()
    assert {m["job_id"] for m in before} == {ordinary["id"], reserved["id"]}
    client.post("/api/v1/assistance", json={"seeker_id": seeker["id"]}, headers=officer)
    after = client.get(f"/api/v1/seekers/{seeker['id']}/suggested-jobs", headers=officer).json()
    assert after[0]["job_id"] == reserved["id"] and after[0]["reserved"]


def test_a_hire_places_the_assistance_case(client, officer):
    seeker = flagged_seeker(client, officer, "hard_to_employ")
    case = client.post("/api/v1/assistance", json={"seeker_id": seeker["id"]}, headers=officer).json()
    referral = hire(client, officer, seeker["id"], open_job(client, officer)["id"])
    placed = client.get(f"/api/v1/assistance/{case['id']}", headers=officer).json()
    assert placed["status"] == "placed" and placed["placement_referral_id"] == referral["id"]
    assert not placed["overdue"]


# --- 零就业家庭 -------------------------------------------------------------------------------


def test_households_clear_only_when_a_member_is_employed(client, officer):
    a = person(client, officer, name="户主")
    b = person(client, officer, name="配偶")
    register(client, officer, a["id"])
    register(client, officer, b["id"])
    r = client.post("/api/v1/households", json={"region_code": "510115", "label": "户主家", "member_ids": [a["id"], b["id"]]},
                    headers=officer)
    assert r.status_code == 201, r.text
    household = r.json()
    assert household["status"] == "open" and len(household["members"]) == 2
    dup = client.post("/api/v1/households", json={"region_code": "510115", "label": "重复", "member_ids": [a["id"]]},
                      headers=officer)
    assert dup.status_code == 409

    case = client.post("/api/v1/assistance", json={"seeker_id": a["id"]}, headers=officer).json()
    assert case["basis"] == "zero_employment_household"

    # leaving the register for another reason does not clear the household
    client.post(f"/api/v1/seekers/{b['id']}/unemployment/end", json={"reason": "moved"}, headers=officer)
    assert client.get(f"/api/v1/households/{household['id']}", headers=officer).json()["status"] == "open"

    client.post(f"/api/v1/seekers/{b['id']}/unemployment", json={}, headers=officer)
    client.post(f"/api/v1/seekers/{b['id']}/unemployment/end", json={"reason": "employed", "note": "灵活就业"},
                headers=officer)
    cleared = client.get(f"/api/v1/households/{household['id']}", headers=officer).json()
    assert cleared["status"] == "cleared" and cleared["cleared_by_seeker_id"] == b["id"]
    assert [m["employed"] for m in cleared["members"]] == [False, True]
    # the other member's household-based case is closed with the household
    assert client.get(f"/api/v1/assistance/{case['id']}", headers=officer).json()["status"] == "closed"


def test_a_hire_clears_the_household(client, officer):
    a = person(client, officer)
    household = client.post("/api/v1/households", json={"region_code": "510115", "label": "甲家", "member_ids": [a["id"]]},
                             headers=officer).json()
    referral = hire(client, officer, a["id"], open_job(client, officer)["id"])
    cleared = client.get(f"/api/v1/households/{household['id']}", headers=officer).json()
    assert cleared["status"] == "cleared" and cleared["cleared_referral_id"] == referral["id"]
    r = client.post("/api/v1/households", json={"region_code": "510115", "label": "已就业", "member_ids": [
        person(client, officer)["id"], a["id"]]}, headers=officer)
    assert r.status_code == 409  # already a member of a (cleared) household


# --- policy eligibility -----------------------------------------------------------------------


def test_eligibility_explains_each_measure_for_seekers_and_employers(client, officer):
    seeker = flagged_seeker(client, officer, "hard_to_employ", birth_date="1975-04-01")
    register(client, officer, seeker["id"], date.today() - timedelta(days=200))
    r = client.get(f"/api/v1/seekers/{seeker['id']}/eligibility", headers=officer)
    assert r.status_code == 200, r.text
    measures = r.json()
    assert measures  # 温江 has seeker-side measures
    for m in measures:
        assert m["conditions"] and m["source_title"] and m["amount_text"]
        if m["applies"]:
            assert all(c["met"] for c in m["conditions"])
    assert [m["applies"] for m in measures] == sorted((m["applies"] for m in measures), reverse=True)
    employer = open_job(client, officer)["employer_id"]
    r = client.get(f"/api/v1/employers/{employer}/eligibility", headers=officer)
    assert r.status_code == 200 and isinstance(r.json(), list)
    assert client.get("/api/v1/seekers/999999/eligibility", headers=officer).status_code == 404
