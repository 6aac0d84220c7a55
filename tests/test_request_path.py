"""What every request goes through: the key check and its cache, the session, the database settings, logging."""

from __future__ import annotations

import io
import logging
import threading
import time
from datetime import UTC, datetime

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.pool import NullPool

from matching.enums import Role
from service import db
from service.errors import Unauthorized
from service.logs import RedactingFilter
from service.models import ApiKey
from service.security import Principal
from service.usecases.keys import KEY_CACHE_SECONDS, KeyCache, authenticate, create_key, revoke_key
from tests.conftest import BACKENDS, POSTGRES_URL
from tests.factories import create_employer, create_job, create_seeker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _key_id(headers: dict[str, str]) -> str:
    return _token(headers).split("_")[1]


# --- keys through the API ----------------------------------------------------------------------


def test_a_revoked_key_stops_working_at_once_in_this_process(client, app, keys):
    headers = keys.headers("admin")
    assert client.get("/api/v1/jobs", headers=headers).status_code == 200  # verified, so now remembered
    assert len(app.state.api_keys) >= 1
    with app.state.session_factory() as session:
        assert revoke_key(session, key_id=_key_id(headers))
    r = client.get("/api/v1/jobs", headers=headers)
    assert r.status_code == 401 and r.json()["error"] == "invalid_api_key"
    assert client.get("/api/v1/jobs", headers={"X-API-Key": _token(headers)}).status_code == 401


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_time(client, app, keys, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(app.state.api_keys, "clock", clock)
    headers = keys.headers("app")
    assert client.get("/api/v1/jobs", headers=headers).status_code == 200
    with app.state.session_factory() as session:  # as `rengang keys revoke` does from its own process
        session.execute(update(ApiKey).where(ApiKey.key_id == _key_id(headers)).values(revoked_at=datetime.now(UTC)))
        session.commit()
    clock.now += KEY_CACHE_SECONDS - 0.5
    assert client.get("/api/v1/jobs", headers=headers).status_code == 200  # the documented delay
    clock.now += 1.0
    assert client.get("/api/v1/jobs", headers=headers).status_code == 401


def test_the_key_cache_keeps_every_key_to_its_own_role_and_scope(client, admin, keys):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    seeker = create_seeker(client, admin)
    kiosk, app_key = keys.headers("kiosk"), keys.headers("app")
    zibo = keys.headers("officer", region="3703")
    for _ in range(3):  # the first round verifies against the database, the later ones come from the cache
        assert client.get("/api/v1/audit", headers=admin).status_code == 200
        assert client.get("/api/v1/audit", headers=app_key).status_code == 403
        assert client.get("/api/v1/audit", headers=kiosk).status_code == 403
        assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=kiosk).status_code == 403
        assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=app_key).status_code == 200
        assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=zibo).status_code == 404
        assert client.get(f"/api/v1/jobs/{job['id']}", headers=zibo).status_code == 404
        assert client.get(f"/api/v1/jobs/{job['id']}", headers=kiosk).status_code == 200
    audit = client.get("/api/v1/audit", params={"action": "seeker.read"}, headers=admin).json()
    assert {(e["key_id"], e["role"]) for e in audit["items"]} == {(_key_id(app_key), "app")}
    assert audit["total"] == 3  # every read is audited, cached key or not


def test_a_cached_key_id_with_another_secret_is_refused(client, admin, keys):
    assert client.get("/api/v1/jobs", headers=admin).status_code == 200
    other_secret = _token(keys.headers("kiosk")).split("_", 2)[2]
    forged = f"rg_{_key_id(admin)}_{other_secret}"
    r = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_api_key"
    for bad in ("", "Bearer ", "Bearer rg_", "Bearer rg__x", "Basic abc", "Bearer " + _token(admin)[:-1]):
        assert client.get("/api/v1/jobs", headers={"Authorization": bad}).status_code == 401, bad


def test_requests_give_their_connection_back(client, app, admin):
    seeker = create_seeker(client, admin)
    paths = ["/api/v1/jobs", f"/api/v1/seekers/{seeker['id']}", "/api/v1/jobs/999999", "/api/v1/audit?page=0"]
    for path in paths:
        client.get(path, headers=admin)
    client.get("/api/v1/jobs", headers={"Authorization": "Bearer rg_nope_nope"})
    client.post("/api/v1/employers", json={"name": "x"}, headers=admin)
    deadline = time.monotonic() + 2  # a session may close just after its response has gone out
    while app.state.engine.pool.checkedout() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert app.state.engine.pool.checkedout() == 0


# --- the key cache itself ----------------------------------------------------------------------

PRINCIPAL = Principal(key_id="k1", role=Role.app)


def test_cache_entries_expire_a_fixed_time_after_verification():
    clock = FakeClock()
    cache = KeyCache(ttl_s=5, clock=clock)
    cache.put("k1", "h1", PRINCIPAL, generation=cache.generation)
    for _ in range(4):  # use does not extend an entry
        clock.now += 1.2
        assert cache.get("k1", "h1") == PRINCIPAL
    clock.now += 0.5
    assert cache.get("k1", "h1") is None
    assert cache.get("k1", "other hash") is None


def test_a_verification_that_straddles_a_revocation_is_not_remembered():
    cache = KeyCache()
    seen = cache.generation  # read before the key row
    cache.forget("k1")  # the key is revoked meanwhile
    cache.put("k1", "h1", PRINCIPAL, generation=seen)
    assert cache.get("k1", "h1") is None
    cache.put("k1", "h1", PRINCIPAL, generation=cache.generation)
    assert cache.get("k1", "h1") == PRINCIPAL


def test_the_cache_is_bounded():
    cache = KeyCache(max_entries=3)
    for i in range(10):
        cache.put(f"k{i}", "h", Principal(key_id=f"k{i}", role=Role.app), generation=cache.generation)
    assert len(cache) <= 3 and cache.get("k9", "h") is not None


def test_revoking_forgets_the_key_in_every_cache_of_the_process(app):
    first, second = KeyCache(), KeyCache()
    with app.state.session_factory() as session:
        key, token = create_key(session, role=Role.admin)
        for cache in (first, second):
            assert authenticate(session, token, cache=cache).role is Role.admin
            assert len(cache) == 1
        assert revoke_key(session, key_id=key.key_id)
        assert len(first) == len(second) == 0
        for cache in (first, second):
            with pytest.raises(Unauthorized):
                authenticate(session, token, cache=cache)


# --- database settings -------------------------------------------------------------------------


def test_sqlite_connections_use_wal_without_fsync_per_commit_and_enforce_foreign_keys(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    engine.dispose()


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/x.db", POSTGRES_URL])
def test_no_request_waits_for_a_connection_held_by_one_waiting_for_a_thread(url, tmp_path):
    if url.startswith("postgresql") and "postgresql" not in BACKENDS:
        pytest.skip("no PostgreSQL in this run")
    engine = db.make_engine(url.format(tmp=tmp_path))

    async def threads_for_def_routes() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    threads = anyio.run(threads_for_def_routes)
    overflow = engine.pool._max_overflow
    capacity = float("inf") if overflow < 0 else engine.pool.size() + overflow
    assert capacity >= threads + 2
    engine.dispose()


def _sqlite_engine(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
    return engine


def test_sqlite_writers_take_turns_on_an_in_process_lock_and_always_give_it_back(tmp_path):
    engine = _sqlite_engine(tmp_path)
    with engine.connect() as writer, engine.connect() as reader:
        lock = writer.connection.dbapi_connection.write_lock
        assert reader.connection.dbapi_connection.write_lock is lock  # one per database file
        writer.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert lock.locked()
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0  # readers never wait
        writer.commit()
        assert not lock.locked()

        writer.execute(text("INSERT INTO t (id, v) VALUES (100, 'b')"))  # duplicate id: fails inside the transaction
        with pytest.raises(Exception, match="UNIQUE"):
            writer.execute(text("INSERT INTO t (id, v) VALUES (100, 'c')"))
        assert lock.locked()
        writer.rollback()
        assert not lock.locked()

        with pytest.raises(Exception, match="NOT NULL"):
            writer.execute(text("INSERT INTO t (v) VALUES (NULL)"))
        writer.rollback()
        assert not lock.locked()

        writer.execute(text("UPDATE t SET v = 'z'"))
        assert lock.locked()
    assert not lock.locked()  # given back with the connection (the pool rolls back)
    other = db.make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with other.connect() as conn:
        assert conn.connection.dbapi_connection.write_lock is lock  # engines on one file share it
    other.dispose()
    engine.dispose()


def test_concurrent_sqlite_writers_all_commit(tmp_path):
    engine = _sqlite_engine(tmp_path)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(25):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{n}-{i}"})
                    conn.execute(text("SELECT count(*) FROM t")).scalar()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 200
        assert not conn.connection.dbapi_connection.write_lock.locked()
    engine.dispose()


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="no PostgreSQL in this run")
def test_postgres_pings_only_connections_left_idle_and_replaces_dead_ones(monkeypatch):
    killer = create_engine(POSTGRES_URL, poolclass=NullPool)

    def terminate(pid: int) -> None:
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    def engine_counting_pings(pings: list[int]):
        engine = db.make_engine(POSTGRES_URL)
        real_ping = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or real_ping(c))
        return engine

    busy: list[int] = []
    engine = engine_counting_pings(busy)
    for _ in range(3):  # back-to-back use, as under load: no round trip before each
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    assert busy == []
    engine.dispose()

    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle
    idle: list[int] = []
    engine = engine_counting_pings(idle)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    terminate(pid)  # the server drops the pooled connection while it sits unused
    with engine.connect() as conn:  # pinged, found dead, replaced before the request sees it
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    assert idle == [1]
    engine.dispose()
    killer.dispose()


# --- logging -----------------------------------------------------------------------------------


def test_masked_access_log_lines_still_format_with_uvicorns_formatter():
    from uvicorn.logging import AccessFormatter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False))
    handler.addFilter(RedactingFilter())
    handler.handleError = lambda record: pytest.fail(f"logging error for {record.msg!r}")
    logger = logging.getLogger("rengang.test.access")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for path in ("/api/v1/seekers?phone=13987654321&id_number=11010519491231002X", "/api/v1/jobs?page=2"):
            logger.warning('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
    finally:
        logger.removeHandler(handler)
    lines = out.getvalue().splitlines()
    assert lines == ['127.0.0.1:5000 - "GET /api/v1/seekers?phone=139****4321&id_number=110***********002X HTTP/1.1" 200 OK',
                     '127.0.0.1:5000 - "GET /api/v1/jobs?page=2 HTTP/1.1" 200 OK']


def test_a_number_split_across_arguments_is_still_masked():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s%s", ("1398765", "4321"), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "139****4321"
