"""The HTML side, fuzzed: console and kiosk-setup form posts and the kiosk's JSON endpoints are not in the
OpenAPI document, so schemathesis never reaches them. Random form fields, raw bodies (invalid UTF-8
included), random cookies and random JSON must never answer a server error."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.casework_helpers import register
from tests.factories import create_employer, create_job, create_seeker
from tests.fair_helpers import create_fair, kiosk_token

FIELDS = ["csrf", "channel", "services", "notes", "next_step", "contacted_on", "started_on", "reason", "note",
          "job_id", "status", "key", "next"]
ODD = st.sampled_from(["", "0", "-1", "99999999999999999999", "abc", "%FF", "\x00", "\u202e", "你好", "x" * 5000,
                       "2020-02-30", "9999-12-31", "hired", "applied", "phone", "other"])
VALUES = st.one_of(ODD, st.text(max_size=40))
FORMS = st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), max_size=8)
RAW = st.one_of(st.binary(max_size=200), st.just(b"csrf=\xff\xfe&notes=\xc3"), st.just(b"&" * 500 + b"a=1"))
FUZZ = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture()
def console(client, keys, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"], headcount=1)
    seeker = create_seeker(client, admin)
    register(client, admin, seeker["id"])
    r = client.post("/api/v1/referrals", json={"seeker_id": seeker["id"], "job_id": job["id"]}, headers=admin)
    referral = r.json()["id"]
    origin = {"Origin": str(client.base_url).rstrip("/")}
    token = keys.headers("officer", region="5101")["Authorization"].removeprefix("Bearer ")
    client.cookies.clear()
    assert client.post("/console/login", data={"key": token}, headers=origin, follow_redirects=False).status_code == 303
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/console/seekers/{seeker['id']}").text).group(1)
    yield {"seeker": seeker["id"], "job": job["id"], "referral": referral, "csrf": csrf, "origin": origin}
    client.cookies.clear()


def test_console_forms_never_answer_a_server_error(client, console):
    s, ref = console["seeker"], console["referral"]
    posts = [f"/console/seekers/{s}/contacts", f"/console/seekers/{s}/unemployment",
             f"/console/seekers/{s}/unemployment/end", f"/console/seekers/{s}/assistance",
             f"/console/seekers/{s}/referrals", f"/console/referrals/{ref}/transition", "/console/login"]

    @FUZZ
    @given(path=st.sampled_from(posts), form=FORMS, with_csrf=st.booleans())
    def fields(path, form, with_csrf):
        data = ([("csrf", console["csrf"])] if with_csrf else []) + form
        r = client.post(path, content=urlencode(data), follow_redirects=False, headers=console["origin"] | {
            "content-type": "application/x-www-form-urlencoded"})
        assert r.status_code < 500, (path, data, r.text[:300])

    @FUZZ
    @given(path=st.sampled_from(posts), body=RAW)
    def raw(path, body):
        r = client.post(path, content=body, follow_redirects=False, headers=console["origin"] | {
            "content-type": "application/x-www-form-urlencoded"})
        assert r.status_code < 500, (path, body, r.text[:300])

    fields()
    raw()
    app_page = client.get(f"/console/seekers/{s}")
    assert app_page.status_code == 200


@pytest.mark.parametrize("cookie", ["\u00ff\u00fe", "a.b.c", "x" * 4000, "1.99999999999999999999.deadbeef"])
def test_odd_session_cookies_are_refused_not_crashed(client, cookie):
    client.cookies.clear()
    for path, name in (("/console/", "rengang_console"), ("/kiosk/", "rengang_kiosk")):
        r = client.get(path, headers={"cookie": f"{name}={cookie}".encode()}, follow_redirects=False)
        assert r.status_code < 500, r.text[:300]


def test_kiosk_setup_and_api_never_answer_a_server_error(app, client, admin):
    employer = create_employer(client, admin)
    create_job(client, admin, employer_id=employer["id"])
    fair = create_fair(client, admin, booths=[{"employer_id": employer["id"], "booth": "A1"}])
    kiosk = {"Authorization": f"Bearer {kiosk_token(app, fair_id=fair['id'])}"}
    origin = {"Origin": str(client.base_url).rstrip("/")}
    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                               lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                          max_size=4), max_leaves=10)
    bodies = st.one_of(st.dictionaries(st.sampled_from(["tiles", "education", "work_type", "room_board", "travel_km",
                                                        "text", "k", "searches"]), json_values, max_size=6),
                       json_values)

    @FUZZ
    @given(body=RAW)
    def setup(body):
        r = client.post("/kiosk/setup", content=body, headers=origin | {
            "content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
        assert r.status_code < 500, (body, r.text[:300])

    @FUZZ
    @given(path=st.sampled_from(["/kiosk/api/match", "/kiosk/api/counts"]), body=bodies)
    def api(path, body):
        r = client.post(path, content=json.dumps(body), headers=kiosk | {"content-type": "application/json"})
        assert r.status_code < 500, (path, body, r.text[:300])

    setup()
    api()
