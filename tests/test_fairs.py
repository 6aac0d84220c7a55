"""招聘会 and its kiosk over the API: organisers build a fair; a kiosk key bound to it reads that fair's
open postings and nothing else, matches anonymously, and leaves only counts behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matching.enums import Role
from service.models import Base
from service.usecases.keys import create_key
from service.errors import InvalidInput
from tests.factories import ZICHUAN, create_employer, create_job, create_seeker
from tests.fair_helpers import bearer, create_fair, fair_payload, kiosk_token


@pytest.fixture()
def fair_world(client, admin, app):
    """Two employers at the fair (one brings all its postings, one a chosen posting) and one that is not."""
    logistics = create_employer(client, admin, name="温江顺达物流有限公司")
    kitchen = create_employer(client, admin, name="温江好味餐饮管理有限公司")
    outsider = create_employer(client, admin, name="温江不参会制造有限公司")
    forklift = create_job(client, admin, employer_id=logistics["id"], title="叉车司机")
    picker = create_job(client, admin, employer_id=logistics["id"], title="仓库分拣员", occupation_code="4-02-06-02",
                        skills=["分拣", "扫码"], room_board=False)
    cook = create_job(client, admin, employer_id=kitchen["id"], title="中餐厨师", occupation_code="4-03-02-01",
                      skills=["炒菜"], description="负责后厨炒菜，包吃住。")
    dishwasher = create_job(client, admin, employer_id=kitchen["id"], title="洗碗工", occupation_code="4-03-02-04",
                            skills=["洗碗"], description="负责洗碗和餐具消毒。")
    elsewhere = create_job(client, admin, employer_id=outsider["id"], title="普工")
    fair = create_fair(client, admin, booths=[
        {"employer_id": logistics["id"], "booth": "A01"},
        {"employer_id": kitchen["id"], "booth": "B12", "job_ids": [cook["id"]]},
    ])
    return {"fair": fair, "in_fair": {forklift["id"], picker["id"], cook["id"]},
            "not_in_fair": {dishwasher["id"], elsewhere["id"]}, "cook": cook, "forklift": forklift,
            "kiosk": bearer(kiosk_token(app, fair_id=fair["id"])), "employers": (logistics, kitchen, outsider)}


def test_organiser_builds_and_opens_a_fair(client, admin, fair_world):
    fair = fair_world["fair"]
    assert fair["status"] == "open" and fair["region_name"].endswith("温江区")
    booths = {b["booth"]: b for b in fair["booths"]}
    assert booths["A01"]["all_postings"] and booths["B12"]["job_ids"] == [fair_world["cook"]["id"]]
    jobs = client.get(f"/api/v1/fairs/{fair['id']}/jobs", headers=admin).json()
    assert {j["id"] for j in jobs} == fair_world["in_fair"]
    assert {j["booth"] for j in jobs if j["id"] == fair_world["cook"]["id"]} == {"B12"}
    listed = client.get("/api/v1/fairs", headers=admin).json()
    assert listed["total"] == 1


def test_kiosk_key_reads_only_its_fairs_jobs(client, admin, app, fair_world):
    kiosk = fair_world["kiosk"]
    listed = client.get("/api/v1/jobs", params={"page_size": 200}, headers=kiosk).json()
    assert {j["id"] for j in listed["items"]} == fair_world["in_fair"]
    for job_id in fair_world["in_fair"]:
        assert client.get(f"/api/v1/jobs/{job_id}", headers=kiosk).status_code == 200
    for job_id in fair_world["not_in_fair"]:
        assert client.get(f"/api/v1/jobs/{job_id}", headers=kiosk).status_code == 404
    seeker = create_seeker(client, admin)
    for path in ("/api/v1/seekers", f"/api/v1/seekers/{seeker['id']}", "/api/v1/employers", "/api/v1/referrals",
                 "/api/v1/audit", "/api/v1/fairs", f"/api/v1/fairs/{fair_world['fair']['id']}/counts"):
        assert client.get(path, headers=kiosk).status_code == 403, path
    r = client.post("/api/v1/matches/jobs", json={"text": "叉车"}, headers=kiosk)
    assert r.status_code in (403, 503) and (r.status_code == 503 or r.json()["error"] == "kiosk_bound_to_fair")
    other = create_fair(client, admin, name="淄川区就业援助月招聘会", region_code=ZICHUAN, open_=False)
    assert client.get(f"/api/v1/fairs/{other['id']}", headers=kiosk).status_code == 404
    assert client.get(f"/api/v1/fairs/{fair_world['fair']['id']}", headers=kiosk).status_code == 200
    assert client.get(f"/kiosk/api/similar/{next(iter(fair_world['not_in_fair']))}", headers=kiosk).status_code == 404


def test_closed_fair_shows_nothing_to_its_kiosk(client, admin, fair_world):
    fair_id = fair_world["fair"]["id"]
    assert client.post(f"/api/v1/fairs/{fair_id}/close", headers=admin).json()["status"] == "closed"
    kiosk = fair_world["kiosk"]
    assert client.get("/api/v1/jobs", headers=kiosk).json()["total"] == 0
    assert client.get(f"/api/v1/jobs/{fair_world['cook']['id']}", headers=kiosk).status_code == 404
    payload = client.get("/kiosk/api/fair", headers=kiosk).json()
    assert payload["fair"]["status"] == "closed" and payload["postings"] == []


def test_kiosk_match_is_from_the_fair_and_stores_only_counts(client, admin, app, fair_world):
    kiosk = fair_world["kiosk"]
    typed = "我会炒菜想找包吃住的活"
    r = client.post("/kiosk/api/match", json={"tiles": ["food"], "room_board": True, "text": typed}, headers=kiosk)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert {i["id"] for i in items} <= fair_world["in_fair"]
    assert items[0]["id"] == fair_world["cook"]["id"]
    why = items[0]["why"]  # the occupation tapped and the words said, named, then the filters met
    assert "您选的「餐饮 厨房」：中式烹调师" in why and "您说的「炒菜」" in why and "包吃住" in why
    assert r.json()["understood"]["summary"] == "理解为：炒菜 · 包吃住" and r.json()["notice"] == ""
    client.post("/kiosk/api/match", json={"tiles": ["logistics", "food"]}, headers=kiosk)
    client.post("/kiosk/api/counts", json={"searches": 2, "tiles": {"logistics": 2}}, headers=kiosk)
    counts = {c["key"]: c["count"] for c in
              client.get(f"/api/v1/fairs/{fair_world['fair']['id']}/counts", headers=admin).json()}
    assert counts == {"search": 4, "food": 2, "logistics": 3}
    with app.state.engine.connect() as conn:  # the typed words are nowhere in the database
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                assert "炒菜想找" not in repr(tuple(row)), table.name


def test_kiosk_relaxes_filters_rather_than_showing_nothing(client, fair_world):
    r = client.post("/kiosk/api/match", json={"tiles": ["office"], "work_type": "part_time", "room_board": True},
                    headers=fair_world["kiosk"]).json()
    assert r["items"] and "工作类型" in r["relaxed"]


def test_unbound_and_other_keys_cannot_use_the_kiosk_api(client, admin, app, keys, fair_world):
    unbound = bearer(kiosk_token(app, fair_id=None))
    assert client.get("/kiosk/api/fair", headers=unbound).json()["error"] == "kiosk_without_fair"
    assert client.post("/kiosk/api/match", json={}, headers=admin).status_code == 403
    assert client.get("/kiosk/api/fair").status_code == 401
    with app.state.session_factory() as session, pytest.raises(InvalidInput):
        create_key(session, role=Role.app, fair_id=fair_world["fair"]["id"])


def test_officer_organises_only_in_region(client, admin, keys):
    officer = keys.headers("officer", region="5101")
    r = client.post("/api/v1/fairs", json=fair_payload(region_code=ZICHUAN), headers=officer)
    assert r.status_code == 422 and r.json()["field"] == "region_code"
    theirs = create_fair(client, admin, region_code=ZICHUAN, open_=False)
    assert client.get(f"/api/v1/fairs/{theirs['id']}", headers=officer).status_code == 404
    mine = create_fair(client, officer, open_=False)
    r = client.post(f"/api/v1/fairs/{mine['id']}/open", headers=officer)
    assert r.status_code == 409 and r.json()["error"] == "fair_without_employers"


@pytest.mark.parametrize(("change", "field"), [
    ({"ends_on": "2020-01-01"}, "ends_on"),
    ({"region_code": "999999"}, "region_code"),
    ({"name": ""}, "name"),
])
def test_bad_fair_fields(client, admin, change, field):
    r = client.post("/api/v1/fairs", json=fair_payload(**change), headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"])


def test_booth_postings_must_belong_to_the_employer(client, admin, fair_world):
    logistics, kitchen, _ = fair_world["employers"]
    r = client.post(f"/api/v1/fairs/{fair_world['fair']['id']}/employers",
                    json={"employer_id": kitchen["id"], "booth": "B12", "job_ids": [fair_world["forklift"]["id"]]},
                    headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "job_ids"


def test_take_away_list_shows_only_that_fairs_open_postings(client, fair_world):
    fair_id = fair_world["fair"]["id"]
    ids = [fair_world["cook"]["id"], *fair_world["not_in_fair"]]
    r = client.get(f"/kiosk/take/{fair_id}", params={"j": ",".join(map(str, ids))})
    assert r.status_code == 200
    assert "中餐厨师" in r.text and "B12" in r.text
    assert "洗碗工" not in r.text and "普工" not in r.text


def test_seeded_demo_fair_works_with_the_demo_kiosk_key(client, app):
    from service.seed import seed_demo

    with app.state.session_factory() as session:
        result = seed_demo(session, settings=app.state.settings, n_employers=30, n_jobs=150, n_seekers=5,
                           random_seed=7, show_progress=False)
    kiosk = bearer(result.keys["kiosk"])
    payload = client.get("/kiosk/api/fair", headers=kiosk).json()
    assert payload["fair"]["status"] == "open" and payload["postings"]
    fair_ids = {p["id"] for p in payload["postings"]}
    listed = client.get("/api/v1/jobs", params={"page_size": 200}, headers=kiosk).json()
    assert {j["id"] for j in listed["items"]} == fair_ids
    r = client.post("/kiosk/api/match", json={"tiles": ["factory", "logistics"]}, headers=kiosk).json()
    assert r["items"] and {i["id"] for i in r["items"]} <= fair_ids
