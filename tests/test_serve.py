"""``rengang serve --workers N``: N API processes, each on its own socket of one port, restarted when killed."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.waiting import until

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(parent: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                out.append(int(entry.name))
    return out


def _cmdline(pid: int) -> list[str]:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().decode()).split("\0")
    except OSError:
        return []


def _sockets(port: int) -> dict[int, str]:
    """inode → TCP state of the sockets on local port ``port`` (0A: listening, 01: established)."""
    out = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port:
            out[int(fields[9])] = fields[3]
    return out


def _inodes_of(pid: int) -> set[int]:
    found = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                found.add(int(target[8:-1]))
    except OSError:
        pass
    return found


def _api_processes(serve: int) -> list[int]:
    return [p for p in _children(serve) if "api-process" in _cmdline(p)]


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT (Linux)")
def test_each_api_process_listens_on_its_own_socket_and_gets_its_share_of_connections(tmp_path):
    port = _free_port()
    env = {**os.environ, "RENGANG_VAR_DIR": str(tmp_path / "var"), "RENGANG_MATCHING": "false",
           "RENGANG_SECRET_KEY": "serve-test-secret-key-0123456789-abcdefghijkl", "RENGANG_LOG_LEVEL": "warning"}
    env.pop("RENGANG_DATABASE_URL", None)
    serve = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--workers", "2", "--embed-workers", "0",
                              "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                             start_new_session=True)
    try:
        def listening() -> dict[int, set[int]] | None:
            listeners = {i for i, state in _sockets(port).items() if state == "0A"}
            by_pid = {pid: _inodes_of(pid) & listeners for pid in _api_processes(serve.pid)}
            return by_pid if len(by_pid) == 2 and all(by_pid.values()) else None

        by_pid = until(listening, 90, "two API processes listening")
        assert len(set().union(*by_pid.values())) == 2  # a socket each, not one shared
        until(lambda: _healthy(port), 90, "/healthz answering")

        conns = []
        for _ in range(40):  # keep-alive connections, as a load generator or a proxy holds them
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            assert conn.getresponse().read() and True
            conns.append(conn)
        established = {i for i, state in _sockets(port).items() if state == "01"}
        share = {pid: len(_inodes_of(pid) & established) for pid in by_pid}
        assert sum(share.values()) == 40 and min(share.values()) >= 5, share  # P(< 5 of 40) ≈ 1e-7 by hashing
        for conn in conns:
            conn.close()

        killed = next(iter(by_pid))
        os.kill(killed, signal.SIGKILL)
        def replaced() -> bool:
            now = listening()
            return now is not None and killed not in now

        until(replaced, 90, "the killed API process replaced")
        until(lambda: _healthy(port), 30, "/healthz answering after the restart")
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    assert serve.returncode == 0
