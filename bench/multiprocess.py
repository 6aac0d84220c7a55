"""The multi-process service side by side in one run at one size (issue 14, item 6).

One database (SQLite by default, or an empty PostgreSQL one), prepared as :mod:`bench.api_bench` prepares it:
postings and seekers with stored vectors, an empty embedding queue and index snapshots on disk. Then the real
``rengang serve``, three times:

1. ``--workers 1 --embed-workers 0`` and ``--workers 2 --embed-workers 0``: stored-profile matches
   (``GET /seekers/{id}/matches?k=10``) at 32 clients, and the memory of the API processes — RSS and PSS
   (``/proc/<pid>/smaps_rollup``), and the part of each that is the memory-mapped snapshot files
   (``/proc/<pid>/smaps``, mappings under the index directory) — once ready and again after the load.
2. ``--workers 2 --embed-workers 1`` (the default on 2 cores):

   - write to matchable: ``POST /jobs`` at a steady rate, each posting with its own title and in one of a few
     counties no other posting uses (each county takes the postings of one slice of the window), while a
     poller asks ``POST /matches/jobs`` (``scope=county``, ``k=100``) for each county with postings not yet
     seen; a posting's latency runs from its ``POST`` answer (committed) to the first poll answer listing
     it. Each poll opens a new connection, so any API process may answer it;
   - stored-profile matches with the worker idle (the baseline);
   - kill -9: a bulk import runs; the serve process group gets SIGKILL; ``rengang serve`` is started again and
     timed until ``/readyz`` answers 200 (and until ``/metrics`` shows every API process), with the backlog it
     reports and the postings found in the database against those acknowledged;
   - bulk ingest, nothing else running: ``POST /jobs/bulk`` of 1,000 postings, two clients (one per API
     process), postings accepted per second;
   - stored-profile matches while a bulk import of ``n`` postings is accepted, then while the worker embeds
     the backlog, against the baseline;
   - the worker's own rate with nothing else running: the queue's drain and ``rengang_embedded_total`` /
     ``rengang_embedding_seconds_total`` from ``/metrics`` over a window, against the compute floor: the
     model's FLOPs per text at the token limit over a float32 matmul rate measured here with the worker's
     thread count;
   - kill -9 again, now with the backlog of those imports queued.

Run from :mod:`bench.runner` (``rengang bench --multiprocess 100k``), or alone for a smoke test::

    python -m bench.multiprocess --n 2000 --duration 5 --write-s 10
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from bench.api_bench import SECRET, _fresh_postings, prepare_database
from bench.data import Anchors
from bench.load import (kill_service, metric_samples, run_load, service_ready, start_service, stop_service,
                        wait_replicas)

MODEL_SHAPE = {"layers": 12, "hidden": 384, "intermediate": 1536}  # multilingual-e5-small, if no config.json
BULK_ITEMS = 1000


# --- the compute floor -------------------------------------------------------------------------------------

def model_flops_per_text(*, tokens: int, config: Path | None = None) -> dict[str, Any]:
    """FLOPs to encode one text of ``tokens`` tokens: 2 × (weights in matmuls) × tokens + attention.

    Weights in matmuls per layer: Q, K, V and the output projection (4·d²) and the feed-forward pair
    (2·d·d_ff); attention scores and their weighted sum: 4·T²·d per layer. Embedding look-ups, layer norms,
    softmax and pooling are left out (a few percent at these sizes), so this is a floor on the work.
    """
    shape, source = dict(MODEL_SHAPE), "defaults for multilingual-e5-small"
    if config is not None and config.is_file():
        raw = json.loads(config.read_text(encoding="utf-8"))
        shape = {"layers": raw["num_hidden_layers"], "hidden": raw["hidden_size"],
                 "intermediate": raw["intermediate_size"]}
        source = str(config)
    d, ff, layers = shape["hidden"], shape["intermediate"], shape["layers"]
    matmul_weights = layers * (4 * d * d + 2 * d * ff)
    dense = 2 * matmul_weights * tokens
    attention = 4 * tokens * tokens * d * layers
    out = {**shape, "tokens": tokens, "shape_from": source, "matmul_weights": matmul_weights,
           "dense_flops": dense, "attention_flops": attention, "flops": dense + attention}
    if source != "defaults for multilingual-e5-small":
        # what each process that loads the model holds in float32: the token and position tables and the layers
        table_rows = raw.get("vocab_size", 0) + raw.get("max_position_embeddings", 0) + raw.get("type_vocab_size", 0)
        out["float32_weights_mib"] = round(4 * (table_rows * d + matmul_weights) / 2**20, 1)
    return out


def matmul_rate(*, threads: int, size: int = 2048, seconds: float = 3.0, dtype: str = "float32") -> dict[str, Any]:
    """GFLOP/s of ``torch.matmul`` in ``dtype`` (the precision the workers embed in: bfloat16 on AMX CPUs) on
    ``size``² matrices with ``threads`` threads (best of 3 windows)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        gen = torch.Generator().manual_seed(0)
        a, b = (torch.randn(size, size, generator=gen).to(getattr(torch, dtype)) for _ in range(2))
        out = torch.empty(size, size, dtype=getattr(torch, dtype))
        for _ in range(3):
            torch.matmul(a, b, out=out)
        rates = []
        for _ in range(3):
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds / 3:
                torch.matmul(a, b, out=out)
                count += 1
            rates.append(2 * size ** 3 * count / (time.perf_counter() - started) / 1e9)
    finally:
        torch.set_num_threads(before)
    return {"threads": threads, "size": size, "dtype": dtype, "gflops": round(max(rates), 1),
            "gflops_windows": [round(r, 1) for r in rates]}


# --- processes and their memory --------------------------------------------------------------------------

def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [part.decode("utf-8", "replace") for part in f.read().split(b"\0") if part]
    except OSError:
        return []


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        out.setdefault(ppid, []).append(int(entry))
    return out


def service_processes(root: int) -> dict[str, list[int]]:
    """The processes under ``rengang serve`` by role: ``api``, ``worker`` (embedding), ``supervisor``, ``other``.

    With one API process uvicorn serves in the ``serve`` process itself; with more, that process supervises
    ``rengang api-process`` children (each on its own ``SO_REUSEPORT`` socket).
    """
    children = _children()
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    roles: dict[str, list[int]] = {"api": [], "worker": [], "supervisor": [], "other": []}
    spawned = [pid for pid in tree if "api-process" in _cmdline(pid) or any("spawn_main" in a for a in _cmdline(pid))]
    args = _cmdline(root)
    several = "--workers" in args[:-1] and args[args.index("--workers") + 1] != "1"  # a supervisor, children or not
    for pid in tree:
        args = _cmdline(pid)
        if not args:  # gone (or a zombie)
            continue
        if "service.cli" in args and "worker" in args:
            roles["worker"].append(pid)
        elif pid in spawned:
            roles["api"].append(pid)
        elif pid == root:
            roles["supervisor" if spawned or several else "api"].append(pid)
        else:
            roles["other"].append(pid)
    return roles


def _kb_lines(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            out[key] = int(parts[0]) * 1024
    return out


def process_memory(pid: int, mapped_under: Path) -> dict[str, int]:
    """RSS, PSS (and its anonymous and file parts) of one process, and the RSS and PSS of its mappings of files
    under ``mapped_under`` (the index snapshots), in bytes."""
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
        rollup = _kb_lines(f.read())
    prefix = str(mapped_under.resolve())
    mapped_rss = mapped_pss = 0
    inside = False
    with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as f:
        for line in f:
            head = line.split(None, 5)
            if len(head) >= 5 and "-" in head[0] and not head[0].endswith(":"):  # a mapping's header line
                inside = len(head) == 6 and head[5].strip().startswith(prefix)
            elif inside and line.startswith("Rss:"):
                mapped_rss += int(line.split()[1]) * 1024
            elif inside and line.startswith("Pss:"):
                mapped_pss += int(line.split()[1]) * 1024
    return {"rss": rollup.get("Rss", 0), "pss": rollup.get("Pss", 0), "pss_anon": rollup.get("Pss_Anon", 0),
            "pss_file": rollup.get("Pss_File", 0), "snapshot_rss": mapped_rss, "snapshot_pss": mapped_pss}


def replica_memory(root: int, index_dir: Path) -> dict[str, Any]:
    """Sums over the API processes (MiB), each process's figures, and the supervisor's."""
    roles = service_processes(root)
    per = {pid: process_memory(pid, index_dir) for pid in roles["api"]}
    mib = lambda b: round(b / 2**20, 1)  # noqa: E731
    total = {key: mib(sum(m[key] for m in per.values())) for key in ("rss", "pss", "pss_anon", "pss_file",
                                                                     "snapshot_rss", "snapshot_pss")}
    out = {"api_processes": len(per), "sum_mib": total,
           "per_process_mib": [{k: mib(v) for k, v in m.items()} for m in per.values()]}
    if roles["supervisor"]:
        sup = process_memory(roles["supervisor"][0], index_dir)
        out["supervisor_mib"] = {"rss": mib(sup["rss"]), "pss": mib(sup["pss"])}
    return out


def connections_per_process(root: int, port: int) -> list[int]:
    """Established connections to ``port`` each API process holds (uvicorn hands each accepted connection to one
    process for its life, so the split of the load generator's keep-alive connections is the split of its load)."""
    established: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
                        established.add(int(fields[9]))
        except OSError:
            continue
    counts = []
    for pid in service_processes(root)["api"]:
        inodes = set()
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with_target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if with_target.startswith("socket:["):
                    inodes.add(int(with_target[8:-1]))
        except OSError:
            pass
        counts.append(len(inodes & established))
    return counts


def _disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# --- HTTP ------------------------------------------------------------------------------------------------

class Client:
    """One request per new connection (so with several API processes any of them may answer)."""

    def __init__(self, base_url: str, token: str):
        url = urlsplit(base_url)
        self.base_url, self.host, self.port = base_url, url.hostname, url.port or 80
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, body: Any = None, *, timeout: float = 120.0) -> tuple[int, Any]:
        """``(status, parsed JSON or None)``; ``(0, error text)`` when the connection failed."""
        payload = body if isinstance(body, bytes) or body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = dict(self.headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, (json.loads(data) if data else None)
        except (OSError, http.client.HTTPException) as e:
            return 0, f"{type(e).__name__}: {e}"
        finally:
            conn.close()


def _pct(values: Sequence[float], p: float) -> float | None:
    if not len(values):
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _summary(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    return {"count": len(values), **{f"p{p}": None if (v := _pct(values, p)) is None else round(v, digits)
                                     for p in (50, 90, 99, 100)},
            "mean": round(float(np.mean(values)), digits) if len(values) else None}


def _backlog(base_url: str) -> dict[str, Any] | None:
    _ok, body = service_ready(base_url)
    return (body or {}).get("backlog")


def _pending(base_url: str) -> int | None:
    backlog = _backlog(base_url)
    return None if backlog is None else sum(backlog["pending"].values())


def _embedding_counters(base_url: str) -> tuple[float, float]:
    """(records embedded, seconds spent encoding) so far, summed over kinds and processes."""
    return (sum(metric_samples(base_url, "rengang_embedded_total").values()),
            sum(metric_samples(base_url, "rengang_embedding_seconds_total").values()))


class ApiProcessWatch:
    """The API processes of a running ``rengang serve``, sampled every second: uvicorn replaces a child that died
    or that missed its health check, and a replaced child starts its engine over."""

    def __init__(self, service, label: str, expected: int):
        self.service, self.label, self.expected = service, label, expected
        self.seen: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self.service.poll() is None:
            for pid in service_processes(self.service.pid)["api"]:
                if pid not in self.seen:
                    self.seen.append(pid)
            if self._stop.wait(1.0):
                return

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        return {"service": self.label, "api_processes": self.expected, "api_pids_seen": len(self.seen),
                "replaced": max(0, len(self.seen) - self.expected)}


class SnapshotWatch:
    """Samples the postings snapshot in use (``CURRENT``) every second: snapshots saved during a window."""

    def __init__(self, index_dir: Path):
        from indexes import snapshots

        self._current = lambda: snapshots.current(index_dir / "job")
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            folder = self._current()
            if folder is not None and (not self.seen or self.seen[-1] != folder.name):
                self.seen.append(folder.name)
            if self._stop.wait(1.0):
                return

    def __enter__(self) -> SnapshotWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def saved(self) -> int:
        return max(0, len(self.seen) - 1)


# --- scenarios --------------------------------------------------------------------------------------------

def bulk_bodies(payloads: list[dict[str, Any]], count: int, tag: str) -> list[bytes]:
    """``count`` new postings as ``POST /jobs/bulk`` bodies of 1,000, encoded up front (not timed)."""
    fresh = _fresh_postings(payloads, count, tag)
    return [json.dumps({"items": fresh[i:i + BULK_ITEMS]}, ensure_ascii=False).encode()
            for i in range(0, len(fresh), BULK_ITEMS)]


def bulk_import(client: Client, bodies: list[bytes], *, clients: int = 2,
                stop: threading.Event | None = None) -> dict[str, Any]:
    """Send the bodies with ``clients`` requests in flight; postings accepted per second of the whole import."""
    lock, queue = threading.Lock(), list(reversed(bodies))
    accepted, latencies, errors, finished = [0], [], [], []
    stop = stop or threading.Event()

    def run() -> None:
        while not stop.is_set():
            with lock:
                if not queue:
                    return
                body = queue.pop()
            sent = time.perf_counter()
            status, data = client.request("POST", "/api/v1/jobs/bulk", body, timeout=600)
            done = time.perf_counter()
            with lock:
                if status == 201:
                    accepted[0] += data["count"]
                    latencies.append(done - sent)
                    finished.append(done)
                else:
                    errors.append({"status": status, "body": str(data)[:300]})

    started = time.perf_counter()
    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = (max(finished) if finished else time.perf_counter()) - started
    return {"requests": len(bodies), "items_per_request": BULK_ITEMS, "clients": clients,
            "accepted": accepted[0], "seconds": round(elapsed, 2),
            "accepted_per_s": round(accepted[0] / elapsed, 1) if elapsed > 0 and accepted[0] else 0.0,
            "request_s": _summary(latencies, 2), "errors": len(errors), "error_samples": errors[:3],
            "stopped": stop.is_set()}


def write_to_matchable(client: Client, *, payload: dict[str, Any], counties: list[str], query: str,
                       rate: float, duration_s: float, poll_s: float = 0.25, settle_s: float = 120.0,
                       tag: str = "w", database_url: str = "") -> dict[str, Any]:
    """Steady single writes; each posting's seconds from its committed ``POST`` to its first appearance in a
    text match of its county. With ``database_url``, also split at the moment the worker stored its vector."""
    posted: dict[int, tuple[str, float]] = {}
    committed_wall: dict[int, float] = {}
    found: dict[int, float] = {}
    write_s, write_errors, poll_errors, poll_s_taken, pending_answers = [], [], [], [], [0]
    lock = threading.Lock()
    writing_done = threading.Event()
    total = int(rate * duration_s)
    slice_s = duration_s / len(counties)

    def writer() -> None:
        start = time.monotonic()
        for i in range(total):
            at = start + i / rate
            if (delay := at - time.monotonic()) > 0:
                time.sleep(delay)
            county = counties[min(int((at - start) / slice_s), len(counties) - 1)]
            body = payload | {"title": f"{payload['title'][:60]}（写入{tag}{i:04d}）",
                              "description": f"{payload.get('description') or ''} 写入批次{tag}{i:04d}",
                              "region_code": county}
            sent = time.monotonic()
            status, data = client.request("POST", "/api/v1/jobs", body)
            done = time.monotonic()
            with lock:
                if status in (200, 201):
                    posted[data["id"]] = (county, done)
                    committed_wall[data["id"]] = time.time()
                    write_s.append(done - sent)
                    pending_answers[0] += data.get("matching") == "pending"
                else:
                    write_errors.append({"status": status, "body": str(data)[:300]})
        writing_done.set()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    deadline = None
    while True:
        round_started = time.monotonic()
        with lock:
            waiting: dict[str, set[int]] = {}
            for record_id, (county, _at) in posted.items():
                if record_id not in found:
                    waiting.setdefault(county, set()).add(record_id)
        if writing_done.is_set():
            deadline = deadline or round_started + settle_s
            if not waiting or round_started > deadline:
                break
        for county, ids in waiting.items():
            sent = time.monotonic()
            status, data = client.request("POST", "/api/v1/matches/jobs",
                                          {"text": query, "scope": "county", "region_code": county, "k": 100})
            now = time.monotonic()
            poll_s_taken.append(now - sent)
            if status != 200:
                poll_errors.append({"status": status, "body": str(data)[:300]})
                continue
            listed = {item["id"] for item in data["items"]}
            with lock:
                for record_id in ids & listed:
                    found[record_id] = now
        time.sleep(max(0.0, poll_s - (time.monotonic() - round_started)))
    thread.join()
    latencies = [found[i] - at for i, (_c, at) in posted.items() if i in found]
    stored = vectors_stored_at(database_url, list(posted)) if database_url else {}
    to_vector = [stored[i] - committed_wall[i] for i in posted if i in stored]
    # the found time on the wall clock: the commit's wall time plus the measured (monotonic) latency
    vector_to_seen = [committed_wall[i] + found[i] - posted[i][1] - stored[i] for i in posted
                      if i in stored and i in found]
    return {"rate_per_s": rate, "duration_s": duration_s, "written": len(posted),
            "answered_pending": pending_answers[0], "polls": len(poll_s_taken),
            "write_errors": len(write_errors), "write_error_samples": write_errors[:3],
            "write_request_s": _summary(write_s), "matchable": len(found), "never_matchable": len(posted) - len(found),
            "settle_s": settle_s, "poll_interval_s": poll_s, "poll_request_s": _summary(poll_s_taken),
            "poll_errors": len(poll_errors), "poll_error_samples": poll_errors[:3], "counties": counties,
            "latency_s": _summary(latencies), "commit_to_vector_stored_s": _summary(to_vector),
            "vector_stored_to_seen_s": _summary(vector_to_seen)}


def vectors_stored_at(database_url: str, ids: list[int]) -> dict[int, float]:
    """When each posting's vector was stored (``embeddings.updated_at``, set by the worker), as a Unix time."""
    from datetime import UTC

    from sqlalchemy import create_engine, select

    from service.models import Embedding

    if not ids:
        return {}
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Embedding.record_id, Embedding.updated_at)
                            .where(Embedding.kind == "job", Embedding.record_id.in_(ids))).all()
    engine.dispose()
    return {rid: (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() for rid, at in rows}


def _matches(base_url: str, token: str, requests: list, duration_s: float, concurrency: int,
             service=None) -> dict[str, Any]:
    """A match load; with ``service``, how its connections were split among the API processes (mid-load)."""
    split: list[int] = []
    if service is not None:
        port = urlsplit(base_url).port
        timer = threading.Timer(5.0 + duration_s / 2, lambda: split.extend(connections_per_process(service.pid, port)))
        timer.start()
    result = run_load(base_url=base_url, requests=requests, concurrency=concurrency, duration_s=duration_s,
                      headers={"Authorization": f"Bearer {token}"})
    if service is not None:
        timer.join()
        result["connections_per_api_process"] = split
    if not result["non_2xx"] and not result["transport_errors"]:
        result.pop("error_samples", None)
    return result


def _quiet_counties(url: str, n: int, rng: np.random.Generator) -> list[str]:
    """``n`` counties with no posting in the database (or the fewest)."""
    from sqlalchemy import create_engine, func, select

    from matching import refdata
    from service.models import JobPosting

    engine = create_engine(url)
    with engine.connect() as conn:
        used = dict(conn.execute(select(JobPosting.region_code, func.count()).group_by(JobPosting.region_code)).all())
    engine.dispose()
    codes = sorted(refdata.counties())
    rng.shuffle(codes)
    return sorted(codes, key=lambda c: used.get(c, 0))[:n]


def _count_postings(url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from service.models import JobPosting

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(JobPosting))
    engine.dispose()
    return int(count)


def crash_and_restart(*, service, start: Callable[[], Any], base_url: str, client: Client, bodies: list[bytes],
                      database_url: str, index_dir: Path, workers: int, kill_after_s: float,
                      log) -> tuple[Any, dict[str, Any]]:
    """A bulk import under way, SIGKILL to the serve process group, then ``rengang serve`` again: seconds to a
    200 on ``/readyz``, to every API process reporting, and what the first ready answer says."""
    from indexes import snapshots

    before = _count_postings(database_url)
    stop = threading.Event()
    box: dict[str, Any] = {}
    importer = threading.Thread(target=lambda: box.update(bulk_import(client, bodies, clients=1, stop=stop)),
                                daemon=True)
    importer.start()
    time.sleep(kill_after_s)
    backlog_before = _backlog(base_url)
    kill_service(service)
    killed = time.monotonic()
    stop.set()
    importer.join()
    in_db = _count_postings(database_url)
    snapshot_seq = {kind: snapshots.current_seq(index_dir / kind) for kind in ("job", "seeker")}
    log(f"    killed after {kill_after_s:.0f} s of import: {box['accepted']:,} acknowledged, "
        f"{in_db - before:,} in the database; starting again")
    started = time.monotonic()
    service = start()
    ready_body, first_ready, answering = None, None, None
    while time.monotonic() - started < 600:
        if service.poll() is not None:
            raise RuntimeError("rengang serve exited while starting again")
        ok, body = service_ready(base_url)
        if body is not None and answering is None:
            answering = time.monotonic() - started  # an API process is up (503 while its engine loads)
        if ok:
            first_ready, ready_body = time.monotonic() - started, body
            break
        time.sleep(0.1)
    if first_ready is None:
        raise RuntimeError("not ready within 600 s of the restart")
    all_replicas = first_ready + wait_replicas(base_url, workers, process=service, timeout_s=600)
    return service, {
        "kill_after_import_s": kill_after_s, "killed_to_restart_s": round(started - killed, 2),
        "backlog_before_kill": backlog_before, "acknowledged_before_kill": box["accepted"],
        "import_requests_failed_at_kill": box["errors"],
        "postings_written_before_kill": in_db - before,
        "committed_not_acknowledged": in_db - before - box["accepted"],
        "snapshot_seq_on_disk": snapshot_seq,
        "answering_s": round(answering, 2), "ready_s": round(first_ready, 2),
        "all_api_processes_reporting_s": round(all_replicas, 2),
        "backlog_when_ready": (ready_body or {}).get("backlog"),
    }


def _warm_up(client: Client, base_url: str, posting: dict[str, Any], query: str, *, timeout_s: float = 600.0) -> float:
    """One posting written and the queue empty again (the worker is up), then a few text matches on new
    connections (each API process's first query encoding); the seconds it took."""
    started = time.monotonic()
    status, data = client.request("POST", "/api/v1/jobs", posting)
    if status not in (200, 201):
        raise RuntimeError(f"warm-up write refused: {status} {data}")
    while _pending(base_url) != 0:
        if time.monotonic() - started > timeout_s:
            raise RuntimeError(f"the embedding worker did not empty the queue within {timeout_s:g} s")
        time.sleep(0.5)
    for _ in range(6):
        client.request("POST", "/api/v1/matches/jobs", {"text": query, "k": 10})
    return round(time.monotonic() - started, 1)


def _wait_embedding(base_url: str, *, timeout_s: float = 180.0) -> float:
    """Until the worker has embedded something since this call (it is up and working); the seconds waited."""
    started, count = time.monotonic(), _embedding_counters(base_url)[0]
    while time.monotonic() - started < timeout_s:
        if _embedding_counters(base_url)[0] > count:
            break
        time.sleep(1.0)
    return round(time.monotonic() - started, 1)


@contextlib.contextmanager
def scratch_postgres(server_url: str) -> Iterator[str]:
    """A database of its own on the PostgreSQL server of ``server_url`` (any database there), dropped afterwards."""
    from sqlalchemy import create_engine, make_url, text

    server = make_url(server_url)
    name = f"rengang_bench_mp_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_multiprocess_scenario(*, n: int, workdir: Path, anchors: Anchors, models_dir: Path, today: date,
                              duration_s: float = 60.0, write_s: float = 60.0, write_rate: float = 5.0,
                              embed_window_s: float = 60.0, concurrency: int = 32, port: int = 8775,
                              database_url: str = "", max_tokens: int | None = 128, threads: int | None = None,
                              n_seekers: int = 2000, seed: int = 11, embedder=None, log=print) -> dict[str, Any]:
    """The whole scenario (see the module's docstring); ``embedder``: the service's, to embed the occupation
    catalogue for the workers' cache up front (once per model), so no phase waits for it."""
    from matching.embedder import resolve_precision, thread_count
    from matching.model_convert import DEFAULT_MODEL_DIRNAME
    from service.settings import Settings

    if embedder is not None:
        from matching.lexical import default_lexicon
        from matching.occupations import OccupationCoder

        log("[multi-process] the occupation catalogue's vectors for the workers' cache (once per model)")
        OccupationCoder.with_embedder(embedder, lexicon=default_lexicon(), cache_dir=models_dir / "cache").prepare()

    var_dir = workdir / f"multiprocess-{n}" if not database_url else workdir / f"multiprocess-{n}-postgresql"
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {"n": n, "backend": "postgresql" if database_url.startswith("postgresql") else "sqlite",
                           "concurrency": concurrency, "duration_s": duration_s}
    from service.settings import Settings as _Settings

    defaults = _Settings(env="test", secret_key=SECRET)
    out["service"] = {"api_sockets": "listens on a socket of its own (SO_REUSEPORT)",
                      "embed_cpu_priority": defaults.embed_cpu_priority,
                      "snapshot_saver": "the embedding worker (with --embed-workers ≥ 1), else an API process",
                      "model_weights": "a memory-mapped file shared by every process"}
    worker_threads = thread_count(threads)
    precision = embedder.precision if embedder is not None else resolve_precision("auto", "cpu")
    log(f"[multi-process {n:,}] compute floor: {precision} matmul with {worker_threads} threads")
    flops = model_flops_per_text(tokens=max_tokens or 512, config=models_dir / DEFAULT_MODEL_DIRNAME / "config.json")
    rate = matmul_rate(threads=worker_threads, dtype=precision)
    out["floor"] = {"model": flops, "matmul": rate,
                    "texts_per_s": round(rate["gflops"] * 1e9 / flops["flops"], 1)}

    log(f"[multi-process {n:,}] preparing the database")
    prep = prepare_database(var_dir=var_dir, n_jobs=n, n_seekers=n_seekers, anchors=anchors, today=today,
                            seed=seed, log=log, database_url=database_url)
    token = prep.pop("token")
    seeker_ids = prep.pop("seeker_ids")
    prep.pop("job_ids"), prep.pop("employer_ids")
    payloads = prep.pop("ingest_payloads")
    out["database"] = prep
    settings = Settings(env="test", var_dir=var_dir, secret_key=SECRET, database_url=database_url)
    url, index_dir = settings.resolved_database_url, settings.resolved_index_dir
    out["snapshot_disk_mib"] = {kind: round(_disk_bytes(index_dir / kind) / 2**20, 1) for kind in ("job", "seeker")}
    env = {"RENGANG_VAR_DIR": str(var_dir), "RENGANG_SECRET_KEY": SECRET, "RENGANG_MODELS_DIR": str(models_dir),
           "RENGANG_LOG_LEVEL": "warning", "RENGANG_RATE_LIMIT_ENABLED": "false"}  # one key, flat out, on purpose
    if database_url:
        env["RENGANG_DATABASE_URL"] = database_url
    if threads:
        env["RENGANG_THREADS"] = str(threads)
    base = f"http://127.0.0.1:{port}"
    client = Client(base, token)
    seekers_q = [("GET", f"/api/v1/seekers/{i}/matches?k=10", None)
                 for i in rng.choice(seeker_ids, min(500, len(seeker_ids)), replace=False).tolist()]

    watches: list[ApiProcessWatch] = []

    def start(workers: int, embed_workers: int, *, wait: bool = True, label: str = ""):
        if watches:
            out["api_process_watch"] = [w.stop() for w in watches]  # the previous service is gone
        service = start_service(env=env, port=port, log_path=var_dir / f"serve-{workers}-{embed_workers}.log",
                                workers=workers, embed_workers=embed_workers, wait=wait)
        watches.append(ApiProcessWatch(service, label or f"--workers {workers} --embed-workers {embed_workers}",
                                       workers))
        return service

    # --- 1 and 2 API processes, no embedding worker: throughput and memory --------------------------------
    out["replicas"] = {}
    for workers in (1, 2):
        log(f"[multi-process {n:,}] --workers {workers} --embed-workers 0: starting")
        started = time.monotonic()
        service = start(workers, 0)
        entry: dict[str, Any] = {"ready_s": round(time.monotonic() - started, 1)}
        try:
            entry["all_api_processes_reporting_s"] = round(
                entry["ready_s"] + wait_replicas(base, workers, process=service), 1)
            entry["memory_ready"] = replica_memory(service.pid, index_dir)
            log(f"[multi-process {n:,}] --workers {workers}: stored-profile matches, {concurrency} clients for "
                f"{duration_s:.0f} s")
            entry["matches"] = _matches(base, token, seekers_q, duration_s, concurrency, service)
            entry["memory_after_load"] = replica_memory(service.pid, index_dir)
        finally:
            stop_service(service)
        out["replicas"][str(workers)] = entry
    one, two = (out["replicas"][k]["matches"]["requests_per_s"] for k in ("1", "2"))
    out["throughput_ratio"] = round(two / one, 3) if one else None
    pss = [out["replicas"][k]["memory_after_load"]["sum_mib"]["pss"] for k in ("1", "2")]
    out["pss_ratio"] = round(pss[1] / pss[0], 3) if pss[0] else None

    # --- 2 API processes and an embedding worker ------------------------------------------------------------
    workers = 2
    log(f"[multi-process {n:,}] --workers {workers} --embed-workers 1: starting")
    started = time.monotonic()
    service = start(workers, 1)
    out["serving"] = {"ready_s": round(time.monotonic() - started, 1)}
    try:
        wait_replicas(base, workers, process=service)
        counties = _quiet_counties(url, 6, rng)
        # An ordinary full-time posting without age limits: a text match without an age leaves out postings
        # that state one, and anonymous callers never see reserved posts.
        plain = next((p for p in payloads if p.get("work_type", "full_time") == "full_time"
                      and p.get("age_min") is None and p.get("age_max") is None), payloads[0])
        template = {k: v for k, v in plain.items() if k not in ("age_min", "age_max")} | {"work_type": "full_time"}
        query = template["title"]
        log(f"[multi-process {n:,}] warming up: one posting embedded, text matches through both processes")
        out["warm_up_s"] = _warm_up(client, base, template | {"title": f"{template['title'][:60]}（预热）",
                                                               "region_code": counties[0]}, query)
        log(f"[multi-process {n:,}] write to matchable: {write_rate:g} postings/s for {write_s:.0f} s")
        out["write_to_matchable"] = write_to_matchable(client, payload=template, counties=counties, query=query,
                                                       rate=write_rate, duration_s=write_s, tag="w",
                                                       database_url=url)
        log(f"[multi-process {n:,}] baseline: stored-profile matches, the worker idle")
        out["matches_baseline"] = _matches(base, token, seekers_q, duration_s, concurrency, service)

        log(f"[multi-process {n:,}] kill -9 during a bulk import, then start again")
        service, out["crash"] = crash_and_restart(
            service=service, start=lambda: start(workers, 1, wait=False, label="restart after kill -9"),
            base_url=base, client=client, bodies=bulk_bodies(payloads, min(n, 30_000), "k"), database_url=url, index_dir=index_dir,
            workers=workers, kill_after_s=max(3.0, min(8.0, duration_s)), log=log)
        out["crash"]["worker_embedding_again_s"] = _wait_embedding(base)

        accept_n = min(n, 20_000)
        log(f"[multi-process {n:,}] bulk ingest alone: {accept_n:,} postings, {BULK_ITEMS:,} a request")
        bodies = bulk_bodies(payloads, accept_n, "a")
        out["bulk_accept"] = bulk_import(client, bodies, clients=2)
        out["bulk_accept"]["pending_after"] = _pending(base)

        log(f"[multi-process {n:,}] stored-profile matches during a {n:,}-posting bulk import")
        bodies = bulk_bodies(payloads, n, "b")
        box: dict[str, Any] = {}
        importer = threading.Thread(target=lambda: box.update(bulk_import(client, bodies, clients=1)), daemon=True)
        with SnapshotWatch(index_dir) as watch:
            import_started = time.monotonic()
            importer.start()
            out["matches_during_import"] = _matches(base, token, seekers_q, duration_s, concurrency, service)
            window_end = time.monotonic()
            importer.join()
        out["matches_during_import"]["import"] = box | {
            "finished_after_window_s": round(import_started + box["seconds"] - window_end, 1),
            "snapshots_saved": watch.saved}

        log(f"[multi-process {n:,}] stored-profile matches while the worker embeds the backlog")
        pending_before = _pending(base)
        with SnapshotWatch(index_dir) as watch:
            out["matches_during_embedding"] = _matches(base, token, seekers_q, duration_s, concurrency, service)
        out["matches_during_embedding"]["backlog"] = {"pending_before": pending_before, "pending_after": _pending(base),
                                                      "snapshots_saved": watch.saved}

        log(f"[multi-process {n:,}] the worker alone for {embed_window_s:.0f} s")
        pending_before, (count_before, seconds_before) = _pending(base), _embedding_counters(base)
        with SnapshotWatch(index_dir) as watch:
            window_started = time.monotonic()
            time.sleep(embed_window_s)
            window = time.monotonic() - window_started
        pending_after, (count_after, seconds_after) = _pending(base), _embedding_counters(base)
        embedded = count_after - count_before
        out["embedding"] = {
            "window_s": round(window, 1), "pending_before": pending_before, "pending_after": pending_after,
            "queue_drained_per_s": round((pending_before - pending_after) / window, 2)
            if pending_before is not None and pending_after is not None else None,
            "embedded": embedded, "embedded_per_s": round(embedded / window, 2),
            "encode_seconds": round(seconds_after - seconds_before, 1),
            "embedded_per_encode_s": round(embedded / (seconds_after - seconds_before), 2)
            if seconds_after > seconds_before else None,
            "snapshots_saved": watch.saved}
        out["embedding"]["of_floor"] = round(out["embedding"]["embedded_per_s"] / out["floor"]["texts_per_s"], 4)

        log(f"[multi-process {n:,}] kill -9 again, with that backlog queued")
        service, out["crash_with_backlog"] = crash_and_restart(
            service=service, start=lambda: start(workers, 1, wait=False, label="restart after kill -9, backlog"),
            base_url=base, client=client, bodies=bulk_bodies(payloads, min(n, 30_000), "k2"), database_url=url, index_dir=index_dir,
            workers=workers, kill_after_s=max(3.0, min(8.0, duration_s)), log=log)
    finally:
        stop_service(service)
        out["api_process_watch"] = [w.stop() for w in watches]
    base = out["matches_baseline"]
    for name in ("matches_during_import", "matches_during_embedding"):
        during = out[name]
        # With 32 closed-loop clients the mean latency is 32 ÷ throughput: "slower by" is the cost per request.
        # p50 and p99 are shown too; they depend on how the clients' connections fell across the processes.
        out[name]["slowdown"] = {
            "throughput": round(base["requests_per_s"] / during["requests_per_s"] - 1, 3),
            **{p: round(during["latency_ms"][p] / base["latency_ms"][p] - 1, 3) for p in ("mean", "p50", "p99")}}
    if os.environ.get("RENGANG_BENCH_KEEP") != "1":
        import shutil

        shutil.rmtree(var_dir, ignore_errors=True)
    return json.loads(json.dumps(out, default=str))


def main() -> None:
    """A run of this scenario alone (smoke tests): raw figures to stdout."""
    from datetime import UTC, datetime

    from bench.data import load_anchors
    from bench.runner import ROOT, parse_size
    from service.engine import load_service_embedder
    from service.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="2000", help="postings, e.g. 2000 or 100k")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each match load")
    parser.add_argument("--write-s", type=float, default=10.0, help="seconds of steady writes")
    parser.add_argument("--embed-window", type=float, default=10.0)
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    settings = Settings()
    embedder = load_service_embedder(settings)
    today = datetime.now(UTC).date()
    anchors = load_anchors(embedder=embedder, cache_dir=args.workdir / "cache", today=today)
    result = run_multiprocess_scenario(n=parse_size(args.n), workdir=args.workdir, anchors=anchors,
                                       models_dir=settings.resolved_models_dir, today=today,
                                       duration_s=args.duration, write_s=args.write_s,
                                       embed_window_s=args.embed_window, database_url=args.database_url,
                                       max_tokens=settings.model_max_tokens, threads=settings.threads,
                                       embedder=embedder, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
