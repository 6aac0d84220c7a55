"""When a posting is open 招聘中: the one home of that rule.

A posting takes applications while its status is ``open`` and its ``valid_until`` (if any) has not passed; an
open posting past that date shows as ``expired`` until the nightly sweep stores it so. Matching offers it only
while it also has places left (``hired_count < headcount``). The ORM rows, the facts, the filter columns
(:meth:`matching.facts.JobColumns.open_mask`) and SQL (:func:`service.repository.matchable_postings`) all
follow these functions.
"""

from __future__ import annotations

from datetime import date

from matching.enums import JobStatus


def in_date(valid_until: date | None, today: date) -> bool:
    return valid_until is None or valid_until >= today


def effective_status(status: str, valid_until: date | None, today: date) -> str:
    """The status as shown: an open posting past its ``valid_until`` is ``expired``."""
    if status == JobStatus.open and not in_date(valid_until, today):
        return JobStatus.expired.value
    return str(status.value if isinstance(status, JobStatus) else status)


def is_open(status: str, valid_until: date | None, today: date) -> bool:
    """Takes applications: status open and in date."""
    return status == JobStatus.open and in_date(valid_until, today)


def places_left(headcount: int | None, hired_count: int | None) -> int | None:
    """Places not yet filled (None: no limit given)."""
    return None if headcount is None else max(headcount - (hired_count or 0), 0)


def is_matchable(status: str, valid_until: date | None, headcount: int | None, hired_count: int | None,
                 today: date) -> bool:
    """Open, in date and with a place left: what matching, kiosks and officers' suggestions may offer."""
    return is_open(status, valid_until, today) and places_left(headcount, hired_count) != 0


# --- the same posting published again 重复发布 -------------------------------------------------------------

SHINGLE = 4  # characters per shingle: long enough that two postings of one trade share few by chance
SAME_POSTING_CONTAINMENT = 0.8  # share of the shorter text's shingles the longer one holds


def shingles(text: str) -> frozenset[str]:
    """The text's overlapping 4-character pieces, spaces and punctuation dropped (what copying preserves)."""
    compact = "".join(ch for ch in text if ch.isalnum())
    return frozenset(compact[i:i + SHINGLE] for i in range(max(len(compact) - SHINGLE + 1, 0)))


def same_posting(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two postings' texts (as :func:`shingles`) are one posting published again: an agency's word-for-word copy
    with its own introduction around it, or an employer's re-post with a tag in the title and a line added. Two
    postings of the same trade written separately share far fewer pieces."""
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= SAME_POSTING_CONTAINMENT
