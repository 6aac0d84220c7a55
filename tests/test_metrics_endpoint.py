"""``GET /metrics``: Prometheus text by route template, for private networks or the token, summed over processes."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
import sys
import textwrap

import pytest
from pydantic import SecretStr
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from service import metrics
from service.engine import Ranked

TOKEN = "metrics-token-for-the-tests-0123456789"


def scrape(app, address: str = "127.0.0.1", **kwargs) -> str:
    r = TestClient(app, client=(address, 50000)).get("/metrics", **kwargs)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version="), r.headers["content-type"]
    return r.text


def samples(text: str, name: str) -> list:
    return [s for family in text_string_to_metric_families(text) for s in family.samples if s.name == name]


def value(text: str, name: str, **labels: str) -> float:
    return sum(s.value for s in samples(text, name) if s.labels == labels)


def test_requests_are_counted_by_route_template_never_by_path(app, admin):
    local = TestClient(app, client=("127.0.0.1", 50000))
    route = {"method": "GET", "route": "/api/v1/jobs/{job_id}", "status": "404"}
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    before = scrape(app)
    assert local.get("/api/v1/jobs/987654321", headers=admin).status_code == 404
    assert local.get("/no/such/page/13800138000").status_code == 404
    after = scrape(app)
    counted = "rengang_http_requests_total"
    assert value(after, counted, **route) == value(before, counted, **route) + 1
    assert value(after, counted, **unmatched) == value(before, counted, **unmatched) + 1
    timed = {"method": "GET", "route": "/api/v1/jobs/{job_id}"}
    assert (value(after, "rengang_http_request_duration_seconds_count", **timed)
            == value(before, "rengang_http_request_duration_seconds_count", **timed) + 1)
    assert "987654321" not in after and "13800138000" not in after
    assert value(after, counted, method="GET", route="/metrics", status="200") >= 1


class _FakeEngine:
    def readiness(self) -> str:
        return "ok"

    def jobs_for_text(self, session, request, *, scope_prefix) -> Ranked:
        return Ranked(kind="job", results=[], cards={}, eligible=0, model_id="fake", took_ms=0.0,
                      now=datetime.now(UTC))


def test_match_durations_are_observed_by_scope(app, admin):
    before = scrape(app)
    app.state.matcher = _FakeEngine()
    try:
        r = TestClient(app).post("/api/v1/matches/jobs", json={"text": "仓库管理员", "scope": "anywhere"}, headers=admin)
    finally:
        app.state.matcher = None
    assert r.status_code == 200, r.text
    after = scrape(app)
    count = "rengang_match_duration_seconds_count"
    assert value(after, count, scope="anywhere") == value(before, count, scope="anywhere") + 1


def test_scrapes_from_outside_the_private_networks_need_the_token(app, monkeypatch):
    monkeypatch.setattr(app.state.settings, "metrics_token", SecretStr(TOKEN))
    public = TestClient(app, client=("203.0.113.5", 1234))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        r = public.get("/metrics", headers=headers)
        assert r.status_code == 403, headers
        assert r.json() == {"error": "forbidden", "detail": "监控指标仅对内网地址或携带监控令牌的请求开放", "field": None}
    assert TestClient(app).get("/metrics").status_code == 403  # "testclient" is no address
    assert "rengang_http_requests_total" in scrape(app, "203.0.113.5", headers={"Authorization": f"Bearer {TOKEN}"})
    assert "/metrics" not in app.openapi()["paths"]


@pytest.mark.parametrize(("host", "allowed"), [
    ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.9", True), ("172.31.255.1", True), ("192.168.1.20", True),
    ("::1", True), ("fd12:3456::1", True), ("::ffff:10.0.0.7", True),
    ("172.32.0.1", False), ("203.0.113.5", False), ("8.8.8.8", False), ("2001:db8::1", False),
    ("::ffff:8.8.8.8", False), ("testclient", False), (None, False), ("", False),
])
def test_private_addresses_scrape_without_a_token(host, allowed):
    assert metrics.scrape_allowed(host, None, None) is allowed
    assert metrics.scrape_allowed(host, "Bearer ", None) is allowed  # no token configured: an empty one opens nothing
    assert metrics.scrape_allowed(host, "Bearer wrong-token", "a-token-of-24-characters") is allowed


# What ``rengang serve`` does: prepare the directory, start children that inherit it, note their exits.
PARENT = textwrap.dedent("""
    import subprocess, sys
    from pathlib import Path
    from service import metrics

    metrics.prepare_multiprocess_dir(Path(sys.argv[1]))
    child = ("import sys; from service import metrics; metrics.embedded('job', 3, 0.25); "
             "metrics.set_engine_state({'pending': {'job': 9}, 'applied_seq': 40, 'head_seq': 45, 'lag': 5, "
             "'index_size': {'job': 10, 'seeker': 4}})")
    children = [subprocess.Popen([sys.executable, "-c", child]) for _ in range(2)]
    assert [c.wait() for c in children] == [0, 0]
    metrics.process_exited(children[0].pid)
    print(children[0].pid, children[1].pid)
""")

# An API process still running: reports its state, then waits for its stdin to close.
REPLICA = textwrap.dedent("""
    import sys
    from service import metrics

    metrics.set_engine_state({'pending': {'job': 2}, 'applied_seq': 44, 'head_seq': 45, 'lag': 1,
                              'index_size': {'job': 12, 'seeker': 4}})
    print("ready", flush=True)
    sys.stdin.read()
""")


def _lag(text: str) -> list[tuple[dict, float]]:
    return [(s.labels, s.value) for s in samples(text, "rengang_changelog_lag")]


def test_multiprocess_values_are_summed_over_processes(app, tmp_path, monkeypatch):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier run")
    monkeypatch.delenv(metrics.MULTIPROC_ENV, raising=False)
    done = subprocess.run([sys.executable, "-c", PARENT, str(directory)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split()
    assert not (directory / "counter_1.db").exists()
    assert not (directory / f"gauge_liveall_{first}.db").exists()  # process_exited
    assert (directory / f"gauge_liveall_{second}.db").exists()  # exited too, but nobody said so

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    assert registry.get_sample_value("rengang_embedded_total", {"kind": "job"}) == 6
    assert registry.get_sample_value("rengang_embedding_seconds_total", {"kind": "job"}) == 0.5

    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(directory))  # the endpoint adds up the directory's files
    replica = subprocess.Popen([sys.executable, "-c", REPLICA], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert replica.stdout.readline().strip() == "ready"
        text = scrape(app)
        pid = str(replica.pid)
        assert value(text, "rengang_embedded_total", kind="job") == 6
        assert _lag(text) == [({"pid": pid}, 1)]  # the exited processes' gauges are gone
        assert value(text, "rengang_changelog_applied_seq", pid=pid) == 44
        assert [(s.labels, s.value) for s in samples(text, "rengang_embedding_backlog")] == [({"kind": "job"}, 2)]
        assert value(text, "rengang_index_size", kind="job") == 12
    finally:
        replica.communicate(timeout=30)
    text = scrape(app)
    assert _lag(text) == [] and value(text, "rengang_embedded_total", kind="job") == 6
