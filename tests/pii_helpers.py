"""Personal numbers in the spellings that reach the service, and how a reader would find them in text."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote

import numpy as np

_FULL_WIDTH = str.maketrans("0123456789-X", "０１２３４５６７８９－Ｘ")
_SEPARATORS = re.compile(r"[\s\-.+\u00ad\u2010-\u2015\u2212\u200b-\u200d\u2060\ufe63\ufeff]")


def spelled_out(text: str) -> str:
    """Text as a reader would take the digits in it: decoded, full-width folded, separators dropped."""
    for _ in range(4):
        text = unquote(text)
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)  # JSON escapes
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def grouped(number: str, sizes: tuple[int, ...], sep: str) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at:at + size])
        at += size
    return sep.join(parts)


def spellings(number: str) -> dict[str, str]:
    """The ways a number reaches the service that a plain search for its digits misses."""
    sizes = (3, 4, 4) if len(number) == 11 else (6, 8, 4)
    dashed = grouped(number, sizes, "-")
    return {
        "plain": number,
        "dashed": dashed,
        "spaced": grouped(number, sizes, " "),
        "dotted": grouped(number, sizes, "."),
        "fours": " ".join(number[i:i + 4] for i in range(0, len(number), 4)),
        "each digit": " ".join(number),
        "full-width": dashed.translate(_FULL_WIDTH),
        "full-width space": grouped(number, sizes, "\u3000").translate(_FULL_WIDTH),
        "en dash": grouped(number, sizes, "\u2013"),
        "zero-width": grouped(number, sizes, "\u200b"),
        "%2D": grouped(number, sizes, "%2D"),
        "%20": grouped(number, sizes, "%20"),
        "+": grouped(number, sizes, "+"),
        "double-encoded": quote(quote(dashed)),
        "triple-encoded": grouped(number, sizes, "%25252d"),
        "encoded digits": "".join(f"%{ord(c):02X}" for c in number),
        "encoded full-width": quote(number.translate(_FULL_WIDTH)),
        "lower-case x": number.lower(),
    }


def phone_spellings(number: str) -> dict[str, str]:
    return spellings(number) | {
        "+86": f"+86 {number}",
        "+86 dashed": f"+86-{grouped(number, (3, 4, 4), '-')}",
        "0086": f"0086{number}",
        "86": f"86{number}",
        "encoded +86": f"%2B86%20{number}",
        "extra digit after": number + "7",
        "extra digit before": "9" + number,
        "extra digit, dashed": grouped(number + "7", (3, 4, 5), "-"),
    }


def id_spellings(number: str) -> dict[str, str]:
    return spellings(number) | {
        "extra digit after": number + "5",
        "extra digit before": "4" + number,
        "extra digit, dashed": grouped("4" + number, (7, 8, 4), "-"),
        "digit missing": number[:-2] + number[-1],
    }


def mobile_number(rng: np.random.Generator) -> str:
    return f"1{rng.integers(3, 10)}{rng.integers(0, 10**9):09d}"


def leaks(numbers, text: str) -> list[str]:
    """The numbers (digits, X upper-case) that can be read in ``text`` in full, in any spelling."""
    spelled = spelled_out(text)
    return [n for n in numbers if n in text or n in spelled]
