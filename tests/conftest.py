"""Shared fixtures. API tests run once per database backend: SQLite and PostgreSQL.

PostgreSQL comes from RENGANG_TEST_POSTGRES_URL (default: the local server at 127.0.0.1:5432,
database ``test``). RENGANG_TEST_DATABASES=sqlite limits a run to SQLite on a machine without it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from matching.enums import Role
from service.app import create_app
from service.models import Base
from service.settings import Settings
from service.usecases.keys import create_key

POSTGRES_URL = os.environ.get("RENGANG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("RENGANG_TEST_DATABASES", "sqlite,postgresql").split(",") if b.strip()]
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _own_postgres_database(url: str) -> Iterator[str]:
    """A database of this run's own beside ``url``'s, dropped afterwards.

    Runs that share a server (two terminals, a helper process, CI next to a developer) would otherwise drop
    each other's tables mid-test; where the role may not create databases, ``url`` itself is reset and used.
    """
    server = make_url(url)
    name = f"{server.database}_run{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError:  # no right to create databases: fall back to the database named in the URL
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        admin.dispose()
        yield url
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory) -> Iterator[tuple[str, str]]:
    name = request.param
    if name == "sqlite":
        yield name, f"sqlite:///{tmp_path_factory.mktemp('db') / 'rengang.db'}"
    else:
        yield from ((name, url) for url in _own_postgres_database(POSTGRES_URL))


@pytest.fixture(scope="session")
def app_instance(backend, tmp_path_factory):
    _name, url = backend
    var = tmp_path_factory.mktemp("var")
    settings = Settings(env="test", database_url=url, secret_key=TEST_SECRET, var_dir=var, expiry_sweep_seconds=3600,
                        matching=False)
    app = create_app(settings)
    with TestClient(app) as client:
        yield app, client


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """One converted default model for the whole run (RENGANG_TEST_MODELS_DIR reuses a cache between runs)."""
    cached = os.environ.get("RENGANG_TEST_MODELS_DIR")
    return Path(cached) if cached else tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def matching_instance(backend, tmp_path_factory, models_dir):
    """A second app on the same database with the matching engine loaded (one model per run)."""
    _name, url = backend
    var = tmp_path_factory.mktemp("var-matching")
    settings = Settings(env="test", database_url=url, secret_key=TEST_SECRET, var_dir=var, expiry_sweep_seconds=3600,
                        models_dir=models_dir)
    app = create_app(settings)
    with TestClient(app) as client:
        engine = app.state.matcher
        deadline = time.time() + 900
        while engine.readiness() != "ok":
            assert time.time() < deadline, "matching engine did not start"
            assert app.state.readiness["matching"]() in ("ok", "loading"), app.state.readiness["matching"]()
            time.sleep(0.2)
        engine.pause()  # the rest of the suite writes to the same database: embed and follow only in matching tests
        yield app, client


@pytest.fixture()
def matching_app(matching_instance):
    app, _ = matching_instance
    _truncate(app)
    app.state.limiter.reset()  # each test starts with no requests counted and nobody locked out
    app.state.clock = lambda: datetime.now(UTC)
    app.state.matcher.replica.reload()
    app.state.matcher.resume()
    yield app
    app.state.matcher.pause()


class SettledClient:
    """The matching app's client, waiting before each request until what was written is embedded and followed.

    Writes answer before their records are embedded (``matching: pending``) and replicas follow the change log
    within moments; these tests state what matching returns once it has, so each request first waits for the
    queue to drain and this replica to reach the log's head (bounded: a stuck worker fails the test).
    """

    def __init__(self, client: TestClient, app):
        self._client, self._app = client, app

    def __getattr__(self, name):
        return getattr(self._client, name)

    def request(self, method, url, **kwargs):
        self._app.state.matcher.settle()
        response = self._client.request(method, url, **kwargs)
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            self._app.state.matcher.settle()
        return response

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def put(self, url, **kwargs):
        return self.request("PUT", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.request("PATCH", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.request("DELETE", url, **kwargs)


@pytest.fixture()
def mclient(matching_app, matching_instance) -> SettledClient:
    return SettledClient(matching_instance[1], matching_app)


@pytest.fixture()
def mkeys(matching_app) -> Keys:
    return Keys(matching_app)


def _truncate(app) -> None:
    engine = app.state.engine
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f"DELETE FROM {t}"))


@pytest.fixture()
def app(app_instance):
    app, _ = app_instance
    _truncate(app)
    app.state.limiter.reset()  # each test starts with no requests counted and nobody locked out
    app.state.clock = lambda: datetime.now(UTC)
    return app


@pytest.fixture()
def client(app, app_instance) -> TestClient:
    return app_instance[1]


class Keys:
    """Creates API keys and returns ready-made headers."""

    def __init__(self, app):
        self.app = app

    def headers(self, role: Role | str, region: str | None = None) -> dict[str, str]:
        with self.app.state.session_factory() as session:
            _key, token = create_key(session, role=Role(role), region_prefix=region)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def keys(app) -> Keys:
    return Keys(app)


@pytest.fixture()
def admin(keys) -> dict[str, str]:
    return keys.headers(Role.admin)


@pytest.fixture()
def db_session(app):
    with app.state.session_factory() as session:
        yield session


def pytest_report_header(config):
    return f"rengang test databases: {', '.join(BACKENDS)} (postgres: {POSTGRES_URL})"


ROOT = Path(__file__).resolve().parents[1]
