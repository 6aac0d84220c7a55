"""Screenshots of the officers' console on the seeded demo, for the README (docs/screenshots/console-*.png).

Run by hand (needs Chromium and chromedriver: scripts/ensure-chromium.sh):
    .venv/bin/python scripts/console_screenshots.py
It seeds a demo into a temporary directory, serves it on a free local port with the matching engine, signs in as
the demo officer and saves a laptop-sized (1366×768) picture of the due list, a seeker's page with explained
matches, the assistance cases and the statistics.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="rengang-shots-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "RENGANG_VAR_DIR": str(tmp / "var"), "RENGANG_LOG_LEVEL": "warning"}
    env.pop("RENGANG_DATABASE_URL", None)
    if (ROOT / "var" / "models").exists():
        env.setdefault("RENGANG_MODELS_DIR", str(ROOT / "var" / "models"))
    cli = [sys.executable, "-m", "service.cli"]
    subprocess.run(cli + ["seed"], cwd=tmp, env=env, check=True)
    keys = (tmp / "var" / "demo-keys.env").read_text(encoding="utf-8")
    user = re.search(r"RENGANG_DEMO_CONSOLE_USER=(\S+)", keys)
    password = re.search(r"RENGANG_DEMO_CONSOLE_PASSWORD=(\S+)", keys)
    server = subprocess.Popen(cli + ["serve", "--host", "127.0.0.1", "--port", str(port)], cwd=tmp, env=env,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(base + "/readyz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        time.sleep(20)  # let the embedding worker catch up so the seeker page has its matches
        options = webdriver.ChromeOptions()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768", "--lang=zh-CN",
                     "--hide-scrollbars"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.implicitly_wait(5)
        driver.get(base + "/console/login")
        driver.find_element(By.ID, "username").send_keys(user.group(1))
        driver.find_element(By.ID, "password").send_keys(password.group(1))
        driver.find_element(By.ID, "sign-in").click()
        time.sleep(1)
        OUT.mkdir(parents=True, exist_ok=True)
        driver.get(base + "/console/caseload")
        driver.save_screenshot(str(OUT / "console-caseload.png"))
        link = driver.find_element(By.CSS_SELECTOR, "a[href^='/console/seekers/']")
        driver.get(link.get_attribute("href"))
        driver.save_screenshot(str(OUT / "console-seeker.png"))
        for page in ("assistance", "stats"):
            driver.get(f"{base}/console/{page}")
            driver.save_screenshot(str(OUT / f"console-{page}.png"))
        driver.quit()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
    print("saved", *sorted(p.name for p in OUT.glob("console-*.png")))


if __name__ == "__main__":
    main()
