"""Officer accounts: created by an admin (API) or the command line, signed in with a password, sessions that
idle out and run out, sign-out, lock-out, and failed sign-ins audited without the password."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from service.models import AuditEvent
from service.models.accounts import ConsoleSession, OfficerAccount
from tests.casework_helpers import person

PASSWORD = "春风行动-2026-wenjiang"


@pytest.fixture(autouse=True)
def from_the_console(client):
    """Posts carry the Origin a browser sends from the console's own pages (foreign ones are refused)."""
    client.headers["Origin"] = str(client.base_url).rstrip("/")
    client.cookies.clear()
    yield
    client.headers.pop("Origin", None)
    client.cookies.clear()


def make_account(client, admin, *, username: str = "li.na", region: str | None = "5101", password: str = PASSWORD,
                 role: str = "officer") -> dict:
    body = {"username": username, "password": password, "role": role, "display_name": "李娜"}
    if region:
        body["region_prefix"] = region
    r = client.post("/api/v1/accounts", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


def sign_in(client, username: str = "li.na", password: str = PASSWORD, next_: str = "/console/"):
    return client.post("/console/login", data={"username": username, "password": password, "next": next_},
                       follow_redirects=False)


def signed_in(r) -> bool:
    return r.status_code == 303 and "err=" not in r.headers["location"] and "rengang_console=" in r.headers.get(
        "set-cookie", "")


def audit(db_session, action: str) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- creating accounts ----------------------------------------------------------------------------


def test_an_admin_creates_an_account_and_only_the_argon2id_hash_is_kept(client, admin, keys, db_session):
    out = make_account(client, admin)
    assert out["username"] == "li.na" and out["region_prefix"] == "5101" and out["role"] == "officer"
    assert "password" not in json.dumps(out) and PASSWORD not in json.dumps(out)
    stored = db_session.scalar(select(OfficerAccount).where(OfficerAccount.username == "li.na"))
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    listed = client.get("/api/v1/accounts", headers=admin).json()
    assert [a["username"] for a in listed] == ["li.na"] and "password_hash" not in listed[0]
    # an officer key may not create accounts, and the rules hold
    officer = keys.headers("officer", region="5101")
    assert client.post("/api/v1/accounts", json={"username": "x.y", "password": PASSWORD, "region_prefix": "5101"},
                       headers=officer).status_code == 403
    cases = [({"username": "li.na", "password": PASSWORD, "region_prefix": "5101"}, 409, "duplicate_username"),
             ({"username": "wang", "password": "short", "region_prefix": "5101"}, 422, "weak_password"),
             ({"username": "wang", "password": "aaaaaaaaaaaa", "region_prefix": "5101"}, 422, "weak_password"),
             ({"username": "wang", "password": PASSWORD}, 422, "region_required"),
             ({"username": "王小五一", "password": PASSWORD, "region_prefix": "5101"}, 422, "invalid_username")]
    for body, status, code in cases:
        r = client.post("/api/v1/accounts", json=body, headers=admin)
        assert (r.status_code, r.json().get("code", r.json()["error"])) == (status, code), (body, r.text)
    assert all(PASSWORD not in json.dumps(e.detail) for e in audit(db_session, "account.create"))


def test_the_command_line_creates_an_account_with_the_password_from_stdin(tmp_path, monkeypatch):
    from service import db
    from service.accounts import passwords
    from service.cli import app
    from service.settings import get_settings

    monkeypatch.setenv("RENGANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("RENGANG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(app, ["users", "create", "--region", "5101", "--name", "Zhang.Wei"], input=PASSWORD + "\n")
        assert r.exit_code == 0, r.output
        assert "zhang.wei" in r.output and PASSWORD not in r.output
        listed = runner.invoke(app, ["users", "list"])
        assert listed.exit_code == 0 and "zhang.wei\tofficer\t5101\tactive" in listed.output
        bad = runner.invoke(app, ["users", "create", "--name", "no.region"], input=PASSWORD + "\n")
        assert bad.exit_code == 2 and "管辖区划" in bad.output
        weak = runner.invoke(app, ["users", "create", "--region", "5101", "--name", "weak.one"], input="123\n")
        assert weak.exit_code == 2 and "密码至少" in weak.output
        with db.make_session_factory(db.make_engine(get_settings().resolved_database_url))() as session:
            account = session.scalar(select(OfficerAccount).where(OfficerAccount.username == "zhang.wei"))
            assert passwords.verify_password(account.password_hash, PASSWORD)
        assert runner.invoke(app, ["users", "disable", "zhang.wei"]).exit_code == 0
        assert "disabled" in runner.invoke(app, ["users", "list"]).output
    finally:
        get_settings.cache_clear()


# --- signing in -----------------------------------------------------------------------------------


def test_signing_in_with_a_password_opens_a_server_side_session(client, admin, db_session):
    account = make_account(client, admin)
    r = sign_in(client, "Li.Na", next_="/console/caseload")  # the user name is not case-sensitive
    assert signed_in(r) and r.headers["location"] == "/console/caseload"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/console" in cookie
    assert "secure" not in cookie.lower()  # plain http in tests; Secure when served over https
    token = client.cookies.get("rengang_console")
    stored = db_session.scalars(select(ConsoleSession)).all()
    assert len(stored) == 1 and stored[0].account_id == account["id"] and token not in stored[0].token_hash
    page = client.get("/console/caseload")
    assert page.status_code == 200 and "失业人员台账" in page.text
    [event] = audit(db_session, "console.login")
    assert event.key_id == "user:li.na" and event.record_id == account["id"] and event.detail["method"] == "password"
    # a foreign site cannot sign anybody in
    r = client.post("/console/login", data={"username": "li.na", "password": PASSWORD},
                    headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 403


def test_a_wrong_password_is_refused_and_audited_without_the_password(client, admin, db_session):
    account = make_account(client, admin)
    r = sign_in(client, password="not-the-password-1")
    assert r.status_code == 303 and "/console/login" in r.headers["location"] and "err=" in r.headers["location"]
    assert "rengang_console" not in client.cookies
    assert "用户名或密码错误" in client.get(r.headers["location"]).text
    # a password typed into the name field must not reach the audit log
    assert not signed_in(sign_in(client, username=PASSWORD, password="li.na"))
    events = audit(db_session, "console.login_failed")
    assert [(e.key_id, e.record_id, e.detail["reason"]) for e in events] == [
        ("user:li.na", account["id"], "wrong_password"), ("user:?", None, "unknown_user")]
    text = json.dumps([[e.key_id, e.detail] for e in events], ensure_ascii=False)
    assert "not-the-password" not in text and PASSWORD not in text
    assert audit(db_session, "console.login") == []


def test_repeated_failures_lock_the_address_out_even_with_the_right_password(client, admin):
    make_account(client, admin)
    for _ in range(4):
        assert sign_in(client, password="wrong-password-x").status_code == 303
    locked = sign_in(client, password="wrong-password-x")  # the fifth within five minutes
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0 and "锁定" in locked.text
    assert sign_in(client).status_code == 429  # refused before the password is looked at


def test_a_session_idles_out_and_has_an_absolute_limit(app, client, admin):
    make_account(client, admin)
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    now = [t0]
    app.state.clock = lambda: now[0]
    idle, absolute = app.state.settings.console_idle_minutes, app.state.settings.console_session_max_hours
    assert signed_in(sign_in(client))

    def at(delta: timedelta) -> int:
        now[0] = t0 + delta
        return client.get("/console/caseload", follow_redirects=False).status_code

    assert at(timedelta(minutes=idle - 1)) == 200  # active: the idle clock starts again here
    assert at(timedelta(minutes=2 * idle - 2)) == 200
    assert at(timedelta(minutes=3 * idle)) == 303  # idle for idle + 2 minutes: signed out
    assert at(timedelta(minutes=3 * idle - 5)) == 303  # an ended session stays ended

    # busy all day: the absolute limit still ends it
    client.cookies.clear()
    now[0] = t0
    assert signed_in(sign_in(client))
    step = timedelta(minutes=idle - 1)
    t = timedelta(0)
    while t + step < timedelta(hours=absolute):
        t += step
        assert at(t) == 200
    assert at(timedelta(hours=absolute)) == 303


def test_signing_out_ends_the_session_on_the_server(client, admin, db_session):
    make_account(client, admin)
    assert signed_in(sign_in(client))
    token = client.cookies.get("rengang_console")
    page = client.get("/console/caseload").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    client.cookies.set("rengang_console", token, path="/console")  # a copy of the cookie kept somewhere
    assert client.get("/console/caseload", follow_redirects=False).status_code == 303
    assert [e.key_id for e in audit(db_session, "console.logout")] == ["user:li.na"]


def test_disabling_an_account_ends_its_sessions_and_its_sign_ins(client, admin):
    make_account(client, admin)
    assert signed_in(sign_in(client))
    r = client.post("/api/v1/accounts/li.na/disable", headers=admin)
    assert r.status_code == 200 and r.json()["disabled_at"]
    assert client.get("/console/caseload", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert not signed_in(sign_in(client))


def test_a_password_reset_ends_open_sessions(client, admin):
    make_account(client, admin)
    assert signed_in(sign_in(client))
    new = "另一个-Passw0rd-2026"
    assert client.put("/api/v1/accounts/li.na/password", json={"password": new}, headers=admin).status_code == 200
    assert client.get("/console/caseload", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert not signed_in(sign_in(client))
    client.cookies.clear()
    assert signed_in(sign_in(client, password=new))


def test_an_account_sees_only_its_region_like_an_officer_key(client, admin):
    from tests.factories import ZICHUAN

    make_account(client, admin)
    here = person(client, admin, name="本地人")
    elsewhere = person(client, admin, region_code=ZICHUAN, name="外地人")
    assert signed_in(sign_in(client))
    assert client.get(f"/console/seekers/{here['id']}").status_code == 200
    assert client.get(f"/console/seekers/{elsewhere['id']}").status_code == 404
    listed = client.get("/console/seekers").text
    assert "本地人" in listed and "外地人" not in listed


def test_the_login_page_asks_for_a_user_name_and_password(client):
    page = client.get("/console/login").text
    assert 'id="username"' in page and 'autocomplete="current-password"' in page and "经办人员登录" in page
