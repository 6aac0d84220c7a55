"""Employer verification through the API: the credit code compared with what was declared, an officer's mark."""

from __future__ import annotations

from tests.factories import create_employer, credit_code


def test_checks_show_what_the_credit_code_says_against_what_was_declared(client, keys):
    admin = keys.headers("admin")
    body = create_employer(client, admin, region_code="510115", credit_code=credit_code("440305"))
    assert [c["key"] for c in body["checks"]] == ["registered_in_another_province"]
    assert body["checks"][0]["severity"] == "review" and "深圳" in body["checks"][0]["detail"]
    plain = create_employer(client, admin)
    assert plain["checks"] == [] and plain["verified_at"] is None


def test_an_officer_marks_an_employer_verified_and_a_change_to_what_was_checked_clears_it(client, keys):
    admin, app, officer = keys.headers("admin"), keys.headers("app"), keys.headers("officer", region="5101")
    employer = create_employer(client, admin)
    url = f"/api/v1/employers/{employer['id']}/verification"
    assert client.post(url, headers=app).status_code == 403  # an app cannot vouch for an employer
    r = client.post(url, headers=officer)
    assert r.status_code == 200, r.text
    assert r.json()["verified_at"] and r.json()["verified_by"]
    touched = client.patch(f"/api/v1/employers/{employer['id']}", json={"contact_note": "联系人：王经理"},
                           headers=officer).json()
    assert touched["verified_at"]  # a contact note is not what was checked
    moved = client.patch(f"/api/v1/employers/{employer['id']}", json={"size_class": "large"}, headers=officer).json()
    assert moved["verified_at"] is None and moved["verified_by"] == ""
    client.post(url, headers=officer)
    assert client.delete(url, headers=officer).json()["verified_at"] is None


def test_an_officer_outside_the_region_cannot_see_or_verify(client, keys):
    admin = keys.headers("admin")
    far = create_employer(client, admin, region_code="370302", credit_code=credit_code("370302"))
    assert client.post(f"/api/v1/employers/{far['id']}/verification", headers=keys.headers("officer", region="5101")).status_code == 404
