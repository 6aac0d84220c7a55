"""Exact search: FAISS keys the vectors by database id itself (``IndexIDMap2``)."""

from __future__ import annotations

import faiss
import numpy as np

from indexes.spec import IndexSpec, new_faiss_index
from indexes.stores.base import Allow, exact_top_k


class KeyedStore:
    """Flat: FAISS itself keys vectors by database id (``IndexIDMap2``)."""

    lists_kept = False

    def __init__(self, spec: IndexSpec, dim: int, raw: faiss.Index | None = None):
        self.spec = spec
        self.raw = raw if raw is not None else new_faiss_index(spec, dim)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        self.raw.add_with_ids(vectors, ids)
        return np.full(len(ids), -1, np.int32)

    def remove(self, ids: np.ndarray, lists: np.ndarray) -> None:
        self.raw.remove_ids(ids)

    def reconstruct(self, ids: np.ndarray, lists: np.ndarray) -> np.ndarray:
        return self.raw.reconstruct_batch(ids)

    def exact(self, queries: np.ndarray, k: int, allow: Allow, lists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return exact_top_k(queries, self.reconstruct(allow.ids, lists), allow.ids, k)

    def search(self, queries: np.ndarray, k: int, allow: Allow | None, nprobe: int | None,
               ef_search: int | None) -> tuple[np.ndarray, np.ndarray]:
        params = faiss.SearchParameters(sel=allow.selector()) if allow is not None else None
        return self.raw.search(queries, k, params=params)

    def arrays(self) -> dict[str, np.ndarray]:
        return {}

    def needs_compaction(self) -> bool:
        return False
