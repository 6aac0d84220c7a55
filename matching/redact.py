"""Personal numbers in free text and log lines, found in any spelling and masked.

An ID number (居民身份证号) or a mobile number (手机号) typed into a note, a self-introduction or a query
string comes out in the form the API gives the ``id_number`` and ``phone`` fields: ``510***********7138``,
``138****8000``. It is found however it was written: with spaces, dashes or dots between the digits
(``138-0013-8000``, ``510115 19970317 7138``), in full-width digits and dashes (``１３８－００１３－８０００``),
percent-encoded once or more (``138%2D0013%2D8000``, ``138%252D0013%252D8000``), after ``+86`` or ``0086``,
and ending in ``X``.

The digits of a *run* (digits joined by at most two separators) are read in the groups the separators
make. Groups that together spell exactly an ID number (its check character right), a mobile number, or a
mobile number after ``86``/``0086`` are masked in those canonical forms; the groups around them are kept as
typed (``138 0013 8000 24小时`` keeps its ``24``). What is left and still holds eleven digits that read as a
mobile number, or fifteen digits or more (an extra digit, a first-generation 15-digit ID, a bank card), is
masked keeping its first three and last four digits. A landline with its area code (``028-12345678``) and
shorter numbers (salaries, dates, occupation codes) are left alone. Over-masking is the chosen error: a
date range written ``2024.07.01-2024.12.31`` is sixteen digits and is masked too.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import unquote

from matching.identifiers import id_check_char, mask_id_number, mask_phone

_PCT = r"%(?:25)*"  # a percent sign, itself percent-encoded any number of times (%2520 is a space encoded twice)


def _hex(byte: int) -> str:
    return "".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in f"{byte:02X}")


def _encoded(chars: str) -> str:
    """Each of ``chars`` percent-encoded as UTF-8, once or more, as regex alternatives."""
    return "|".join("".join(_PCT + _hex(b) for b in ch.encode()) for ch in chars)


_SEPARATOR_CHARS = (
    " \u00a0\u3000"  # space, no-break space, ideographic space
    "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"  # hyphen-minus, hyphens and dashes, minus, full-width
    ".\uff0e"  # dot, full-width dot
    "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # invisible: soft hyphen, zero-width characters, BOM
)
_X_CHARS = "Xx\uff38\uff58"

_DIGIT = r"\d"  # any Unicode decimal digit: ASCII, full-width (０-９), others
_SEPARATOR = rf"[\s+{re.escape(_SEPARATOR_CHARS)}]"  # '+' stands for a space in a query string
_X = f"[{_X_CHARS}]"
# Percent-encoded too, once or more: ASCII and full-width digits, every separator (and tab, line feed, '+'), X.
_DIGIT_ENCODED = rf"(?:{_DIGIT}|{_PCT}3[0-9]|{_PCT}[Ee][Ff]{_PCT}[Bb][Cc]{_PCT}9[0-9])"
_SEPARATOR_ENCODED = rf"(?:{_SEPARATOR}|{_encoded(_SEPARATOR_CHARS + chr(9) + chr(10) + '+')})"
_X_ENCODED = rf"(?:{_X}|{_encoded(_X_CHARS)})"


def _run(digit: str, separator: str, x: str) -> re.Pattern[str]:
    """Eleven digits or more, at most two separators apart, perhaps an X at the end. A separator in front is
    taken in, so that the 20 of a %20 just before the number is not read as two of its digits."""
    return re.compile(rf"{separator}?{digit}(?:{separator}{{0,2}}{digit}){{10,}}(?:{separator}?{x})?")


_RUN = _run(_DIGIT, _SEPARATOR, _X)
_RUN_ENCODED = _run(_DIGIT_ENCODED, _SEPARATOR_ENCODED, _X_ENCODED)
_TOKEN = re.compile(rf"(?P<digit>{_DIGIT_ENCODED})|(?P<x>{_X_ENCODED})|{_SEPARATOR_ENCODED}")
# Cheap first tests: eleven digits, each at most two characters (a dozen when percent-encoded) after the last.
_CANDIDATE = re.compile(r"\d(?:\D{0,2}+\d){10}")
_CANDIDATE_ENCODED = re.compile(r"\d(?:\D{0,12}+\d){10}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY_CODES = ("86", "0086")
_LONG = 15  # digits: more than any mobile number with its country code, fewer than an ID number


def mask_personal_numbers(text: str) -> str:
    """``text`` with every ID number and mobile number in it masked, in any spelling (see the module)."""
    if "%" in text:
        return _RUN_ENCODED.sub(_mask_run, text) if _CANDIDATE_ENCODED.search(text) else text
    return _RUN.sub(_mask_run, text) if _CANDIDATE.search(text) else text


def mask_nested(value: Any) -> Any:
    """:func:`mask_personal_numbers` over every string in a JSON-like value (lists, dicts), keys included."""
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, list):
        return [mask_nested(v) for v in value]
    if isinstance(value, dict):
        return {mask_nested(k): mask_nested(v) for k, v in value.items()}
    return value


def _digit(token: str) -> str:
    if len(token) == 1:
        return str(unicodedata.digit(token))
    while "%" in token:  # percent-encoded, perhaps several times over
        decoded = unquote(token)
        if decoded == token:
            break
        token = decoded
    return str(unicodedata.digit(token))


def _groups(run: str) -> tuple[list[tuple[str, int, int]], bool]:
    """The run's groups of adjacent digits as (digits, start, end), and whether an X ends it."""
    groups: list[tuple[list[str], int, int]] = []
    ends_in_x = False
    for token in _TOKEN.finditer(run):
        if token.group("digit"):
            digit = _digit(token.group())
            if groups and groups[-1][2] == token.start():
                groups[-1][0].append(digit)
                groups[-1] = (groups[-1][0], groups[-1][1], token.end())
            else:
                groups.append(([digit], token.start(), token.end()))
        elif token.group("x"):
            ends_in_x = True
    return [("".join(digits), start, end) for digits, start, end in groups], ends_in_x


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    groups, ends_in_x = _groups(run)
    pieces: list[str] = []
    written = 0  # run[:written] is in pieces
    leftover: list[int] = []  # the groups since the last exact number

    def mask_leftover() -> None:
        nonlocal written
        digits = "".join(groups[g][0] for g in leftover)
        if len(digits) >= _LONG or _MOBILE.search(digits):
            start, end = groups[leftover[0]][1], groups[leftover[-1]][2]
            pieces.append(run[written:start] + digits[:3] + "*" * (len(digits) - 7) + digits[-4:])
            written = end
        leftover.clear()

    i = 0
    while i < len(groups):
        span = _exact_span(groups, i, ends_in_x=ends_in_x)
        if span is None:
            leftover.append(i)
            i += 1
            continue
        last, masked, takes_x = span
        if leftover:
            mask_leftover()
        pieces.append(run[written:groups[i][1]] + masked)
        written = len(run) if takes_x else groups[last][2]
        i = last + 1
    if leftover:
        mask_leftover()
    pieces.append(run[written:])
    return "".join(pieces)


def _exact_span(groups: list[tuple[str, int, int]], first: int, *, ends_in_x: bool) -> tuple[int, str, bool] | None:
    """The longest run of groups from ``first`` that spells exactly one number: (last group, masked, takes X)."""
    found = None
    digits = ""
    for last in range(first, len(groups)):
        digits += groups[last][0]
        if len(digits) > 18:
            break
        at_end = last == len(groups) - 1
        if len(digits) == 18 and id_check_char(digits[:17]) == digits[17]:
            found = (last, mask_id_number(digits), False)
        elif len(digits) == 17 and at_end and ends_in_x and id_check_char(digits) == "X":
            found = (last, mask_id_number(digits + "X"), True)
        elif len(digits) == 11 and _MOBILE.fullmatch(digits):
            found = (last, mask_phone(digits), False)
        else:
            code = digits[:-11]
            if code in _COUNTRY_CODES and _MOBILE.fullmatch(digits[-11:]):
                found = (last, f"{code} {mask_phone(digits[-11:])}", False)
    return found
