"""查找人员 in the console: one box finds a person by name, ID number, phone or record number, only within the
officer's region, and every search is audited without the value searched for; the list of everyone in the region
with its filters."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from service.casework.search import SearchBy, read_query
from service.errors import InvalidInput
from service.models import AuditEvent
from tests.factories import ZICHUAN, create_seeker, id_number

PASSWORD = "春风行动-2026-wenjiang"


@pytest.fixture()
def officer(client, admin):
    """Signed in to the console as an officer account of 5101 (成都市)."""
    r = client.post("/api/v1/accounts", json={"username": "li.na", "password": PASSWORD, "region_prefix": "5101"},
                    headers=admin)
    assert r.status_code == 201, r.text
    client.cookies.clear()
    client.headers["Origin"] = str(client.base_url).rstrip("/")
    r = client.post("/console/login", data={"username": "li.na", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and "err=" not in r.headers["location"]
    yield
    client.headers.pop("Origin", None)
    client.cookies.clear()


@pytest.fixture()
def people(client, admin):
    """Three people in 成都 and one with the same name in 淄博 (outside the officer's region)."""
    numbers = {k: id_number(region="510115") for k in ("wang", "wang2", "zhao")}
    return {
        "wang": create_seeker(client, admin, name="王建国", id_number=numbers["wang"], phone="13912345678",
                              unemployment_registered_at=date(2026, 1, 5).isoformat()),
        "wang2": create_seeker(client, admin, name="王建", id_number=numbers["wang2"], phone="13912340000",
                               flags=[{"kind": "graduate"}]),
        "zhao": create_seeker(client, admin, name="赵丽", id_number=numbers["zhao"], phone="13800001111"),
        "far": create_seeker(client, admin, name="王建国", region_code=ZICHUAN, id_number=id_number(region=ZICHUAN),
                             phone="13700002222"),
        "numbers": numbers,
    }


def search_page(client, q: str) -> str:
    """The search box posted (with the session's CSRF token, as the page's own form does)."""
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/search").text).group(1)
    page = client.post("/console/search", data={"q": q, "csrf": csrf})
    assert page.status_code == 200
    return page.text


def found(client, q: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-seeker="(\d+)"', search_page(client, q))]


def searches(db_session) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == "seeker.search")
                                   .order_by(AuditEvent.id)))


def test_what_the_box_holds_decides_how_it_is_searched():
    number = id_number(region="510115")
    typed = f" {number[:6]} {number[6:14]} {number[14:].lower()} "  # as read off a card, an x in lower case
    assert read_query(typed) == read_query(number) and read_query(number).by is SearchBy.id_number
    assert read_query("+86 139-1234-5678").by is SearchBy.phone and read_query("139 1234 5678").value == "13912345678"
    assert read_query("#42").by is SearchBy.record and read_query("42").value == "42"
    assert read_query("王 建国").by is SearchBy.name
    for text, code in (("", "empty_query"), ("1391234", "record"), ("1391234567", "partial_number"),
                       (number[:-1] + ("0" if number[-1] != "0" else "1"), "invalid_check_digit"),
                       ("12912345678", "invalid_prefix")):
        if code == "record":
            assert read_query(text).by is SearchBy.record
            continue
        with pytest.raises(InvalidInput) as e:
            read_query(text)
        assert e.value.code == code, text


def test_by_name_id_number_phone_and_record_number_within_the_region(client, officer, people, db_session):
    wang, wang2, zhao, far = people["wang"]["id"], people["wang2"]["id"], people["zhao"]["id"], people["far"]["id"]
    number = people["numbers"]["wang"]
    assert found(client, "王建国") == [wang]  # not the 王建国 of 淄博
    assert found(client, "王建") == [wang2, wang]  # a part of a name; the exact name first
    assert found(client, "赵") == [zhao]
    assert found(client, f"{number[:6]} {number[6:]}") == [wang]
    assert found(client, "139 1234 5678") == [wang]
    assert found(client, "+8613800001111") == [zhao]
    assert found(client, "13700002222") == []  # 淄博's phone: outside the region
    assert found(client, str(zhao)) == [zhao]
    assert found(client, f"#{far}") == []
    assert found(client, "%") == [] and found(client, "_") == []  # LIKE's wildcards are searched as characters

    page = search_page(client, number)
    assert "按身份证号查找，共 1 人" in page and number not in page  # only the masked number is shown
    assert people["wang"]["id_number"] in page  # (the API's masked form)

    events = searches(db_session)
    by = [(e.detail["by"], e.detail["results"]) for e in events if e.record_id in (wang, None)]
    assert ("name", 1) in by and ("id_number", 1) in by and ("phone", 1) in by and ("phone", 0) in by
    assert all(e.key_id == "user:li.na" for e in events)
    text = json.dumps([e.detail for e in events], ensure_ascii=False)
    for value in ("王建", "赵", number, "13912345678", "13800001111"):
        assert value not in text  # never the value searched for


def test_a_number_that_cannot_be_searched_says_why(client, officer, people, db_session):
    page = search_page(client, "1391234567")
    assert "须完整11位" in page and 'role="alert"' in page
    assert searches(db_session) == []  # nothing was searched


def test_an_id_number_elsewhere_is_not_found(client, officer, admin, db_session):
    number = id_number(region=ZICHUAN)
    create_seeker(client, admin, name="外地人", region_code=ZICHUAN, id_number=number)
    assert found(client, number) == []
    [event] = searches(db_session)
    assert event.record_id is None and event.detail == {"by": "id_number", "results": 0}


def test_the_list_of_everyone_in_the_region_and_its_filters(client, officer, people, db_session):
    def listed(**params) -> set[int]:
        page = client.get("/console/seekers", params=params)
        assert page.status_code == 200
        return {int(i) for i in re.findall(r'<tr data-seeker="(\d+)"', page.text)}

    wang, wang2, zhao = people["wang"]["id"], people["wang2"]["id"], people["zhao"]["id"]
    assert listed() == {wang, wang2, zhao}
    assert listed(registered="yes") == {wang}
    assert listed(registered="no") == {wang2, zhao}
    assert listed(flag="graduate") == {wang2}
    assert listed(flag="not-a-flag") == {wang, wang2, zhao}  # an unknown filter is ignored
    db_session.expire_all()
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "seekers.list")).all()
    assert {e.record_id for e in events} == {wang, wang2, zhao}


def test_search_needs_a_console_session_and_its_csrf_token(client, officer):
    r = client.post("/console/search", data={"q": "王"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    client.cookies.clear()
    assert client.get("/console/search", follow_redirects=False).status_code == 303


def test_long_answers_come_in_pages(client, officer, people, monkeypatch):
    from service.casework import finding

    monkeypatch.setattr(finding, "PAGE_SIZE", 2)
    first = client.get("/console/seekers").text
    assert "第 1 / 2 页" in first and 'href="/console/seekers?registered=&amp;flag=&amp;page=2"' in first
    second = client.get("/console/seekers", params={"page": 2}).text
    shown = re.findall(r'<tr data-seeker="(\d+)"', first) + re.findall(r'<tr data-seeker="(\d+)"', second)
    assert sorted(map(int, shown)) == sorted(people[k]["id"] for k in ("wang", "wang2", "zhao"))
    csrf = re.search(r'name="csrf" value="([^"]+)"', first).group(1)
    monkeypatch.setattr(finding, "PAGE_SIZE", 1)
    pages = [client.post("/console/search", data={"q": "王", "page": str(n), "csrf": csrf}).text for n in (1, 2)]
    assert "下一页" in pages[0] and "上一页" not in pages[0] and "上一页" in pages[1] and "下一页" not in pages[1]
    rows = [re.findall(r'<tr data-seeker="(\d+)"', p) for p in pages]
    assert [r for p in rows for r in p] == [str(people["wang2"]["id"]), str(people["wang"]["id"])]
