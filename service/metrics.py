"""Prometheus metrics: requests, match and embedding durations, and each replica's engine state.

One process (tests, ``uvicorn`` alone) uses prometheus-client's default registry. Several (``rengang serve``:
N API workers and the embedding workers) use its multiprocess mode: the parent calls
:func:`prepare_multiprocess_dir` before it starts any child, every process writes its values to files in
that directory, and ``GET /metrics`` in any worker adds them up (:func:`exposition`).

The metric objects are created on first use, not at import: prometheus-client stores a metric's values in
memory or in the directory according to ``PROMETHEUS_MULTIPROC_DIR`` at the time the metric is created.

Labels carry only bounded, non-personal values: route templates (never a path), methods, status codes,
match scopes, record kinds.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from types import SimpleNamespace

from prometheus_client import (
    CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess, values,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# who may scrape without a token: loopback and private networks (not ``is_private``, which also admits the
# documentation ranges and more)
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7"))


@cache
def _metrics() -> SimpleNamespace:
    return SimpleNamespace(
        requests=Counter("rengang_http_requests_total", "HTTP requests answered",
                         ["method", "route", "status"]),
        request_seconds=Histogram("rengang_http_request_duration_seconds", "Time to answer an HTTP request",
                                  ["method", "route"]),
        match_seconds=Histogram("rengang_match_duration_seconds", "Time to answer a match request",
                                ["scope"]),
        embedded=Counter("rengang_embedded_total", "Records embedded", ["kind"]),
        embedding_seconds=Counter("rengang_embedding_seconds_total", "Time spent embedding records", ["kind"]),
        # every API process reads the same backlog from the database and holds its own copy of the index:
        # one series per kind, the highest among the processes alive now ("max" would keep a dead
        # process's last value for ever; mark_process_dead removes only the live* modes' files)
        backlog=Gauge("rengang_embedding_backlog", "Records waiting to be embedded", ["kind"],
                      multiprocess_mode="livemax"),
        index_size=Gauge("rengang_index_size", "Vectors in the index", ["kind"], multiprocess_mode="livemax"),
        # per replica: in multiprocess mode a pid label tells the API processes apart
        lag=Gauge("rengang_changelog_lag", "Changes in the log this replica has not applied yet",
                  multiprocess_mode="liveall"),
        applied_seq=Gauge("rengang_changelog_applied_seq", "The last change this replica applied",
                          multiprocess_mode="liveall"),
    )


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    """One answered request; ``route`` is the matched route's template (or ``<unmatched>``), never a path."""
    m = _metrics()
    m.requests.labels(method, route, str(status)).inc()
    m.request_seconds.labels(method, route).observe(seconds)


def observe_match(scope: str, seconds: float) -> None:
    """``scope``: a :class:`~service.schemas.RegionScopeIn` value, or ``candidates`` (callers keep it bounded)."""
    _metrics().match_seconds.labels(scope).observe(seconds)


@contextmanager
def timed_match(scope: str) -> Iterator[None]:
    """Times the block with :func:`observe_match`; a block that raises (not found, engine loading) is not counted."""
    started = time.perf_counter()
    yield
    observe_match(scope, time.perf_counter() - started)


def embedded(kind: str, n: int, seconds: float) -> None:
    """``n`` records of ``kind`` (``job``, ``seeker``) embedded in ``seconds``."""
    m = _metrics()
    m.embedded.labels(kind).inc(n)
    m.embedding_seconds.labels(kind).inc(seconds)


def set_engine_state(state: dict) -> None:
    """This replica's state: ``{"pending": {kind: n}, "applied_seq", "head_seq", "lag", "index_size": {kind: n}}``."""
    m = _metrics()
    for kind, n in state.get("pending", {}).items():
        m.backlog.labels(kind).set(n)
    for kind, n in state.get("index_size", {}).items():
        m.index_size.labels(kind).set(n)
    if "lag" in state:
        m.lag.set(state["lag"])
    if "applied_seq" in state:
        m.applied_seq.set(state["applied_seq"])


def exposition() -> bytes:
    """The text a scrape gets: this process's registry, or every process's files in multiprocess mode."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        _metrics()  # the metrics appear (with their HELP lines) before their first use
        return generate_latest(REGISTRY)
    _forget_exited_processes(Path(path))
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return generate_latest(registry)


def _forget_exited_processes(path: Path) -> None:
    """Drops the per-process gauges of processes that are gone.

    uvicorn restarts an API process that died without telling the parent, so :func:`process_exited` is not
    called for it. The directory is local to one machine (its files are memory-mapped), so the pids are ours.
    """
    for file in path.glob("gauge_live*_*.db"):
        pid = int(file.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            with suppress(FileNotFoundError):  # another API process's scrape removed it first
                multiprocess.mark_process_dead(pid, str(path))
        except PermissionError:  # alive, another user's
            pass


def scrape_allowed(client_host: str | None, authorization: str | None, token: str | None) -> bool:
    """A scrape from loopback or a private network, or one with the bearer ``token`` (``RENGANG_METRICS_TOKEN``).

    The client address is the one uvicorn reports: behind a reverse proxy, configure its proxy headers
    (``FORWARDED_ALLOW_IPS``), or every public request would come from the proxy's private address.
    """
    try:
        address = ipaddress.ip_address(client_host or "")
    except ValueError:  # no address, or a name (Starlette's TestClient says "testclient")
        address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address is not None and any(address in net for net in _PRIVATE_NETWORKS):
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def prepare_multiprocess_dir(path: Path) -> None:
    """For ``rengang serve``'s parent, before it starts a child: an empty directory that the children inherit.

    Removes the ``*.db`` files an earlier run left there (nothing else), and makes prometheus-client choose
    its file-backed store again, since it chose when first imported, perhaps before this call.
    """
    if _metrics.cache_info().currsize:
        raise RuntimeError("metrics were created in this process before the multiprocess directory was set")
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    values.ValueClass = values.get_value_class()


def process_exited(pid: int) -> None:
    """For the parent, when a child exits: its per-process gauges stop being reported (its counters stay)."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        multiprocess.mark_process_dead(pid, path)
