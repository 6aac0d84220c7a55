"""A replica's index: a read-only snapshot shared by every process on the machine, plus its own small delta.

The snapshot (``base``) is memory-mapped, so N API processes hold one copy of its pages; what changed since it
was saved goes into ``delta``, an exact in-memory index of this process. A record replaced or removed since the
snapshot is *shadowed*: the base's copy of it is never returned. Searches ask both and merge, so results are
those of one index holding exactly the current vectors. When the delta grows, a process saves a new snapshot
and the replicas swap to it (``indexes.snapshots``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from indexes.spec import IndexSpec
from indexes.vector_index import VectorIndex, fingerprint

DELTA_SPEC = IndexSpec("flat", storage="fp32")


class LayeredIndex:
    """``base`` (read-only) + ``delta`` (writable, exact) − ``shadowed`` ids of the base."""

    def __init__(self, base: VectorIndex, *, seq: int = 0):
        self.base = base
        self.seq = seq  # the change-log sequence the base reflects
        self.dim = base.dim
        self.delta = VectorIndex(base.dim, DELTA_SPEC)
        self._shadowed = np.zeros(0, np.int64)  # sorted ids of the base not to return
        self._hidden = 0  # how many of them the base holds
        self._lock = threading.Lock()

    @property
    def spec(self) -> IndexSpec:
        return self.base.spec

    @property
    def shadowed(self) -> int:
        """Records of the snapshot replaced or removed since it was saved."""
        return self._hidden

    def __len__(self) -> int:
        return len(self.base) - self._hidden + len(self.delta)

    def ids(self) -> np.ndarray:
        base_ids = self.base.ids()
        kept = base_ids[~np.isin(base_ids, self._shadowed)]
        return np.union1d(kept, self.delta.ids())

    def contains(self, record_id: int) -> bool:
        if self.delta.contains(record_id):
            return True
        return self.base.contains(record_id) and not self._is_shadowed(np.array([record_id]))[0]

    def fingerprint_of(self, record_id: int) -> int | None:
        """The fingerprint of the text the record's current vector came from (None: not indexed)."""
        if self.delta.contains(record_id):
            return self.delta.hashes[record_id]
        if self.base.contains(record_id) and not self._is_shadowed(np.array([record_id]))[0]:
            return self.base.hashes[record_id]
        return None

    def is_current(self, record_id: int, text_hash: str) -> bool:
        return self.fingerprint_of(record_id) == fingerprint(text_hash)

    # --- writes (this process only) ------------------------------------------------------------------------

    def add(self, ids, vectors, hashes: Sequence[str] | None = None) -> None:
        ids = np.asarray(ids, np.int64).reshape(-1)
        with self._lock:
            self.delta.add(ids, vectors, hashes)
            self._shadow(ids[self.base.has(ids)])

    def remove(self, ids) -> int:
        ids = np.asarray(ids, np.int64).reshape(-1)
        with self._lock:
            removed = self.delta.remove(ids)
            in_base = ids[self.base.has(ids)]
            fresh = in_base[~self._is_shadowed(in_base)]
            self._shadow(in_base)
        return removed + len(np.unique(fresh))

    def _shadow(self, base_ids: np.ndarray) -> None:
        """Hide these ids of the base (each one the base holds)."""
        new = np.setdiff1d(base_ids, self._shadowed)
        if len(new):
            self._shadowed = np.union1d(self._shadowed, new)
            self._hidden += len(new)

    def _is_shadowed(self, ids: np.ndarray) -> np.ndarray:
        shadowed = self._shadowed
        if not len(shadowed):
            return np.zeros(len(ids), bool)
        pos = np.minimum(np.searchsorted(shadowed, ids), len(shadowed) - 1)
        return shadowed[pos] == ids

    # --- reads -----------------------------------------------------------------------------------------------

    def search(self, queries, k: int, *, allow: np.ndarray | None = None, nprobe: int | None = None,
               ef_search: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ``(scores, ids)`` per query over base and delta, best first; missing slots are ``(-inf, -1)``."""
        queries = np.asarray(queries, np.float32).reshape(-1, self.dim)
        shadowed = self._shadowed
        out_scores = np.full((len(queries), k), -np.inf, np.float32)
        out_ids = np.full((len(queries), k), -1, np.int64)
        if len(self.delta):
            d_scores, d_ids = self.delta.search(queries, k, allow=allow)
        else:
            d_scores, d_ids = out_scores.copy(), out_ids.copy()
        extra = min(len(shadowed), k)
        while True:
            b_scores, b_ids = self.base.search(queries, k + extra, allow=allow, nprobe=nprobe, ef_search=ef_search)
            hidden = self._is_shadowed(b_ids.reshape(-1)).reshape(b_ids.shape) & (b_ids >= 0)
            kept = (b_ids >= 0) & ~hidden
            # Enough left when every row kept k, or the base had no more to give, or nothing more is shadowed.
            short = (kept.sum(axis=1) < k) & (b_ids[:, -1] >= 0) & hidden.any(axis=1)
            if not short.any() or extra >= len(shadowed):
                break
            extra = min(len(shadowed), max(2 * extra, k))
        for row in range(len(queries)):
            ids = np.concatenate([d_ids[row][d_ids[row] >= 0], b_ids[row][kept[row]]])
            scores = np.concatenate([d_scores[row][d_ids[row] >= 0], b_scores[row][kept[row]]])
            order = np.argsort(-scores, kind="stable")[:k]
            out_scores[row, :len(order)], out_ids[row, :len(order)] = scores[order], ids[order]
        return out_scores, out_ids
