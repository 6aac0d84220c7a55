"""A FAISS index keyed by database ids, with per-call filters and knobs, saved atomically.

Vectors are float32, L2-normalised; scores are inner products (cosine). Below ``flat_threshold``
vectors the index is exact (flat); above it, IVF with 8-bit scalar-quantised storage.
Filters (an allow-list of ids) are applied inside the search, so k results come back whenever k
allowed ids exist; when few ids are allowed, the allowed vectors are scored exactly instead.
Concurrent searches are safe (FAISS releases the GIL and no search mutates the index); writers
take :attr:`VectorIndex.lock`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

MANIFEST = "manifest.json"
INDEX_FILE = "index.faiss"
HASHES_FILE = "hashes.json"
EXACT_ALLOW_MAX = 4096  # allow-lists this small are scored exactly over the gathered vectors


@dataclass(frozen=True)
class IndexSpec:
    kind: str = "flat"  # flat | ivf_sq8
    nlist: int = 0
    nprobe: int = 0

    def describe(self) -> str:
        return "Flat,IP" if self.kind == "flat" else f"IVF{self.nlist},SQ8,IP (nprobe {self.nprobe})"


def choose_spec(n: int, *, flat_threshold: int = 50_000) -> IndexSpec:
    """Exact below the threshold; IVF-SQ8 with nlist ≈ 4·√n (a power of two) above it."""
    if n < flat_threshold:
        return IndexSpec("flat")
    nlist = 2 ** round(math.log2(4 * math.sqrt(n)))
    return IndexSpec("ivf_sq8", nlist=nlist, nprobe=max(16, nlist // 64))


class IndexError_(RuntimeError):
    """A saved index that cannot be used (missing, corrupt, other model or dimension): rebuild it."""


class VectorIndex:
    def __init__(self, dim: int, spec: IndexSpec | None = None):
        self.dim = dim
        self.spec = spec or IndexSpec()
        self.lock = threading.Lock()
        self.hashes: dict[int, str] = {}
        self._index = self._empty()

    def _empty(self) -> faiss.Index:
        if self.spec.kind == "flat":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, self.dim, self.spec.nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        return index

    # --- writes ---------------------------------------------------------------------------------

    def build(self, ids: np.ndarray, vectors: np.ndarray, hashes: list[str] | None = None) -> None:
        """Replace the contents (training IVF on these vectors when needed)."""
        ids, vectors = _ids(ids), _vectors(vectors, self.dim)
        index = self._empty()
        if self.spec.kind != "flat" and len(ids):
            index.train(vectors)
        if len(ids):
            index.add_with_ids(vectors, ids)
        with self.lock:
            self._index = index
            self.hashes = dict(zip(ids.tolist(), hashes or [""] * len(ids), strict=True))

    def add(self, ids: np.ndarray, vectors: np.ndarray, hashes: list[str] | None = None) -> None:
        """Upsert: an id already present is replaced."""
        ids, vectors = _ids(ids), _vectors(vectors, self.dim)
        if not len(ids):
            return
        with self.lock:
            present = np.array([i for i in ids.tolist() if i in self.hashes], dtype=np.int64)
            if len(present):
                self._index.remove_ids(present)
            if self.spec.kind != "flat" and not self._index.is_trained:
                self._index.train(vectors)
            self._index.add_with_ids(vectors, ids)
            self.hashes.update(zip(ids.tolist(), hashes or [""] * len(ids), strict=True))

    def remove(self, ids) -> int:
        ids = np.array([i for i in _ids(ids).tolist() if i in self.hashes], dtype=np.int64)
        if not len(ids):
            return 0
        with self.lock:
            removed = self._index.remove_ids(ids)
            for i in ids.tolist():
                self.hashes.pop(i, None)
        return int(removed)

    # --- reads ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        return np.fromiter(self.hashes.keys(), dtype=np.int64, count=len(self.hashes))

    def contains(self, record_id: int) -> bool:
        return int(record_id) in self.hashes

    def vectors(self, ids) -> np.ndarray:
        ids = _ids(ids)
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        return self._index.reconstruct_batch(ids)

    def search(self, queries: np.ndarray, k: int, *, allow: np.ndarray | None = None,
               nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query; padding is (-inf, -1). ``allow`` restricts to those ids."""
        queries = _vectors(np.atleast_2d(queries), self.dim)
        index = self._index  # one reference for the whole call: a concurrent rebuild swaps, never mutates
        if allow is not None:
            allow = np.intersect1d(_ids(allow), self.ids(), assume_unique=False)
            if len(allow) == 0:
                return _pad(len(queries), k)
            if len(allow) <= EXACT_ALLOW_MAX or len(allow) <= 0.02 * max(len(self), 1):
                return _exact(queries, index.reconstruct_batch(allow), allow, k)
        if index.ntotal == 0:
            return _pad(len(queries), k)
        params = self._params(allow, nprobe)
        scores, ids = index.search(queries, k, params=params)
        scores[ids < 0] = -np.inf
        return scores, ids

    def _params(self, allow: np.ndarray | None, nprobe: int | None):
        selector = faiss.IDSelectorBatch(allow) if allow is not None else None
        if self.spec.kind == "flat":
            return faiss.SearchParameters(sel=selector) if selector is not None else None
        params = faiss.SearchParametersIVF(nprobe=nprobe or self.spec.nprobe)
        if selector is not None:
            params.sel = selector
        return params

    # --- persistence ----------------------------------------------------------------------------

    def save(self, directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write index, hashes and manifest into a sibling temp dir, then swap it into place."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = directory.with_name(f".{directory.name}.tmp-{os.getpid()}-{time.time_ns()}")
        tmp.mkdir()
        with self.lock:
            faiss.write_index(self._index, str(tmp / INDEX_FILE))
            hashes = {str(k): v for k, v in self.hashes.items()}
            count = len(self)
        full = {**manifest, "dim": self.dim, "count": count, "spec": asdict(self.spec),
                "spec_text": self.spec.describe(), "saved_at": time.time()}
        (tmp / HASHES_FILE).write_text(json.dumps(hashes))
        (tmp / MANIFEST).write_text(json.dumps(full, ensure_ascii=False, indent=2))
        for name in (INDEX_FILE, HASHES_FILE, MANIFEST):
            with open(tmp / name, "rb") as f:
                os.fsync(f.fileno())
        old = directory.with_name(f".{directory.name}.old-{time.time_ns()}")
        if directory.exists():
            os.replace(directory, old)
        os.replace(tmp, directory)
        shutil.rmtree(old, ignore_errors=True)
        return full

    @classmethod
    def load(cls, directory: Path, *, expect: dict[str, Any] | None = None) -> tuple[VectorIndex, dict[str, Any]]:
        """Load a saved index; raise :class:`IndexError_` when it is unusable or built for other settings."""
        directory = Path(directory)
        try:
            manifest = json.loads((directory / MANIFEST).read_text())
            spec = IndexSpec(**manifest["spec"])
            for key, value in (expect or {}).items():
                if manifest.get(key) != value:
                    raise IndexError_(f"saved index has {key}={manifest.get(key)!r}, expected {value!r}")
            index = cls(int(manifest["dim"]), spec)
            raw = faiss.read_index(str(directory / INDEX_FILE))
            hashes = {int(k): v for k, v in json.loads((directory / HASHES_FILE).read_text()).items()}
        except IndexError_:
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
            raise IndexError_(f"cannot load index from {directory}: {e}") from e
        if raw.ntotal != len(hashes) or raw.ntotal != manifest["count"]:
            raise IndexError_(f"index in {directory} holds {raw.ntotal} vectors, manifest says {manifest['count']}")
        if spec.kind != "flat":
            raw.set_direct_map_type(faiss.DirectMap.Hashtable)
        index._index, index.hashes = raw, hashes
        return index, manifest


def reconcile(database: dict[int, str], indexed: dict[int, str]) -> tuple[list[int], list[int]]:
    """What to (re)add and what to remove so the index reflects the database's ids and text hashes."""
    to_add = [i for i, h in database.items() if indexed.get(i) != h]
    to_remove = [i for i in indexed if i not in database]
    return sorted(to_add), sorted(to_remove)


def _ids(ids) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def _vectors(vectors, dim: int) -> np.ndarray:
    vectors = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if vectors.size == 0:
        return vectors.reshape(0, dim)
    if vectors.ndim != 2 or vectors.shape[1] != dim:
        raise ValueError(f"expected vectors of shape (n, {dim}), got {vectors.shape}")
    return vectors


def _pad(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, k), -np.inf, np.float32), np.full((n, k), -1, np.int64)


def _exact(queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    take = min(k, len(ids))
    top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top, top_scores = np.take_along_axis(top, order, axis=1), np.take_along_axis(top_scores, order, axis=1)
    out_scores, out_ids = _pad(len(queries), k)
    out_scores[:, :take], out_ids[:, :take] = top_scores, ids[top]
    return out_scores, out_ids
