"""Abuse limits 限流: wrong keys and console logins lock the caller out, bursts get 429 with Retry-After,
and a normal officer's or kiosk's day never meets a limit."""

from __future__ import annotations

import logging
import os
import secrets
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import event

from matching.enums import Role
from service.errors import TooManyRequests
from service.ratelimit import Limiter
from service.settings import Settings
from tests.factories import create_employer, create_job, create_seeker
from tests.fair_helpers import bearer, create_fair, kiosk_token

SITE = {"Origin": "http://testserver"}  # browsers send it on every post; the console and kiosk forms need it


def wrong_token() -> str:
    return f"rg_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def from_address(app, address: str) -> TestClient:
    """Another caller: the same app seen from another client address."""
    return TestClient(app, client=(address, 50000))


@pytest.fixture()
def limits(app):
    """Swap in a limiter built from the app's settings with some overridden; the app's own comes back after.

    The tests count per hour: a sliding-window counter gives the previous window's hits less weight as
    time passes, so a burst straddling a window's end counts a little less; over an hour that never matters.
    """
    own = app.state.limiter

    def use(*, key_prefix: str = "rengang", **overrides) -> Limiter:
        app.state.limiter = Limiter(app.state.settings.model_copy(update=overrides), key_prefix=key_prefix)
        return app.state.limiter

    yield use
    app.state.limiter = own


def assert_rate_limited(r, *, retry_after: int | None = None) -> None:
    assert r.status_code == 429, r.text
    wait = int(r.headers["Retry-After"])
    assert wait >= 1 and (retry_after is None or wait == retry_after)
    if r.headers["content-type"].startswith("application/json"):
        body = r.json()
        assert body["error"] == "rate_limited" and body["field"] is None
        assert f"请在 {wait} 秒后重试" in body["detail"]


# --- failed sign-ins ---------------------------------------------------------------------------


def test_wrong_keys_lock_the_address_out_even_for_the_right_key(app, client, admin, limits):
    limits(rate_limit_auth_failures="10/hour", rate_limit_auth_lockout_seconds=1)
    codes = [client.get("/api/v1/jobs", headers=bearer(wrong_token())).status_code for _ in range(30)]
    assert codes == [401] * 10 + [429] * 20
    r = client.get("/api/v1/jobs", headers=admin)
    assert_rate_limited(r, retry_after=1)
    assert "验证失败次数过多" in r.json()["detail"]
    assert client.get("/api/v1/jobs", headers={"X-API-Key": token_of(admin)}).status_code == 429

    assert from_address(app, "203.0.113.7").get("/api/v1/jobs", headers=admin).status_code == 200
    time.sleep(1.1)  # the lock-out has passed
    assert client.get("/api/v1/jobs", headers=admin).status_code == 200

    # back-off: the failures are still in the window, so the next wrong key locks again, twice as long
    assert client.get("/api/v1/jobs", headers=bearer(wrong_token())).status_code == 401
    assert_rate_limited(client.get("/api/v1/jobs", headers=admin), retry_after=2)


def test_a_locked_out_caller_is_refused_without_touching_the_database(app, client, keys, limits):
    limits(rate_limit_auth_failures="3/hour")
    never_verified = keys.headers(Role.officer, region="5101")
    for _ in range(3):
        client.get("/api/v1/jobs", headers=bearer(wrong_token()))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(app.state.engine, "before_cursor_execute", listener)
    try:
        assert client.get("/api/v1/jobs", headers=never_verified).status_code == 429
    finally:
        event.remove(app.state.engine, "before_cursor_execute", listener)
    assert statements == []


def test_wrong_secrets_for_one_key_id_lock_that_key_out_from_every_address(app, admin, keys, limits):
    limits(rate_limit_auth_failures="3/hour")
    key_id = token_of(admin).split("_")[1]
    for n in range(3):  # a distributed guesser: each address fails once
        forged = f"rg_{key_id}_{secrets.token_urlsafe(32)}"
        assert from_address(app, f"198.51.100.{n}").get("/api/v1/jobs", headers=bearer(forged)).status_code == 401
    elsewhere = from_address(app, "198.51.100.200")
    assert_rate_limited(elsewhere.get("/api/v1/jobs", headers=admin))
    assert elsewhere.get("/api/v1/jobs", headers=keys.headers(Role.app)).status_code == 200  # other keys are not


def test_requests_without_a_key_are_not_counted_as_failures(client, admin, limits):
    limits(rate_limit_auth_failures="3/hour")
    for _ in range(10):
        assert client.get("/api/v1/jobs").status_code == 401
    assert client.get("/api/v1/jobs", headers=admin).status_code == 200


def test_console_login_brute_force_is_locked_out(app, client, keys, limits):
    limits(rate_limit_console_failures="5/hour", rate_limit_console_lockout_seconds=600)
    officer = token_of(keys.headers(Role.officer, region="5101"))
    client.cookies.clear()
    for _ in range(4):
        r = client.post("/console/login", data={"key": wrong_token()}, headers=SITE, follow_redirects=False)
        assert r.status_code == 303 and "/console/login?err=" in r.headers["location"]
    r = client.post("/console/login", data={"key": wrong_token()}, headers=SITE, follow_redirects=False)
    assert_rate_limited(r, retry_after=600)
    assert "验证失败次数过多" in r.text and "600 秒后重试" in r.text and r.headers["content-type"].startswith("text/html")

    r = client.post("/console/login", data={"key": officer}, headers=SITE, follow_redirects=False)
    assert_rate_limited(r)
    assert "set-cookie" not in r.headers
    ok = from_address(app, "203.0.113.8").post("/console/login", data={"key": officer}, headers=SITE,
                                               follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/console/"


def test_kiosk_setup_is_locked_out_after_wrong_keys(client, limits):
    limits(rate_limit_auth_failures="3/hour", rate_limit_auth_lockout_seconds=300)
    for _ in range(3):
        assert client.post("/kiosk/setup", data={"key": wrong_token()}, headers=SITE).status_code == 401
    r = client.post("/kiosk/setup", data={"key": wrong_token()}, headers=SITE)
    assert_rate_limited(r, retry_after=300)
    assert "验证失败次数过多" in r.text


# --- bursts ------------------------------------------------------------------------------------


@pytest.fixture()
def fair(client, admin):
    employer = create_employer(client, admin)
    jobs = [create_job(client, admin, employer_id=employer["id"]) for _ in range(3)]
    fair = create_fair(client, admin, booths=[{"employer_id": employer["id"], "booth": "A01"}])
    return {"fair": fair, "job_ids": [j["id"] for j in jobs]}


def test_a_burst_on_the_take_away_page_is_limited_per_address(app, client, fair, limits):
    limits(rate_limit_public="5/hour")
    url = f"/kiosk/take/{fair['fair']['id']}?j={'.'.join(map(str, fair['job_ids']))}"
    assert [client.get(url).status_code for _ in range(5)] == [200] * 5
    r = client.get(url)
    assert_rate_limited(r)
    assert from_address(app, "203.0.113.9").get(url).status_code == 200


def test_a_burst_on_the_kiosk_api_is_limited_per_kiosk_key_and_per_address(app, client, fair, limits):
    limits(rate_limit_kiosk="5/hour")
    kiosk = bearer(kiosk_token(app, fair_id=fair["fair"]["id"]))
    for _ in range(5):
        assert client.post("/kiosk/api/match", json={"tiles": ["logistics"]}, headers=kiosk).status_code == 200
    assert_rate_limited(client.post("/kiosk/api/match", json={"tiles": ["logistics"]}, headers=kiosk))
    assert_rate_limited(client.get("/kiosk/api/fair", headers=kiosk))
    assert_rate_limited(from_address(app, "203.0.113.10").get("/kiosk/api/fair", headers=kiosk))  # the key is spent
    another = bearer(kiosk_token(app, fair_id=fair["fair"]["id"]))
    assert_rate_limited(client.get("/kiosk/api/fair", headers=another))  # so is this address
    assert from_address(app, "203.0.113.10").get("/kiosk/api/fair", headers=another).status_code == 200


def test_a_burst_of_free_text_matching_is_limited_before_the_engine_runs(app, client, keys, limits):
    limits(rate_limit_matching="5/hour")
    app_key = keys.headers(Role.app)
    body = {"text": "想找叉车司机的工作", "scope": "anywhere"}
    codes = [client.post("/api/v1/matches/jobs", json=body, headers=app_key).status_code for _ in range(5)]
    assert codes == [503] * 5  # counted, then refused by the engine this app has not loaded
    assert_rate_limited(client.post("/api/v1/matches/jobs", json=body, headers=app_key))
    assert client.get("/api/v1/jobs", headers=app_key).status_code == 200  # only matching is limited


def test_a_burst_of_api_requests_is_limited_per_key(app, client, keys, limits):
    limits(rate_limit_api="20/hour")
    first, second = keys.headers(Role.app), keys.headers(Role.app)
    assert all(client.get("/api/v1/jobs", headers=first).status_code == 200 for _ in range(20))
    assert_rate_limited(client.get("/api/v1/jobs", headers=first))
    assert client.get("/api/v1/jobs", headers=second).status_code == 200  # per key, not per address


def test_throttle_decisions_are_logged_with_the_limit_and_address_never_the_token(client, limits, caplog):
    limits(rate_limit_auth_failures="2/hour")
    tokens = [wrong_token() for _ in range(3)]
    with caplog.at_level(logging.WARNING, logger="rengang"):
        for token in tokens:
            client.get("/api/v1/jobs", headers=bearer(token))
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("lockout auth" in m and "address=testclient" in m and "locked" in m for m in messages)
    assert any("lockout auth refused" in m for m in messages)
    assert not any(token.split("_", 2)[2] in m for m in messages for token in tokens)


def test_disabled_limits_never_answer_429(app, client, admin, fair, limits):
    limits(rate_limit_enabled=False)
    assert {client.get("/api/v1/jobs", headers=bearer(wrong_token())).status_code for _ in range(30)} == {401}
    assert client.get("/api/v1/jobs", headers=admin).status_code == 200
    assert {client.get(f"/kiosk/take/{fair['fair']['id']}").status_code for _ in range(150)} == {200}


# --- normal use never meets a limit (the defaults) ---------------------------------------------


def test_a_busy_officer_session_never_meets_a_limit(app, client, admin, keys):
    officer = keys.headers(Role.officer, region="5101")
    employer = create_employer(client, admin)
    jobs = [create_job(client, admin, employer_id=employer["id"])["id"] for _ in range(5)]
    seekers = [create_seeker(client, admin)["id"] for _ in range(5)]
    requests = [
        lambda i: client.get("/api/v1/jobs", params={"page": 1 + i % 3}, headers=officer),
        lambda i: client.get(f"/api/v1/jobs/{jobs[i % 5]}", headers=officer),
        lambda i: client.get(f"/api/v1/seekers/{seekers[i % 5]}", headers=officer),
        lambda i: client.get("/api/v1/seekers", params={"region": "5101"}, headers=officer),
        lambda i: client.post("/api/v1/matches/jobs", json={"text": "仓库叉车", "scope": "anywhere"}, headers=officer),
        lambda i: client.get("/api/v1/referrals", params={"seeker_id": seekers[i % 5]}, headers=officer),
        lambda i: client.post("/api/v1/referrals", json={"seeker_id": seekers[i % 5], "job_id": jobs[i % 5]},
                              headers=officer),
    ]
    started = time.monotonic()
    statuses = [requests[i % len(requests)](i).status_code for i in range(300)]
    assert time.monotonic() - started < 60  # all 300 inside one window, faster than any person works
    assert 429 not in statuses and 401 not in statuses
    assert app.state.settings.rate_limit_enabled


def test_a_kiosk_session_of_sixty_taps_never_meets_a_limit(app, client, fair):
    token = kiosk_token(app, fair_id=fair["fair"]["id"])
    client.cookies.clear()
    r = client.post("/kiosk/setup", data={"key": token}, headers=SITE, follow_redirects=False)
    assert r.status_code == 303
    statuses = [client.get("/kiosk/").status_code, client.get("/kiosk/api/fair").status_code]
    tiles = ["logistics", "food", "factory", "office"]
    for tap in range(60):
        statuses.append(client.post("/kiosk/api/match", json={"tiles": [tiles[tap % 4]]}).status_code)
        if tap % 5 == 0:
            statuses.append(client.get(f"/kiosk/api/similar/{fair['job_ids'][tap % 3]}").status_code)
        if tap % 10 == 0:
            statuses.append(client.post("/kiosk/api/counts", json={"searches": 1}).status_code)
    phones = [client.get(f"/kiosk/take/{fair['fair']['id']}?j={fair['job_ids'][0]}").status_code for _ in range(30)]
    assert set(statuses) <= {200, 204} and set(phones) == {200}
    client.cookies.clear()


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("rate_limit_api", "lots"),
    ("rate_limit_kiosk", "10/fortnight"),
    ("rate_limit_public", "0/minute"),
    ("rate_limit_auth_failures", ""),
    ("rate_limit_storage", "memcached://127.0.0.1:11211"),
    ("rate_limit_auth_lockout_seconds", 0),
])
def test_settings_refuse_a_limit_that_cannot_be_read(field, value):
    with pytest.raises(ValidationError, match=field):
        Settings(env="test", **{field: value})


def test_settings_read_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("RENGANG_RATE_LIMIT_API", "20/second;1200/minute")
    monkeypatch.setenv("RENGANG_RATE_LIMIT_STORAGE", "redis://127.0.0.1:6379/0")
    settings = Settings(env="test")
    assert settings.rate_limit_api == "20/second;1200/minute" and settings.rate_limit_storage.startswith("redis")
    monkeypatch.setenv("RENGANG_RATE_LIMIT_API", "many")
    with pytest.raises(ValidationError):
        Settings(env="test")


# --- a shared store: Redis ---------------------------------------------------------------------

REDIS_URL = os.environ.get("RENGANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture()
def redis_settings() -> Settings:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as e:  # a needed service, like PostgreSQL: missing is a failure, not a skip
        pytest.fail(f"these tests need Redis at {REDIS_URL} (set RENGANG_TEST_REDIS_URL): {e}")
    return Settings(env="test", rate_limit_storage=REDIS_URL, rate_limit_api="3/minute",
                    rate_limit_auth_failures="2/minute", rate_limit_auth_lockout_seconds=60)


def test_two_processes_share_counts_and_lock_outs_in_redis(redis_settings):
    prefix = f"rengang-test-{uuid.uuid4().hex}"
    one, two = Limiter(redis_settings, key_prefix=prefix), Limiter(redis_settings, key_prefix=prefix)
    try:
        assert not one.local
        one.hit("api", address="10.0.0.1", key_id="k1")
        two.hit("api", address="10.0.0.2", key_id="k1")
        one.hit("api", address="10.0.0.3", key_id="k1")
        with pytest.raises(TooManyRequests) as refused:
            two.hit("api", address="10.0.0.4", key_id="k1")
        assert refused.value.retry_after >= 1
        two.hit("api", address="10.0.0.4", key_id="k2")  # another key has its own count

        assert one.failed("auth", address="10.0.0.5") is None
        locked = two.failed("auth", address="10.0.0.5")
        assert locked is not None and locked.retry_after == 60
        for limiter in (one, two):
            with pytest.raises(TooManyRequests):
                limiter.ensure_unlocked("auth", address="10.0.0.5")
        one.ensure_unlocked("auth", address="10.0.0.6")
        one.reset()
        two.ensure_unlocked("auth", address="10.0.0.5")
        two.hit("api", address="10.0.0.4", key_id="k1")
    finally:
        one.reset()


def test_the_app_locks_out_through_redis(app, client, admin, limits, redis_settings):
    limiter = limits(rate_limit_storage=REDIS_URL, rate_limit_auth_failures="3/minute",
                     key_prefix=f"rengang-test-{uuid.uuid4().hex}")
    try:
        assert not limiter.local  # the limiter runs in the thread pool, off the event loop
        codes = [client.get("/api/v1/jobs", headers=bearer(wrong_token())).status_code for _ in range(5)]
        assert codes == [401] * 3 + [429] * 2
        assert_rate_limited(client.get("/api/v1/jobs", headers=admin))
    finally:
        limiter.reset()


def test_an_unreachable_store_lets_requests_through_and_says_so(client, admin, limits, caplog):
    limits(rate_limit_storage="redis://127.0.0.1:1/0", rate_limit_auth_failures="1/minute")
    with caplog.at_level(logging.ERROR, logger="rengang"):
        assert client.get("/api/v1/jobs", headers=bearer(wrong_token())).status_code == 401
        assert client.get("/api/v1/jobs", headers=admin).status_code == 200
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "rate-limit storage failed" in errors[0]
