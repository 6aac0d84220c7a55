"""The console and the kiosk under their Content-Security-Policy in Chromium: every page renders and runs
with nothing blocked, and the browser's own form posts pass the same-site check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from matching.enums import Role
from tests.factories import employer_payload, job_payload, seeker_payload
from tests.fair_helpers import fair_payload, kiosk_token

RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.effectiveDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
}, true);
"""


@pytest.fixture()
def watched(browser):
    """The browser, recording every CSP violation of every page it opens from here on."""
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD})
    yield browser
    browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def _violations(d) -> list[str]:
    return d.execute_script("return window.__csp || ['recorder missing']")


def _submit(d, button_id: str) -> None:
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.ID, button_id).click()
    WebDriverWait(d, 15).until(EC.staleness_of(old))


def _seed(live_server) -> dict:
    admin = live_server.api(live_server.key(Role.admin))
    post = live_server.poster(admin)

    seeker = post("/seekers", seeker_payload(name="策略测试人", id_number=None))
    post(f"/seekers/{seeker['id']}/unemployment", {"started_on": (date.today() - timedelta(days=40)).isoformat()})
    employer = post("/employers", employer_payload(name="温江策略测试物流有限公司"))
    job = post("/jobs", job_payload(employer_id=employer["id"], title="叉车司机（策略测试）"))
    fair = post("/fairs", fair_payload(name="策略测试专场招聘会"))
    post(f"/fairs/{fair['id']}/employers", {"employer_id": employer["id"], "booth": "C03"})
    post(f"/fairs/{fair['id']}/open", {})
    return {"seeker": seeker, "job": job, "fair": fair, "kiosk": kiosk_token(live_server.app, fair_id=fair["id"])}


def test_console_pages_run_under_their_policy(live_server, watched):
    world, d, base = _seed(live_server), watched, live_server.url
    d.delete_all_cookies()
    d.get(base + "/console/login")
    assert _violations(d) == []
    d.find_element(By.ID, "key").send_keys(live_server.key(Role.officer, "5101"))
    _submit(d, "login")  # Chromium's own Origin passes the same-site check
    assert "/console/login" not in d.current_url and d.get_cookie("rengang_console")
    for path in ("/console/caseload", f"/console/seekers/{world['seeker']['id']}", "/console/assistance",
                 "/console/households", "/console/stats"):
        d.get(base + path)
        assert d.find_element(By.TAG_NAME, "h1").text, path
        assert _violations(d) == [], path
    bars = d.find_elements(By.CSS_SELECTOR, "svg.bar rect.fill")
    assert bars and all(b.size["height"] > 0 for b in bars)
    # the countdown script ran: console.js is loaded and allowed
    d.get(base + f"/console/seekers/{world['seeker']['id']}")
    _submit(d, "save-contact")
    assert "已记录跟踪服务" in d.find_element(By.CSS_SELECTOR, ".flash.ok").text and _violations(d) == []
    # and the recorder does see what the policy blocks
    d.execute_script("document.body.insertAdjacentHTML('beforeend', '<img src=\"https://evil.example/x.png\">')")
    WebDriverWait(d, 5).until(lambda d: _violations(d))
    assert "img-src https://evil.example/x.png" in _violations(d)[0]


def test_kiosk_pages_run_under_their_policy(live_server, watched):
    world, d, base = _seed(live_server), watched, live_server.url
    d.delete_all_cookies()
    d.get(base + "/kiosk/setup")
    assert _violations(d) == []
    d.find_element(By.ID, "key").send_keys(world["kiosk"])
    _submit(d, "setup")
    WebDriverWait(d, 15).until(lambda d: d.find_elements(By.ID, "start"))
    assert _violations(d) == []
    d.find_element(By.ID, "start").click()
    d.execute_script("window.kiosk.last = null")
    d.find_element(By.ID, "search").click()
    WebDriverWait(d, 15).until(lambda d: d.execute_script("return window.kiosk.last"))
    assert d.find_elements(By.CSS_SELECTOR, "#qr canvas")
    assert _violations(d) == []
    d.get(base + f"/kiosk/take/{world['fair']['id']}?j={world['job']['id']}")
    assert "叉车司机（策略测试）" in d.find_element(By.ID, "take-list").text
    assert d.execute_script("return getComputedStyle(document.querySelector('.booth')).fontWeight") == "700"
    assert _violations(d) == []
    d.delete_all_cookies()
