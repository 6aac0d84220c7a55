"""Each role sees only what it may."""

from __future__ import annotations

import pytest

from tests.factories import ZICHUAN, create_employer, create_job, create_seeker


def test_requests_without_a_valid_key_get_401(client, admin):
    assert client.get("/api/v1/jobs").status_code == 401
    r = client.get("/api/v1/jobs", headers={"Authorization": "Bearer rg_nope_nope"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_api_key"
    assert client.get("/api/v1/jobs", headers={"X-API-Key": admin["Authorization"][7:]}).status_code == 200


def test_revoked_key_gets_401(client, app, keys):
    from service.usecases.keys import revoke_key

    headers = keys.headers("admin")
    key_id = headers["Authorization"].split("_")[1]
    with app.state.session_factory() as session:
        assert revoke_key(session, key_id=key_id)
    assert client.get("/api/v1/jobs", headers=headers).status_code == 401


def test_kiosk_reads_open_jobs_and_no_personal_data(client, admin, keys):
    kiosk = keys.headers("kiosk")
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    closed = create_job(client, admin, employer_id=employer["id"])
    client.patch(f"/api/v1/jobs/{closed['id']}", json={"status": "closed"}, headers=admin)
    seeker = create_seeker(client, admin)

    listed = client.get("/api/v1/jobs", headers=kiosk).json()
    assert [j["id"] for j in listed["items"]] == [job["id"]]
    assert client.get(f"/api/v1/jobs/{closed['id']}", headers=kiosk).status_code == 404
    for path in ("/api/v1/seekers", f"/api/v1/seekers/{seeker['id']}", f"/api/v1/seekers/{seeker['id']}/flags",
                 "/api/v1/referrals", "/api/v1/employers", "/api/v1/audit"):
        assert client.get(path, headers=kiosk).status_code == 403, path
    assert client.post("/api/v1/jobs", json={}, headers=kiosk).status_code in (403, 422)
    r = client.post("/api/v1/jobs", json={"employer_id": employer["id"], "title": "x", "region_code": "510115"},
                    headers=kiosk)
    assert r.status_code == 403
    assert client.patch(f"/api/v1/jobs/{job['id']}", json={"title": "改"}, headers=kiosk).status_code == 403
    assert client.delete(f"/api/v1/jobs/{job['id']}", headers=kiosk).status_code == 403


def test_officer_outside_region_gets_nothing(client, admin, keys):
    chengdu = keys.headers("officer", region="5101")
    zibo = keys.headers("officer", region="3703")
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    seeker = create_seeker(client, admin)
    zibo_seeker = create_seeker(client, admin, region_code=ZICHUAN, desired_regions=["3703"])

    assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=chengdu).status_code == 200
    for path in (f"/api/v1/seekers/{seeker['id']}", f"/api/v1/jobs/{job['id']}", f"/api/v1/employers/{employer['id']}",
                 f"/api/v1/seekers/{seeker['id']}/flags"):
        r = client.get(path, headers=zibo)
        assert r.status_code == 404, path
        assert r.json()["detail"].endswith("不存在或无权访问")
    assert client.patch(f"/api/v1/seekers/{seeker['id']}", json={"major": "x"}, headers=zibo).status_code == 404
    assert client.delete(f"/api/v1/seekers/{seeker['id']}", headers=zibo).status_code == 404
    listed = client.get("/api/v1/seekers", headers=zibo).json()
    assert [s["id"] for s in listed["items"]] == [zibo_seeker["id"]]
    # asking for another region narrows to nothing rather than widening the scope
    assert client.get("/api/v1/seekers", params={"region": "51"}, headers=zibo).json()["total"] == 0
    assert client.get("/api/v1/jobs", headers=zibo).json()["total"] == 0
    # an officer cannot create records outside their region either
    r = client.post("/api/v1/seekers", json={"name": "赵六", "region_code": "510115"}, headers=zibo)
    assert r.status_code == 422 and r.json()["field"] == "region_code"


@pytest.mark.parametrize("role", ["app", "kiosk"])
def test_only_officers_and_admins_verify_flags(client, admin, keys, role):
    seeker = create_seeker(client, admin, flags=[{"kind": "graduate"}])
    flag_id = seeker["flags"][0]["id"]
    r = client.post(f"/api/v1/flags/{flag_id}/verify", json={}, headers=keys.headers(role))
    assert r.status_code == 403
    officer = keys.headers("officer", region="510115")
    r = client.post(f"/api/v1/flags/{flag_id}/verify", json={}, headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "verified" and r.json()["active"] is True


def test_officer_key_requires_region(app):
    from matching.enums import Role
    from service.errors import InvalidInput
    from service.usecases.keys import create_key

    with app.state.session_factory() as session, pytest.raises(InvalidInput):
        create_key(session, role=Role.officer)


def test_reveal_full_identity_is_for_officers_with_a_reason_and_audited(client, admin, keys):
    from tests.factories import id_number

    number = id_number()
    seeker = create_seeker(client, admin, id_number=number, phone="13700001111")
    app_key = keys.headers("app")
    officer = keys.headers("officer", region="5101")
    assert client.post(f"/api/v1/seekers/{seeker['id']}/reveal", json={"reason": "核对失业登记信息"},
                       headers=app_key).status_code == 403
    r = client.post(f"/api/v1/seekers/{seeker['id']}/reveal", json={"reason": "短"}, headers=officer)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = client.post(f"/api/v1/seekers/{seeker['id']}/reveal", json={"reason": "核对失业登记信息"}, headers=officer)
    assert r.status_code == 200 and r.json() == {"seeker_id": seeker["id"], "id_number": number, "phone": "13700001111"}
    audit = client.get("/api/v1/audit", params={"action": "seeker.reveal_identity"}, headers=admin).json()
    assert audit["total"] == 1 and audit["items"][0]["detail"] == {"reason": "核对失业登记信息"}
    assert audit["items"][0]["role"] == "officer"
