"""A seeker's desired occupations (求职意向, free words) are coded to 大典 细类 when the profile is written."""

from __future__ import annotations

from tests.factories import create_employer, create_job, create_seeker

CLEANER, FORKLIFT, RIDER = "4-09-08-01", "6-30-05-01", "4-10-08-01"  # 保洁员, 起重装卸机械操作工, 网约配送员


def test_create_codes_the_desired_occupations_in_the_answer_and_the_stored_profile(client, admin):
    seeker = create_seeker(client, admin, desired_occupations=["保洁", "开叉车"])
    assert seeker["desired_occupation_codes"] == [CLEANER, FORKLIFT]
    stored = client.get(f"/api/v1/seekers/{seeker['id']}", headers=admin).json()
    assert stored["desired_occupation_codes"] == [CLEANER, FORKLIFT]


def test_words_naming_one_occupation_give_it_once(client, admin):
    seeker = create_seeker(client, admin, desired_occupations=["保洁", "清洁工", "保洁阿姨"])
    assert seeker["desired_occupation_codes"] == [CLEANER]


def test_update_recodes_only_when_the_desired_occupations_change(client, admin):
    seeker = create_seeker(client, admin, desired_occupations=["开叉车"])
    url = f"/api/v1/seekers/{seeker['id']}"
    r = client.patch(url, json={"desired_occupations": ["送外卖"]}, headers=admin)
    assert r.status_code == 200 and r.json()["desired_occupation_codes"] == [RIDER]
    r = client.patch(url, json={"experience": "送了两年外卖"}, headers=admin)
    assert r.json()["desired_occupation_codes"] == [RIDER]
    r = client.patch(url, json={"desired_occupations": []}, headers=admin)
    assert r.json()["desired_occupation_codes"] == []
    assert client.get(url, headers=admin).json()["desired_occupation_codes"] == []


def test_no_desired_occupations_no_codes(client, admin):
    assert create_seeker(client, admin, desired_occupations=[])["desired_occupation_codes"] == []
    assert create_seeker(client, admin, desired_occupations=["随便", "工资高的"])["desired_occupation_codes"] == []


def test_the_match_of_a_stored_profile_uses_the_codes(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    forklift = create_job(mclient, admin, employer_id=employer["id"], title="叉车司机", skills=["叉车"],
                          description="仓库货物装卸搬运，持叉车证", occupation_code=None)
    create_job(mclient, admin, employer_id=employer["id"], title="家政保洁员", skills=["保洁"],
               description="负责客户家庭日常清洁、收纳整理", occupation_code=None)
    seeker = create_seeker(mclient, admin, desired_occupations=["开叉车"], skills=[], experience="")
    assert seeker["desired_occupation_codes"] == [FORKLIFT]
    r = mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", params={"k": 2}, headers=admin)
    assert r.status_code == 200, r.text
    top = r.json()["items"][0]
    assert top["id"] == forklift["id"]
    assert top["job"]["occupation_code"] == FORKLIFT
    assert top["components"]["occupation"]["value"] == 1.0
