"""The realistic matching set keeps what its README says: sizes, valid payloads, real codes, every ask answerable,
the written grading rules, and files that are what compose.py makes of the material."""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from collections import Counter
from datetime import date

import pytest

from matching import refdata
from matching.metrics import load_matching_set, load_queries
from service.evaluation import JOB_FIELDS, QUERY_FIELDS, SEEKER_FIELDS, set_directory
from service.schemas import JobCreate, SeekerCreate, TextMatchRequest

SET = set_directory("realistic")
CATEGORIES = {"internship", "part-time", "apprenticeship", "room-board", "day-paid", "salary-floor", "place-in-text",
              "near-home", "occupation", "english", "skills", "colloquial", "short"}


@pytest.fixture(scope="module")
def realistic():
    postings, seekers, qrels = load_matching_set(SET)
    return postings, seekers, load_queries(SET), qrels


@pytest.fixture(scope="module")
def compose():
    spec = importlib.util.spec_from_file_location("realistic_compose", SET / "compose.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    for name in ("asks", "material"):  # the material modules compose.py put on the path
        sys.modules.pop(name, None)


def test_sizes_are_the_readme_s(realistic):
    postings, seekers, queries, qrels = realistic
    readme = (SET / "README.md").read_text(encoding="utf-8")
    said = re.search(r"(\d+) postings, (\d+) free-text queries, (\d+) stored seekers, ([\d,]+) graded pairs", readme)
    assert said, "README states the set's sizes"
    assert [int(x.replace(",", "")) for x in said.groups()] == [
        len(postings), len(queries), len(seekers), sum(len(j) for j in qrels.values())]
    assert len(postings) >= 160 and len(queries) >= 70 and len(seekers) >= 15


def test_payloads_are_valid_requests(realistic):
    postings, seekers, queries, _ = realistic
    for p in postings.values():
        fields = {k: v for k, v in p.items() if k in JOB_FIELDS} | {"valid_until": None}  # the harness sets it
        JobCreate.model_validate(fields | {"employer_id": 1})
        assert set(p) <= JOB_FIELDS | {"id", "employer_name"}, p["id"]
    for s in seekers.values():
        SeekerCreate.model_validate({k: v for k, v in s.items() if k in SEEKER_FIELDS})
        assert set(s) <= SEEKER_FIELDS | {"id", "category"}, s["id"]
    for q in queries.values():
        TextMatchRequest.model_validate({k: v for k, v in q.items() if k in QUERY_FIELDS})
        assert set(q) <= QUERY_FIELDS | {"id", "category"}, q["id"]
        assert q["category"] in CATEGORIES, q["id"]
    assert set(Counter(q["category"] for q in queries.values())) == CATEGORIES


def test_codes_are_real(realistic):
    postings, seekers, _, _ = realistic
    counties, occupations = refdata.counties(), refdata.occupations()
    for p in postings.values():
        assert p["region_code"] in counties, p["id"]
        if p["occupation_code"] is not None:
            assert occupations[p["occupation_code"]].level == 4, p["id"]
    for s in seekers.values():
        assert s["region_code"] in counties, s["id"]
        assert all(refdata.is_region_prefix(r) for r in s["desired_regions"]), s["id"]
    assert len({p["region_code"][:2] for p in postings.values()}) >= 10  # provinces
    assert sum(p["occupation_code"] is None for p in postings.values()) >= 50  # platforms do not code them


def test_every_ask_has_a_grade_3_posting_and_decoys_are_judged(realistic):
    _, seekers, queries, qrels = realistic
    assert set(qrels) == set(seekers) | set(queries)
    for ask, judged in qrels.items():
        assert 3 in judged.values(), ask
    assert qrels["q49"][_posting_titled(realistic, "大数据分析-AE工程师")] == 0  # AE is not After Effects here
    assert all(qrels["q38"][j] == 0 for j in _postings_of_line(realistic, "销售运营"))


def test_postings_are_written_as_platforms_publish_them(realistic):
    postings = realistic[0]
    texts = [p["description"] for p in postings.values()]
    lengths = sorted(len(p["description"]) + len(p["requirements"]) for p in postings.values())
    assert sum(8_000 <= n <= 19_000 for n in lengths) >= 2 and sum(n >= 2_000 for n in lengths) >= 4
    for header in ("岗位职责", "工作内容", "任职要求", "我们希望你", "福利待遇", "我们提供", "公司简介", "关于我们", "【"):
        assert any(header in t for t in texts), header
    for salary in ("K·13薪", "元/月", "日结", "计件", "面议"):
        assert any(salary in t for t in texts), salary
    for term in ("Java", "Spring Boot", "Vue", "C++", "Qt", "Python", "SQL", "Excel", "AE", "PR", "PS", "Go"):
        assert any(re.search(rf"(?<![A-Za-z]){re.escape(term)}(?![A-Za-z])", t) for t in texts), term
    titles = [p["title"] for p in postings.values()]
    assert any(html.unescape(t) != t or "<" in t for t in titles) and any("🔥" in t for t in titles)
    work_types = Counter(p["work_type"] for p in postings.values())
    assert {"full_time", "part_time", "internship", "flexible", "seasonal"} <= set(work_types)
    assert sum(p["room_board"] for p in postings.values()) >= 30
    assert sum(p["salary_min"] is None for p in postings.values()) >= 15
    # the same body re-posted by other employers, and one employer publishing its own posting twice
    copies = sum(1 for p in postings.values() for q in postings.values()
                 if q["employer_name"] != p["employer_name"] and p["description"] in q["description"])
    assert copies >= 10
    by_employer = Counter((p["employer_name"], _line_words(p["title"])) for p in postings.values())
    assert sum(n > 1 for n in by_employer.values()) >= 3


def test_grades_follow_the_written_rules(compose):
    f = {"line": "forklift", "region": "510115", "intern": False, "part": False, "appr": False, "rb": True,
         "day": False, "pay": 6000, "age": (20, 55)}
    ask = {"want": ["forklift"], "close": ["warehouse"], "related": ["factory"], "zero": ["nurse"],
           "intents": {"rb": True, "floor": 5000, "place": "5101"}}
    assert compose.grade(ask, f) == 3
    assert compose.grade(ask, f | {"pay": None}) == 2  # 面议 does not meet a floor
    assert compose.grade(ask, f | {"pay": None, "rb": False}) == 1
    assert compose.grade(ask, f | {"pay": None, "rb": False, "region": "370302"}) is None
    assert compose.grade(ask, f | {"line": "warehouse"}) == 2
    assert compose.grade(ask, f | {"line": "warehouse", "rb": False}) == 1
    assert compose.grade(ask, f | {"line": "factory"}) == 1
    assert compose.grade(ask, f | {"line": "factory", "rb": False}) is None
    assert compose.grade(ask, f | {"line": "nurse"}) == 0
    anything = {"want": ["*"], "intents": {"day": True}}
    assert compose.grade(anything, f | {"day": True}) == 3 and compose.grade(anything, f) is None
    assert compose.grade({"want": ["*"], "intents": {"part": True, "place": "5101"}}, f) == 1
    assert compose.grade({"want": ["forklift"], "intents": {"age": 58}}, f) == 2


def test_files_are_what_compose_makes_of_the_material(compose):
    made = compose.compose()
    for name, text in made.items():
        assert (SET / name).read_text(encoding="utf-8") == text, f"{name} is stale: run compose.py"
    assert date.fromisoformat(compose.VALID_UNTIL) > date(2026, 1, 1)


def _posting_titled(realistic, title: str) -> str:
    return next(i for i, p in realistic[0].items() if p["title"] == title)


def _postings_of_line(realistic, word: str) -> list[str]:
    return [i for i, p in realistic[0].items() if p["title"].startswith(word)]


def _line_words(title: str) -> str:
    return re.sub(r"^.*｜", "", title)
