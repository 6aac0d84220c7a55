"""The query path 匹配查询, on memory alone: plain data in, plain data out (no database, no HTTP).

Filters make an allow-list over the columns. A small one (a county's or a city's records) is scored exactly,
with one matrix product over the records' float32 vectors (``cosines_of``, laid out by region so the rows are
contiguous); a larger one is searched inside the index, and its pool scored again with the float32 vectors.
Then the pool's lexical scores (words and characters), and the vectorised rerank (:mod:`matching.ranking`) orders
it. What the columns do not hold — candidates' texts and vectors, the returned records' facts — comes through
callables: the service reads them from its replica's record store (:mod:`matching.records`), the benchmarks from
dictionaries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

import numpy as np

from matching.eligibility import MatchFilters, eligible_job_rows, eligible_seeker_rows
from matching.codes import region_range
from matching.facts import JobColumns, JobFacts, SeekerColumns, SeekerFacts
from matching.lexical import LexicalDoc, analyse_query, pool_scores, text_pool_scores
from matching.priority import PriorityPolicy
from matching.records import Card, RecordStore
from matching.ranking import (
    Asked,
    MatchResult,
    ScoringParams,
    Weights,
    rank_jobs_for_seeker,
    rank_seekers_for_job,
)

POOL_MIN, POOL_PER_RESULT = 50, 5  # candidates the index returns for the rerank: max(50, 5·k)
# Allow-lists up to this many records are scored exactly, without the index: 4,096 × 384 float32 is 6 MB read
# in one pass, less than the index's search plus the refine (bench: "exact scan" in BENCHMARKS.md).
EXACT_MAX = 4096


class SearchIndex(Protocol):
    """What the query path asks of an index (:class:`indexes.VectorIndex`, :class:`indexes.layered.LayeredIndex`)."""

    def search(self, queries: np.ndarray, k: int, *, allow: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class Pool:
    """What the index returned for one query inside the hard filters: candidate ids and their cosines."""

    ids: np.ndarray
    dense: np.ndarray
    eligible: int  # records that passed the hard filters


def retrieve(index: SearchIndex, columns: JobColumns | SeekerColumns, rows: np.ndarray,
             vector: np.ndarray, k: int) -> Pool:
    """The ``max(50, 5·k)`` nearest of the records at ``rows`` of ``columns``, searched inside that allow-list."""
    allowed = columns.ids[rows]
    if not len(allowed):
        return Pool(np.zeros(0, np.int64), np.zeros(0), 0)
    scores, ids = index.search(vector, min(max(POOL_PER_RESULT * k, POOL_MIN), len(allowed)), allow=allowed)
    keep = ids[0] >= 0
    return Pool(ids[0][keep], scores[0][keep].astype(np.float64), int(len(allowed)))


@dataclass(frozen=True)
class Candidates:
    """What the rerank needs of the pool besides the columns: each record's full-precision vector and its text, or
    what the text offers the lexical score (:func:`matching.lexical.analyse_text`) where the reader keeps that."""

    texts: Mapping[int, str]
    vectors: Mapping[int, np.ndarray]
    lexical: Mapping[int, LexicalDoc] | None = None

    def holds(self, record_id: int) -> bool:
        """The record still exists (its text, or its lexical doc, could be read)."""
        return int(record_id) in (self.lexical if self.lexical is not None else self.texts)


CandidatesOf = Callable[[list[int]], Candidates]
FactsOf = Callable[[list[int]], Mapping[int, object]]
# exact inner products of a query with the records at these rows of the columns
CosinesOf = Callable[[np.ndarray, np.ndarray], np.ndarray]
# which of the asker's intents each posting meets (:func:`matching.understand.posting_intents`), by id
IntentsOf = Callable[[list[int]], Mapping[int, frozenset[str]]]


def store_readers(columns: JobColumns | SeekerColumns, store: RecordStore,
                  decode: Callable[[Mapping[str, object]], object]
                  ) -> tuple[CandidatesOf, FactsOf, CosinesOf, dict[int, Card]]:
    """The query path's three readers over a record store whose slots the columns' ``slot`` column names, and the
    cards ``facts_of`` read (``decode`` turns a card's plain facts into the facts dataclass)."""
    slot = columns.slot
    cards: dict[int, Card] = {}

    def candidates_of(ids: list[int]) -> Candidates:
        lexical = store.lexical(ids)
        held = [i for i in ids if i in lexical]
        vectors = store.vectors_at(store.slots_of(held)) if held else ()
        return Candidates({}, dict(zip(held, vectors, strict=True)), lexical)

    def facts_of(ids: list[int]) -> dict[int, object]:
        cards.update(store.cards(ids))
        return {i: decode(cards[i].facts) for i in ids if i in cards}

    def cosines_of(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        return store.cosines(slot[rows], vector)

    return candidates_of, facts_of, cosines_of, cards


def scan(columns: JobColumns | SeekerColumns, rows: np.ndarray, vector: np.ndarray, k: int,
         cosines_of: CosinesOf) -> Pool:
    """The pool of a small allow-list, exactly: every allowed record scored, the ``max(50, 5·k)`` best kept."""
    if not len(rows):
        return Pool(np.zeros(0, np.int64), np.zeros(0), 0)
    cosines = cosines_of(rows, vector)
    size = min(max(POOL_PER_RESULT * k, POOL_MIN), len(rows))
    top = np.argpartition(-cosines, size - 1)[:size] if size < len(rows) else np.arange(len(rows))
    return Pool(columns.ids[rows[top]], cosines[top].astype(np.float64), int(len(rows)))


def refine(pool: Pool, candidates: Candidates, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pool's records that still exist, each with its exact cosine to the query.

    The index keeps 8-bit codes (a quarter of the memory), whose scores swap near-ties; the pool is five
    times wider than the answer and is scored again with the stored float32 vectors, so both the ranking's
    semantic component and which ten come first are exact.
    """
    present = np.fromiter((candidates.holds(i) for i in pool.ids), dtype=bool, count=len(pool.ids))
    ids, dense = pool.ids[present], pool.dense[present].copy()
    have = np.array([int(i) in candidates.vectors for i in ids], dtype=bool)
    if have.any():
        matrix = np.stack([candidates.vectors[int(i)] for i in ids[have]])
        dense[have] = matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)
    return ids, dense


def _narrow(columns: JobColumns | SeekerColumns, rows: np.ndarray, scope_prefix: str | None) -> np.ndarray:
    """Rows inside a caller's region scope (an officer's prefix), if it has one."""
    if not scope_prefix:
        return rows
    lo, hi = region_range(scope_prefix)
    region = columns.region[rows]
    return rows[(region >= lo) & (region <= hi)]


def pool_of(index: SearchIndex, columns: JobColumns | SeekerColumns, rows: np.ndarray, vector: np.ndarray, k: int,
            cosines_of: CosinesOf | None = None) -> tuple[Pool, bool]:
    """The pool of the allow-list at ``rows``: scanned exactly if small (and ``cosines_of`` is given), else searched
    in the index; and whether it was scanned (its cosines are exact already)."""
    exact = cosines_of is not None and len(rows) <= EXACT_MAX
    return (scan(columns, rows, vector, k, cosines_of) if exact else retrieve(index, columns, rows, vector, k)), exact


def _pool(index, columns, rows, vector, k, query_text, candidates_of: CandidatesOf, cosines_of: CosinesOf | None):
    """Scan a small allow-list or search inside a large one (then refine), score the pool's texts:
    (ids, dense, lexical, vectors — None where the reader keeps none), eligible."""
    pool, exact = pool_of(index, columns, rows, vector, k, cosines_of)
    if not len(pool.ids):
        return None, pool.eligible
    candidates = candidates_of(pool.ids.tolist())
    if exact:
        present = np.fromiter((candidates.holds(i) for i in pool.ids), dtype=bool, count=len(pool.ids))
        ids, dense = pool.ids[present], pool.dense[present]
    else:
        ids, dense = refine(pool, candidates, vector)
    lexical = _lexical_scores(query_text, ids, candidates)
    vectors = (np.stack([candidates.vectors[int(i)] for i in ids])
               if len(ids) and all(int(i) in candidates.vectors for i in ids) else None)
    return (ids, dense, lexical, vectors), pool.eligible


def _lexical_scores(query_text: str, ids: np.ndarray, candidates: Candidates) -> np.ndarray:
    """How much of the query each of the pool's texts covers (:func:`matching.lexical.pool_scores`), aligned with
    ``ids``: from the kept lexical docs where the reader keeps them, else from the texts."""
    if candidates.lexical is not None:
        return pool_scores(analyse_query(query_text), [candidates.lexical[int(i)] for i in ids])
    return text_pool_scores(query_text, [candidates.texts[int(i)] for i in ids])


def rank_jobs(*, index: SearchIndex, columns: JobColumns, vector: np.ndarray, seeker: SeekerFacts,
              query_text: str, options: MatchFilters, k: int, today: date, candidates_of: CandidatesOf,
              facts_of: FactsOf, policy: PriorityPolicy, weights: Weights, params: ScoringParams,
              scope_prefix: str | None = None, cosines_of: CosinesOf | None = None, asked: Asked | None = None,
              intents_of: IntentsOf | None = None, duplicate_cosine: float = 0.0,
              same_posting: Callable[[int, int], bool] | None = None) -> tuple[list[MatchResult], int]:
    """Postings for a seeker: filters → allow-list → exact scan, or index + exact pool → lexical scores →
    vectorised rerank (with what the asker said, ``asked``; ``intents_of`` tells which intents the pool's postings
    meet) → near-duplicates folded (``duplicate_cosine`` and ``same_posting`` of two ids; 0 keeps them apart).

    ``query_text`` is normalised (:func:`matching.text.normalize`), as stored profile texts are."""
    rows = _narrow(columns, eligible_job_rows(columns, seeker, options, today), scope_prefix)
    found, eligible = _pool(index, columns, rows, vector, k, query_text, candidates_of, cosines_of)
    if found is None:
        return [], eligible
    ids, dense, lexical, vectors = found
    if asked is not None and asked.intents and intents_of is not None:
        asked = replace(asked, met=intents_of(ids.tolist()))
    return rank_jobs_for_seeker(seeker, ids, dense, columns, today=today, jobs=facts_of, lexical=lexical,
                                weights=weights, params=params, policy=policy, options=options, limit=k,
                                asked=asked, vectors=vectors if duplicate_cosine > 0 else None,
                                duplicate_cosine=duplicate_cosine, same_posting=same_posting), eligible


def rank_seekers(*, index: SearchIndex, columns: SeekerColumns, vector: np.ndarray, job: JobFacts,
                 query_text: str, options: MatchFilters, k: int, now: datetime, candidates_of: CandidatesOf,
                 facts_of: FactsOf, policy: PriorityPolicy, weights: Weights, params: ScoringParams,
                 scope_prefix: str | None = None, cosines_of: CosinesOf | None = None
                 ) -> tuple[list[MatchResult], int]:
    """Consenting seekers for a posting, the same way, with the bounded priority boost in the rerank."""
    rows = _narrow(columns, eligible_seeker_rows(columns, job, options, now.date()), scope_prefix)
    found, eligible = _pool(index, columns, rows, vector, k, query_text, candidates_of, cosines_of)
    if found is None:
        return [], eligible
    ids, dense, lexical, _ = found
    return rank_seekers_for_job(job, ids, dense, columns, today=now, seekers=facts_of, lexical=lexical,
                                weights=weights, params=params, policy=policy, options=options, limit=k), eligible
