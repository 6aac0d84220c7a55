"""A working office: one notion of 失业登记, deadlines surfaced on the due list, 督办 recorded."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import create_engine, text

from tests.casework_helpers import flagged_seeker, hire, open_job, person


def _caseload(client, headers, **params) -> dict:
    r = client.get("/api/v1/caseload", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _registered(client, headers) -> int:
    r = client.get("/api/v1/seekers", params={"registered_unemployed": "true"}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["total"]


def test_a_seeker_registered_through_the_seekers_api_is_in_the_caseload(client, keys):
    officer = keys.headers("officer", region="5101")
    since = date.today() - timedelta(days=45)
    seeker = person(client, officer, unemployment_registered_at=since.isoformat())
    person(client, officer)  # not registered
    page = _caseload(client, officer)
    assert [i["seeker_id"] for i in page["items"]] == [seeker["id"]]
    assert page["items"][0]["registered_on"] == since.isoformat() and page["items"][0]["registered"] is True
    assert page["total"] == _registered(client, officer) == 1
    spells = client.get(f"/api/v1/seekers/{seeker['id']}/unemployment", headers=officer).json()
    assert [(s["started_on"], s["ended_on"]) for s in spells] == [(since.isoformat(), None)]
    # registered 45 days ago and never contacted: due this month, by the day the month ran out
    due = _caseload(client, officer, due="true")
    assert due["items"][0]["due"] and due["items"][0]["contact_due_on"] == (since + timedelta(days=30)).isoformat()


def test_the_seekers_date_and_the_spell_move_together(client, keys):
    officer = keys.headers("officer", region="5101")
    seeker = person(client, officer)
    earlier = date.today() - timedelta(days=20)
    r = client.patch(f"/api/v1/seekers/{seeker['id']}", json={"unemployment_registered_at": earlier.isoformat()},
                     headers=officer)
    assert r.status_code == 200, r.text
    assert _caseload(client, officer)["total"] == _registered(client, officer) == 1
    r = client.patch(f"/api/v1/seekers/{seeker['id']}", json={"unemployment_registered_at": None}, headers=officer)
    assert r.status_code == 200 and r.json()["unemployment_registered_at"] is None
    assert _caseload(client, officer)["total"] == _registered(client, officer) == 0
    spells = client.get(f"/api/v1/seekers/{seeker['id']}/unemployment", headers=officer).json()
    assert spells[0]["end_reason"] == "other" and spells[0]["ended_on"] is not None
    # registered in the console: the seekers' API says so too
    r = client.post(f"/api/v1/seekers/{seeker['id']}/unemployment", json={}, headers=officer)
    assert r.status_code == 201
    assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=officer).json()["unemployment_registered_at"]
    assert _registered(client, officer) == 1


def test_someone_on_the_48_hour_clock_is_on_the_due_list_first_and_warned(client, keys, app):
    officer = keys.headers("officer", region="5101")
    long_ago = (date.today() - timedelta(days=200)).isoformat()
    plain = person(client, officer, unemployment_registered_at=long_ago)
    hard = flagged_seeker(client, officer, "hard_to_employ")  # not registered: on the clock all the same
    r = client.post("/api/v1/assistance", json={"seeker_id": hard["id"]}, headers=officer)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["due_soon"] is False and case["region_name"].startswith("四川省成都市")
    due = _caseload(client, officer, due="true")
    assert [i["seeker_id"] for i in due["items"]] == [hard["id"], plain["id"]]
    first = due["items"][0]
    assert first["registered"] is False and first["assistance"]["id"] == case["id"] and first["due"]

    clock = app.state.clock
    try:  # 40 hours on: under the 12-hour warning
        app.state.clock = lambda: clock() + timedelta(hours=40)
        soon = _caseload(client, officer, due="true")["items"][0]["assistance"]
        assert soon["due_soon"] is True and soon["overdue"] is False and soon["escalation_level"] == 0
        app.state.clock = lambda: clock() + timedelta(hours=50)  # past the deadline: 督办 recorded
        late = client.get("/api/v1/assistance", headers=officer).json()["items"][0]
        assert late["overdue"] and late["escalation_level"] == 1 and late["escalated_to"] == "科室负责人"
        assert late["escalated_at"] is not None
        app.state.clock = lambda: clock() + timedelta(hours=100)  # late by as long again: 分管领导
        later = _caseload(client, officer, due="true")["items"][0]["assistance"]
        assert later["escalation_level"] == 2 and later["escalated_to"] == "分管领导"
    finally:
        app.state.clock = clock
    audit = client.get("/api/v1/audit", params={"action": "assistance.escalate"}, headers=keys.headers("admin"))
    assert audit.status_code == 200 and audit.json()["total"] == 2  # once per level, not once per look


def test_a_region_sets_its_warning_lead_time(client, keys, admin):
    r = client.put("/api/v1/assistance-deadlines/5101", json={"hours": 48, "warn_hours": 30}, headers=admin)
    assert r.status_code == 200 and r.json()["warn_hours"] == 30
    officer = keys.headers("officer", region="5101")
    hard = flagged_seeker(client, officer, "hard_to_employ")
    case = client.post("/api/v1/assistance", json={"seeker_id": hard["id"]}, headers=officer).json()
    assert case["due_soon"] is False
    hard2 = flagged_seeker(client, officer, "hard_to_employ")
    r = client.put("/api/v1/assistance-deadlines/5101", json={"hours": 20, "warn_hours": 30}, headers=admin)
    assert r.status_code == 200
    case2 = client.post("/api/v1/assistance", json={"seeker_id": hard2["id"]}, headers=officer).json()
    assert case2["due_soon"] is True


def test_a_hire_ends_the_registration_everywhere(client, keys):
    officer = keys.headers("officer", region="5101")
    seeker = person(client, officer, unemployment_registered_at=(date.today() - timedelta(days=3)).isoformat())
    job = open_job(client, officer)
    hire(client, officer, seeker["id"], job["id"])
    assert _caseload(client, officer)["total"] == _registered(client, officer) == 0


def test_0011_gives_every_registered_seeker_an_open_spell(tmp_path):
    """Seekers stored with a registration date and no spell (the seekers' API before 0011) get one from that date;
    a seeker with an open spell and no date gets the spell's date."""
    from alembic import command

    from service.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0010")
    engine = create_engine(url)
    columns = ("name, region_code, major, skills, experience, self_intro, desired_occupations, "
               "desired_occupation_codes, desired_regions, desired_work_types, willing_to_relocate, consent_to_share, "
               "is_demo, created_at, updated_at")
    values = "'{name}', '510115', '', '[]', '', '', '[]', '[]', '[]', '[]', 0, 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
    try:
        with engine.begin() as conn:
            for i, (name, day) in enumerate((("王芳", "2026-01-05"), ("李强", None), ("张伟", None)), start=1):
                conn.execute(text(f"INSERT INTO seekers (id, unemployment_registered_at, {columns}) VALUES "
                                  f"({i}, :day, {values.format(name=name)})"), {"day": day})
            conn.execute(text(
                "INSERT INTO unemployment_spells (seeker_id, region_code, started_on, end_note, registered_by, "
                "created_at, updated_at) VALUES (3, '510115', '2025-11-01', '', 'k', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"))
        command.upgrade(alembic_config(url), "0011")
        with engine.connect() as conn:
            spells = conn.execute(text("SELECT seeker_id, started_on, registered_by FROM unemployment_spells "
                                       "WHERE ended_on IS NULL ORDER BY seeker_id")).all()
            dates = conn.execute(text("SELECT id, unemployment_registered_at FROM seekers ORDER BY id")).all()
            escalation = conn.execute(text("SELECT escalation_level FROM assistance_cases")).all()
        assert [(s, str(d)[:10], by) for s, d, by in spells] == [(1, "2026-01-05", "migration-0011"),
                                                                 (3, "2025-11-01", "k")]
        assert [(i, d and str(d)[:10]) for i, d in dates] == [(1, "2026-01-05"), (2, None), (3, "2025-11-01")]
        assert escalation == []
        command.downgrade(alembic_config(url), "0010")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM unemployment_spells")).scalar() == 1
    finally:
        engine.dispose()


def test_the_seeded_demo_shows_a_working_office(client, keys, app, db_session):
    """`rengang seed`: the demo officer's region has registered unemployed in the caseload, people due this month,
    assistance cases in every state of the clock, and 零就业家庭; the counts agree with the seekers' API."""
    from service.seed import seed_demo

    result = seed_demo(db_session, settings=app.state.settings, n_employers=30, n_jobs=120, n_seekers=260,
                       random_seed=20261122, show_progress=False)
    assert result.counts["contacts"] > 0 and result.counts["assistance"] > 0 and result.counts["households"] > 0
    officer = keys.headers("officer", region="5101")
    caseload = _caseload(client, officer, page_size=100)
    registered = [i for i in caseload["items"] if i["registered"]]
    assert len(registered) == _registered(client, officer) > 10
    due = _caseload(client, officer, due="true", page_size=100)
    assert 0 < due["total"] < caseload["total"]  # some were followed up within the month, some not
    cases = client.get("/api/v1/assistance", headers=officer).json()["items"]
    assert cases and any(c["due_soon"] for c in cases) and any(c["escalation_level"] for c in cases)
    deadlines = [i["assistance"]["deadline_at"] for i in due["items"] if i["assistance"]]
    assert len(deadlines) == len(cases) and deadlines == sorted(deadlines)
    assert all(i["assistance"] for i in due["items"][:len(cases)])  # the clock first
    households = client.get("/api/v1/households", headers=keys.headers("admin")).json()
    assert households["total"] > 0


# --- the console pages ---------------------------------------------------------------------------------------

import re  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture()
def console(client, keys):
    """An officer of 5101 signed in to the console (with an officer key, as machines and tests may)."""
    headers = keys.headers("officer", region="5101")
    client.headers["Origin"] = str(client.base_url).rstrip("/")
    client.cookies.clear()
    r = client.post("/console/login", data={"key": headers["Authorization"].removeprefix("Bearer ")},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    yield headers
    client.cookies.clear()
    client.headers.pop("Origin", None)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _visible(html: str) -> str:
    """The page's text as a person reads it: no tags, attributes, scripts."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


CODE_LIKE = re.compile(r"\b(?:junior_middle|senior_high|associate|bachelor|full_time|public_welfare|hard_to_employ|"
                       r"zero_employment_household|rural|urban|[1-6][0-9]{5}|[1-6][0-9]{3})\b")


def test_console_pages_read_in_chinese_and_show_the_clock(client, console):
    officer = console
    since = (date.today() - timedelta(days=50)).isoformat()
    seeker = person(client, officer, name="周晓梅", region_code="510114", education="junior_middle", hukou="rural",
                    unemployment_registered_at=since, desired_regions=["5101"])
    hard = flagged_seeker(client, officer, "hard_to_employ", name="钱建国", region_code="510115")
    assert client.post("/api/v1/assistance", json={"seeker_id": hard["id"]}, headers=officer).status_code == 201
    due = client.get("/console/caseload?due=1")
    assert due.status_code == 200
    text = _visible(due.text)
    assert seeker["name"] in text and hard["name"] in text and "四川省成都市新都区" in text
    assert text.index(hard["name"]) < text.index(seeker["name"])  # the clock first
    page = client.get(f"/console/seekers/{seeker['id']}").text
    shown = _visible(page)
    assert "初中及以下" in shown and "农村户籍" in shown and "成都市" in shown
    for html in (due.text, page, client.get("/console/assistance").text, client.get("/console/households").text,
                 client.get("/console/caseload").text, client.get("/console/stats").text):
        # dates are not codes, nor the shown ends of masked numbers (138****1381)
        text = re.sub(r"\d{4}-\d{2}-\d{2}|\d{4}年|[0-9X]*\*{3,}[0-9X]*", " ", _visible(html))
        assert not CODE_LIKE.findall(text), CODE_LIKE.findall(text)


def test_stats_csv_names_the_region(client, console):
    body = client.get("/console/stats.csv").content.decode("utf-8-sig")
    assert "成都市" in body and not re.search(r"\b5101\b", body)


def test_a_household_created_from_the_console(client, console):
    officer = console
    a = flagged_seeker(client, officer, "zero_employment_household", region_code="510115")
    b = person(client, officer, region_code="510115")
    page = client.get("/console/households").text
    assert f'value="{a["id"]}"' in page and f'value="{b["id"]}"' not in page  # verified members are offered
    r = client.post("/console/households", data={"csrf": _csrf(page), "label": "王家（人民路1号）",
                                                  "region_code": "510115", "member_id": [str(a["id"])],
                                                  "member_numbers": str(b["id"])}, follow_redirects=False)
    assert r.status_code == 303 and "msg=" in r.headers["location"], r.headers["location"]
    households = client.get("/api/v1/households", headers=officer).json()["items"]
    assert [sorted(m["seeker_id"] for m in h["members"]) for h in households] == [sorted([a["id"], b["id"]])]
    assert "四川省成都市温江区" in _visible(client.get("/console/households").text)
    again = client.post("/console/households", data={"csrf": _csrf(page), "label": "重复", "region_code": "510115",
                                                     "member_numbers": str(a["id"])}, follow_redirects=False)
    assert "err=" in again.headers["location"]  # already in a household: refused with a message


def test_bulk_follow_up_from_the_due_list(client, console):
    officer = console
    long_ago = (date.today() - timedelta(days=90)).isoformat()
    people = [person(client, officer, unemployment_registered_at=long_ago) for _ in range(3)]
    page = client.get("/console/caseload?due=1").text
    r = client.post("/console/caseload/contacts", data={
        "csrf": _csrf(page), "seeker_id": [str(p["id"]) for p in people[:2]], "channel": "phone",
        "services": ["job_introduction"], "notes": "电话通知招聘会", "back": "/console/caseload?due=1"},
        follow_redirects=False)
    assert r.status_code == 303 and "msg=" in r.headers["location"]
    due = _caseload(client, officer, due="true")
    assert [i["seeker_id"] for i in due["items"]] == [people[2]["id"]]


def test_after_a_hire_the_seeker_page_shows_the_hire_not_more_offers(client, console):
    officer = console
    seeker = person(client, officer, unemployment_registered_at=(date.today() - timedelta(days=5)).isoformat())
    job = open_job(client, officer)
    open_job(client, officer)
    before = client.get(f"/console/seekers/{seeker['id']}").text
    assert 'id="matches"' in before
    hire(client, officer, seeker["id"], job["id"])
    after = client.get(f"/console/seekers/{seeker['id']}").text
    assert 'id="hired"' in after and 'id="matches"' not in after
    assert "办理失业登记" not in after and "纳入就业援助</button>" not in after


def test_the_console_match_list_takes_the_apis_filters(client, console):
    officer = console
    seeker = person(client, officer, region_code="510115", desired_regions=["5101"])
    cheap = open_job(client, officer, salary_min=3000, salary_max=3500, region_code="510115")
    dear = open_job(client, officer, salary_min=6000, salary_max=8000, region_code="510115")
    listed = client.get(f"/api/v1/seekers/{seeker['id']}/suggested-jobs", params={"salary_floor": 5000},
                        headers=officer).json()
    assert [m["job_id"] for m in listed] == [dear["id"]] and listed[0]["distance_km"] is not None
    page = client.get(f"/console/seekers/{seeker['id']}", params={"salary_floor": "5000"}).text
    assert f'id="job-{dear["id"]}"' in page and f'id="job-{cheap["id"]}"' not in page
    bad = client.get(f"/console/seekers/{seeker['id']}", params={"salary_floor": "很多"}).text
    assert "筛选条件无效" in bad


def test_the_engines_matches_reach_the_console_explained_and_filtered(mclient, mkeys):
    """With the matching engine: the console's list carries the API's explanation.summary, fit and distance; a work
    type filter keeps only that type, as the API's does."""
    from tests.factories import create_employer, create_job

    officer = mkeys.headers("officer", region="5101")
    seeker = person(mclient, officer, region_code="510115", desired_regions=["5101"], skills=["叉车"],
                    desired_occupations=["叉车司机"])
    employer = create_employer(mclient, officer, region_code="510115")
    forklift = create_job(mclient, officer, employer_id=employer["id"], title="叉车司机", skills=["叉车"],
                          region_code="510115")
    part = create_job(mclient, officer, employer_id=employer["id"], title="叉车工（兼职）", skills=["叉车"],
                      region_code="510115", work_type="part_time")
    api = mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", headers=officer).json()["items"]
    listed = mclient.get(f"/api/v1/seekers/{seeker['id']}/suggested-jobs", headers=officer).json()
    by_id = {m["job_id"]: m for m in listed}
    assert forklift["id"] in by_id and by_id[forklift["id"]]["summary"]
    assert by_id[forklift["id"]]["summary"] == next(i for i in api if i["id"] == forklift["id"])["explanation"]["summary"]
    assert by_id[forklift["id"]]["fit"] > 0 and by_id[forklift["id"]]["distance_km"] is not None
    only_part = mclient.get(f"/api/v1/seekers/{seeker['id']}/suggested-jobs", params={"work_types": ["part_time"]},
                            headers=officer).json()
    assert [m["job_id"] for m in only_part] == [part["id"]]


def test_statistics_by_month_and_by_county(client, keys):
    from tests.casework_helpers import contact

    officer = keys.headers("officer", region="5101")
    today = date.today()
    wenjiang = person(client, officer, region_code="510115",
                      unemployment_registered_at=(today - timedelta(days=70)).isoformat())
    xindu = person(client, officer, region_code="510114",
                   unemployment_registered_at=(today - timedelta(days=10)).isoformat())
    contact(client, officer, xindu["id"])
    hire(client, officer, wenjiang["id"], open_job(client, officer)["id"])
    start = today.replace(day=1)
    rows = client.get("/api/v1/stats/districts", params={"start": start.isoformat(), "end": today.isoformat()},
                      headers=officer).json()
    by = {r["region_name"]: r for r in rows}
    assert by["四川省成都市温江区"]["new_employment"] == 1 and by["四川省成都市温江区"]["registered_unemployed"] == 0
    assert by["四川省成都市新都区"]["registered_unemployed"] == 1 and by["四川省成都市新都区"]["contacts_done"] == 1
    months = client.get("/api/v1/stats/trend", params={"end": today.isoformat(), "months": 3},
                        headers=officer).json()
    assert [m["month"] for m in months][-1] == today.strftime("%Y-%m") and len(months) == 3
    assert months[-1]["new_employment"] == 1 and months[-1]["registered_unemployed"] == 1
    registered_then = [wenjiang["id"]] if today - timedelta(days=70) <= date.fromisoformat(months[0]["end"]) else []
    assert months[0]["registered_unemployed"] == len(registered_then)  # the hire came later
    csv = client.get("/api/v1/stats.csv", params={"start": start.isoformat(), "end": today.isoformat()},
                     headers=officer).content.decode("utf-8-sig")
    assert "分区县：城镇新增就业,四川省成都市温江区,1" in csv and f"逐月：推荐录用,{today:%Y-%m},1" in csv
    assert "成都市" in csv.splitlines()[1]


def test_a_printable_referral_letter_with_the_posting_and_a_qr_code(client, console, keys, app):
    from service.casework.letter import check_code, qr_svg
    from service.models import Referral

    officer = console
    seeker = person(client, officer, name="吴秀兰", education="senior_high")
    job = open_job(client, officer, title="仓库管理员", region_code="510115", salary_min=4000, salary_max=5000,
                   address="光华大道88号")
    referral = client.post("/api/v1/referrals", json={"seeker_id": seeker["id"], "job_id": job["id"]},
                           headers=officer).json()
    page = client.get(f"/console/seekers/{seeker['id']}").text
    assert f'/console/referrals/{referral["id"]}/letter' in page
    letter = client.get(f"/console/referrals/{referral['id']}/letter")
    assert letter.status_code == 200
    text = _visible(letter.text)
    assert "就业推荐介绍信" in text and "吴秀兰" in text and "仓库管理员" in text and "高中中专" in text
    assert "四川省成都市温江区光华大道88号" in text and "月薪4000–5000元" in text and f"R{referral['id']:06d}" in text
    with app.state.session_factory() as session:
        code = check_code(app.state.settings.secret(), session.get(Referral, referral["id"]))
    assert code in text
    # the QR code carries the letter's number, the posting and the check code, and nothing personal
    employer = client.get(f"/api/v1/employers/{job['employer_id']}", headers=officer).json()["name"]
    expected = "\n".join([f"人岗就业推荐介绍信 R{referral['id']:06d}", f"岗位：仓库管理员（岗位编号 {job['id']}）",
                          f"单位：{employer}", "地点：四川省成都市温江区光华大道88号", f"校验码：{code}"])
    assert qr_svg(expected) in letter.text
    reads = client.get("/api/v1/audit", params={"action": "referral.read", "record_id": seeker["id"]},
                       headers=keys.headers("admin")).json()
    assert reads["total"] >= 1  # who printed whose letter is audited
    elsewhere = client.get("/console/referrals/999999/letter")
    assert elsewhere.status_code == 404


def test_the_demo_office_plan_is_seeded_and_consistent():
    """matching.demo's casework plan: the same seed gives the same month; contacts fall between registration and
    today; households hold verified 零就业家庭 members of one county; the clock holds verified members only."""
    import numpy as np

    from matching.demo import ASSISTANCE_AGES_HOURS, generate_demo

    today = date(2026, 12, 5)

    def make():
        return generate_demo(np.random.default_rng(5), n_employers=20, n_jobs=60, n_seekers=400, today=today)

    demo, again = make(), make()
    assert demo.casework == again.casework and demo.casework.contacts and demo.casework.assistance
    verified = lambda s, kind: any(f["kind"] == kind and f["status"] == "verified" for f in s["flags"])  # noqa: E731
    for c in demo.casework.contacts:
        registered = demo.seekers[c["seeker"]]["unemployment_registered_at"]
        assert registered and registered <= c["contacted_on"] <= today.isoformat()
    for h in demo.casework.households:
        members = [demo.seekers[i] for i in h["members"]]
        assert all(verified(m, "zero_employment_household") and m["region_code"] == h["region_code"] for m in members)
    for a in demo.casework.assistance:
        s = demo.seekers[a["seeker"]]
        assert verified(s, "hard_to_employ") or verified(s, "zero_employment_household")
        assert a["hours_ago"] in ASSISTANCE_AGES_HOURS
    in_households = [i for h in demo.casework.households for i in h["members"]]
    assert len(in_households) == len(set(in_households))
