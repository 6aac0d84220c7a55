"""What every index store offers :class:`indexes.VectorIndex`, and the pieces they share.

A store holds the vectors of one index kind (exact, IVF with 8-bit codes, HNSW) keyed by database id:
``add`` / ``remove`` / ``reconstruct`` / ``search`` with an optional :class:`Allow` list / ``exact`` scoring of
a small allow-list / ``arrays`` to save beside the FAISS file. Ids, fingerprints and lists stay in the index.
"""

from __future__ import annotations

from typing import Protocol

import faiss
import numpy as np

from indexes.spec import IndexSpec

_BITMAP_SLACK = 1 << 20  # use a bitmap selector unless the id range is this much larger than 64·allowed


class Allow:
    """An allow-list for one search: the ids, and the FAISS selector over them, made once when needed."""

    def __init__(self, ids: np.ndarray):
        self.ids = ids
        self._selector: faiss.IDSelector | None = None
        self._bits: np.ndarray | None = None

    def selector(self) -> faiss.IDSelector:
        if self._selector is None:
            top = int(self.ids.max()) + 1 if len(self.ids) else 1
            if self.ids.min(initial=0) >= 0 and top <= 64 * len(self.ids) + _BITMAP_SLACK:
                member = np.zeros(top, bool)
                member[self.ids] = True
                self._bits = np.packbits(member, bitorder="little")  # the selector points into it: keep it
                self._selector = faiss.IDSelectorBitmap(top, faiss.swig_ptr(self._bits))
            else:
                self._selector = faiss.IDSelectorBatch(self.ids)
        return self._selector


class Store(Protocol):
    spec: IndexSpec
    raw: faiss.Index
    lists_kept: bool

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> np.ndarray: ...

    def remove(self, ids: np.ndarray, lists: np.ndarray) -> None: ...

    def reconstruct(self, ids: np.ndarray, lists: np.ndarray) -> np.ndarray: ...

    def exact(self, queries: np.ndarray, k: int, allow: Allow, lists: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]: ...

    def search(self, queries: np.ndarray, k: int, allow: Allow | None, nprobe: int | None,
               ef_search: int | None) -> tuple[np.ndarray, np.ndarray]: ...

    def arrays(self) -> dict[str, np.ndarray]: ...

    def needs_compaction(self) -> bool: ...


def pad(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, k), -np.inf, np.float32), np.full((n, k), -1, np.int64)


def exact_top_k(queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of ``queries`` against ``vectors`` (rows named by ``ids``), padded to k."""
    out_scores, out_ids = pad(len(queries), k)
    take = min(k, len(ids))
    if take == 0:
        return out_scores, out_ids
    scores = queries @ vectors.T
    top = np.argpartition(-scores, take - 1, axis=1)[:, :take] if take < len(ids) else np.tile(
        np.arange(len(ids)), (len(queries), 1))
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top, top_scores = np.take_along_axis(top, order, axis=1), np.take_along_axis(top_scores, order, axis=1)
    out_scores[:, :take], out_ids[:, :take] = top_scores, ids[top]
    return out_scores, out_ids
