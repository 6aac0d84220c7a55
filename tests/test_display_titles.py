"""Titles are shown cleaned (display_title) wherever people read them, and stored as given (title)."""

from __future__ import annotations

from datetime import date

from matching.enums import JobStatus, WorkType
from matching.facts import JobFacts
from matching.records import decode_card, encode_card
from service.presenters import shown_job
from tests.casework_helpers import flagged_seeker, open_job
from tests.factories import create_employer, create_job, create_seeker
from tests.fair_helpers import bearer, create_fair, kiosk_token

MESSY = "<b>园艺师</b>&nbsp;（急聘）🌸"
SHOWN = "园艺师（急聘）"


def test_the_api_keeps_the_title_as_given_and_shows_it_clean(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"], title=MESSY)
    assert job["title"] == MESSY and job["display_title"] == SHOWN
    read = client.get(f"/api/v1/jobs/{job['id']}", headers=admin).json()
    assert read["title"] == MESSY and read["display_title"] == SHOWN
    listed = client.get("/api/v1/jobs", headers=admin).json()["items"]
    assert [j["display_title"] for j in listed] == [SHOWN]
    updated = client.patch(f"/api/v1/jobs/{job['id']}", json={"title": "🔥叉车司机🔥"}, headers=admin).json()
    assert updated["display_title"] == "叉车司机"


def test_a_card_saved_before_display_titles_is_shown_with_one():
    """Cards live in snapshots: one written by an earlier version has no display_title, and gets it when shown."""
    facts = JobFacts(id=1, employer_id=1, title=MESSY, occupation_code=None, region_code="510115", lat=None,
                     lon=None, salary_min=None, salary_max=None, education_min=None, experience_years=None,
                     age_min=None, age_max=None, work_type=WorkType.full_time, headcount=1, hired_count=0,
                     status=JobStatus.open, valid_until=None)
    old = decode_card(encode_card({"title": MESSY, "status": "open", "valid_until": None}, facts))
    assert shown_job(old, date.today())["display_title"] == SHOWN


def test_fair_pages_and_the_kiosk_show_clean_titles(client, admin, app):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"], title=MESSY)
    fair = create_fair(client, admin, booths=[{"employer_id": employer["id"], "booth": "A01"}])
    jobs = client.get(f"/api/v1/fairs/{fair['id']}/jobs", headers=admin).json()
    assert [(j["title"], j["display_title"]) for j in jobs] == [(MESSY, SHOWN)]
    bundle = client.get("/kiosk/api/fair", headers=bearer(kiosk_token(app, fair_id=fair["id"]))).json()
    assert [p["display_title"] for p in bundle["postings"]] == [SHOWN]
    page = client.get(f"/kiosk/take/{fair['id']}", params={"j": str(job["id"])}).text
    assert SHOWN in page and "&lt;b&gt;" not in page and "<b>园艺师" not in page and "nbsp" not in page


def test_the_officers_suggestions_carry_the_clean_title(client, keys):
    officer = keys.headers("officer", region="5101")
    seeker = flagged_seeker(client, officer, "hard_to_employ")
    job = open_job(client, officer, title=MESSY)
    suggested = client.get(f"/api/v1/seekers/{seeker['id']}/suggested-jobs", headers=officer).json()
    assert [(m["job_id"], m["title"], m["display_title"]) for m in suggested] == [(job["id"], MESSY, SHOWN)]


def test_match_results_show_clean_titles(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    job = create_job(mclient, admin, employer_id=employer["id"], title="🌸叉车司机🌿急招🔥")
    seeker = create_seeker(mclient, admin)
    items = mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", headers=admin).json()["items"]
    shown = {i["job"]["id"]: i["job"] for i in items}
    assert shown[job["id"]]["display_title"] == "叉车司机 急招"
    assert shown[job["id"]]["title"] == "🌸叉车司机🌿急招🔥"
