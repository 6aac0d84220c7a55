"""Query understanding, read as its specification: what people say at a counter or type into an app becomes
intents, a pay floor, a place, an age — and nothing they did not say."""

from __future__ import annotations

import pytest

from matching.enums import Education
from matching.understand import (
    APPRENTICESHIP,
    DAY_PAID,
    INTERNSHIP,
    NEAR_HOME,
    NOVICE,
    PART_TIME,
    ROOM_BOARD,
    chinese_number,
    find_place,
    posting_intents,
    salary_floor,
    stated_age,
    understand,
)


@pytest.mark.parametrize(("text", "value"), [
    ("五千", 5000), ("三千五", 3500), ("一万二", 12000), ("一万", 10000), ("十五", 15), ("两千八百", 2800),
    ("六十", 60), ("八千", 8000), ("二十", 20),
])
def test_chinese_numbers(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize(("text", "floor"), [
    ("会开叉车，五千以上，包住", 5000),
    ("月薪6k+，杭州 Java", 6000),
    ("工资不低于4500", 4500),
    ("1万2以上的销售", 12000),
    ("6千5以上", 6500),
    ("一天200的活", 5200),  # 26 working days
    ("日薪三百", 7800),
    ("时薪25元", 5200),  # 8 hours × 26 days
    ("三千五左右就行", 3500),
    ("8k", 8000),
])
def test_a_pay_floor_is_read_in_its_many_spellings(text, floor):
    assert salary_floor(text) == floor


@pytest.mark.parametrize("text", [
    "我今年52岁，想找保安", "干了3年电焊", "20人的厂也行", "离家15公里以内", "2024届毕业生", "带过30个人的团队",
    "统计学研一，想找数据分析实习",
])
def test_ages_years_distances_and_counts_are_not_pay(text):
    assert salary_floor(text) is None


@pytest.mark.parametrize(("text", "age"), [
    ("我今年52岁，想找保安", 52), ("五十多岁了，会做饭", 50), ("快60岁了还能干保洁吗", 60), ("本人45岁", 45),
])
def test_an_age_the_person_gives_of_themselves(text, age):
    assert stated_age(text) == age


@pytest.mark.parametrize("text", ["保洁阿姨，六十岁以下的要吗", "招18-45岁", "宝妈，想找兼职"])
def test_an_age_limit_asked_about_is_not_the_persons_age(text):
    assert stated_age(text) is None


@pytest.mark.parametrize(("text", "intents"), [
    ("统计学研一，想找数据分析实习", {INTERNSHIP}),
    ("宝妈，想找离家近的兼职", {PART_TIME, NEAR_HOME}),
    ("想学门手艺，学徒也行", {APPRENTICESHIP}),
    ("会开叉车，五千以上，包住", {ROOM_BOARD}),
    ("日结的活，没经验", {DAY_PAID, NOVICE}),
    ("找个不包住的也行", set()),  # a negated perk is not asked for
    ("深圳 C++ Qt", set()),
])
def test_intents(text, intents):
    assert understand(text).intents == intents


@pytest.mark.parametrize(("text", "code"), [
    ("深圳 C++ Qt", "4403"), ("杭州的Java开发", "3301"), ("温江 保洁", "510115"), ("北京 数据分析", "11"),
    ("工资三千五以上 武侯区 服务员", "510107"), ("广东省 普工", "44"), ("成都市郫都区 电工", "510117"),
])
def test_a_place_said_in_the_words(text, code):
    assert understand(text).place.code == code


@pytest.mark.parametrize("text", ["中山路上的饭店招服务员", "东方红拖拉机", "平安保险电话销售", "保洁", "会计"])
def test_street_names_companies_and_everyday_words_are_not_places(text):
    assert understand(text).place is None


def test_the_topic_is_what_is_left_and_the_summary_reads_back_only_what_was_understood():
    said = understand("会开叉车，五千以上，包住")
    assert said.topic == "会开叉车"
    assert said.summary() == "理解为：会开叉车 · 包吃住 · 月薪5000元以上"
    said = understand("统计学研一，想找数据分析实习").with_occupations((("2-02-30-09", "数据分析师", 0.8),))
    assert said.summary() == "理解为：数据分析师 · 实习"
    assert said.education == Education.bachelor  # a master's student holds a bachelor's degree
    plain = said.to_plain()
    assert plain["intents"] == [INTERNSHIP] and plain["salary_floor"] is None and plain["age"] is None


def test_nothing_is_assumed_that_was_not_said():
    said = understand("保洁")
    assert (said.intents, said.salary_floor, said.place, said.age, said.education) == (frozenset(), None, None,
                                                                                        None, None)
    assert said.topic == "保洁"


@pytest.mark.parametrize(("text", "fields", "met"), [
    ("数据分析实习生；岗位职责：整理报表", {}, {INTERNSHIP}),
    ("普工，包吃包住，日结", {}, {ROOM_BOARD, DAY_PAID}),
    ("厨师学徒，师傅带，包教包会", {}, {APPRENTICESHIP, NOVICE}),
    ("仓管员，不包住", {}, set()),
    ("仓管员", {"room_board": True}, {ROOM_BOARD}),
    ("超市理货", {"work_type": "part_time"}, {PART_TIME}),
])
def test_what_a_posting_offers(text, fields, met):
    assert posting_intents(text, **fields) == met


def test_find_place_prefers_the_most_specific():
    place, words = find_place("成都市温江区找保洁")
    assert place.code == "510115" and words in ("温江区", "温江")


@pytest.mark.parametrize(("text", "level"), [
    ("统计学研一，想找数据分析实习", Education.bachelor), ("初中毕业，想进厂", Education.junior_middle),
    ("大专学历，会计专业", Education.associate), ("本科，想做运营", Education.bachelor),
    ("计算机大三，找Java后端实习", Education.bachelor), ("没读过书，能干力气活", Education.junior_middle),
    ("晚上有空，想做家教辅导小学数学", None), ("本科以上的工作有吗", None), ("想教高中物理", None),
])
def test_schooling_is_the_persons_own_not_a_subject_or_a_limit(text, level):
    assert understand(text).education == level
