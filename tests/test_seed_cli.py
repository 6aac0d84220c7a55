"""The console command: keys and demo seeding, against a real SQLite file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from service import db
from service.cli import app
from service.models import Employer, JobPosting, PolicyFlag, Seeker
from service.settings import get_settings


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("RENGANG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("RENGANG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _session():
    engine = db.make_engine(get_settings().resolved_database_url)
    return db.make_session_factory(engine)()


def test_keys_create_prints_a_token_once_and_stores_only_its_hash(env):
    runner = CliRunner()
    result = runner.invoke(app, ["keys", "create", "--role", "officer", "--region", "5101"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("rg_")
    assert token.split("_", 2)[2] not in (env / "rengang.db").read_bytes().decode("latin-1")
    listed = runner.invoke(app, ["keys", "list"])
    assert "officer\t5101\tactive" in listed.stdout
    bad = runner.invoke(app, ["keys", "create", "--role", "officer"])
    assert bad.exit_code == 2


def test_seed_fills_an_empty_database_once(env):
    runner = CliRunner()
    result = runner.invoke(app, ["seed", "--employers", "12", "--jobs", "60", "--seekers", "30"])
    assert result.exit_code == 0, result.output
    keys = (env / "demo-keys.env").read_text()
    assert {"RENGANG_ADMIN_KEY", "RENGANG_APP_KEY", "RENGANG_OFFICER_KEY", "RENGANG_KIOSK_KEY"} <= {
        line.split("=")[0] for line in keys.splitlines()}
    assert oct((env / "demo-keys.env").stat().st_mode & 0o777) == "0o600"
    with _session() as session:
        assert session.scalar(select(func.count()).select_from(Employer)) == 12
        assert 55 <= session.scalar(select(func.count()).select_from(JobPosting)) <= 60
        assert session.scalar(select(func.count()).select_from(Seeker)) == 30
        for model in (Employer, JobPosting, Seeker):
            assert session.scalar(select(func.count()).where(model.is_demo.is_(False))) == 0
        assert session.scalar(select(func.count()).select_from(PolicyFlag)) > 0
    again = runner.invoke(app, ["seed", "--employers", "2", "--jobs", "2", "--seekers", "2"])
    assert again.exit_code == 0 and "已有数据" in again.stdout
    with _session() as session:
        assert session.scalar(select(func.count()).select_from(Seeker)) == 30
