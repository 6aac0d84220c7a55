"""The console's sessions and forms, without a browser: cookie login, CSRF, region scope."""

from __future__ import annotations

import re

import pytest

from tests.casework_helpers import person, register
from tests.factories import ZICHUAN


def _token(headers):
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture(autouse=True)
def from_the_console(client):
    """Posts carry the Origin a browser sends from the console's own pages (foreign ones are refused)."""
    client.headers["Origin"] = str(client.base_url).rstrip("/")
    yield
    client.headers.pop("Origin", None)


@pytest.fixture()
def logged_in(client, keys):
    headers = keys.headers("officer", region="5101")
    client.cookies.clear()
    r = client.post("/console/login", data={"key": _token(headers)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/console" in cookie
    yield headers
    client.cookies.clear()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_pages_need_a_session(client):
    client.cookies.clear()
    r = client.get("/console/stats", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")


def test_only_officer_or_admin_keys_open_the_console(client, keys):
    client.cookies.clear()
    for token in ("rg_bad_bad", _token(keys.headers("app"))):
        r = client.post("/console/login", data={"key": token}, follow_redirects=False)
        assert "/console/login?err=" in r.headers["location"]


def test_forms_need_the_sessions_csrf_token(client, logged_in):
    seeker = person(client, logged_in)
    page = client.get(f"/console/seekers/{seeker['id']}").text
    r = client.post(f"/console/seekers/{seeker['id']}/contacts", data={"channel": "phone"}, follow_redirects=False)
    assert r.headers["location"].startswith("/console/login")
    r = client.post(f"/console/seekers/{seeker['id']}/contacts",
                    data={"channel": "phone", "csrf": _csrf(page), "services": ["job_introduction", "policy_referral"]},
                    follow_redirects=True)
    assert "已记录跟踪服务" in r.text and "职业介绍、政策推荐" in r.text


def test_form_errors_come_back_in_chinese(client, logged_in):
    seeker = person(client, logged_in)
    csrf = _csrf(client.get(f"/console/seekers/{seeker['id']}").text)
    r = client.post(f"/console/seekers/{seeker['id']}/assistance", data={"csrf": csrf})
    assert "仅已核实的就业困难人员或零就业家庭成员可纳入就业援助" in r.text
    r = client.post(f"/console/seekers/{seeker['id']}/referrals", data={"csrf": csrf})
    assert "请至少选择一个岗位" in r.text


def test_console_is_scoped_to_the_officers_region(client, admin, logged_in):
    elsewhere = person(client, admin, region_code=ZICHUAN, name="外地人")
    register(client, admin, elsewhere["id"])
    assert "外地人" not in client.get("/console/caseload").text
    r = client.get(f"/console/seekers/{elsewhere['id']}")
    assert r.status_code == 404


def test_stats_page_and_csv(client, logged_in):
    page = client.get("/console/stats?start=2026-01-01&end=2026-01-31")
    assert page.status_code == 200 and "城镇新增就业" in page.text and "高校毕业生就业率" in page.text
    csv = client.get("/console/stats.csv?start=2026-01-01&end=2026-01-31")
    assert csv.status_code == 200 and "指标" in csv.text
