"""The whole loop in the console, in a real browser: log in → due list → contact → matches →
referral → hire → statistics."""

from __future__ import annotations

from datetime import date, timedelta

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from matching.enums import Role
from tests.factories import employer_payload, job_payload, seeker_payload


def _seed(live_server):
    admin = live_server.api(live_server.key(Role.admin))
    seeker = admin.post("/seekers", json=seeker_payload(name="王建国", id_number=None)).json()
    r = admin.post(f"/seekers/{seeker['id']}/unemployment",
                   json={"started_on": (date.today() - timedelta(days=75)).isoformat()})
    assert r.status_code == 201, r.text
    employer = admin.post("/employers", json=employer_payload(name="温江顺达物流有限公司")).json()
    job = admin.post("/jobs", json=job_payload(employer_id=employer["id"], title="叉车司机（白班）")).json()
    assert "id" in job, job
    live_server.app.state.matcher.settle()  # embedded and followed: the pages are under test, not the worker
    return seeker, job


def _text(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def _left(old):
    """The page ``old`` belonged to is gone. Chromium reports a node of a document it has already replaced either
    as stale or, in a race with the navigation, as "Node with given id does not belong to the document"."""

    def check(_driver) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
        return False

    return check


def _click(driver, element) -> None:
    """Click something that loads a new page, and wait until it has."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 15).until(_left(old))


def test_officer_runs_the_whole_loop(live_server, browser):
    seeker, job = _seed(live_server)
    officer_key = live_server.key(Role.officer, "5101")
    d = browser

    # the console sends a visitor without a session to the login page; a wrong key is refused
    d.get(live_server.url + "/console/")
    assert "/console/login" in d.current_url
    d.find_element(By.ID, "key").send_keys("rg_nope_nope")
    _click(d, d.find_element(By.ID, "login"))
    assert "密钥无效" in _text(d, ".flash.bad")
    d.find_element(By.ID, "key").send_keys(officer_key)
    _click(d, d.find_element(By.ID, "login"))
    assert d.get_cookie("rengang_console")["httpOnly"] is True

    # statistics before
    d.get(live_server.url + "/console/stats")
    assert _text(d, "#new-employment") == "0"
    assert _text(d, "#registered") == "1"

    # the due list holds the seeker not contacted for 75 days
    _click(d, d.find_element(By.LINK_TEXT, "本月待跟踪"))
    row = d.find_element(By.CSS_SELECTOR, f"#caseload tr[data-seeker='{seeker['id']}']")
    assert "从未联系" in row.text
    _click(d, row.find_element(By.LINK_TEXT, "王建国"))
    assert _text(d, "#seeker-name").startswith("王建国")

    # record a contact
    Select(d.find_element(By.ID, "channel")).select_by_visible_text("电话")
    d.find_element(By.CSS_SELECTOR, "#contact input[value=job_introduction]").click()
    d.find_element(By.ID, "notes").send_keys("电话联系，愿意从事叉车工作")
    d.find_element(By.ID, "next_step").send_keys("推荐顺达物流叉车岗位")
    _click(d, d.find_element(By.ID, "save-contact"))
    assert "已记录跟踪服务" in _text(d, ".flash.ok")
    assert "电话联系，愿意从事叉车工作" in _text(d, "#timeline")

    # refer the seeker to a matched job
    matches = d.find_element(By.ID, "matches")
    assert "叉车司机（白班）" in matches.text
    d.find_element(By.ID, f"job-{job['id']}").click()
    _click(d, d.find_element(By.ID, "refer"))
    assert "已推荐 1 个岗位" in _text(d, ".flash.ok")

    # mark the outcome: applied, then hired
    for label in ("已投递", "已录用"):
        form = d.find_element(By.CSS_SELECTOR, "#referrals form")
        Select(form.find_element(By.NAME, "status")).select_by_visible_text(label)
        _click(d, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        assert label in _text(d, ".flash.ok")
    assert "已录用" in _text(d, "#referrals")
    assert "已就业" in _text(d, "#spell")  # the hire ended the unemployment registration
    assert "经推荐录用" in _text(d, "#hired") and "叉车司机（白班）" in _text(d, "#hired")
    assert not d.find_elements(By.ID, "matches")  # the page shows the hire, not more jobs
    assert "失业登记结束：推荐录用" in _text(d, "#timeline")

    # the due list no longer holds them, and the statistics moved
    _click(d, d.find_element(By.LINK_TEXT, "本月待跟踪"))
    assert not d.find_elements(By.CSS_SELECTOR, f"#caseload tr[data-seeker='{seeker['id']}']")
    _click(d, d.find_element(By.LINK_TEXT, "统计"))
    assert _text(d, "#new-employment") == "1"
    assert _text(d, "#registered") == "0"
    assert _text(d, "#contacts") == "1/1"


def test_tablet_width_keeps_the_navigation_reachable(live_server, browser):
    browser.set_window_size(800, 1100)
    try:
        browser.get(live_server.url + "/console/caseload")
        if "/console/login" in browser.current_url:
            browser.find_element(By.ID, "key").send_keys(live_server.key(Role.officer, "5101"))
            browser.find_element(By.ID, "login").click()
        nav = browser.find_element(By.CSS_SELECTOR, "header.top nav")
        assert nav.is_displayed() and nav.size["width"] <= 800
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 800  # no sideways scrolling of the page itself
    finally:
        browser.set_window_size(1280, 900)
