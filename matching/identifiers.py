"""Chinese identifiers: validation with stable error codes, masking, and generators for demo data.

- 统一社会信用代码 (GB 32100-2015): 18 characters, 1 登记管理部门 + 1 机构类别 + 6 行政区划
  + 9 组织机构代码 (GB 11714) + 1 check character, all from a 31-character alphabet.
- 居民身份证号 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence (odd for
  men, even for women), 1 check character (0-9 or X).
- 手机号: 11 digits starting 1[3-9]; 固定电话: area code 0XX(X) + 7–8 digits.

Every validator returns the normalised value or raises ``IdentifierError(code, message_zh)``.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# 登记管理部门代码 (first character) as listed in GB 32100-2015 Appendix A.
_REGISTRATION_AUTHORITIES = set("123456789ABCDEFGNY")

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 组织机构代码 check
_LETTERS = CREDIT_CODE_ALPHABET[10:]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Province-level address codes, plus 81/82/83 used on residence permits for HK, Macao and Taiwan residents.
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}
_EARLIEST_BIRTH = date(1800, 1, 1)

_SEPARATORS = re.compile(r"[\s\-()（）]")
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}  # ０-９Ａ-Ｚ… and the ideographic space


def _compact(value: str | None) -> str:
    """Full-width characters as ASCII, separators removed: what a phone keyboard or a form may add."""
    return _SEPARATORS.sub("", (value or "").translate(_FULL_WIDTH))


def _digits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts ²、①、٣ and other digits ``int`` may refuse)."""
    return text.isascii() and text.isdigit()


class IdentifierError(ValueError):
    """An identifier that fails validation. ``code`` is stable English, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# --- 统一社会信用代码 ---------------------------------------------------------------------------


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a credit code, from its first 17 (GB 32100-2015 §5)."""
    if len(first17) != 17:
        raise IdentifierError("invalid_length", "统一社会信用代码前17位长度不正确")
    try:
        total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17.upper(), _CREDIT_WEIGHTS, strict=True))
    except ValueError:
        raise IdentifierError("invalid_character", "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）") from None
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Return the code in upper case, or raise ``IdentifierError``."""
    code = _compact(value).upper()
    if not code:
        raise IdentifierError("empty", "请填写统一社会信用代码")
    if len(code) != 18:
        raise IdentifierError("invalid_length", "统一社会信用代码应为18位")
    if any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        raise IdentifierError("invalid_character", "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）")
    if code[0] not in _REGISTRATION_AUTHORITIES:
        raise IdentifierError("invalid_authority", "统一社会信用代码第1位（登记管理部门代码）无效")
    if not _digits(code[2:8]):
        raise IdentifierError("invalid_region", "统一社会信用代码第3–8位应为行政区划代码")
    if credit_code_check_char(code[:17]) != code[17]:
        raise IdentifierError("invalid_check_digit", "统一社会信用代码校验位不正确，请核对")
    return code


def _org_code_check_char(body8: str) -> str:
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(rng: np.random.Generator, region_code: str, *, category: str = "91") -> str:
    """A valid credit code for an organisation registered in ``region_code`` (6 digits).

    ``category`` is 登记管理部门 + 机构类别: ``91`` 企业 (default), ``92`` 个体工商户, ``12`` 事业单位, ``52`` 社会团体…
    The organisation code follows the post-2015 ``MA`` style with its own GB 11714 check character.
    """
    if not (len(region_code) == 6 and _digits(region_code)):
        raise IdentifierError("invalid_region", "行政区划代码应为6位数字")
    body = "MA" + "".join(
        str(rng.integers(0, 10)) if rng.random() < 0.7 else _LETTERS[int(rng.integers(0, len(_LETTERS)))]
        for _ in range(6)
    )
    first17 = category + region_code + body + _org_code_check_char(body)
    return first17 + credit_code_check_char(first17)


# --- 居民身份证号 -------------------------------------------------------------------------------


def id_check_char(first17: str) -> str:
    """The 18th character of an ID number, from its first 17 digits (GB 11643-1999)."""
    if len(first17) != 17 or not _digits(first17):
        raise IdentifierError("invalid_character", "身份证号前17位应为数字")
    return _ID_CHECK[sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _birth(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Return the 18-character number with an upper-case X, or raise ``IdentifierError``.

    15-digit first-generation numbers are refused: they carry no check character.
    """
    number = _compact(value).upper()
    if not number:
        raise IdentifierError("empty", "请填写身份证号")
    if len(number) != 18:
        raise IdentifierError("invalid_length", "身份证号应为18位")
    if not _digits(number[:17]) or not (_digits(number[17]) or number[17] == "X"):
        raise IdentifierError("invalid_character", "身份证号前17位应为数字，最后一位为数字或X")
    if number[:2] not in _PROVINCES or number[2:6] == "0000":
        raise IdentifierError("invalid_region", "身份证号前6位不是有效的行政区划代码")
    birth = _birth(number)
    if birth is None or not (_EARLIEST_BIRTH <= birth <= (today or date.today())):
        raise IdentifierError("invalid_birth_date", "身份证号中的出生日期无效")
    if id_check_char(number[:17]) != number[17]:
        raise IdentifierError("invalid_check_digit", "身份证号校验位不正确，请核对")
    return number


def birth_date_from_id(value: str) -> date:
    """出生日期 of a valid ID number."""
    birth = _birth(validate_id_number(value))
    assert birth is not None  # validated above
    return birth


def gender_from_id(value: str) -> str:
    """``"male"`` if the 17th digit (顺序码 last digit) is odd, else ``"female"``."""
    return "male" if int(validate_id_number(value)[16]) % 2 else "female"


def mask_id_number(value: str) -> str:
    """``510***********1234``: first 3 and last 4 characters kept."""
    number = _SEPARATORS.sub("", value or "").upper()
    return number[:3] + "*" * 11 + number[-4:]


def make_id_number(rng: np.random.Generator, region_code: str, birth_date: date, gender: str, *,
                   serial: int | None = None) -> str:
    """A valid ID number for someone registered in ``region_code``, born on ``birth_date``.

    ``gender`` is ``"male"`` or ``"female"``; the sequence number's parity follows it. ``serial`` (0–499) picks
    the sequence number instead of ``rng``: numbers made with distinct serials never collide.
    """
    if not (len(region_code) == 6 and _digits(region_code)):
        raise IdentifierError("invalid_region", "行政区划代码应为6位数字")
    if gender not in ("male", "female"):
        raise ValueError(f"gender must be 'male' or 'female', not {gender!r}")
    sequence = (int(rng.integers(0, 500)) if serial is None else serial % 500) * 2 + (1 if gender == "male" else 0)
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


# --- 电话 --------------------------------------------------------------------------------------


def _strip_country_code(digits: str) -> str:
    if digits.startswith("+86"):
        return digits[3:]
    if digits.startswith("0086"):
        return digits[4:]
    if digits.startswith("86") and len(digits) == 13:
        return digits[2:]
    return digits


def validate_phone(value: str) -> str:
    """A mainland mobile number as 11 digits; ``+86``, spaces and dashes are removed."""
    number = _strip_country_code(_compact(value))
    if not number:
        raise IdentifierError("empty", "请填写手机号")
    if not _digits(number):
        raise IdentifierError("invalid_character", "手机号只能包含数字")
    if len(number) != 11:
        raise IdentifierError("invalid_length", "手机号应为11位")
    if not re.fullmatch(r"1[3-9]\d{9}", number):
        raise IdentifierError("invalid_prefix", "手机号应以13–19开头")
    return number


def validate_landline(value: str) -> str:
    """A landline with its area code, normalised to ``028-12345678`` (an extension becomes ``-123``).

    Area codes 010 and 020–029 have three digits, all others four (0XXX).
    """
    raw = (value or "").strip()
    extension = ""
    m = re.search(r"(?:转|ext\.?|#)\s*(\d{1,6})$", raw, flags=re.IGNORECASE)
    if m:
        extension, raw = m.group(1), raw[: m.start()]
    number = _compact(raw)
    if number.startswith(("+86", "0086")):
        number = "0" + _strip_country_code(number)  # written from abroad without the trunk prefix
    if not number:
        raise IdentifierError("empty", "请填写固定电话")
    if not _digits(number):
        raise IdentifierError("invalid_character", "固定电话只能包含数字")
    if not number.startswith("0") or number.startswith("00"):
        raise IdentifierError("invalid_prefix", "固定电话需带区号，如 028-12345678")
    area_len = 3 if number[1] in "12" else 4
    area, local = number[:area_len], number[area_len:]
    if not 7 <= len(local) <= 8:
        raise IdentifierError("invalid_length", "固定电话应为区号加7–8位号码")
    if local[0] in "01":
        raise IdentifierError("invalid_prefix", "固定电话号码不能以0或1开头")
    return f"{area}-{local}" + (f"-{extension}" if extension else "")


def mask_phone(value: str) -> str:
    """``138****1234``: first 3 and last 4 digits kept."""
    number = _strip_country_code(_compact(value))
    return number[:3] + "****" + number[-4:]
