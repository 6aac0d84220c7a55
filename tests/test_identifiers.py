"""统一社会信用代码, 居民身份证号 and phone numbers: what is accepted, what is refused and with which code."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from matching.identifiers import (
    IdentifierError,
    birth_date_from_id,
    credit_code_check_char,
    gender_from_id,
    make_credit_code,
    make_id_number,
    mask_id_number,
    mask_phone,
    validate_credit_code,
    validate_id_number,
    validate_landline,
    validate_phone,
)

# Published examples: the GB 32100-2015 sample code, and 华为技术有限公司's code from the public registry.
KNOWN_CREDIT_CODES = ["91350100M000100Y43", "914403001922038216"]
# The two worked examples printed in GB 11643-1999.
KNOWN_ID_NUMBERS = ["11010519491231002X", "440524188001010014"]


def _error_code(fn, value) -> str:
    with pytest.raises(IdentifierError) as info:
        fn(value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)
    return info.value.code


def _replace_last(value: str, alphabet: str) -> str:
    return value[:-1] + next(ch for ch in alphabet if ch != value[-1])


# --- 统一社会信用代码 ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", KNOWN_CREDIT_CODES)
def test_published_credit_codes_are_valid(code):
    assert validate_credit_code(code) == code
    assert credit_code_check_char(code[:17]) == code[17]


def test_credit_code_is_normalised_to_upper_case_without_spaces():
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("code", KNOWN_CREDIT_CODES)
def test_corrupted_credit_code_fails_its_check_digit(code):
    assert _error_code(validate_credit_code, _replace_last(code, "0123456789")) == "invalid_check_digit"
    i = next(i for i in range(8, 16) if code[i] != code[i + 1])
    swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]  # two neighbours transposed
    assert _error_code(validate_credit_code, swapped) == "invalid_check_digit"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "empty"),
        ("91350100M000100Y4", "invalid_length"),
        ("91350100M000100Y433", "invalid_length"),
        ("91350100M000100I43", "invalid_character"),  # I, O, Z, S, V are not in the alphabet
        ("91350100M00010OY43", "invalid_character"),
        ("X1350100M000100Y43", "invalid_authority"),
        ("9135A100M000100Y43", "invalid_region"),
    ],
)
def test_malformed_credit_codes_get_precise_codes(value, code):
    assert _error_code(validate_credit_code, value) == code


def test_generated_credit_codes_validate_and_carry_their_region():
    rng = np.random.default_rng(7)
    codes = [make_credit_code(rng, "510115") for _ in range(200)]
    assert all(validate_credit_code(c) == c for c in codes)
    assert all(c[2:8] == "510115" and c.startswith("91") for c in codes)
    assert len(set(codes)) == len(codes)


# --- 居民身份证号 -------------------------------------------------------------------------------


@pytest.mark.parametrize("number", KNOWN_ID_NUMBERS)
def test_published_id_numbers_are_valid(number):
    assert validate_id_number(number) == number


def test_id_number_facts_come_from_the_number():
    assert birth_date_from_id("11010519491231002X") == date(1949, 12, 31)
    assert gender_from_id("11010519491231002X") == "female"
    assert birth_date_from_id("440524188001010014") == date(1880, 1, 1)
    assert gender_from_id("440524188001010014") == "male"


def test_lower_case_x_is_accepted_and_upper_cased():
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("number", KNOWN_ID_NUMBERS)
def test_corrupted_id_number_fails_its_check_digit(number):
    assert _error_code(validate_id_number, _replace_last(number, "0123456789X")) == "invalid_check_digit"
    typo = number[:15] + str((int(number[15]) + 1) % 10) + number[16:]  # one sequence digit mistyped
    assert _error_code(validate_id_number, typo) == "invalid_check_digit"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "empty"),
        ("110105491231002", "invalid_length"),  # 15-digit first generation: no check character
        ("11010519491231002Y", "invalid_character"),
        ("1101051949123100AX", "invalid_character"),
        ("99010519491231002X", "invalid_region"),
        ("11010519491331002X", "invalid_birth_date"),  # month 13
        ("11010520230229002X", "invalid_birth_date"),  # 2023 is not a leap year
    ],
)
def test_malformed_id_numbers_get_precise_codes(value, code):
    assert _error_code(validate_id_number, value) == code


def test_birth_date_must_be_in_the_past():
    rng = np.random.default_rng(1)
    number = make_id_number(rng, "510115", date(2030, 1, 1), "male")
    with pytest.raises(IdentifierError) as info:
        validate_id_number(number, today=date(2025, 6, 1))
    assert info.value.code == "invalid_birth_date"
    assert validate_id_number(number, today=date(2030, 1, 1)) == number


def test_generated_id_numbers_validate_and_encode_birth_and_gender():
    rng = np.random.default_rng(3)
    for gender in ("male", "female"):
        for birth in (date(1965, 2, 28), date(2000, 2, 29), date(2008, 12, 31)):
            number = make_id_number(rng, "370302", birth, gender)
            assert validate_id_number(number) == number
            assert number[:6] == "370302"
            assert birth_date_from_id(number) == birth
            assert gender_from_id(number) == gender


def test_id_number_masking_keeps_first_three_and_last_four():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert len(mask_id_number("440524188001010014")) == 18


# --- phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["13812341234", "+86 138 1234 1234", "138-1234-1234", "0086 13812341234", "8613812341234"]
)
def test_mobile_numbers_are_normalised(value):
    assert validate_phone(value) == "13812341234"


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "empty"), ("1381234123", "invalid_length"), ("138123412345", "invalid_length"),
     ("12812341234", "invalid_prefix"), ("1381234123a", "invalid_character")],
)
def test_bad_mobile_numbers_get_precise_codes(value, code):
    assert _error_code(validate_phone, value) == code


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("028-87654321", "028-87654321"), ("(0533)5123456", "0533-5123456"), ("010 8765 4321", "010-87654321"),
     ("+86 28 87654321", "028-87654321"), ("028-87654321转801", "028-87654321-801")],
)
def test_landlines_are_normalised(value, normalised):
    assert validate_landline(value) == normalised


@pytest.mark.parametrize(
    ("value", "code"),
    [("87654321", "invalid_prefix"), ("028-876543", "invalid_length"), ("028-876543210", "invalid_length"),
     ("028-07654321", "invalid_prefix"), ("028-8765432a", "invalid_character")],
)
def test_bad_landlines_get_precise_codes(value, code):
    assert _error_code(validate_landline, value) == code


def test_phone_masking_keeps_first_three_and_last_four():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+86 139-8765-4321") == "139****4321"
