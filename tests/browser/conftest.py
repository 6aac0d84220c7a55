"""A real server and a real browser: uvicorn on a free loopback port in a thread, with its own SQLite
database, and headless Chromium driven by Selenium (Debian's chromium + chromium-driver;
``scripts/ensure-chromium.sh`` installs them)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from matching.enums import Role
from service.app import create_app
from service.settings import Settings
from service.usecases.keys import create_key
from tests.conftest import TEST_SECRET

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                  "--window-size=1280,900", "--lang=zh-CN")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: object

    def key(self, role: Role, region: str | None = None) -> str:
        with self.app.state.session_factory() as session:
            return create_key(session, role=role, region_prefix=region)[1]

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/api/v1", headers={"Authorization": f"Bearer {token}"},
                            timeout=120)  # a first write may code occupations with the model: slow on a busy 2-core machine

    def poster(self, client: httpx.Client):
        """``post(path, body)`` through ``client``, asserting success and returning the JSON body (seeding); each
        write is embedded and followed before the next step (the pages are under test, not the worker)."""

        def post(path: str, body: dict) -> dict:
            r = client.post(path, json=body)
            assert r.status_code in (200, 201), r.text
            self.app.state.matcher.settle()
            return r.json()

        return post


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, models_dir) -> Iterator[LiveServer]:
    var = tmp_path_factory.mktemp("browser-var")
    settings = Settings(env="test", database_url=f"sqlite:///{var / 'rengang.db'}", secret_key=TEST_SECRET, var_dir=var,
                        expiry_sweep_seconds=3600, models_dir=models_dir)  # the run's one converted model
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    # Writes made while the engine is still loading wait for it: the pages are under test, not the start-up.
    deadline = time.monotonic() + 900
    while app.state.matcher.readiness() != "ok":
        if time.monotonic() > deadline or app.state.readiness["matching"]() not in ("ok", "loading"):
            raise RuntimeError(f"the matching engine did not start: {app.state.readiness['matching']()}")
        time.sleep(0.2)
    yield LiveServer(url=f"http://127.0.0.1:{port}", app=app)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("Chromium is missing: run scripts/ensure-chromium.sh (as root) before the browser tests")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@dataclass
class SeededDemo:
    """A demo seeded by ``rengang seed``'s own code, served on a free local port without the matching engine."""

    url: str
    app: object
    seeded: object  # service.seed's result: counts, keys, accounts


@contextmanager
def seeded_demo_server(var: Path, **seed: object) -> Iterator[SeededDemo]:
    """Serve a fresh SQLite database in ``var`` and seed it (``seed``: seed_demo's sizes and random seed)."""
    from service.seed import seed_demo

    settings = Settings(env="test", database_url=f"sqlite:///{var / 'rengang.db'}", secret_key=TEST_SECRET,
                        var_dir=var, expiry_sweep_seconds=3600, matching=False)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the demo server did not start"
        time.sleep(0.05)
    try:
        with app.state.session_factory() as session:
            seeded = seed_demo(session, settings=settings, show_progress=False, **seed)
        assert seeded is not None
        yield SeededDemo(url=f"http://127.0.0.1:{server.config.port}", app=app, seeded=seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
