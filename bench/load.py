"""An HTTP load generator for the running service, and helpers to start and stop that service.

:func:`run_load` keeps ``concurrency`` clients busy, each on its own keep-alive HTTP/1.1 connection,
with a small asyncio ``Protocol`` per connection (on uvloop when installed) and every request
encoded to bytes once up front; a response is parsed only as far as its status line, its headers
and the body length (bodies are kept only for non-2xx samples). Latency runs from writing the
request to reading the last byte of its response, so with more clients than the server has
workers it includes the wait in the server's queue, as a caller would see it.

Why this implementation: the generator runs on the same small machine as the server and must not
be what limits the figures. Measured on this 2-core machine (shared with other work at the time, so
the rates are lower bounds) with the generator and the server in separate processes, concurrency 32:

- against :func:`serve_fixed` (a uvloop server answering every request with a fixed 200), two runs:
  32,000 and 60,000 requests/s, the generator using 28 % and 51 % of one core, about 8.5 µs of
  generator CPU per request (the fixed server, not the generator, was the limit);
- ``httpx.AsyncClient`` (HTTP/1.1 keep-alive, pool sized to the concurrency) against the same server:
  285 and 650 requests/s with the client at a full core, about 1,500 µs of CPU per request, i.e. it
  would itself be the bottleneck below the service's own rates;
- against the real service (``RENGANG_MATCHING=false``, SQLite, seeded), ``GET /healthz``:
  1,800-3,800 requests/s over four runs (varying with the other work on the machine), the generator
  at 5-11 % of a core (27-29 µs a request: at these rates fewer responses arrive together, so
  there is less batching per wake-up); an authenticated ``GET /api/v1/jobs?page_size=20``:
  120-175 requests/s, the generator at 1-2 % of a core.

Every result carries ``client_cpu_share`` (generator CPU seconds per wall second: near 1.0 means
the generator had a core to itself and was the bottleneck) and ``client_cpu_us_per_request``, so
each run says whether its own figures can be trusted; :func:`generator_ceiling` measures the
ceiling again on whatever machine the benchmark runs on.

:func:`start_service` runs ``rengang serve --workers N --embed-workers M`` (``python -m service.cli
serve``, as the console script does) as a subprocess in a process group of its own, with the given
``RENGANG_*`` environment, and returns once ``GET /readyz`` answers 200 with every check ``ok`` (the
matching engine loads in a background thread, so the process is up well before it is ready). With
several API processes, one answering 200 says nothing of the others: :func:`wait_replicas` waits until
``/metrics`` shows every one's change-log position. :func:`stop_service` ends the service with SIGTERM
(uvicorn's graceful shutdown; ``rengang serve`` then stops its embedding workers), then SIGKILL to the
whole group if it does not exit in time; :func:`kill_service` is the SIGKILL alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ERROR_SAMPLES = 5
ERROR_BODY_CHARS = 500

Request = tuple[str, str, Any]


def run_load(*, base_url: str, requests: Sequence[Request], concurrency: int = 32, duration_s: float = 60.0,
             headers: Mapping[str, str] | None = None, warmup_s: float = 5.0,
             timeout_s: float = 30.0) -> dict[str, Any]:
    """Keep ``concurrency`` clients busy for ``warmup_s`` (not counted) then ``duration_s`` (counted).

    ``requests`` is a list of ``(method, path, json_body_or_None)`` that the clients cycle through in
    order (one shared cycle). A request counts when it starts and finishes inside the measured
    window. ``timeout_s`` bounds one request; a request past it counts as a transport error.

    Returns ``{"requests", "requests_per_s", "duration_s", "concurrency", "latency_ms": {"p50", "p95",
    "p99", "max", "mean"}, "ok", "status_counts", "non_2xx": {status: count}, "transport_errors",
    "error_samples", "client_cpu_share", "client_cpu_us_per_request"}``.
    """
    if concurrency < 1 or not requests:
        raise ValueError("run_load needs concurrency >= 1 and at least one request")
    url = urlsplit(base_url)
    if url.scheme != "http" or not url.hostname:
        raise ValueError(f"run_load speaks plain http to a host: {base_url!r}")
    host, port = url.hostname, url.port or 80
    encoded = [_encode(method, url.path.rstrip("/") + path, body, host, port, headers or {})
               for method, path, body in requests]
    load = _Load(host=host, port=port, encoded=encoded, concurrency=concurrency, timeout_s=timeout_s)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(load.run(warmup_s=warmup_s, duration_s=duration_s))


def generator_ceiling(*, concurrency: int = 32, duration_s: float = 5.0, port: int = 0) -> dict[str, Any]:
    """:func:`run_load` against :func:`serve_fixed` in a subprocess: the most this generator can drive here."""
    port = port or _free_port()
    server = subprocess.Popen([sys.executable, "-c", f"from bench.load import serve_fixed; serve_fixed({port})"],
                              cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _get(f"http://127.0.0.1:{port}/")[0] == 200, timeout_s=30, process=server)
        return run_load(base_url=f"http://127.0.0.1:{port}", requests=[("GET", "/", None)],
                        concurrency=concurrency, duration_s=duration_s, warmup_s=1.0)
    finally:
        server.terminate()
        server.wait(timeout=10)


def serve_fixed(port: int, host: str = "127.0.0.1") -> None:
    """A server that answers every request with the same small 200 at almost no cost (for the ceiling)."""
    response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}"

    class Fixed(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buffer = transport, b""

        def data_received(self, data):
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buffer[:end].lower()
                length = 0
                at = head.find(b"content-length:")
                if at >= 0:
                    length = int(head[at + 15:].split(b"\r\n", 1)[0])
                if len(self.buffer) < end + 4 + length:
                    return
                self.buffer = self.buffer[end + 4 + length:]
                self.transport.write(response)

    async def main():
        server = await asyncio.get_running_loop().create_server(Fixed, host, port, backlog=1024)
        async with server:
            await server.serve_forever()

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(main())


def start_service(*, env: Mapping[str, str], port: int, log_path: str | os.PathLike[str],
                  host: str = "127.0.0.1", ready_timeout_s: float = 600.0,
                  cwd: str | os.PathLike[str] | None = None, workers: int | None = None,
                  embed_workers: int | None = None, wait: bool = True) -> subprocess.Popen:
    """Start ``rengang serve`` with ``env`` (``RENGANG_*``) on ``host:port``; return once it is ready.

    ``workers``: API processes (``None``: the command's default, the cores); ``embed_workers``: embedding
    worker processes (``None``: its default, 1). The caller's own ``RENGANG_*`` variables are dropped so
    only ``env`` configures the service. Output goes to ``log_path``. Ready means ``GET /readyz`` answered
    200 with every check ``ok`` (``wait=False``: return at once); if the process exits first, or
    ``ready_timeout_s`` passes, it is stopped and RuntimeError carries the end of its log.
    """
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("RENGANG_")}
    child_env.update({k: str(v) for k, v in env.items()})
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "service.cli", "serve", "--host", host, "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    if embed_workers is not None:
        command += ["--embed-workers", str(embed_workers)]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, env=child_env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=cwd or Path(__file__).resolve().parents[1],
                                   start_new_session=True)  # its own group: kill_service reaches every child
    if wait:
        wait_ready(process, f"http://{host}:{port}", log_path=log_path, timeout_s=ready_timeout_s)
    return process


def service_ready(base_url: str) -> tuple[bool, dict[str, Any] | None]:
    """Whether ``GET /readyz`` answers 200 with every check ``ok``, and its body (None when it did not answer)."""
    status, body = _get(f"{base_url}/readyz")
    if not status:
        return False, None
    parsed = json.loads(body)
    return status == 200 and all(v == "ok" for v in parsed.get("checks", {}).values()), parsed


def wait_ready(process: subprocess.Popen, base_url: str, *, log_path: Path, timeout_s: float = 600.0) -> None:
    """Until ``/readyz`` is ready (see :func:`start_service`); the process stopped and RuntimeError otherwise."""
    try:
        _wait_for(lambda: service_ready(base_url)[0], timeout_s=timeout_s, process=process)
    except RuntimeError as e:
        stop_service(process)
        raise RuntimeError(f"{e}; end of {log_path}:\n{_tail(Path(log_path))}") from None


def wait_replicas(base_url: str, count: int, *, process: subprocess.Popen, timeout_s: float = 600.0) -> float:
    """Until ``/metrics`` reports the change-log position of ``count`` API processes; returns the seconds waited.

    Each API process reports it (a gauge with its pid, 0 until then) every few seconds once its engine is
    loaded, so this lags readiness by up to that interval: it says every replica is up, not the moment it
    came up. (A database with an empty change log would never show a position above 0.)
    """
    started = time.monotonic()
    _wait_for(lambda: sum(v > 0 for v in metric_samples(base_url, "rengang_changelog_applied_seq").values()) >= count,
              timeout_s=timeout_s, process=process, interval_s=0.5)
    return time.monotonic() - started


def metric_samples(base_url: str, name: str) -> dict[str, float]:
    """``labels → value`` of one metric in ``GET /metrics`` (Prometheus text); empty when unreachable."""
    status, body = _get(f"{base_url}/metrics", timeout_s=10.0)
    if status != 200:
        return {}
    out = {}
    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith(name) and line[len(name):len(name) + 1] in ("{", " "):
            key, _, value = line.rpartition(" ")
            out[key[len(name):]] = float(value)
    return out


def kill_service(handle: subprocess.Popen) -> None:
    """SIGKILL to the service's whole process group (API processes, embedding workers), as a crash would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(handle.pid, signal.SIGKILL)
    handle.wait()


def stop_service(handle: subprocess.Popen, *, timeout_s: float = 30.0) -> int:
    """SIGTERM (uvicorn shuts down gracefully), SIGKILL to the group after ``timeout_s``; returns the exit code.

    uvicorn re-raises the signal once it has shut down cleanly, so a clean stop returns -15. Whatever of
    the group outlives its leader (a worker still finishing a batch) gets SIGKILL too.
    """
    if handle.poll() is None:
        handle.send_signal(signal.SIGTERM)
        try:
            handle.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill_service(handle)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(handle.pid, signal.SIGKILL)
    return handle.returncode


# --- the generator ----------------------------------------------------------------------------------

class _Load:
    def __init__(self, *, host: str, port: int, encoded: list[bytes], concurrency: int, timeout_s: float):
        self.host, self.port, self.encoded = host, port, encoded
        self.concurrency, self.timeout_s = concurrency, timeout_s
        self.next = 0
        self.window = (float("inf"), float("inf"))
        self.stopping = False
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.transport_errors = 0
        self.samples: list[dict[str, Any]] = []

    async def run(self, *, warmup_s: float, duration_s: float) -> dict[str, Any]:
        clients = [asyncio.create_task(self._client()) for _ in range(self.concurrency)]
        await asyncio.sleep(warmup_s)
        start, cpu = time.perf_counter(), time.process_time()
        self.window = (start, start + duration_s)
        await asyncio.sleep(duration_s)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        self.stopping = True
        for task in clients:
            task.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
        return self._report(elapsed, cpu)

    async def _client(self) -> None:
        loop = asyncio.get_running_loop()
        connection: _Connection | None = None
        try:
            while not self.stopping:
                if connection is None or connection.closed:
                    started = time.perf_counter()
                    try:
                        _, connection = await loop.create_connection(_Connection, self.host, self.port)
                    except OSError as e:
                        self._transport_error(started, e)
                        connection = None
                        await asyncio.sleep(0.05)
                        continue
                request = self.encoded[self.next % len(self.encoded)]
                self.next += 1
                started = time.perf_counter()
                try:
                    status, body = await connection.send(request, self.timeout_s)
                except (ConnectionError, TimeoutError, ValueError) as e:
                    connection.close()
                    self._transport_error(started, e)
                    continue
                finished = time.perf_counter()
                if self.window[0] <= started and finished <= self.window[1]:
                    self.latencies.append(finished - started)
                    self.statuses[status] += 1
                    if not 200 <= status < 300 and len(self.samples) < ERROR_SAMPLES:
                        self.samples.append({"status": status,
                                             "body": body.decode("utf-8", "replace")[:ERROR_BODY_CHARS]})
        finally:
            if connection is not None:
                connection.close()

    def _transport_error(self, started: float, error: BaseException) -> None:
        if self.window[0] <= started <= self.window[1] and not self.stopping:
            self.transport_errors += 1
            if len(self.samples) < ERROR_SAMPLES:
                self.samples.append({"error": f"{type(error).__name__}: {error}"})

    def _report(self, elapsed: float, cpu: float) -> dict[str, Any]:
        latencies = sorted(self.latencies)
        count = len(latencies)

        def pct(p: float) -> float:
            return latencies[min(count - 1, max(0, round(p / 100 * count) - 1))] * 1e3 if count else float("nan")

        return {
            "requests": count,
            "requests_per_s": count / elapsed,
            "duration_s": elapsed,
            "concurrency": self.concurrency,
            "latency_ms": {"p50": pct(50), "p95": pct(95), "p99": pct(99), "max": pct(100),
                           "mean": sum(latencies) / count * 1e3 if count else float("nan")},
            "ok": sum(n for status, n in self.statuses.items() if 200 <= status < 300),
            "status_counts": dict(sorted(self.statuses.items())),
            "non_2xx": {status: n for status, n in sorted(self.statuses.items()) if not 200 <= status < 300},
            "transport_errors": self.transport_errors,
            "error_samples": self.samples,
            "client_cpu_share": cpu / elapsed,
            "client_cpu_us_per_request": cpu / (count + self.transport_errors) * 1e6
            if count + self.transport_errors else float("nan"),
        }


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with at most one request in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.closed = False
        self.keep_alive = True
        self.head: tuple[int, int, bool] | None = None  # status, header end, chunked

    def connection_made(self, transport) -> None:
        self.transport = transport

    def send(self, request: bytes, timeout_s: float) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        self.timer = loop.call_later(timeout_s, self._fail, TimeoutError(f"no response within {timeout_s:g} s"))
        self.transport.write(request)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        try:
            self._parse()
        except ValueError as e:
            self._fail(e)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("connection closed by the server"))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _parse(self) -> None:
        buffer = self.buffer
        if self.head is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(buffer[:end]).split(b"\r\n")
            status = int(lines[0].split(b" ", 2)[1])
            length, chunked = 0, False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
                elif name == b"connection" and value.strip().lower() == b"close":
                    self.keep_alive = False
            del buffer[:end + 4]
            self.head = (status, length, chunked)
        status, length, chunked = self.head
        if chunked:
            body = self._dechunk()
            if body is None:
                return
        else:
            if len(buffer) < length:
                return
            body = bytes(buffer[:length])
            del buffer[:length]
        self.head = None
        self._done((status, body if not 200 <= status < 300 else b""))
        if not self.keep_alive:
            self.close()

    def _dechunk(self) -> bytes | None:
        """The whole chunked body once it is all in the buffer (consumed), else None."""
        buffer, at, parts = self.buffer, 0, []
        while True:
            line_end = buffer.find(b"\r\n", at)
            if line_end < 0:
                return None
            size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
            if size == 0:
                trailer_end = buffer.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    if buffer[line_end:line_end + 4] == b"\r\n\r\n":
                        trailer_end = line_end
                    else:
                        return None
                del buffer[:trailer_end + 4]
                return b"".join(parts)
            if len(buffer) < line_end + 2 + size + 2:
                return None
            parts.append(bytes(buffer[line_end + 2:line_end + 2 + size]))
            at = line_end + 2 + size + 2

    def _done(self, result: tuple[int, bytes]) -> None:
        if self.timer is not None:
            self.timer.cancel()
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(result)

    def _fail(self, error: BaseException) -> None:
        if self.timer is not None:
            self.timer.cancel()
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        if isinstance(error, (TimeoutError, ValueError)):
            self.close()


# --- helpers ----------------------------------------------------------------------------------------

def _encode(method: str, path: str, body: Any, host: str, port: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"{method.upper()} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    payload = b""
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        lines.append("Content-Type: application/json")
    if body is not None or method.upper() in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def _loop_factory():
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _get(url: str, timeout_s: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (OSError, ValueError):
        return 0, b""


def _wait_for(check, *, timeout_s: float, process: subprocess.Popen, interval_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the process exited with code {process.returncode} before it was ready")
        try:
            if check():
                return
        except (ValueError, json.JSONDecodeError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"not ready after {timeout_s:g} s")
        time.sleep(interval_s)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""
