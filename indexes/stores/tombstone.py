"""Graph indexes (HNSW) that cannot remove: deletions are tombstones until the next compaction."""

from __future__ import annotations

import faiss
import numpy as np

from indexes.spec import IndexSpec, new_faiss_index
from indexes.stores.base import Allow, exact_top_k

HNSW_COMPACT_SHARE = 0.25  # rebuild an HNSW graph once this share of its nodes are tombstones


class TombstoneStore:
    """HNSW cannot remove vectors: keep its own position → id table and mark removed nodes dead.

    Searches pass a bitmap selector over live (and allowed) positions; once a quarter of the nodes
    are dead the owner rebuilds the graph from the live vectors.
    """

    lists_kept = False

    def __init__(self, spec: IndexSpec, dim: int, raw: faiss.Index | None = None,
                 labels: np.ndarray | None = None):
        self.spec = spec
        self.raw = raw if raw is not None else new_faiss_index(spec, dim)
        self.labels = labels if labels is not None else np.zeros(0, np.int64)  # position → id, -1 when removed
        live = np.flatnonzero(self.labels >= 0)
        self.pos = dict(zip(self.labels[live].tolist(), live.tolist(), strict=True))
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self._live_bits: np.ndarray | None = None

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        start = self.raw.ntotal
        self.raw.add(vectors)
        self.labels = np.concatenate([self.labels, ids])
        self.pos.update(zip(ids.tolist(), range(start, start + len(ids)), strict=True))
        self._sorted = None
        return np.full(len(ids), -1, np.int32)

    def remove(self, ids: np.ndarray, lists: np.ndarray) -> None:
        positions = [self.pos.pop(i) for i in ids.tolist()]
        self.labels[positions] = -1
        self._sorted, self._live_bits = None, None

    def reconstruct(self, ids: np.ndarray, lists: np.ndarray) -> np.ndarray:
        return self.raw.reconstruct_batch(self._positions(ids))

    def exact(self, queries: np.ndarray, k: int, allow: Allow, lists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return exact_top_k(queries, self.reconstruct(allow.ids, lists), allow.ids, k)

    def search(self, queries: np.ndarray, k: int, allow: Allow | None, nprobe: int | None,
               ef_search: int | None) -> tuple[np.ndarray, np.ndarray]:
        params = faiss.SearchParametersHNSW(efSearch=max(ef_search or self.spec.ef_search, k))
        bits = self._live_bitmap() if allow is None else self._bitmap(self._positions(allow.ids, missing_ok=True))
        if bits is not None:
            params.sel = faiss.IDSelectorBitmap(bits)
        scores, positions = self.raw.search(queries, k, params=params)
        return scores, np.where(positions >= 0, self.labels[np.maximum(positions, 0)], -1)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"labels": self.labels}

    def needs_compaction(self) -> bool:
        dead = len(self.labels) - len(self.pos)
        return dead > 64 and dead > HNSW_COMPACT_SHARE * len(self.labels)

    def _positions(self, ids: np.ndarray, *, missing_ok: bool = False) -> np.ndarray:
        if self._sorted is None:
            live = np.flatnonzero(self.labels >= 0)
            order = np.argsort(self.labels[live], kind="stable")
            self._sorted = (self.labels[live][order], live[order])
        keys, positions = self._sorted
        at = np.minimum(np.searchsorted(keys, ids), max(len(keys) - 1, 0))
        found = (keys[at] == ids) if len(keys) else np.zeros(len(ids), bool)
        if not missing_ok and not found.all():
            raise KeyError(int(ids[~found][0]))
        return positions[at[found]]

    def _bitmap(self, positions: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(self.labels), bool)
        mask[positions] = True
        return np.packbits(mask, bitorder="little")

    def _live_bitmap(self) -> np.ndarray | None:
        if len(self.pos) == len(self.labels):
            return None
        if self._live_bits is None:
            self._live_bits = np.packbits(self.labels >= 0, bitorder="little")
        return self._live_bits
