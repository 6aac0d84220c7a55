"""A FAISS index keyed by database ids, with per-call filters and knobs, saved atomically.

Vectors are float32, L2-normalised; scores are inner products (cosine); ids are int64 database keys.
An allow-list is applied inside the search (a FAISS ``IDSelector`` in the per-call search
parameters), so k results come back whenever k allowed ids exist; when few ids are allowed, the
allowed vectors are gathered and scored exactly instead, which is both faster and exact.

Concurrency: FAISS searches release the GIL and may run side by side, but an ``add`` reallocates
the stored arrays under a running search, so searches share a read lock that only ever waits for
an in-flight write (milliseconds), never for a rebuild: rebuilds happen aside and swap in
(:class:`indexes.holder.IndexHolder`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from indexes.spec import IndexSpec, choose_spec, new_faiss_index
from indexes.storage import (
    IDS_FILE,
    INDEX_FILE,
    IndexLoadError,
    IndexMismatchError,
    Manifest,
    read_manifest,
    recover_dir,
    write_dir_atomically,
    write_manifest,
)

log = logging.getLogger(__name__)


# When an allow-list is small, gathering the allowed vectors and scoring them exactly beats a
# selector search. Measured (384-d clustered vectors, one thread, one query at a time):
# - flat, 50k: selector 0.9 ms vs exact 0.2 ms at 256 ids, about even near 2k, selector 2x faster at 4k+.
# - IVF1024-SQ8, 100k: decoding is ~5 µs a vector (1k ids 3-5 ms, 4k ids 26 ms), while a selector
#   search visiting ~64 allowed candidates costs 0.4-1.5 ms; exact wins below ~2·√n ids (600 at 100k,
#   2k at 1M). Recall of a filtered IVF search tracks the allowed candidates it visits,
#   allowed·nprobe/nlist: ~64 of them give recall@10 ≥ 0.97, so nprobe is raised to reach that.
# - HNSW32, 30k: with a selector, recall@10 at ef 512 is 0.76 with 1% allowed and 0.94 with 3%, but
#   ≥ 0.99 at ef 128 with 10%: below 5% allowed exact is both faster and right; above it ef is divided
#   by the allowed share (a filter passing half the nodes halves the useful candidates).
EXACT_MAX_IDS = {"flat": 2048, "ivf_sq8": 512, "hnsw": 2048}
EXACT_MAX_SHARE = {"flat": 0.0, "ivf_sq8": 0.0, "hnsw": 0.05}
IVF_MIN_ALLOWED_VISITS = 64
CALIBRATION_QUERIES = 200
HNSW_COMPACT_SHARE = 0.25  # rebuild an HNSW graph once this share of its nodes are tombstones


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers so writes are not starved."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._waiting = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class _KeyedStore:
    """Flat and IVF: FAISS itself keys vectors by database id (``IndexIDMap2`` / IVF direct map)."""

    def __init__(self, spec: IndexSpec, dim: int, raw: faiss.Index | None = None):
        self.spec = spec
        self.raw = raw if raw is not None else new_faiss_index(spec, dim)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.raw.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> None:
        self.raw.remove_ids(ids)

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        return self.raw.reconstruct_batch(ids)

    def search(self, queries: np.ndarray, k: int, allow: np.ndarray | None, nprobe: int | None,
               ef_search: int | None) -> tuple[np.ndarray, np.ndarray]:
        selector = faiss.IDSelectorBatch(allow) if allow is not None else None
        if self.spec.kind == "ivf_sq8":
            params = faiss.SearchParametersIVF(nprobe=min(nprobe or self.spec.nprobe, self.spec.nlist))
            if selector is not None:
                params.sel = selector
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        return self.raw.search(queries, k, params=params)

    def arrays(self) -> dict[str, np.ndarray]:
        return {}

    def needs_compaction(self) -> bool:
        return False


class _TombstoneStore:
    """HNSW cannot remove vectors: keep its own position → id table and mark removed nodes dead.

    Searches pass a bitmap selector over live (and allowed) positions; once a quarter of the nodes
    are dead the owner rebuilds the graph from the live vectors.
    """

    def __init__(self, spec: IndexSpec, dim: int, raw: faiss.Index | None = None,
                 labels: np.ndarray | None = None):
        self.spec = spec
        self.raw = raw if raw is not None else new_faiss_index(spec, dim)
        self.labels = labels if labels is not None else np.zeros(0, np.int64)  # position → id, -1 when removed
        live = np.flatnonzero(self.labels >= 0)
        self.pos = dict(zip(self.labels[live].tolist(), live.tolist(), strict=True))
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self._live_bits: np.ndarray | None = None

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        start = self.raw.ntotal
        self.raw.add(vectors)
        self.labels = np.concatenate([self.labels, ids])
        self.pos.update(zip(ids.tolist(), range(start, start + len(ids)), strict=True))
        self._sorted = None

    def remove(self, ids: np.ndarray) -> None:
        positions = [self.pos.pop(i) for i in ids.tolist()]
        self.labels[positions] = -1
        self._sorted, self._live_bits = None, None

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        return self.raw.reconstruct_batch(self._positions(ids))

    def search(self, queries: np.ndarray, k: int, allow: np.ndarray | None, nprobe: int | None,
               ef_search: int | None) -> tuple[np.ndarray, np.ndarray]:
        params = faiss.SearchParametersHNSW(efSearch=max(ef_search or self.spec.ef_search, k))
        bits = self._live_bitmap() if allow is None else self._bitmap(self._positions(allow, missing_ok=True))
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


def _new_store(spec: IndexSpec, dim: int) -> _KeyedStore | _TombstoneStore:
    return _TombstoneStore(spec, dim) if spec.kind == "hnsw" else _KeyedStore(spec, dim)


class VectorIndex:
    """One FAISS index of float32 L2-normalised vectors keyed by int64 database ids.

    Also keeps, per id, the hash (or version) of the text its vector came from, so
    :func:`indexes.holder.reconcile` can find stale entries without re-embedding.
    """

    def __init__(self, dim: int, spec: IndexSpec | None = None):
        if dim < 1:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.spec = spec or IndexSpec()
        self.hashes: dict[int, str] = {}
        self.built_at = time.time()
        self.calibration: dict[str, Any] = {}
        self._rw = _ReadWriteLock()
        self._store = _new_store(self.spec, dim)

    # --- writes ---------------------------------------------------------------------------------

    def build(self, ids, vectors, hashes: Sequence[str] | None = None, *, calibrate: bool = True,
              target_recall: float = 0.97, rng: np.random.Generator | None = None) -> None:
        """Replace the contents with these vectors, training IVF on them when needed.

        For IVF and HNSW, ``calibrate`` measures recall@10 against exact search on a sample of the
        vectors and raises the default nprobe / efSearch until it reaches ``target_recall``.
        The new store is built before the write lock is taken, so searches carry on meanwhile.
        """
        ids, vectors, hashes = _dedupe_last(_as_ids(ids), _as_vectors(vectors, self.dim), hashes)
        spec, store = self.spec, _new_store(self.spec, self.dim)
        if len(ids) and not store.raw.is_trained:
            _train(store.raw, vectors, spec)
        calibration: dict[str, Any] = {}
        if calibrate and spec.kind != "flat" and len(ids) >= 1000:
            # Held-out queries: added only after calibrating, so none is its own easy answer.
            held = np.zeros(len(ids), bool)
            held[(rng or np.random.default_rng(0)).choice(len(ids), CALIBRATION_QUERIES, replace=False)] = True
            store.add(ids[~held], vectors[~held])
            spec, calibration = _calibrate(store, spec, ids[~held], vectors[~held], vectors[held], target_recall)
            store.spec = spec
            store.add(ids[held], vectors[held])
        elif len(ids):
            store.add(ids, vectors)
        with self._rw.write():
            self.spec, self._store, self.calibration = spec, store, calibration
            self.hashes = dict(zip(ids.tolist(), hashes, strict=True))
            self.built_at = time.time()

    def add(self, ids, vectors, hashes: Sequence[str] | None = None) -> None:
        """Upsert: an id already present is replaced (its vector and its hash)."""
        ids, vectors, hashes = _dedupe_last(_as_ids(ids), _as_vectors(vectors, self.dim), hashes)
        if not len(ids):
            return
        with self._rw.write():
            present = np.array([i for i in ids.tolist() if i in self.hashes], dtype=np.int64)
            if len(present):
                self._store.remove(present)
            if not self._store.raw.is_trained:
                _train(self._store.raw, vectors, self.spec)
            self._store.add(ids, vectors)
            self.hashes.update(zip(ids.tolist(), hashes, strict=True))
            self._compact_if_needed()

    def remove(self, ids) -> int:
        """Remove these ids (absent ones are ignored); returns how many were removed."""
        with self._rw.write():
            present = np.array([i for i in _as_ids(ids).tolist() if i in self.hashes], dtype=np.int64)
            if len(present):
                self._store.remove(present)
                for i in present.tolist():
                    del self.hashes[i]
                self._compact_if_needed()
        return len(present)

    def _compact_if_needed(self) -> None:
        if not self._store.needs_compaction():
            return
        ids = np.fromiter(self.hashes, np.int64, len(self.hashes))
        vectors = self._store.reconstruct(ids)
        store = _new_store(self.spec, self.dim)
        if not store.raw.is_trained:
            _train(store.raw, vectors, self.spec)
        store.add(ids, vectors)
        self._store = store

    # --- reads ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.hashes)

    def ids(self) -> np.ndarray:
        return np.fromiter(self.hashes.keys(), dtype=np.int64, count=len(self.hashes))

    def contains(self, record_id: int) -> bool:
        return int(record_id) in self.hashes

    def vector(self, record_id: int) -> np.ndarray:
        """The stored vector of one id (decoded, so approximate under fp16/sq8 storage); KeyError if absent."""
        if int(record_id) not in self.hashes:
            raise KeyError(int(record_id))
        return self.vectors([record_id])[0]

    def vectors(self, ids) -> np.ndarray:
        ids = _as_ids(ids)
        with self._rw.read():
            missing = [i for i in ids.tolist() if i not in self.hashes]
            if missing:
                raise KeyError(missing[0])
            if not len(ids):
                return np.zeros((0, self.dim), np.float32)
            return self._store.reconstruct(ids)

    def search(self, queries, k: int, *, allow: np.ndarray | None = None, nprobe: int | None = None,
               ef_search: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ``(scores, ids)`` per query, best first; missing slots are ``(-inf, -1)``.

        ``allow`` restricts the results to those ids, inside the search: k results come back whenever
        k allowed ids are indexed. ``nprobe`` (IVF) and ``ef_search`` (HNSW) override the spec's
        defaults for this call only.
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        queries = _as_vectors(np.atleast_2d(queries), self.dim)
        with self._rw.read():
            n = len(self.hashes)
            if n == 0 or len(queries) == 0:
                return _pad(len(queries), k)
            if allow is not None:
                allow = np.unique(_as_ids(allow))
                if self._exact_is_cheaper(len(allow), n):
                    present = allow[_isin(allow, self.hashes)]
                    return _exact_top_k(queries, self._store.reconstruct(present), present, k)
                nprobe, ef_search = self._filtered_knobs(len(allow) / n, k, nprobe, ef_search)
            scores, ids = self._store.search(queries, k, allow, nprobe, ef_search)
            return self._fill_short_rows(queries, k, allow, scores, ids, nprobe, ef_search)

    def _exact_is_cheaper(self, allowed: int, n: int) -> bool:
        kind = self.spec.kind
        limit = max(EXACT_MAX_IDS[kind], EXACT_MAX_SHARE[kind] * n)
        if kind == "ivf_sq8":
            limit = max(limit, 2 * math.sqrt(n))
        return allowed <= limit

    def _filtered_knobs(self, share: float, k: int, nprobe: int | None, ef_search: int | None):
        """Widen the search for a selective filter so enough allowed candidates are seen (see above)."""
        if self.spec.kind == "ivf_sq8":
            wanted = math.ceil(IVF_MIN_ALLOWED_VISITS / (share * len(self.hashes) / self.spec.nlist))
            nprobe = min(self.spec.nlist, max(nprobe or self.spec.nprobe, wanted))
        elif self.spec.kind == "hnsw":
            ef_search = math.ceil(max(ef_search or self.spec.ef_search, 2 * k) / share)
        return nprobe, ef_search

    def _fill_short_rows(self, queries, k, allow, scores, ids, nprobe, ef_search):
        """Rows with fewer than k results while k allowed ids exist: retry with wider knobs, then exactly."""
        scores[ids < 0] = -np.inf
        short = (ids < 0).any(axis=1)
        if not short.any():
            return scores, ids
        wanted = min(k, len(self.hashes) if allow is None else int(_isin(allow, self.hashes).sum()))
        short &= (ids >= 0).sum(axis=1) < wanted
        probes, ef = nprobe or self.spec.nprobe, ef_search or self.spec.ef_search
        for _ in range(3):
            if not short.any():
                return scores, ids
            probes, ef = probes * 4, ef * 4
            rows = np.flatnonzero(short)
            s, i = self._store.search(queries[rows], k, allow, probes, ef)
            s[i < 0] = -np.inf
            scores[rows], ids[rows] = s, i
            short[rows] = (i >= 0).sum(axis=1) < wanted
        if short.any():
            rows = np.flatnonzero(short)
            present = self.ids() if allow is None else allow[_isin(allow, self.hashes)]
            scores[rows], ids[rows] = _exact_top_k(queries[rows], self._store.reconstruct(present), present, k)
        return scores, ids

    # --- persistence ----------------------------------------------------------------------------

    def save(self, directory: str | Path, manifest: dict[str, Any] | None = None) -> Manifest:
        """Write ``index.faiss``, ``ids.npz`` (ids, text hashes) and ``manifest.json``, atomically.

        ``manifest`` carries the caller's fields: ``model_id``, ``last_change`` (the newest database
        change this index reflects) and anything else, kept as extra fields.
        """
        given = dict(manifest or {})
        if "dim" in given and given["dim"] != self.dim:
            raise ValueError(f"manifest dim {given['dim']} does not match the index's {self.dim}")
        extra = {k: v for k, v in given.items() if k not in ("model_id", "last_change", "dim", "count", "spec")}
        if self.calibration:
            extra.setdefault("calibration", self.calibration)
        written: list[Manifest] = []

        def write(tmp: Path) -> None:
            with self._rw.read():  # a consistent snapshot; searches continue, writes wait
                faiss.write_index(self._store.raw, str(tmp / INDEX_FILE))
                ids = self.ids()
                hashes = np.array([self.hashes[i] for i in ids.tolist()], dtype=np.str_)
                np.savez(tmp / IDS_FILE, ids=ids, hashes=hashes, **self._store.arrays())
                full = Manifest(dim=self.dim, count=len(ids), spec=self.spec, model_id=given.get("model_id"),
                                last_change=given.get("last_change"), built_at=self.built_at,
                                saved_at=time.time(), extra=extra)
            write_manifest(tmp, full)
            written.append(full)

        write_dir_atomically(Path(directory), write)
        return written[0]

    @classmethod
    def load(cls, directory: str | Path, *, expect: dict[str, Any] | None = None, model_id: str | None = None,
             dim: int | None = None) -> tuple[VectorIndex, Manifest]:
        """Load a saved index; :class:`IndexLoadError` when it is unusable or built for other settings.

        ``expect`` maps manifest fields to required values (``model_id``/``dim`` are shortcuts).
        """
        directory = Path(directory)
        recover_dir(directory)
        manifest = read_manifest(directory)
        expect = {**(expect or {}), **({"model_id": model_id} if model_id is not None else {}),
                  **({"dim": dim} if dim is not None else {})}
        manifest.check(expect)
        try:
            raw = faiss.read_index(str(directory / INDEX_FILE))
            with np.load(directory / IDS_FILE, allow_pickle=False) as saved:
                arrays = {name: saved[name] for name in saved.files}
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise IndexLoadError(f"cannot read index files in {directory}: {e}") from e
        ids = _as_ids(arrays.get("ids", np.zeros(0)))
        hashes = arrays.get("hashes", np.zeros(0, np.str_))
        if raw.d != manifest.dim or len(ids) != manifest.count or len(hashes) != len(ids):
            raise IndexMismatchError(f"index in {directory} does not match its manifest "
                                     f"(dim {raw.d}/{manifest.dim}, ids {len(ids)}/{manifest.count})")
        index = cls(manifest.dim, manifest.spec)
        if manifest.spec.kind == "hnsw":
            labels = arrays.get("labels")
            if labels is None or len(labels) != raw.ntotal or int((labels >= 0).sum()) != len(ids):
                raise IndexLoadError(f"HNSW position table in {directory} does not match the index")
            index._store = _TombstoneStore(manifest.spec, manifest.dim, raw, _as_ids(labels))
        else:
            if raw.ntotal != len(ids):
                raise IndexLoadError(f"index in {directory} holds {raw.ntotal} vectors, manifest says {len(ids)}")
            if manifest.spec.kind == "ivf_sq8":
                ivf = faiss.extract_index_ivf(raw)
                if ivf.direct_map.type != faiss.DirectMap.Hashtable:
                    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
            index._store = _KeyedStore(manifest.spec, manifest.dim, raw)
        index.hashes = dict(zip(ids.tolist(), hashes.tolist(), strict=True))
        index.built_at = manifest.built_at
        index.calibration = manifest.extra.get("calibration", {})
        return index, manifest


# --- helpers --------------------------------------------------------------------------------------

def _as_ids(ids) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def _as_vectors(vectors, dim: int) -> np.ndarray:
    vectors = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if vectors.size == 0:
        return vectors.reshape(0, dim)
    if vectors.ndim != 2 or vectors.shape[1] != dim:
        raise ValueError(f"expected vectors of shape (n, {dim}), got {vectors.shape}")
    return vectors


def _dedupe_last(ids: np.ndarray, vectors: np.ndarray, hashes: Sequence[str] | None):
    """Check lengths and keep the last occurrence of an id repeated within one batch."""
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
    hashes = [""] * len(ids) if hashes is None else [str(h) for h in hashes]
    if len(hashes) != len(ids):
        raise ValueError(f"{len(hashes)} hashes for {len(ids)} ids")
    _, first_from_end = np.unique(ids[::-1], return_index=True)
    if len(first_from_end) == len(ids):
        return ids, vectors, hashes
    keep = np.sort(len(ids) - 1 - first_from_end)
    return ids[keep], vectors[keep], [hashes[i] for i in keep.tolist()]


def _isin(ids: np.ndarray, present: dict[int, str]) -> np.ndarray:
    return np.fromiter((i in present for i in ids.tolist()), dtype=bool, count=len(ids))


def _train(raw: faiss.Index, vectors: np.ndarray, spec: IndexSpec) -> None:
    if spec.kind == "ivf_sq8" and len(vectors) < spec.nlist:
        raise ValueError(f"IVF{spec.nlist} needs at least {spec.nlist} vectors to train; got {len(vectors)}. "
                         "Build it from all vectors at once, or choose a smaller nlist")
    if spec.kind == "ivf_sq8" and len(vectors) < 39 * spec.nlist:
        log.warning("training IVF%d on only %d vectors; build from more for better lists", spec.nlist, len(vectors))
    raw.train(vectors)


def _pad(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((n, k), -np.inf, np.float32), np.full((n, k), -1, np.int64)


def _exact_top_k(queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k of ``queries`` against ``vectors`` (rows named by ``ids``), padded to k."""
    out_scores, out_ids = _pad(len(queries), k)
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


def _calibrate(store, spec: IndexSpec, ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray,
               target: float) -> tuple[IndexSpec, dict[str, Any]]:
    """Raise the default nprobe / efSearch until recall@10 vs exact search reaches ``target``."""
    k = 10
    truth = _exact_top_k(queries, vectors, ids, k)[1]
    knob, value, ceiling = ("nprobe", spec.nprobe, spec.nlist) if spec.kind == "ivf_sq8" else (
        "ef_search", spec.ef_search, 1024)
    while True:
        got = store.search(queries, k, None, value, value)[1]
        recall = float(np.mean([len(set(a.tolist()) & set(b.tolist())) / k for a, b in zip(got, truth, strict=True)]))
        if recall >= target or value >= ceiling:
            break
        value = min(ceiling, math.ceil(value * 1.5))
    if recall < target:
        log.warning("recall@10 %.3f below %.2f even at %s=%d", recall, target, knob, value)
    return replace(spec, **{knob: value}), {knob: value, "recall_at_10": round(recall, 4), "queries": len(queries)}


def reconcile(database, indexed) -> tuple[list[int], list[int]]:
    """Kept here for older imports; see :func:`indexes.holder.reconcile`."""
    from indexes.holder import reconcile as _reconcile

    return _reconcile(database, indexed)


__all__ = ["IndexLoadError", "IndexMismatchError", "IndexSpec", "Manifest", "VectorIndex",
           "choose_spec", "reconcile"]
