"""On the seeded demo, in a real browser: an officer signs in with the demo account's password and finds a person
by ID number through the search box in the header; axe-core finds nothing on the login and search pages.

The demo gets a server of its own (no matching engine: signing in and searching need none), so it is seeded
into an empty database whatever the other browser tests wrote to theirs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from selenium.webdriver.common.by import By
from sqlalchemy import select

from service.app import create_app
from service.models import Seeker
from service.seed import seed_demo
from service.settings import Settings
from tests.browser.a11y import axe_violations
from tests.browser.conftest import _free_port
from tests.browser.test_console import _click, _text
from tests.conftest import TEST_SECRET


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[dict]:
    var = tmp_path_factory.mktemp("demo-var")
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
    with app.state.session_factory() as session:
        seeded = seed_demo(session, settings=settings, n_employers=8, n_jobs=30, n_seekers=40, random_seed=17,
                           show_progress=False)
        assert seeded is not None and seeded.accounts
        # a demo person of the account's region whose ID number the officer has in hand (from their card)
        username, password = next(iter(seeded.accounts.items()))
        person = next(s for s in session.scalars(select(Seeker).where(Seeker.region_code.like("5101%"),
                                                                      Seeker.id_number_enc.is_not(None))))
        id_number = app.state.cipher.decrypt(person.id_number_enc)
    yield {"url": f"http://127.0.0.1:{server.config.port}", "username": username, "password": password,
           "seeker": person, "id_number": id_number}
    server.should_exit = True
    thread.join(timeout=10)


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
