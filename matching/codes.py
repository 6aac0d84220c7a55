"""Codes as integers, for the columns: region codes, occupation codes, and sums over segments of arrays.

A 6-digit county code is its integer (``-1`` unknown), so a 2/4-digit prefix is a range of them; an occupation
code ``a-bb-cc-dd`` of 职业分类大典 packs as ``a·10⁶ + bb·10⁴ + cc·10² + dd``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

UNKNOWN = -1


def region_int(code: str | None) -> int:
    return int(code) if code and len(code) == 6 and code.isdigit() else UNKNOWN


def occupation_int(code: str | None) -> int:
    """``2-02-38-03`` → 2023803; ``-1`` for anything else."""
    parts = (code or "").split("-")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return UNKNOWN
    a, b, c, d = (int(p) for p in parts)
    return a * 1_000_000 + b * 10_000 + c * 100 + d


def region_range(prefix: str) -> tuple[int, int]:
    """Inclusive range of 6-digit county codes under a 2/4/6-digit prefix."""
    if not prefix.isdigit() or len(prefix) not in (2, 4, 6):
        raise ValueError(f"not a region prefix: {prefix!r}")
    scale = 10 ** (6 - len(prefix))
    lo = int(prefix) * scale
    return lo, lo + scale - 1


def merge_ranges(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive integer ranges merged where they overlap or touch, in order."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def segment_sum(values: np.ndarray, seg: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(seg, weights=values, minlength=n)[:n]


def segment_max(values: np.ndarray, seg: np.ndarray, n: int, empty: float) -> np.ndarray:
    out = np.full(n, empty, dtype=np.float64)
    np.maximum.at(out, seg, values)
    return out
