"""Many processes on one PostgreSQL: API replicas and embedding workers started as `rengang` commands.

Proves what issue 14 asks of the topology: a posting written through one API process is matched through
another; an embedding worker killed with SIGKILL mid-batch loses and duplicates nothing; an API process killed
with SIGKILL and started again late catches up from the snapshot plus the change log.
Traffic goes to 127.0.0.1 only, every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from matching.enums import Role
from service import db
from service.models import Change, EmbedQueue, Embedding
from tests.conftest import BACKENDS, POSTGRES_URL, TEST_SECRET
from tests.factories import employer_payload, job_payload
from tests.waiting import until

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="the multi-process test runs on PostgreSQL")

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, url: str, tmp: Path, models_dir: Path):
        self.url, self.tmp = url, tmp
        self.env = {**os.environ, "RENGANG_ENV": "test", "RENGANG_DATABASE_URL": url, "RENGANG_SECRET_KEY": TEST_SECRET,
                    "RENGANG_MODELS_DIR": str(models_dir), "RENGANG_RATE_LIMIT_ENABLED": "false",
                    "RENGANG_EMBED_CLAIM_SECONDS": "10", "RENGANG_EMBED_BATCH": "16", "RENGANG_LOG_LEVEL": "info",
                    "RENGANG_THREADS": "1"}
        self.processes: list[subprocess.Popen] = []

    def start(self, *args: str, var: str) -> subprocess.Popen:
        env = {**self.env, "RENGANG_VAR_DIR": str(self.tmp / var)}
        log = open(self.tmp / f"{var}-{len(self.processes)}.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "service.cli", *args], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def api(self, var: str) -> tuple[subprocess.Popen, str]:
        port = _port()
        proc = self.start("serve", "--workers", "1", "--embed-workers", "0", "--port", str(port), var=var)
        return proc, f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _ready(base: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"{base}/readyz", timeout=5)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} not ready in {timeout} s")


@pytest.fixture()
def cluster(tmp_path, models_dir):
    """A database of its own (the suite's session database is in use by the other tests meanwhile)."""
    server = make_url(POSTGRES_URL)
    name = f"{server.database}_mp{os.getpid()}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    db.upgrade(url)
    made = Cluster(url, tmp_path, models_dir)
    try:
        yield made
    finally:
        made.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_api_replicas_and_two_workers_on_postgresql(cluster):
    from service.usecases.keys import create_key

    factory = db.make_session_factory(create_engine(cluster.url))
    with factory() as session:
        _key, token = create_key(session, role=Role.admin)
    admin = {"Authorization": f"Bearer {token}"}
    first, a = cluster.api("var-a")
    _second, b = cluster.api("var-b")
    workers = [cluster.start("worker", var="var-w") for _ in range(2)]
    began = time.monotonic()
    _ready(a, 600)
    _ready(b, 600)
    phases = {"start": time.monotonic() - began}

    # A posting written through one process is matched through the other.
    employer = httpx.post(f"{a}/api/v1/employers", json=employer_payload(), headers=admin, timeout=30).json()
    job = httpx.post(f"{a}/api/v1/jobs", json=job_payload(employer_id=employer["id"], title="叉车司机",
                                                            skills=["叉车"], description="仓库叉车装卸"),
                     headers=admin, timeout=30).json()
    assert job["matching"] == "pending"

    def matched_through_b():
        r = httpx.post(f"{b}/api/v1/matches/jobs", json={"text": "我会开叉车", "k": 5}, headers=admin, timeout=30)
        return r.status_code == 200 and job["id"] in [i["id"] for i in r.json()["items"]]

    until(matched_through_b, 300, "a posting written through A matched through B")
    phases["first match"] = time.monotonic() - began

    # A worker killed mid-batch: nothing lost, nothing stored twice.
    items = [job_payload(employer_id=employer["id"], title=f"仓库管理员{i}", description=f"第{i}号仓库的库存管理")
             for i in range(100)]
    r = httpx.post(f"{a}/api/v1/jobs/bulk", json={"items": items}, headers=admin, timeout=60)
    assert r.status_code == 201, r.text
    ids = r.json()["ids"]

    def stored() -> int:
        with factory() as session:
            return session.scalar(select(func.count()).select_from(Embedding).where(Embedding.kind == "job")) or 0

    until(lambda: stored() > 10, 300, "workers embedding the import")
    workers[0].send_signal(signal.SIGKILL)
    phases["worker killed"] = time.monotonic() - began
    until(lambda: stored() == 101, 300, "the other worker finishing the import, the killed one's claim run out")
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(EmbedQueue)) == 0
        per_job = dict(session.execute(select(Change.record_id, func.count()).where(
            Change.kind == "job", Change.record_id.in_(ids)).group_by(Change.record_id)).all())
    phases["import embedded"] = time.monotonic() - began
    # Each posting: its creation, then its vector stored once; a vector stored twice would add a third row.
    assert set(per_job.values()) == {2} and len(per_job) == 100

    # An API process killed with SIGKILL, started again late: it serves the snapshot its directory holds plus
    # the log written since (the import above), without embedding anything.
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    started = time.monotonic()
    _again, a2 = cluster.api("var-a")
    _ready(a2, 600)
    ready_after = time.monotonic() - started
    backlog = until(lambda: (lambda b: b if b["index_size"]["job"] == 101 else None)(
        httpx.get(f"{a2}/readyz", timeout=5).json()["backlog"]), 30, "the restarted replica holding every posting")
    assert backlog["pending"] == {"job": 0, "seeker": 0} and backlog["lag"] == 0
    assert "from the snapshot" in (cluster.tmp / "var-a-4.log").read_text()
    phases["restarted"] = time.monotonic() - began
    print(f"an API process started again after SIGKILL was ready in {ready_after:.1f} s (model load included); "
          f"phases (s since start): { {k: round(v, 1) for k, v in phases.items()} }")
    engine = create_engine(cluster.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job_postings")).scalar() == 101
    engine.dispose()
