"""A seeker at the fair's kiosk, in headless Chromium: taps → results from this fair only → QR code that
decodes to the same list → "more like this" → the network drops and matching goes on in the page →
the screen clears after idling and on 完成, and only anonymous counts reach the database.

RENGANG_KIOSK_SCREENSHOTS=docs/screenshots also saves the README's screenshots at kiosk size.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from matching.enums import Role
from service.models import Base
from tests.browser.a11y import axe_violations
from tests.factories import employer_payload, job_payload
from tests.fair_helpers import fair_payload, kiosk_token

JSQR = Path(__file__).parent / "vendor" / "jsQR.js"
SHOTS = os.environ.get("RENGANG_KIOSK_SCREENSHOTS")
TYPED = "我会开叉车想上白班"


def _seed(live_server) -> dict:
    admin = live_server.api(live_server.key(Role.admin))
    post = live_server.poster(admin)

    logistics = post("/employers", employer_payload(name="温江顺达物流有限公司"))
    kitchen = post("/employers", employer_payload(name="温江好味餐饮管理有限公司"))
    outsider = post("/employers", employer_payload(name="温江不参会制造有限公司"))
    jobs = {
        "forklift": post("/jobs", job_payload(employer_id=logistics["id"], title="叉车司机（白班）")),
        "picker": post("/jobs", job_payload(employer_id=logistics["id"], title="仓库分拣员", room_board=False,
                                            occupation_code="4-02-06-02", skills=["分拣", "扫码"])),
        "cook": post("/jobs", job_payload(employer_id=kitchen["id"], title="中餐厨师", occupation_code="4-03-02-01",
                                          skills=["炒菜"], description="负责后厨炒菜，包吃住。")),
        "waiter": post("/jobs", job_payload(employer_id=kitchen["id"], title="餐厅服务员", occupation_code="4-03-02-05",
                                            skills=["传菜", "点餐"], description="负责点餐传菜，包吃住。")),
        "outside": post("/jobs", job_payload(employer_id=outsider["id"], title="餐饮配送员（不参会）",
                                             occupation_code="4-03-02-05", description="餐饮配送。")),
    }
    fair = post("/fairs", fair_payload(name="2026年春风行动温江区专场招聘会"))
    post(f"/fairs/{fair['id']}/employers", {"employer_id": logistics["id"], "booth": "A01"})
    post(f"/fairs/{fair['id']}/employers", {"employer_id": kitchen["id"], "booth": "B12"})
    post(f"/fairs/{fair['id']}/open", {})
    in_fair = {jobs[k]["id"] for k in ("forklift", "picker", "cook", "waiter")}
    return {"admin": admin, "fair": fair, "jobs": jobs, "in_fair": in_fair,
            "kiosk": kiosk_token(live_server.app, fair_id=fair["id"])}


def _size(d, width: int, height: int) -> None:
    d.set_window_size(width, height)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def _shot(d, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        d.save_screenshot(str(Path(SHOTS) / f"kiosk-{name}.png"))


def _visible(d, screen: str) -> bool:
    return d.find_element(By.ID, f"screen-{screen}").is_displayed()


def _search(d) -> dict:
    d.execute_script("window.kiosk.last = null")
    button = d.find_element(By.ID, "search")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    WebDriverWait(d, 15).until(lambda d: d.execute_script("return window.kiosk.last"))
    return d.execute_script("return window.kiosk.last")


def _card_ids(d) -> list[int]:
    return [int(e.get_attribute("data-job")) for e in d.find_elements(By.CSS_SELECTOR, "#results .card")]


def _decode_qr(d) -> str:
    if not d.execute_script("return typeof jsQR === 'function'"):
        d.execute_script(JSQR.read_text())
    return d.execute_script("""
        const c = document.querySelector('#qr canvas');
        const img = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        const code = jsQR(img.data, c.width, c.height);
        return code ? code.data : null;""")


def _tap(d, *selectors: str) -> None:
    for css in selectors:
        d.find_element(By.CSS_SELECTOR, css).click()


@pytest.fixture()
def kiosk_browser(browser):
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.set_window_size(1280, 900)
    try:
        browser.delete_network_conditions()
    except Exception:  # noqa: BLE001 - nothing was set
        pass


def test_seeker_flow_at_the_fair_kiosk(live_server, kiosk_browser):
    world = _seed(live_server)
    d = kiosk_browser
    _size(d, 1080, 1920)

    # staff set the kiosk up once; the key becomes an HttpOnly cookie the page's script cannot read
    d.get(live_server.url + "/kiosk/")
    assert "/kiosk/setup" in d.current_url
    d.find_element(By.ID, "key").send_keys(world["kiosk"])
    d.find_element(By.ID, "setup").click()
    WebDriverWait(d, 15).until(lambda d: d.find_elements(By.ID, "start"))
    assert d.get_cookie("rengang_kiosk")["httpOnly"] is True
    assert world["kiosk"] not in d.page_source
    postings = d.execute_script("return window.kiosk.data.postings.map(p => p.id)")
    assert set(postings) == world["in_fair"]  # the page holds this fair's open postings and nothing else
    _shot(d, "portrait-start")

    # taps only: food, needs 包吃住 → the fair's kitchen jobs first, from the server
    d.find_element(By.ID, "start").click()
    _tap(d, "[data-tile=food]", "#room-board .choice")
    _shot(d, "portrait-ask")
    last = _search(d)
    ids = _card_ids(d)
    assert last["source"] == "server" and ids == last["ids"]
    assert set(ids) <= world["in_fair"] and world["jobs"]["outside"]["id"] not in ids
    assert set(ids[:2]) == {world["jobs"]["cook"]["id"], world["jobs"]["waiter"]["id"]}
    first = d.find_element(By.CSS_SELECTOR, "#results .card")
    assert "B12 号展位" in first.text and "包吃住" in first.text and "为什么推荐" in first.text
    _shot(d, "portrait-results")

    # the in-page scorer ranks the same taps the same way (same data, same model or none)
    query = {"tiles": ["food"], "education": None, "work_type": None, "room_board": True, "travel_km": None,
             "text": "", "k": 8}
    local = d.execute_script("return window.kiosk.scorer.score(arguments[0])", query)
    if last["model_id"] == d.execute_script("return window.kiosk.data.model_id"):
        assert [i["id"] for i in local["items"]] == ids

    # the QR code decodes to a take-away link carrying the same list, which opens on a phone
    payload = _decode_qr(d)
    assert payload == d.find_element(By.ID, "qr").get_attribute("data-payload")
    url = urlparse(payload)
    assert url.path == f"/kiosk/take/{world['fair']['id']}"
    assert [int(x) for x in parse_qs(url.query)["j"][0].split(".")] == ids
    page = httpx.get(live_server.url + url.path + "?" + url.query, timeout=30)
    assert page.status_code == 200 and "中餐厨师" in page.text and "不参会" not in page.text

    # more like this stays inside the fair
    first.find_element(By.CSS_SELECTOR, ".more").click()
    WebDriverWait(d, 15).until(lambda d: "相近" in d.find_element(By.ID, "results-title").text)
    assert set(_card_ids(d)) <= world["in_fair"] - {ids[0]}

    # the hall network drops: matching goes on in the page, with free words
    d.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    d.find_element(By.ID, "again").click()
    _tap(d, "[data-tile=food]", "[data-tile=logistics]")  # food off, logistics on
    d.find_element(By.ID, "words").send_keys(TYPED)
    last = _search(d)
    assert last["source"] == "page"
    assert d.find_element(By.ID, "net").is_displayed()
    offline_ids = _card_ids(d)
    assert offline_ids[0] == world["jobs"]["forklift"]["id"] and set(offline_ids) <= world["in_fair"]
    assert [int(x) for x in parse_qs(urlparse(_decode_qr(d)).query)["j"][0].split(".")] == offline_ids
    d.delete_network_conditions()

    # back online: the next search goes to the server and hands over the offline search's count
    d.find_element(By.ID, "again").click()
    assert _search(d)["source"] == "server"
    WebDriverWait(d, 10).until(lambda d: not d.find_element(By.ID, "net").is_displayed())

    # 完成 clears everything
    d.find_element(By.ID, "done").click()
    assert _visible(d, "start") and not d.find_elements(By.CSS_SELECTOR, "#results .card")
    assert d.find_element(By.ID, "words").get_attribute("value") == ""
    assert not d.find_elements(By.CSS_SELECTOR, "[aria-pressed=true]")

    # idling clears the screen too (60 s in service; shortened here)
    d.find_element(By.ID, "start").click()
    _tap(d, "[data-tile=care]")
    d.find_element(By.ID, "words").send_keys("夜班")
    _search(d)
    d.execute_script("window.kiosk.idleMs = 2500; window.kiosk.touched()")
    WebDriverWait(d, 10).until(lambda d: _visible(d, "start"))
    assert not d.find_elements(By.CSS_SELECTOR, "#results .card") and not d.find_elements(By.CSS_SELECTOR, "#qr canvas")
    assert d.find_element(By.ID, "words").get_attribute("value") == ""
    assert not d.find_elements(By.CSS_SELECTOR, "[aria-pressed=true]")
    assert d.execute_script("return window.kiosk.last") is None
    assert d.execute_script("return localStorage.length + sessionStorage.length") == 0
    d.execute_script("window.kiosk.idleMs = 60000")

    # only anonymous counts were kept: four searches, the tiles tapped, and no typed words anywhere
    time.sleep(0.5)
    counts = {c["key"]: c["count"] for c in world["admin"].get(f"/fairs/{world['fair']['id']}/counts").json()}
    assert counts == {"search": 4, "food": 1, "logistics": 2, "care": 1}
    with live_server.app.state.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                assert TYPED not in repr(tuple(row)) and "夜班" not in repr(tuple(row)), table.name

    if SHOTS:  # the README's landscape pictures
        _size(d, 1920, 1080)
        d.find_element(By.ID, "start").click()
        _tap(d, "[data-tile=food]", "[data-tile=logistics]", "#room-board .choice")
        d.find_element(By.ID, "words").send_keys("会开叉车，包住")  # the results then show what was understood
        _shot(d, "landscape-ask")
        _search(d)
        _shot(d, "landscape-results")
        d.find_element(By.ID, "done").click()


def _no_side_scroll(d) -> bool:
    return d.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _zoom_allowed(d) -> bool:
    content = d.execute_script("const m = document.querySelector('meta[name=viewport]'); return m ? m.content : ''")
    return "user-scalable=no" not in content.replace(" ", "") and "maximum-scale=1" not in content.replace(" ", "")


def test_kiosk_hears_words_says_what_is_missing_and_holds_on_a_phone(live_server, kiosk_browser):
    """Spoken-style words change the list and are read back (and can be cleared); a tapped occupation with no
    post at the fair gets the honest heading; the booth map marks the list's booths; read-aloud speaks a card;
    at 390 px the results and the take-away page hold without side-scrolling, zoom allowed; axe finds nothing
    critical, serious or moderate on the pages."""
    world = _seed(live_server)
    d = kiosk_browser
    _size(d, 1080, 1920)
    d.get(live_server.url + "/kiosk/setup")
    assert axe_violations(d) == []
    d.find_element(By.ID, "key").send_keys(world["kiosk"])
    d.find_element(By.ID, "setup").click()
    WebDriverWait(d, 15).until(lambda d: d.find_elements(By.ID, "start"))
    assert _zoom_allowed(d)
    assert axe_violations(d) == []

    # words only: the forklift post first, read back as understood, then cleared
    d.find_element(By.ID, "start").click()
    assert axe_violations(d) == []
    d.find_element(By.ID, "words").send_keys("会开叉车")
    last = _search(d)
    assert last["source"] == "server"
    assert _card_ids(d)[0] == world["jobs"]["forklift"]["id"]
    assert "开叉车" in d.find_element(By.ID, "understood").text
    assert "您说的「开叉车」" in d.find_element(By.CSS_SELECTOR, "#results .card .why").text
    local = d.execute_script("return window.kiosk.scorer.score(arguments[0])",
                             {"tiles": [], "room_board": False, "travel_km": None, "text": "会开叉车", "k": 8})
    assert [i["id"] for i in local["items"]] == last["ids"] and local["understood"] == last["understood"]
    cells = d.execute_script("return [...document.querySelectorAll('#booth-map .cell.on')].map(c => c.dataset.booth)")
    assert "A01" in cells  # the forklift's booth is marked on the map
    assert axe_violations(d) == []
    d.execute_script("window.kiosk.last = null")
    d.find_element(By.ID, "clear-words").click()
    WebDriverWait(d, 15).until(lambda d: d.execute_script("return window.kiosk.last"))
    assert not d.find_element(By.ID, "understood").is_displayed()
    assert d.find_element(By.ID, "words").get_attribute("value") == ""

    # read aloud: the first card, in Chinese, with its booth
    if d.execute_script("return 'speechSynthesis' in window"):
        d.find_element(By.CSS_SELECTOR, "#results .card .read").click()
        spoken = d.execute_script("return window.kiosk.spoken")
        assert spoken.startswith("第1个，") and "号展位" in spoken

    # a tapped occupation with nothing at this fair: said so, never under 最适合您的岗位
    d.find_element(By.ID, "again").click()
    _tap(d, "[data-tile=cleaning]", "#room-board .choice")
    d.find_element(By.CSS_SELECTOR, "#travel .choice").click()
    _search(d)
    title = d.find_element(By.ID, "results-title").text
    assert title.startswith("本场暂无") and "保洁" in title and "以下是相近的岗位" in title
    assert "最适合您的岗位" not in title

    # a phone at 390 px: the results and the take-away page fit, zoom allowed
    _size(d, 390, 844)
    assert _no_side_scroll(d), d.execute_script("return document.documentElement.scrollWidth")
    take = d.find_element(By.ID, "qr").get_attribute("data-payload")
    d.find_element(By.ID, "again").click()
    assert _no_side_scroll(d), d.execute_script("return document.documentElement.scrollWidth")
    d.find_element(By.ID, "done-ask").click()
    d.get(take)
    assert _zoom_allowed(d) and _no_side_scroll(d)
    assert world["fair"]["name"] in d.find_element(By.TAG_NAME, "h1").text
    assert "会场" in d.find_element(By.CSS_SELECTOR, ".meta").text
    assert d.find_elements(By.CSS_SELECTOR, ".map .cell.on")
    assert axe_violations(d) == []
