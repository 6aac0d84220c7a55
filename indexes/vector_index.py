"""A FAISS index keyed by database ids, with per-call filters and knobs, saved atomically.

Vectors are float32, L2-normalised; scores are inner products (cosine); ids are int64 database keys.
An allow-list is applied inside the search (a FAISS ``IDSelector`` in the per-call search
parameters: a bitmap over the id range, built in about a millisecond for a million ids), so k results
come back whenever k allowed ids exist; when few ids are allowed, the allowed vectors are scored
exactly instead, which is both faster and exact.

Per vector the index keeps its id and a 64-bit fingerprint of the text it came from (:func:`fingerprint`
of the caller's text hash), in sorted numpy arrays rather than Python objects: 16 bytes a vector, so a
million postings in IVF-SQ8 stay near 420 bytes each. IVF lists carry no FAISS direct map (40 bytes a
vector); the list each id sits in is kept here instead (4 bytes), which is what exact scoring of a small
allow-list and targeted removal need.

Concurrency: FAISS searches release the GIL and may run side by side, but an ``add`` reallocates
the stored arrays under a running search, so searches share a read lock that only ever waits for
an in-flight write (milliseconds), never for a rebuild: rebuilds happen aside and swap in
(:class:`indexes.layered.LayeredIndex`, a new snapshot adopted by replicas).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from indexes.spec import IndexSpec, choose_spec
from indexes.stores import Allow, IvfStore, KeyedStore, Store, TombstoneStore, exact_top_k, pad
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


# When an allow-list is small, scoring the allowed vectors exactly beats a selector search. Measured
# (384-d clustered vectors, one thread, one query at a time):
# - flat, 50k: selector 0.9 ms vs exact 0.2 ms at 256 ids, about even near 2k, selector 2x faster at 4k+.
# - IVF-SQ8: exact scoring scans only the inverted lists that hold allowed ids (their coarse scores
#   computed here), so it costs what a selector search with that many probes costs: it is chosen
#   whenever it touches no more lists than the filtered search would probe. Recall of a filtered IVF
#   search tracks the allowed candidates it visits, allowed·nprobe/nlist: on 100k postings queried with
#   seeker vectors, 64 visits gave recall@10 0.963 at 3% allowed and 128 gave 0.974, so nprobe is raised
#   to visit 128.
# - HNSW32, 30k: with a selector, recall@10 at ef 512 is 0.76 with 1% allowed and 0.94 with 3%, but
#   ≥ 0.99 at ef 128 with 10%: below 5% allowed exact is both faster and right; above it ef is divided
#   by the allowed share (a filter passing half the nodes halves the useful candidates).
EXACT_MAX_IDS = {"flat": 2048, "ivf_sq8": 0, "hnsw": 2048}
EXACT_MAX_SHARE = {"flat": 0.0, "ivf_sq8": 0.0, "hnsw": 0.05}
IVF_MIN_ALLOWED_VISITS = 128
IVF_TRAIN_PER_LIST = 64  # k-means sample: 64 vectors a list (FAISS wants ≥ 39)
CALIBRATION_QUERIES = 200
# How each kind is read memory-mapped (FAISS 1.11+): flat codes in place (IndexFlatCodes), IVF inverted lists.
# HNSW graphs are read into memory.
MMAP_FLAGS = {"flat": faiss.IO_FLAG_MMAP_IFC, "ivf_sq8": faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY}


def set_search_threads(threads: int) -> None:
    """OpenMP threads for searches (process-wide). A service answers many queries at once, so one thread a query
    is best: measured on 2 busy cores, a 20k flat search took 1.6 ms with one thread and 14–23 ms with two
    spinning against each other. Builds use every core regardless (:func:`_all_cores`).

    numpy's own OpenBLAS gets the same count: its worker threads spin after every product, and the products a
    query makes (a query against its pool, an allow-list scored exactly) are small. Measured on 2 cores under
    32 concurrent API clients: the spinning took 35% of the service's CPU (39.6 → 25.7 CPU-s for the same
    20 s of load) and slowed requests (61 → 64 req/s)."""
    threads = max(1, int(threads))
    faiss.omp_set_num_threads(threads)
    for blas in _numpy_blas():
        blas.set_num_threads(threads)


def _numpy_blas() -> list:
    """threadpoolctl's controllers of the BLAS libraries numpy loaded (not faiss's or torch's own)."""
    from threadpoolctl import ThreadpoolController

    return [lib for lib in ThreadpoolController().lib_controllers
            if lib.user_api == "blas" and "numpy" in Path(lib.filepath).parent.name]


@contextlib.contextmanager
def _all_cores() -> Iterator[None]:
    """Train, add and calibrate with every core, then give searches back their thread count."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def fingerprint(token: str | int) -> int:
    """The 64-bit fingerprint an index keeps of a text hash (or any version token) for one vector."""
    if isinstance(token, (int, np.integer)):
        return int(token) & 0xFFFF_FFFF_FFFF_FFFF
    return int.from_bytes(hashlib.blake2b(str(token).encode("utf-8"), digest_size=8).digest(), "little")


def fingerprints(tokens: Iterable[str | int] | None, n: int) -> np.ndarray:
    if tokens is None:
        return np.full(n, fingerprint(""), dtype=np.uint64)
    return np.fromiter((fingerprint(t) for t in tokens), dtype=np.uint64, count=n)


class _IdTable:
    """Sorted ids with, aligned, the fingerprint of each vector's text and (IVF) its inverted list."""

    def __init__(self, keys: np.ndarray | None = None, fps: np.ndarray | None = None,
                 lists: np.ndarray | None = None):
        self.keys = np.zeros(0, np.int64) if keys is None else np.ascontiguousarray(keys, np.int64)
        self.fps = np.zeros(0, np.uint64) if fps is None else np.ascontiguousarray(fps, np.uint64)
        self.lists = np.full(len(self.keys), -1, np.int32) if lists is None else np.ascontiguousarray(lists, np.int32)

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position, found) of each id."""
        if not len(self.keys):
            return np.zeros(len(ids), np.int64), np.zeros(len(ids), bool)
        pos = np.minimum(np.searchsorted(self.keys, ids), len(self.keys) - 1)
        return pos, self.keys[pos] == ids

    def present(self, ids: np.ndarray) -> np.ndarray:
        return ids[self.find(ids)[1]]

    def upsert(self, ids: np.ndarray, fps: np.ndarray, lists: np.ndarray) -> None:
        """``ids`` unique: existing ones get the new fingerprint and list, new ones are inserted in order."""
        pos, found = self.find(ids)
        self.fps[pos[found]], self.lists[pos[found]] = fps[found], lists[found]
        new = ~found
        if new.any():
            order = np.argsort(ids[new], kind="stable")
            nid = ids[new][order]
            at = np.searchsorted(self.keys, nid)
            self.keys = np.insert(self.keys, at, nid)
            self.fps = np.insert(self.fps, at, fps[new][order])
            self.lists = np.insert(self.lists, at, lists[new][order])

    def remove(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Drop the ids present; returns (their ids, their lists)."""
        pos, found = self.find(ids)
        pos = np.unique(pos[found])
        gone, lists = self.keys[pos], self.lists[pos]
        if len(pos):
            self.keys, self.fps, self.lists = (np.delete(a, pos) for a in (self.keys, self.fps, self.lists))
        return gone, lists


class Fingerprints(Mapping):
    """Read-only id → text fingerprint view of an index (what a replica compares with a stored hash)."""

    def __init__(self, table: _IdTable):
        self._table = table

    def __getitem__(self, record_id: int) -> int:
        pos, found = self._table.find(np.array([record_id], np.int64))
        if not found[0]:
            raise KeyError(record_id)
        return int(self._table.fps[pos[0]])

    def __iter__(self) -> Iterator[int]:
        return iter(self._table.keys.tolist())

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, (int, np.integer)) and bool(self._table.find(np.array([record_id], np.int64))[1][0])

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted ids, fingerprints), copies."""
        return self._table.keys.copy(), self._table.fps.copy()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fingerprints):
            return (np.array_equal(self._table.keys, other._table.keys)
                    and np.array_equal(self._table.fps, other._table.fps))
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]


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





def _new_store(spec: IndexSpec, dim: int, raw: faiss.Index | None = None) -> Store:
    if spec.kind == "hnsw":
        return TombstoneStore(spec, dim, raw)
    if spec.kind == "ivf_sq8":
        return IvfStore(spec, dim, raw)
    return KeyedStore(spec, dim, raw)


class VectorIndex:
    """One FAISS index of float32 L2-normalised vectors keyed by int64 database ids.

    Also keeps, per id, a fingerprint of the text (hash or version) its vector came from, so
    a replica can tell whether its copy of a record's vector is current without re-reading it.
    """

    def __init__(self, dim: int, spec: IndexSpec | None = None):
        if dim < 1:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.spec = spec or IndexSpec()
        self.built_at = time.time()
        self.calibration: dict[str, Any] = {}
        self._rw = _ReadWriteLock()
        self._store = _new_store(self.spec, dim)
        self._table = _IdTable()
        self.read_only = False  # loaded memory-mapped: FAISS aborts the process on a write, so refuse it here

    @property
    def hashes(self) -> Fingerprints:
        """id → fingerprint of the text each vector came from (see :func:`fingerprint`)."""
        return Fingerprints(self._table)

    # --- writes ---------------------------------------------------------------------------------

    def build(self, ids, vectors, hashes: Sequence[str] | None = None, *, calibrate: bool = True,
              target_recall: float = 0.97, rng: np.random.Generator | None = None,
              queries: np.ndarray | None = None) -> None:
        """Replace the contents with these vectors, training IVF on them when needed.

        For IVF and HNSW, ``calibrate`` measures recall@10 against exact search and raises the default
        nprobe / efSearch until it reaches ``target_recall`` (or stops gaining: the quantised codes then
        set the ceiling). ``queries`` are vectors like the ones the index will be asked with (for postings:
        seekers' vectors); without them a sample of the indexed vectors, held out, stands in — they sit
        closer to their neighbours than real queries do, which flatters recall.
        The new store is built before the write lock is taken, so searches carry on meanwhile.
        """
        ids, vectors, fps = _dedupe_last(_as_ids(ids), _as_vectors(vectors, self.dim), hashes)
        rng = rng or np.random.default_rng(0)
        spec, store = self.spec, _new_store(self.spec, self.dim)
        calibration: dict[str, Any] = {}
        lists = np.full(len(ids), -1, np.int32)
        with _all_cores():
            if len(ids) and not store.raw.is_trained:
                _train(store.raw, vectors, spec, rng)
            if calibrate and spec.kind != "flat" and len(ids) >= 1000 and queries is not None and len(queries):
                lists = store.add(ids, vectors)
                sample = _as_vectors(queries, self.dim)
                sample = sample[rng.choice(len(sample), min(len(sample), CALIBRATION_QUERIES), replace=False)]
                spec, calibration = _calibrate(store, spec, ids, vectors, sample, target_recall)
                calibration["queries_from"] = "given"
                store.spec = spec
            elif calibrate and spec.kind != "flat" and len(ids) >= 1000:
                # Held-out queries: added only after calibrating, so none is its own easy answer.
                held = np.zeros(len(ids), bool)
                held[rng.choice(len(ids), CALIBRATION_QUERIES, replace=False)] = True
                lists[~held] = store.add(ids[~held], vectors[~held])
                spec, calibration = _calibrate(store, spec, ids[~held], vectors[~held], vectors[held], target_recall)
                store.spec = spec
                lists[held] = store.add(ids[held], vectors[held])
            elif len(ids):
                lists = store.add(ids, vectors)
        order = np.argsort(ids, kind="stable")
        table = _IdTable(ids[order], fps[order], lists[order])
        with self._rw.write():
            self.spec, self._store, self.calibration, self._table = spec, store, calibration, table
            self.built_at = time.time()

    def add(self, ids, vectors, hashes: Sequence[str] | None = None) -> None:
        """Upsert: an id already present is replaced (its vector and its hash)."""
        self._writable()
        ids, vectors, fps = _dedupe_last(_as_ids(ids), _as_vectors(vectors, self.dim), hashes)
        if not len(ids):
            return
        with self._rw.write():
            pos, found = self._table.find(ids)
            if found.any():
                self._store.remove(ids[found], self._table.lists[pos[found]])
            if not self._store.raw.is_trained:
                _train(self._store.raw, vectors, self.spec, np.random.default_rng(0))
            lists = self._store.add(ids, vectors)
            self._table.upsert(ids, fps, lists)
            self._compact_if_needed()

    def remove(self, ids) -> int:
        """Remove these ids (absent ones are ignored); returns how many were removed."""
        self._writable()
        with self._rw.write():
            gone, lists = self._table.remove(_as_ids(ids))
            if len(gone):
                self._store.remove(gone, lists)
                self._compact_if_needed()
        return len(gone)

    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError("this index is a read-only memory-mapped snapshot")

    def _compact_if_needed(self) -> None:
        if not self._store.needs_compaction():
            return
        ids = self._table.keys
        vectors = self._store.reconstruct(ids, self._table.lists)
        store = _new_store(self.spec, self.dim)
        if not store.raw.is_trained:
            _train(store.raw, vectors, self.spec, np.random.default_rng(0))
        self._table.lists = store.add(ids, vectors)
        self._store = store

    # --- reads ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._table)

    def ids(self) -> np.ndarray:
        """The indexed ids, ascending (a copy)."""
        return self._table.keys.copy()

    def contains(self, record_id: int) -> bool:
        return bool(self._table.find(np.array([record_id], np.int64))[1][0])

    def has(self, ids) -> np.ndarray:
        """Whether each of ``ids`` is indexed (one binary search each)."""
        return self._table.find(_as_ids(ids))[1]

    def vector(self, record_id: int) -> np.ndarray:
        """The stored vector of one id (decoded, so approximate under fp16/sq8 storage); KeyError if absent."""
        return self.vectors([record_id])[0]

    def vectors(self, ids) -> np.ndarray:
        ids = _as_ids(ids)
        with self._rw.read():
            pos, found = self._table.find(ids)
            if not found.all():
                raise KeyError(int(ids[~found][0]))
            if not len(ids):
                return np.zeros((0, self.dim), np.float32)
            return self._store.reconstruct(ids, self._table.lists[pos])

    def search(self, queries, k: int, *, allow: np.ndarray | None = None, nprobe: int | None = None,
               ef_search: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ``(scores, ids)`` per query, best first; missing slots are ``(-inf, -1)``.

        ``allow`` restricts the results to those ids (no duplicates), inside the search: k results come
        back whenever k allowed ids are indexed. ``nprobe`` (IVF) and ``ef_search`` (HNSW) override the
        spec's defaults for this call only.
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        queries = _as_vectors(np.atleast_2d(queries), self.dim)
        with self._rw.read():
            n = len(self._table)
            if n == 0 or len(queries) == 0:
                return pad(len(queries), k)
            if allow is None:
                scores, ids = self._store.search(queries, k, None, nprobe, ef_search)
                return self._fill_short_rows(queries, k, None, scores, ids, nprobe, ef_search)
            allow_ids = _as_ids(allow)
            if not len(allow_ids):
                return pad(len(queries), k)
            nprobe, ef_search = self._filtered_knobs(len(allow_ids) / n, k, nprobe, ef_search)
            exact = self._exact_plan(allow_ids, n, nprobe)
            if exact is not None:
                present, lists = exact
                return self._store.exact(queries, k, Allow(present), lists) if len(present) else pad(len(queries), k)
            allowed = Allow(allow_ids)
            scores, ids = self._store.search(queries, k, allowed, nprobe, ef_search)
            return self._fill_short_rows(queries, k, allowed, scores, ids, nprobe, ef_search)

    def _exact_plan(self, allow: np.ndarray, n: int, nprobe: int | None) -> tuple[np.ndarray, np.ndarray] | None:
        """(allowed ids present, their lists) when scoring them exactly is no dearer than searching."""
        kind = self.spec.kind
        if kind == "ivf_sq8":
            probes = nprobe or self.spec.nprobe
            if len(allow) > 4 * probes * max(1, n // self.spec.nlist):
                return None  # too many to look up cheaply; they surely span more lists than nprobe
            if len(allow) > 4 * probes:  # a sample already spanning more lists than nprobe rules exact out
                sample = allow[:: len(allow) // (4 * probes)]  # without looking up every allowed id
                pos, found = self._table.find(sample)
                if len(np.unique(self._table.lists[pos[found]])) > probes:
                    return None
            pos, found = self._table.find(allow)
            lists = self._table.lists[pos[found]]
            if len(np.unique(lists)) > probes:
                return None
            return allow[found], lists
        if len(allow) > max(EXACT_MAX_IDS[kind], EXACT_MAX_SHARE[kind] * n):
            return None
        pos, found = self._table.find(allow)
        present = np.unique(allow[found])
        return present, np.full(len(present), -1, np.int32)

    def _filtered_knobs(self, share: float, k: int, nprobe: int | None, ef_search: int | None):
        """Widen the search for a selective filter so enough allowed candidates are seen (see above)."""
        if self.spec.kind == "ivf_sq8":
            wanted = math.ceil(IVF_MIN_ALLOWED_VISITS / (share * len(self._table) / self.spec.nlist))
            nprobe = min(self.spec.nlist, max(nprobe or self.spec.nprobe, wanted))
        elif self.spec.kind == "hnsw":
            ef_search = math.ceil(max(ef_search or self.spec.ef_search, 2 * k) / min(share, 1.0))
        return nprobe, ef_search

    def _fill_short_rows(self, queries, k, allow: Allow | None, scores, ids, nprobe, ef_search):
        """Rows with fewer than k results while k allowed ids exist: retry with wider knobs, then exactly."""
        scores[ids < 0] = -np.inf
        short = (ids < 0).any(axis=1)
        if not short.any():
            return scores, ids
        present = self._table.keys if allow is None else self._table.present(allow.ids)
        wanted = min(k, len(present))
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
            pos, _ = self._table.find(present)
            scores[rows], ids[rows] = exact_top_k(queries[rows], self._store.reconstruct(present, self._table.lists[pos]),
                                                   present, k)
        return scores, ids

    # --- persistence ----------------------------------------------------------------------------

    def save(self, directory: str | Path, manifest: dict[str, Any] | None = None) -> Manifest:
        """Write ``index.faiss``, ``ids.npz`` (ids, text fingerprints, lists) and ``manifest.json``, atomically.

        ``manifest`` carries the caller's fields: ``model_id``, ``last_change`` (the newest database
        change this index reflects) and anything else, kept as extra fields. Only taking the snapshot
        (a memory copy) holds back writes; the disk is written after.
        """
        given = dict(manifest or {})
        if "dim" in given and given["dim"] != self.dim:
            raise ValueError(f"manifest dim {given['dim']} does not match the index's {self.dim}")
        extra = {k: v for k, v in given.items() if k not in ("model_id", "last_change", "dim", "count", "spec")}
        with self._rw.read():  # a consistent snapshot; searches continue, writes wait for the copy
            blob = faiss.serialize_index(self._store.raw)
            table = self._table
            arrays = {"ids": table.keys.copy(), "fingerprints": table.fps.copy(), "lists": table.lists.copy(),
                      **{name: a.copy() for name, a in self._store.arrays().items()}}
            spec, built_at, calibration = self.spec, self.built_at, dict(self.calibration)
        if calibration:
            extra.setdefault("calibration", calibration)
        full = Manifest(dim=self.dim, count=len(arrays["ids"]), spec=spec, model_id=given.get("model_id"),
                        last_change=given.get("last_change"), built_at=built_at, saved_at=time.time(), extra=extra)

        def write(tmp: Path) -> None:
            blob.tofile(tmp / INDEX_FILE)
            np.savez(tmp / IDS_FILE, **arrays)
            write_manifest(tmp, full)

        write_dir_atomically(Path(directory), write)
        return full

    @classmethod
    def load(cls, directory: str | Path, *, expect: dict[str, Any] | None = None, model_id: str | None = None,
             dim: int | None = None, mmap: bool = False) -> tuple[VectorIndex, Manifest]:
        """Load a saved index; :class:`IndexLoadError` when it is unusable or built for other settings.

        ``expect`` maps manifest fields to required values (``model_id``/``dim`` are shortcuts). ``mmap``
        maps the vectors' codes from the file instead of reading them (flat and IVF): every process that
        loads the same snapshot shares its pages, and the index is read-only (``add``/``remove`` raise).
        """
        directory = Path(directory)
        recover_dir(directory)
        manifest = read_manifest(directory)
        expect = {**(expect or {}), **({"model_id": model_id} if model_id is not None else {}),
                  **({"dim": dim} if dim is not None else {})}
        manifest.check(expect)
        try:
            mapped = mmap and manifest.spec.kind in MMAP_FLAGS
            raw = faiss.read_index(str(directory / INDEX_FILE), MMAP_FLAGS[manifest.spec.kind] if mapped else 0)
            with np.load(directory / IDS_FILE, allow_pickle=False) as saved:
                arrays = {name: saved[name] for name in saved.files}
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise IndexLoadError(f"cannot read index files in {directory}: {e}") from e
        ids = _as_ids(arrays.get("ids", np.zeros(0)))
        fps = arrays.get("fingerprints", np.zeros(0, np.uint64))
        lists = arrays.get("lists", np.zeros(0, np.int32))
        if raw.d != manifest.dim or len(ids) != manifest.count or len(fps) != len(ids) or len(lists) != len(ids):
            raise IndexMismatchError(f"index in {directory} does not match its manifest "
                                     f"(dim {raw.d}/{manifest.dim}, ids {len(ids)}/{manifest.count})")
        if len(ids) > 1 and not (np.diff(ids) > 0).all():
            raise IndexLoadError(f"ids in {directory} are not sorted and unique")
        index = cls(manifest.dim, manifest.spec)
        if manifest.spec.kind == "hnsw":
            labels = arrays.get("labels")
            if labels is None or len(labels) != raw.ntotal or int((labels >= 0).sum()) != len(ids):
                raise IndexLoadError(f"HNSW position table in {directory} does not match the index")
            index._store = TombstoneStore(manifest.spec, manifest.dim, raw, _as_ids(labels))
        else:
            if raw.ntotal != len(ids):
                raise IndexLoadError(f"index in {directory} holds {raw.ntotal} vectors, manifest says {len(ids)}")
            index._store = _new_store(manifest.spec, manifest.dim, raw)
        index._table = _IdTable(ids, fps, lists)
        index.read_only = mapped
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


def _dedupe_last(ids: np.ndarray, vectors: np.ndarray, hashes: Sequence[str | int] | None):
    """Check lengths, fingerprint the hashes, and keep the last occurrence of an id repeated in one batch."""
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
    hashes = None if hashes is None else list(hashes)
    if hashes is not None and len(hashes) != len(ids):
        raise ValueError(f"{len(hashes)} hashes for {len(ids)} ids")
    fps = fingerprints(hashes, len(ids))
    _, first_from_end = np.unique(ids[::-1], return_index=True)
    if len(first_from_end) == len(ids):
        return ids, vectors, fps
    keep = np.sort(len(ids) - 1 - first_from_end)
    return ids[keep], np.ascontiguousarray(vectors[keep]), fps[keep]


def _train(raw: faiss.Index, vectors: np.ndarray, spec: IndexSpec, rng: np.random.Generator) -> None:
    if spec.kind == "ivf_sq8" and len(vectors) < spec.nlist:
        raise ValueError(f"IVF{spec.nlist} needs at least {spec.nlist} vectors to train; got {len(vectors)}. "
                         "Build it from all vectors at once, or choose a smaller nlist")
    if spec.kind == "ivf_sq8" and len(vectors) < 39 * spec.nlist:
        log.warning("training IVF%d on only %d vectors; build from more for better lists", spec.nlist, len(vectors))
    if spec.kind == "ivf_sq8" and len(vectors) > IVF_TRAIN_PER_LIST * spec.nlist:
        vectors = vectors[np.sort(rng.choice(len(vectors), IVF_TRAIN_PER_LIST * spec.nlist, replace=False))]
    raw.train(vectors)


def _calibrate(store: Store, spec: IndexSpec, ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray,
               target: float) -> tuple[IndexSpec, dict[str, Any]]:
    """Raise the default nprobe / efSearch until recall@10 vs exact search reaches ``target``."""
    k = 10
    truth = exact_top_k(queries, vectors, ids, k)[1]
    knob, value, ceiling = ("nprobe", spec.nprobe, spec.nlist) if spec.kind == "ivf_sq8" else (
        "ef_search", spec.ef_search, 1024)

    def measure(knob_value: int) -> float:
        got = store.search(queries, k, None, knob_value, knob_value)[1]
        return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / k for a, b in zip(got, truth, strict=True)]))

    recall = measure(value)
    while recall < target and value < ceiling:
        wider = min(ceiling, math.ceil(value * 1.5))
        gained = measure(wider)
        if gained - recall < 0.002:  # flat for one step: a plateau if four times the probes gain nothing either
            far = min(ceiling, value * 4)
            far_recall = measure(far)
            if far_recall - recall < 0.002:  # the 8-bit codes, not the probes, limit recall now
                break
        value, recall = wider, gained
    if recall < target:
        log.warning("recall@10 %.3f below %.2f at %s=%d (no gain from more)", recall, target, knob, value)
    return replace(spec, **{knob: value}), {knob: value, "recall_at_10": round(recall, 4), "queries": len(queries)}


__all__ = ["Fingerprints", "IndexLoadError", "IndexMismatchError", "IndexSpec", "Manifest", "VectorIndex",
           "choose_spec", "fingerprint", "set_search_threads"]
