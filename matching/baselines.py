"""Baselines the matcher is measured against: BM25 over jieba tokens and plain dense cosine.

Both rank only the documents a caller allows (the candidates the service's hard filters leave for that query),
so a comparison with the service measures ranking alone. Neither reorders, boosts or deduplicates anything.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from matching.lexical import BM25, Lexicon


def _top(ids: Sequence[str], scores: np.ndarray, allowed: Collection[str] | None, k: int) -> list[str]:
    """The ``k`` best of ``ids`` by score among the allowed ones; ties keep the documents' order."""
    keep = np.ones(len(ids), dtype=bool) if allowed is None else np.fromiter(
        (i in allowed for i in ids), dtype=bool, count=len(ids))
    rows = np.flatnonzero(keep)
    order = rows[np.argsort(-scores[rows], kind="stable")][:k]
    return [ids[r] for r in order]


class BM25Baseline:
    """Okapi BM25 (k1 1.2, b 0.75) over the project's jieba tokens (:meth:`Lexicon.tokens`, search mode)."""

    def __init__(self, lexicon: Lexicon, ids: Sequence[str], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        self.lexicon = lexicon
        self.ids = list(ids)
        self.bm25 = BM25().fit([lexicon.tokens(t, for_search=True) for t in texts])

    def rank(self, query: str, *, allowed: Collection[str] | None = None, k: int = 10) -> list[str]:
        return _top(self.ids, self.bm25.scores(self.lexicon.tokens(query, for_search=True)), allowed, k)


class DenseBaseline:
    """Cosine between a query vector and each document's vector (rows L2-normalised here)."""

    def __init__(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(ids):
            raise ValueError("one vector per id expected")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.ids = list(ids)
        self.vectors = vectors / np.where(norms == 0, 1, norms)

    def rank(self, vector: np.ndarray, *, allowed: Collection[str] | None = None, k: int = 10) -> list[str]:
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        v = v / (np.linalg.norm(v) or 1.0)
        return _top(self.ids, self.vectors @ v, allowed, k)
