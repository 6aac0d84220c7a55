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
    examples = sorted((env / "rules").glob("*.yaml"))  # 政策找人 shows on the demo today, marked 【示例】
    assert examples and all("【示例】" in p.read_text(encoding="utf-8") for p in examples)
    console = dict(line.split("=", 1) for line in keys.splitlines() if line.startswith("RENGANG_DEMO_CONSOLE_"))
    with _session() as session:  # the demo officer account signs in with the password written beside the keys
        from service.accounts.usecases import check_password

        account = check_password(session, username=console["RENGANG_DEMO_CONSOLE_USER"],
                                 password=console["RENGANG_DEMO_CONSOLE_PASSWORD"], address="test")
        assert account is not None and account.region_prefix == "5101"
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


def test_index_rebuild_embeds_the_queue_and_saves_snapshots_a_service_starts_from(env, models_dir, monkeypatch):
    """`make run`'s middle step: seeded records are embedded once, and snapshots reflect the log's head."""
    from indexes import snapshots
    from service import changes, repository_changes
    from service.models import Embedding

    monkeypatch.setenv("RENGANG_MODELS_DIR", str(models_dir))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["seed", "--employers", "3", "--jobs", "12", "--seekers", "6"]).exit_code == 0
    result = _rebuild()
    assert result.returncode == 0, result.stdout + result.stderr
    with _session() as session:
        assert repository_changes.pending_counts(session) == {"job": 0, "seeker": 0}
        jobs = session.scalar(select(func.count()).select_from(JobPosting))
        vectors = session.scalar(select(func.count()).select_from(Embedding).where(Embedding.kind == "job"))
        head = changes.head(session)
    assert vectors == jobs and f"新嵌入 {jobs + 6} 条" in result.stdout
    index, _manifest, seq = snapshots.load(env / "indexes" / "job")
    assert seq == head and 0 < len(index) <= jobs  # the live postings
    again = _rebuild()  # nothing left to embed: vectors are never made twice
    assert again.returncode == 0 and "新嵌入 0 条" in again.stdout


def _rebuild():
    """In a process of its own, as on a server (and so its model leaves this one's memory when it ends)."""
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "service.cli", "index", "rebuild"], capture_output=True, text=True,
                          env=dict(os.environ), timeout=600, check=False)
