"""On the seeded demo, in a real browser: an officer signs in with the demo account's password and finds a person
by ID number through the search box in the header; axe-core finds nothing on the login and search pages.

The demo gets a server of its own (no matching engine: signing in and searching need none), so it is seeded
into an empty database whatever the other browser tests wrote to theirs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from service.models import Seeker
from tests.browser.a11y import axe_violations
from tests.browser.conftest import seeded_demo_server
from tests.browser.test_console import _click, _text


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[dict]:
    with seeded_demo_server(tmp_path_factory.mktemp("demo-var"), n_employers=8, n_jobs=30, n_seekers=40,
                            random_seed=17) as served:
        assert served.seeded.accounts
        # a demo person of the account's region whose ID number the officer has in hand (from their card)
        username, password = next(iter(served.seeded.accounts.items()))
        with served.app.state.session_factory() as session:
            person = next(s for s in session.scalars(select(Seeker).where(Seeker.region_code.like("5101%"),
                                                                          Seeker.id_number_enc.is_not(None))))
            id_number = served.app.state.cipher.decrypt(person.id_number_enc)
        yield {"url": served.url, "username": username, "password": password, "seeker": person,
               "id_number": id_number}


def test_an_officer_signs_in_with_a_password_and_finds_a_person_by_id_number(demo, browser):
    d = browser
    d.delete_all_cookies()
    d.get(demo["url"] + "/console/")
    assert "/console/login" in d.current_url
    assert axe_violations(d) == []

    d.find_element(By.ID, "username").send_keys(demo["username"])
    d.find_element(By.ID, "password").send_keys("not-the-password")
    _click(d, d.find_element(By.ID, "sign-in"))
    assert "用户名或密码错误" in _text(d, ".flash.bad")
    d.find_element(By.ID, "username").send_keys(demo["username"])
    d.find_element(By.ID, "password").send_keys(demo["password"])
    _click(d, d.find_element(By.ID, "sign-in"))
    assert "/console/login" not in d.current_url
    assert d.get_cookie("rengang_console")["httpOnly"] is True

    # the ID number as read off a card, with spaces; the search is a post, so the number is not in the address
    number = demo["id_number"]
    d.find_element(By.ID, "find-q").send_keys(f"{number[:6]} {number[6:14]} {number[14:]}")
    _click(d, d.find_element(By.CSS_SELECTOR, "form.find button"))
    assert "按身份证号查找，共 1 人" in _text(d, "h1")
    assert number not in d.current_url and number not in d.page_source
    assert axe_violations(d) == []
    row = d.find_element(By.CSS_SELECTOR, f"#people tr[data-seeker='{demo['seeker'].id}']")
    _click(d, row.find_element(By.LINK_TEXT, demo["seeker"].name))
    assert _text(d, "#seeker-name").startswith(demo["seeker"].name)

    # the list of everyone in the region, filtered to the registered unemployed
    d.get(demo["url"] + "/console/seekers?registered=yes")
    assert "全部人员" in _text(d, "h1")
    assert axe_violations(d) == []
