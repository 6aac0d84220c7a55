"""Security headers on every response, nothing inline in the pages, and form posts refused from other sites."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from matching.enums import Role
from service.models.casework import Contact
from tests.casework_helpers import open_job, person, register
from tests.fair_helpers import create_fair, kiosk_token

OWN = "http://testserver"
FOREIGN = "https://evil.example"


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture()
def console(client, keys):
    """A client logged in to the console, posting from the console's own pages."""
    headers = keys.headers(Role.officer, region="5101")
    client.cookies.clear()
    r = client.post("/console/login", data={"key": _token(headers)}, headers={"Origin": OWN}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/", r.text
    yield headers
    client.cookies.clear()


@pytest.fixture()
def world(client, admin, app):
    seeker = person(client, admin, name="安全头测试人")
    register(client, admin, seeker["id"])
    job = open_job(client, admin)
    fair = create_fair(client, admin, booths=[{"employer_id": job["employer_id"], "booth": "A01"}])
    return {"seeker": seeker, "job": job, "fair": fair, "kiosk": kiosk_token(app, fair_id=fair["id"])}


def _kiosk_setup(client, token: str) -> None:
    r = client.post("/kiosk/setup", data={"key": token}, headers={"Origin": OWN}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _csp(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";")) if d}


def _assert_common(response) -> None:
    h = response.headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    assert h["x-frame-options"] == "DENY"
    assert _csp(response)["frame-ancestors"] == "'none'"
    assert "strict-transport-security" not in h  # plain http here


def _pages(client, world) -> dict[str, str]:
    """Every HTML page of the console and the kiosk, fetched with a session (the console one is logged in)."""
    fair_id, job_id, seeker_id = world["fair"]["id"], world["job"]["id"], world["seeker"]["id"]
    urls = ["/console/login", "/console/", "/console/caseload", f"/console/seekers/{seeker_id}",
            "/console/assistance", "/console/households", "/console/stats", "/kiosk/setup",
            f"/kiosk/take/{fair_id}?j={job_id}"]
    pages = {}
    for url in urls:
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), (url, r.status_code)
        pages[url] = r
    _kiosk_setup(client, world["kiosk"])
    pages["/kiosk/"] = client.get("/kiosk/", follow_redirects=False)
    assert pages["/kiosk/"].status_code == 200
    return pages


class _Inline(HTMLParser):
    """What a policy without 'unsafe-inline' would block: script code, style blocks and attributes, on* handlers."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script_code = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            self._script_code = "src" not in names and names.get("type") != "application/json"
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name, _ in attrs if name == "style" or name.startswith("on")]
        self.found += [f"{tag} {name}=javascript:" for name, v in attrs if (v or "").strip().startswith("javascript:")]

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_code = False

    def handle_data(self, data):
        if self._script_code and data.strip():
            self.found.append("<script> code")


def test_pages_have_a_policy_without_inline_code_and_nothing_inline(client, console, world):
    for url, r in _pages(client, world).items():
        _assert_common(r)
        csp = _csp(r)
        assert csp["default-src"] == "'self'" and "'unsafe-inline'" not in r.headers["content-security-policy"], url
        assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'" and csp["form-action"] == "'self'", url
        parser = _Inline()
        parser.feed(r.text)
        assert parser.found == [], (url, parser.found)


def test_stats_bars_are_drawn_without_inline_styles(client, console):
    page = client.get("/console/stats?start=2026-01-01&end=2026-01-31").text
    assert 'class="bar"' in page and "<rect class=\"fill\"" in page and "style=" not in page


def test_json_and_files_get_the_headers_too(client, admin, world):
    for url, headers in [("/api/v1/seekers", admin), ("/healthz", {}), ("/openapi.json", {}),
                         ("/console/static/console.js", {}), ("/nowhere", {})]:
        r = client.get(url, headers=headers)
        _assert_common(r)
        assert _csp(r)["default-src"] == "'none'", url


def test_personal_data_is_never_cached_but_static_files_are(client, admin, console, world):
    seeker_id = world["seeker"]["id"]
    for url, headers in [(f"/api/v1/seekers/{seeker_id}", admin), ("/api/v1/caseload", admin),
                         ("/api/v1/nowhere", admin), (f"/console/seekers/{seeker_id}", {}),
                         ("/console/stats.csv", {}), ("/console/login", {}), ("/kiosk/setup", {})]:
        r = client.get(url, headers=headers, follow_redirects=False)
        assert r.headers["cache-control"] == "no-store", url
    assert client.get("/console/static/console.css").headers["cache-control"] == "max-age=3600"
    assert client.get("/kiosk/static/take.css").headers["cache-control"] == "max-age=86400"


def test_hsts_only_when_the_request_came_over_https(app, client):
    assert "strict-transport-security" not in client.get("/healthz").headers
    over_tls = TestClient(app, base_url="https://testserver")  # app already started by the session's client
    r = over_tls.get("/healthz")
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


def _sha256(code: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(code).digest()).decode()}'"


@pytest.mark.parametrize("url", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_allow_exactly_what_they_load(client, url):
    r = client.get(url)
    assert r.status_code == 200
    _assert_common(r)
    csp = _csp(r)
    assert csp["default-src"] == "'none'" and csp["connect-src"] == "'self'" and csp["form-action"] == "'none'"
    scripts = csp["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    inline = re.findall(rb"<script>(.*?)</script>", r.content, re.S)
    assert {_sha256(code) for code in inline} == {s for s in scripts if s.startswith("'sha256-")}
    for src in re.findall(r'<script src="([^"]+)"', r.text):
        assert _allows(csp["script-src"], src), src
    for href in re.findall(r'<link[^>]*href="([^"]+)"', r.text):
        assert _allows(csp["style-src"], href) or _allows(csp["img-src"], href), href


def _allows(sources: str, url: str) -> bool:
    """CSP source matching for URL sources: a bare origin allows all its paths, a full URL only itself."""
    u = urlsplit(url)
    for source in sources.split():
        s = urlsplit(source)
        if s.scheme == u.scheme and s.netloc == u.netloc and s.path in ("", "/", u.path):
            return True
    return False


# --- Origin on form posts ---------------------------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("headers", [
    {"Origin": FOREIGN},
    {"Origin": "null"},
    {"Referer": FOREIGN + "/console/login"},
    {},
    {"Origin": "http://testserver.evil.example"},
], ids=["foreign-origin", "null-origin", "foreign-referer", "neither", "look-alike"])
def test_login_from_another_site_is_refused(client, keys, headers):
    client.cookies.clear()
    token = _token(keys.headers(Role.officer, region="5101"))
    r = client.post("/console/login", data={"key": token}, headers=headers, follow_redirects=False)
    assert r.status_code == 403 and "请求被拒绝" in r.text and "来源与本站地址不符" in r.text
    assert "set-cookie" not in r.headers


def test_login_from_the_console_itself(client, keys):
    client.cookies.clear()
    token = _token(keys.headers(Role.officer, region="5101"))
    for headers in ({"Origin": OWN}, {"Origin": "http://TESTSERVER:8443"}, {"Referer": OWN + "/console/login"}):
        r = client.post("/console/login", data={"key": token}, headers=headers, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/console/", headers
    client.cookies.clear()


def test_a_form_post_from_another_site_changes_nothing(client, console, world, db_session):
    seeker_id = world["seeker"]["id"]
    csrf = _csrf(client.get(f"/console/seekers/{seeker_id}").text)
    form = {"channel": "phone", "csrf": csrf, "services": ["job_introduction"]}
    for headers in ({"Origin": FOREIGN}, {}, {"Referer": FOREIGN + f"/console/seekers/{seeker_id}"}):
        r = client.post(f"/console/seekers/{seeker_id}/contacts", data=form, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and "请求被拒绝" in r.text, headers
    assert db_session.scalars(select(Contact).where(Contact.seeker_id == seeker_id)).all() == []
    r = client.post(f"/console/seekers/{seeker_id}/contacts", data=form, headers={"Origin": OWN},
                    follow_redirects=False)
    assert r.status_code == 303 and "err=" not in r.headers["location"]
    assert len(db_session.scalars(select(Contact).where(Contact.seeker_id == seeker_id)).all()) == 1


def test_logout_from_another_site_is_refused(client, console):
    csrf = _csrf(client.get("/console/caseload").text)
    r = client.post("/console/logout", data={"csrf": csrf}, headers={"Origin": FOREIGN}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/console/caseload", follow_redirects=False).status_code == 200  # still logged in


def test_kiosk_setup_from_another_site_is_refused(client, world):
    client.cookies.clear()
    r = client.post("/kiosk/setup", data={"key": world["kiosk"]}, headers={"Origin": FOREIGN}, follow_redirects=False)
    assert r.status_code == 403 and "请求来源与本站不符" in r.text and "set-cookie" not in r.headers
    r = client.post("/kiosk/setup", data={"key": world["kiosk"]}, follow_redirects=False)
    assert r.status_code == 403
    _kiosk_setup(client, world["kiosk"])
    client.cookies.clear()
