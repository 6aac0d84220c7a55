"""The benchmark's building blocks: peer indexes on the same data and filters, and the HTTP load generator.

hnswlib and usearch are the ``bench`` extra, which CI does not install (it installs ``.[test]``):
their tests are skipped where the library is missing.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from bench.load import run_load, start_service, stop_service
from bench.peers import exact_top_k, run_peers

K = 10


def make_data(*, n: int = 2000, dim: int = 32, queries: int = 20, seed: int = 7):
    """Clustered unit vectors with sparse int64 ids, and allow sets of every selectivity."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((16, dim)).astype(np.float32)

    def draw(m: int) -> np.ndarray:
        x = centers[rng.integers(0, len(centers), m)] + 0.7 * rng.standard_normal((m, dim)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    ids = rng.choice(50 * n, n, replace=False).astype(np.int64)  # sparse and unsorted
    allow_sets = {"none": None}
    for name, share in (("50%", 0.5), ("10%", 0.1), ("1%", 0.01)):
        allow_sets[name] = np.sort(rng.choice(ids, int(share * n), replace=False))
    return draw(n), ids, draw(queries), allow_sets


def assert_only_allowed(result: dict, allow_sets: dict, ids: np.ndarray) -> None:
    for name, allowed in allow_sets.items():
        found = result["filters"][name]["found_ids"]
        assert np.isin(found[found >= 0], ids if allowed is None else allowed).all(), name
        assert result["filters"][name]["only_allowed"], name


def test_exact_peers_match_exact_search_under_every_filter():
    vectors, ids, queries, allow_sets = make_data()
    out = run_peers(vectors=vectors, ids=ids, queries=queries, allow_sets=allow_sets, k=K,
                    peers=("numpy", "faiss-flat"))

    assert set(out["truth"]) == set(allow_sets)
    for name, allowed in allow_sets.items():
        np.testing.assert_array_equal(out["truth"][name], exact_top_k(vectors, ids, queries, K, allowed))
    for peer in ("numpy", "faiss-flat"):
        result = out["peers"][peer]
        assert result["build_s"] >= 0 and result["bytes_per_vector_serialized"] >= 4 * vectors.shape[1]
        for name in allow_sets:
            measured = result["filters"][name]
            assert measured["recall"] == 1.0, (peer, name)
            assert measured["queries_measured"] == len(queries) and measured["short_rows"] == 0
            assert 0 < measured["p50_ms"] <= measured["p95_ms"] <= measured["p99_ms"]
        assert_only_allowed(result, allow_sets, ids)


def test_given_truth_is_reused_and_a_budget_caps_the_measured_queries():
    vectors, ids, queries, allow_sets = make_data(n=500, queries=10)
    truth = {name: exact_top_k(vectors, ids, queries, K, allowed) for name, allowed in allow_sets.items()}
    out = run_peers(vectors=vectors, ids=ids, queries=queries, allow_sets=allow_sets, truth=truth, peers=("numpy",),
                    budget_s=0.0)
    assert out["truth"] is not truth and all(out["truth"][n] is truth[n] for n in truth)
    numpy_peer = out["peers"]["numpy"]
    assert all(f["queries_measured"] == 0 for f in numpy_peer["filters"].values())
    assert any("budget" in note for note in numpy_peer["notes"])


def test_a_missing_library_skips_its_peer(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_usearch(name, *args, **kwargs):
        if name == "usearch" or name.startswith("usearch."):
            raise ImportError("not here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_usearch)
    vectors, ids, queries, allow_sets = make_data(n=200, queries=2)
    out = run_peers(vectors=vectors, ids=ids, queries=queries, allow_sets=allow_sets, peers=("usearch",))
    assert "skipped" in out["peers"]["usearch"]


@pytest.mark.parametrize("peer", ["hnswlib", "usearch"])
def test_approximate_peers_return_only_allowed_ids(peer):
    pytest.importorskip(peer)
    vectors, ids, queries, allow_sets = make_data()
    out = run_peers(vectors=vectors, ids=ids, queries=queries, allow_sets=allow_sets, k=K, peers=(peer,))
    result = out["peers"][peer]
    assert result["params"]["tuned_recall"] >= result["params"]["target_recall"]
    assert result["filters"]["none"]["recall"] >= 0.9
    assert_only_allowed(result, allow_sets, ids)


# --- the load generator ---------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the generator expects
    hits: Counter = Counter()
    lock = threading.Lock()

    def do_GET(self):
        with self.lock:
            self.hits[self.path] += 1
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b'{"items":', b"[1,2,3]}"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        status, body = (500, {"error": "boom"}) if self.path == "/fail" else (200, {"status": "ok"})
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the generator drops its connections mid-request when the time is up


@pytest.fixture
def tiny_server():
    _Handler.hits = Counter()
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_run_load_counts_requests_statuses_and_error_bodies(tiny_server):
    concurrency = 4
    out = run_load(base_url=tiny_server, requests=[("GET", "/ok", None), ("GET", "/chunked", None),
                                                   ("GET", "/fail", None)],
                   concurrency=concurrency, duration_s=1.0, warmup_s=0.2)
    assert out["requests"] > 30
    assert out["transport_errors"] == 0
    assert set(out["status_counts"]) == {200, 500}
    assert out["ok"] + out["non_2xx"][500] == out["requests"]
    assert abs(out["non_2xx"][500] - out["requests"] / 3) <= concurrency + 1  # one shared cycle of three
    assert out["error_samples"] and all(s == {"status": 500, "body": '{"error": "boom"}'}
                                        for s in out["error_samples"])
    assert sum(_Handler.hits.values()) >= out["requests"]  # warm-up and the cut-off are served but not counted
    assert out["requests_per_s"] == pytest.approx(out["requests"] / out["duration_s"])
    latency = out["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]


def test_run_load_counts_transport_errors():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the load starts: connections are refused
    out = run_load(base_url=f"http://127.0.0.1:{port}", requests=[("GET", "/", None)], concurrency=2,
                   duration_s=0.3, warmup_s=0.0)
    assert out["requests"] == 0 and out["transport_errors"] > 0
    assert "ConnectionRefusedError" in out["error_samples"][0]["error"]


def test_start_service_waits_until_ready_and_stops_it(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"RENGANG_VAR_DIR": str(tmp_path / "var"), "RENGANG_MATCHING": "false", "RENGANG_ENV": "test",
           "RENGANG_LOG_LEVEL": "warning"}
    handle = start_service(env=env, port=port, log_path=tmp_path / "serve.log", ready_timeout_s=60)
    try:
        out = run_load(base_url=f"http://127.0.0.1:{port}", requests=[("GET", "/healthz", None)], concurrency=2,
                       duration_s=0.3, warmup_s=0.1)
        assert out["requests"] > 0 and out["ok"] == out["requests"]
    finally:
        stop_service(handle)
    assert handle.poll() is not None


def test_report_counts_the_errors_of_api_load_runs(tiny_server, tmp_path):
    from bench.report import target_figures, write_report

    failing = run_load(base_url=tiny_server, requests=[("GET", "/ok", None), ("GET", "/fail", None)],
                       concurrency=2, duration_s=0.5, warmup_s=0.0)
    clean = run_load(base_url=tiny_server, requests=[("GET", "/ok", None)], concurrency=2, duration_s=0.3,
                     warmup_s=0.0)
    assert failing["non_2xx"][500] > 0 and not clean["non_2xx"]
    api = {"jobs_for_seeker": failing, "candidates_for_job": clean, "text_match": clean,
           "ingest_single": {**clean, "postings_per_s": clean["requests_per_s"]},
           "ingest_bulk": {**clean, "postings_per_s": 12.5}, "startup_s": 1.0, "service_rss_mb": 100.0,
           "service_rss_mb_after": 120.0, "database": {"bulk_insert_postings_per_s": 800.0}}
    results = {"date": "2026-12-03", "command": "rengang bench --sizes 10k", "model": {"model_id": "m",
               "precision": "float32"}, "machine": {"cpu": "test", "cores": 2, "memory_gib": 1.0, "os": "linux",
               "python": "3", "gpu": None, "versions": {}}, "engine": {}, "api": {"10000": api}}

    figures = target_figures(results)
    errors = failing["non_2xx"][500] + failing["transport_errors"]
    assert figures["api_rps"] == (failing["requests_per_s"], f"10k, {errors} errors")
    assert figures["bulk_ingest"][0] == 12.5
    report = tmp_path / "BENCHMARKS.md"
    write_report(results, report)
    rows = [line for line in report.read_text(encoding="utf-8").splitlines() if line.startswith("| 10k | GET /seekers")]
    assert len(rows) == 1 and rows[0].rstrip(" |").endswith(f"| {errors:,}")
