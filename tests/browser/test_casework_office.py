"""On the seeded demo, in a real browser: the due list opens with the 就业援助 clock (soonest deadline first, the
warning and the recorded 督办 shown), every code reads as Chinese, and axe-core finds nothing on the office's pages.

A server of its own without the matching engine (the pages need none), seeded into an empty database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from matching.enums import Role
from service.models import JobPosting, Seeker
from service.usecases.keys import create_key
from tests.browser.a11y import axe_violations
from tests.browser.conftest import seeded_demo_server
from tests.browser.test_console import _click, _text

CODES = re.compile(r"\b(?:junior_middle|senior_high|full_time|public_welfare|hard_to_employ|[1-6][0-9]{5}|5101)\b")


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Iterator[dict]:
    with seeded_demo_server(tmp_path_factory.mktemp("office-var"), n_employers=10, n_jobs=40, n_seekers=220,
                            random_seed=20261122) as demo:
        assert demo.seeded.counts["assistance"] > 0
        with demo.app.state.session_factory() as session:
            key = create_key(session, role=Role.officer, region_prefix="5101")[1]
            seeker = session.scalar(select(Seeker).where(Seeker.region_code.like("5101%")).order_by(Seeker.id))
            job = session.scalar(select(JobPosting).where(JobPosting.status == "open").order_by(JobPosting.id))
        r = httpx.post(demo.url + "/api/v1/referrals", json={"seeker_id": seeker.id, "job_id": job.id},
                       headers={"Authorization": f"Bearer {key}"}, timeout=60)
        assert r.status_code == 201, r.text
        yield {"url": demo.url, "key": key, "referral": r.json()["id"], "seeker": seeker.name}


def test_the_due_list_opens_with_the_clock_and_every_code_reads_as_chinese(office, browser):
    d = browser
    d.delete_all_cookies()
    d.get(office["url"] + "/console/login")
    d.find_element(By.ID, "key").send_keys(office["key"])
    _click(d, d.find_element(By.ID, "login"))

    d.get(office["url"] + "/console/caseload?due=1")
    rows = d.find_elements(By.CSS_SELECTOR, "#caseload tbody tr")
    clocks = [r.find_elements(By.CSS_SELECTOR, "[data-deadline]") for r in rows]
    on_clock = [c[0].get_attribute("data-deadline") for c in clocks if c]
    assert on_clock and on_clock == sorted(on_clock)  # the 48-hour clock first, soonest deadline first
    assert all(clocks[: len(on_clock)])
    table = _text(d, "#caseload")
    assert "即将到期" in table or "剩余" in table
    assert "分管领导" in table or "科室负责人" in table  # 督办 recorded once the deadline passed
    assert "成都市" in _text(d, "header.top") or "成都市" in table
    assert axe_violations(d) == []

    for path in ("/console/caseload?due=1", "/console/caseload", "/console/assistance", "/console/households",
                 "/console/stats"):
        d.get(office["url"] + path)
        body = d.find_element(By.TAG_NAME, "body").text
        assert not CODES.findall(body), (path, CODES.findall(body))
    assert axe_violations(d) == []  # statistics
    d.get(office["url"] + "/console/assistance")
    assert axe_violations(d) == []
    d.get(office["url"] + "/console/households")
    assert "未清零" in _text(d, "#households") and axe_violations(d) == []
    first = d.find_element(By.CSS_SELECTOR, "#households td a")
    _click(d, first)
    assert "学历" in _text(d, ".facts") and not CODES.findall(_text(d, ".facts"))
    assert axe_violations(d) == []


def test_the_referral_letter_prints_alone(office, browser):
    d = browser
    d.get(office["url"] + f"/console/referrals/{office['referral']}/letter")
    if "/console/login" in d.current_url:
        d.find_element(By.ID, "key").send_keys(office["key"])
        _click(d, d.find_element(By.ID, "login"))
        d.get(office["url"] + f"/console/referrals/{office['referral']}/letter")
    assert office["seeker"] in _text(d, "#letter") and d.find_element(By.CSS_SELECTOR, ".qr-box svg").is_displayed()
    assert axe_violations(d) == []
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:  # on paper: the letter only, no navigation or buttons
        assert not d.find_element(By.CSS_SELECTOR, "header.top").is_displayed()
        assert not d.find_element(By.CSS_SELECTOR, ".no-print").is_displayed()
        assert d.find_element(By.ID, "letter").is_displayed()
    finally:
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
