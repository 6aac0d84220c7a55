"""Personal numbers in free text: masked in every spelling, other numbers left alone (no database, no server)."""

from __future__ import annotations

import numpy as np
import pytest

from matching.identifiers import mask_id_number, mask_phone
from matching.redact import mask_nested, mask_personal_numbers
from tests.factories import id_number
from tests.pii_helpers import id_spellings, mobile_number, phone_spellings, spelled_out

PHONE = "13800138000"
ID = "510115199703177138"  # the example: a valid check digit
ID_X = "11010519491231002X"  # GB 11643-1999's worked example


def _cases():
    for name, text in phone_spellings(PHONE).items():
        yield pytest.param(PHONE, text, id=f"phone {name}")
    for number in (ID, ID_X):
        for name, text in id_spellings(number).items():
            yield pytest.param(number, text, id=f"id {number[-1]} {name}")


@pytest.mark.parametrize(("number", "text"), list(_cases()))
@pytest.mark.parametrize("context", ["电话{}，请联系", "?phone={}&page=2"])
def test_every_spelling_is_masked(number, text, context):
    written = context.format(text)
    masked = mask_personal_numbers(written)
    assert number not in spelled_out(masked), (written, masked)
    assert number[:10] not in spelled_out(masked)  # not even most of it (the masks keep 7 digits)


@pytest.mark.parametrize(("text", "expected"), [
    ("13800138000", "138****8000"),
    ("138-0013-8000", "138****8000"),
    ("１３８－００１３－８０００", "138****8000"),
    ("138%2D0013%2D8000", "138****8000"),
    ("138%252D0013%252D8000", "138****8000"),
    ("+86 138 0013 8000", "+86 138****8000"),
    ("008613800138000", "0086 138****8000"),
    ("510115-19970317-7138", "510***********7138"),
    ("510115 19970317 7138", "510***********7138"),
    ("11010519491231002x", "110***********002X"),
    ("身份证 110105 19491231 002X 已核验", "身份证 110***********002X 已核验"),
])
def test_numbers_take_the_api_masked_form(text, expected):
    assert mask_personal_numbers(text) == expected


def test_the_masks_are_the_id_number_and_phone_fields_masks():
    assert mask_personal_numbers(f"{ID} {PHONE}") == f"{mask_id_number(ID)} {mask_phone(PHONE)}"


def test_numbers_around_a_phone_stay():
    assert mask_personal_numbers("电话 138 0013 8000 24小时") == "电话 138****8000 24小时"
    assert mask_personal_numbers("工资 5000 8000 13800138000") == "工资 5000 8000 138****8000"
    assert mask_personal_numbers("13800138000,13900139000") == "138****8000,139****9000"


def test_an_extra_digit_is_masked_keeping_three_and_four():
    assert mask_personal_numbers("138001380001") == "138*****0001"
    assert mask_personal_numbers("5101151997031771381") == "510************1381"


@pytest.mark.parametrize("text", [
    "岗位 4-02-02-01，月薪 5000-7000，编号 20241122",
    "联系电话 028-12345678，或 (028) 8765 4321 转 123",
    "服务热线 400-800-1234、95588",
    "2024-11-22T10:30:55.123456+00:00",
    "招聘 12 人，年龄 18-45 岁，2025年3月1日前到岗",
    "统一社会信用代码 91510115MA6CM5XK3B",
    "GET /api/v1/seekers/{seeker_id} seeker_id=12 200 3.1ms",
    "",
])
def test_other_numbers_are_left_alone(text):
    assert mask_personal_numbers(text) == text


def test_masking_twice_changes_nothing_more():
    for text in [*phone_spellings(PHONE).values(), *id_spellings(ID_X).values()]:
        once = mask_personal_numbers(text)
        assert mask_personal_numbers(once) == once


def test_generated_numbers_in_random_spellings():
    """Valid ID numbers (check characters right, X included) and mobiles, spelled at random."""
    rng = np.random.default_rng(20241122)
    for _ in range(200):
        number = id_number(region="510115") if rng.random() < 0.5 else mobile_number(rng)
        options = id_spellings(number) if len(number) == 18 else phone_spellings(number)
        name = list(options)[int(rng.integers(len(options)))]
        text = f"备注{options[name]}谢谢"
        assert number not in spelled_out(mask_personal_numbers(text)), (name, text)


def test_nested_values_are_masked_throughout():
    value = {"reason": f"核对 {PHONE}", "items": ["叉车", f"id {ID}"], "count": 13800138000, "at": None}
    assert mask_nested(value) == {"reason": "核对 138****8000", "items": ["叉车", "id 510***********7138"],
                                  "count": 13800138000, "at": None}
