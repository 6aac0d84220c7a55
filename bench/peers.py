"""What a user would pick instead of rengang's index, run on the same vectors, queries and filters.

Each peer is built from the same (n, d) float32 L2-normalised vectors keyed by the same int64 ids,
then asked the same queries one at a time (as a service asks them), once per allow set. Per peer:
build time, memory per vector, query latency p50/p95/p99 per allow set (turning the allow-list into
the peer's filter is part of each call, since a service gets a new allow-list with every request;
``filter_prep_ms`` gives that part alone), recall@k against exact search, and how the filter is
applied.

Peers:

- ``numpy``: exact brute force. Small allow sets gather the allowed rows and score them; large ones
  score every row and mask the rest (cheaper than copying most of the matrix).
- ``faiss-flat``: ``IndexIDMap2(IndexFlatIP)`` with ``SearchParameters(sel=IDSelectorBatch)`` per call.
- ``hnswlib``: HNSW with rengang's M and ef_construction (:class:`indexes.spec.IndexSpec`), ef tuned
  on the unfiltered queries to reach ``target_recall`` and then kept; filters through ``filter=``, a
  Python callable the C++ search calls for every candidate it visits.
- ``usearch``: HNSW with the same M / ef_construction, ef tuned the same way. Its Python API
  (checked on 2.26.6) has no filtered search, so the filter is a post-filter: fetch
  ``ceil(overfetch·k / share)`` candidates, keep the allowed ones, and fetch twice as many until k
  allowed are found or every vector has been fetched.
- ``milvus-lite`` (optional, not in the default list): milvus-lite 3.x runs offline here, in process
  (a gRPC server on a loopback port in a thread, FAISS HNSW per segment of at most 100k rows). It
  filters by expression, so each allow set is stored as a boolean field at insert (the way a
  Milvus user stores filter attributes) and searched with ``filter="<field> == true"``; Milvus turns
  the expression into a bitset passed to FAISS as an ``IDSelectorBatch`` (in-search). Its latency
  includes the gRPC round trip, which is what a user of it pays.
- pgvector is not one of these: a server answers SQL, not allow-lists, so ``bench/pgvector.py`` measures it on
  the engine bench's own scopes and seekers instead (``--peers …,pgvector``), beside the engine's whole path.

Memory is reported two ways: ``bytes_per_vector_serialized`` (the peer's own saved form) and
``bytes_per_vector_rss`` (growth of this process's resident set across the build, after
``malloc_trim``; it includes the peer's in-memory extras such as IDMap2's reverse map or hnswlib's
label table, and can undercount when the allocator reuses memory freed by an earlier peer).

The peer libraries are the ``bench`` extra (``pip install -e '.[bench]'``) and are imported lazily:
a missing one makes that peer report ``{"skipped": reason}``.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexes.spec import IndexSpec

DEFAULT_PEERS = ("numpy", "faiss-flat", "hnswlib", "usearch")
GATHER_MAX_SHARE = 0.25  # numpy: gather allowed rows up to this share, score all and mask above it
EF_CEILING = 1024  # same ceiling as rengang's own calibration


def run_peers(*, vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray,
              allow_sets: Mapping[str, np.ndarray | None], k: int = 10,
              truth: Mapping[str, np.ndarray] | None = None, repeats: int = 1,
              peers: Sequence[str] = DEFAULT_PEERS, threads: int = 1, target_recall: float = 0.97,
              overfetch: float = 2.0, budget_s: float | None = None) -> dict[str, Any]:
    """Build each peer on ``vectors``/``ids`` and measure it on ``queries`` under every allow set.

    ``allow_sets`` maps a name to ``None`` (no filter) or a sorted int64 array of allowed ids;
    ``truth`` maps the same names to (q, k) exact top-k ids (computed here with numpy when not
    given, and returned for reuse). ``repeats`` runs the query pass that many times for latency.
    ``budget_s`` caps the seconds one peer may spend on one allow set: queries after it are not
    measured (``queries_measured`` says how many were, and ``notes`` says so).

    Returns ``{"n", "dim", "queries", "k", "threads", "shares", "truth", "peers"}`` where
    ``peers[name]`` is either ``{"skipped": reason}`` or ``{"build_s", "bytes_per_vector_serialized",
    "bytes_per_vector_rss", "memory_method", "params", "filter_method", "filters", "notes"}`` and
    ``filters[allow_name]`` is ``{"share", "recall", "p50_ms", "p95_ms", "p99_ms", "mean_ms",
    "filter_prep_ms", "queries_measured", "short_rows", "only_allowed", "method", "found_ids"}``.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(ids):
        raise ValueError(f"{len(ids)} ids for vectors of shape {vectors.shape}")
    if queries.shape[1] != vectors.shape[1]:
        raise ValueError(f"queries have {queries.shape[1]} dimensions, vectors {vectors.shape[1]}")
    if len(np.unique(ids)) != len(ids):
        raise ValueError("ids must be unique")
    allow = {name: None if a is None else np.unique(np.asarray(a, dtype=np.int64)) for name, a in allow_sets.items()}
    for name, allowed in allow.items():
        if allowed is not None and not np.isin(allowed, ids).all():
            raise ValueError(f"allow set {name!r} names ids that are not among the vectors' ids")
    with _threads(threads):
        truth = dict(truth) if truth is not None else {}
        for name, allowed in allow.items():
            if name not in truth:
                truth[name] = exact_top_k(vectors, ids, queries, k, allowed)
        unfiltered = next((truth[name] for name, a in allow.items() if a is None), None)
        if unfiltered is None:
            unfiltered = exact_top_k(vectors, ids, queries, k, None)
        context = _Context(vectors=vectors, ids=ids, queries=queries, k=k, threads=threads,
                           target_recall=target_recall, overfetch=overfetch, allow_sets=allow,
                           unfiltered_truth=unfiltered)
        results = {}
        for name in peers:
            if name not in PEERS:
                raise ValueError(f"unknown peer {name!r}; known: {sorted(PEERS)}")
            results[name] = _run_peer(PEERS[name], context, truth, repeats, budget_s)
    return {"n": len(ids), "dim": vectors.shape[1], "queries": len(queries), "k": k, "threads": threads,
            "shares": {name: 1.0 if a is None else len(a) / len(ids) for name, a in allow.items()},
            "truth": truth, "peers": results}


def exact_top_k(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int,
                allowed: np.ndarray | None = None, *, block: int = 256) -> np.ndarray:
    """(q, k) exact top-k ids by inner product among ``allowed`` (all when None), padded with -1."""
    mask = None if allowed is None else np.isin(ids, allowed)
    take = min(k, len(ids) if mask is None else int(mask.sum()))
    out = np.full((len(queries), k), -1, np.int64)
    if take == 0:
        return out
    for start in range(0, len(queries), block):
        scores = queries[start:start + block] @ vectors.T
        if mask is not None:
            scores[:, ~mask] = -np.inf
        out[start:start + block, :take] = ids[_top_positions(scores, take)]
    return out


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean over queries of |found ∩ truth| / |truth| (truth's -1 padding ignored); NaN for no queries."""
    if not len(found):
        return math.nan
    per_query = []
    for got, want in zip(found, truth, strict=True):
        want = set(want[want >= 0].tolist())
        if want:
            per_query.append(len(want & set(got.tolist())) / len(want))
    return float(np.mean(per_query)) if per_query else 1.0


# --- the harness ----------------------------------------------------------------------------------

class _Context:
    def __init__(self, **kwargs: Any):
        self.__dict__.update(kwargs)


class _Peer:
    """One peer: ``build`` it, then ``prepare`` a filter for an allow set and ``search`` one query."""

    name = ""
    filter_method = ""
    memory_method = "serialized: the peer's saved form; rss: resident-set growth across the build"

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.params: dict[str, Any] = {}
        self.notes: list[str] = []

    @staticmethod
    def missing() -> str:
        """Why this peer cannot run here (a library is not installed), or empty."""
        return ""

    def setup(self) -> None:
        """Fixed start-up cost not charged to the build (loading the library, starting a server)."""

    def build(self) -> None:
        raise NotImplementedError

    def serialized_bytes(self) -> int:
        raise NotImplementedError

    def prepare(self, allowed: np.ndarray | None, name: str) -> Any:
        return allowed

    def search(self, query: np.ndarray, prepared: Any, allowed: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def method(self, allowed: np.ndarray | None) -> str:
        return "no filter" if allowed is None else self.filter_method

    def close(self) -> None:
        pass


def _run_peer(cls: type[_Peer], ctx: _Context, truth: Mapping[str, np.ndarray], repeats: int,
              budget_s: float | None) -> dict[str, Any]:
    reason = cls.missing()
    if reason:
        return {"skipped": reason}
    peer = cls(ctx)
    try:
        peer.setup()
        rss_before = _rss_after_trim()
        start = time.perf_counter()
        peer.build()
        build_s = time.perf_counter() - start
        rss_growth = _rss_after_trim() - rss_before
        n = len(ctx.ids)
        out: dict[str, Any] = {
            "build_s": build_s,
            "bytes_per_vector_serialized": peer.serialized_bytes() / n,
            "bytes_per_vector_rss": rss_growth / n,
            "memory_method": peer.memory_method,
            "params": peer.params,
            "filter_method": peer.filter_method,
            "filters": {},
            "notes": peer.notes,
        }
        for name, allowed in ctx.allow_sets.items():
            out["filters"][name] = _measure(peer, name, allowed, truth[name], repeats, budget_s)
        return out
    finally:
        peer.close()


def _measure(peer: _Peer, name: str, allowed: np.ndarray | None, truth: np.ndarray, repeats: int,
             budget_s: float | None) -> dict[str, Any]:
    ctx = peer.ctx
    q = len(ctx.queries)
    found = np.full((q, ctx.k), -1, np.int64)
    latencies: list[float] = []
    prep: list[float] = []
    measured = 0
    if q:
        peer.search(ctx.queries[0], peer.prepare(allowed, name), allowed)  # warm caches, untimed
    started = time.perf_counter()
    for rep in range(max(1, repeats)):
        for i in range(q if rep == 0 else measured):
            if rep == 0 and budget_s is not None and time.perf_counter() - started > budget_s:
                break
            t0 = time.perf_counter()
            prepared = peer.prepare(allowed, name)
            t1 = time.perf_counter()
            got = peer.search(ctx.queries[i], prepared, allowed)
            t2 = time.perf_counter()
            latencies.append((t2 - t0) * 1e3)
            prep.append((t1 - t0) * 1e3)
            if rep == 0:
                found[i, :len(got)] = got[:ctx.k]
                measured = i + 1
    if measured < q:
        peer.notes.append(f"{name}: measured {measured} of {q} queries within the {budget_s:g} s budget")
    found, truth = found[:measured], truth[:measured]
    allowed_count = len(ctx.ids) if allowed is None else len(allowed)
    short = int(((found >= 0).sum(axis=1) < min(ctx.k, allowed_count)).sum())
    only_allowed = bool(np.isin(found[found >= 0], ctx.ids if allowed is None else allowed).all())
    lat = np.asarray(latencies)
    return {
        "share": allowed_count / len(ctx.ids),
        "recall": recall(found, truth),
        "p50_ms": float(np.percentile(lat, 50)) if len(lat) else math.nan,
        "p95_ms": float(np.percentile(lat, 95)) if len(lat) else math.nan,
        "p99_ms": float(np.percentile(lat, 99)) if len(lat) else math.nan,
        "mean_ms": float(lat.mean()) if len(lat) else math.nan,
        "filter_prep_ms": float(np.median(prep)) if prep else math.nan,
        "queries_measured": measured,
        "short_rows": short,
        "only_allowed": only_allowed,
        "method": peer.method(allowed),
        "found_ids": found,
    }


# --- peers ----------------------------------------------------------------------------------------

class _NumpyPeer(_Peer):
    name = "numpy"
    filter_method = (f"exact over the allowed rows: gathered when at most {GATHER_MAX_SHARE:.0%} are allowed, "
                     "otherwise all rows scored and the rest masked")
    memory_method = "serialized: np.save of vectors and ids; rss: growth across copying them"

    def build(self) -> None:
        self.vectors = np.array(self.ctx.vectors, dtype=np.float32, order="C", copy=True)
        self.ids = self.ctx.ids.copy()
        self.order = np.argsort(self.ids, kind="stable")
        self.sorted_ids = self.ids[self.order]

    def serialized_bytes(self) -> int:
        buffer = io.BytesIO()
        np.save(buffer, self.vectors)
        np.save(buffer, self.ids)
        return buffer.tell()

    def prepare(self, allowed, name):
        if allowed is None:
            return None
        rows = self.order[np.searchsorted(self.sorted_ids, allowed)]
        if len(rows) > GATHER_MAX_SHARE * len(self.ids):
            mask = np.zeros(len(self.ids), bool)
            mask[rows] = True
            return "mask", mask, len(rows)
        return "gather", rows, len(rows)

    def search(self, query, prepared, allowed):
        how, selection, count = prepared or ("all", None, len(self.ids))
        take = min(self.ctx.k, count)
        if take == 0:
            return np.zeros(0, np.int64)
        if how == "gather":
            top = _top_positions((self.vectors[selection] @ query)[None, :], take)[0]
            return self.ids[selection[top]]
        scores = self.vectors @ query
        if how == "mask":
            scores[~selection] = -np.inf
        return self.ids[_top_positions(scores[None, :], take)[0]]

    def method(self, allowed):
        if allowed is None:
            return "exact, all rows"
        return ("exact, all rows scored, disallowed masked" if len(allowed) > GATHER_MAX_SHARE * len(self.ids)
                else "exact, allowed rows gathered and scored")


class _FaissFlatPeer(_Peer):
    name = "faiss-flat"
    filter_method = "in-search: SearchParameters(sel=IDSelectorBatch(allowed ids)) per call"
    memory_method = "serialized: faiss.serialize_index; rss: growth across the build (includes IDMap2's reverse map)"

    @staticmethod
    def missing() -> str:
        return _missing("faiss")

    def build(self) -> None:
        import faiss

        d = self.ctx.vectors.shape[1]
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(d))
        self.index.add_with_ids(self.ctx.vectors, self.ctx.ids)
        self.params = {"factory": "IDMap2,Flat", "metric": "inner product"}

    def serialized_bytes(self) -> int:
        import faiss

        return int(faiss.serialize_index(self.index).nbytes)

    def prepare(self, allowed, name):
        import faiss

        if allowed is None:
            return None
        selector = faiss.IDSelectorBatch(allowed)
        return faiss.SearchParameters(sel=selector), selector  # keep the selector alive with its params

    def search(self, query, prepared, allowed):
        params = None if prepared is None else prepared[0]
        _, found = self.index.search(query[None, :], self.ctx.k, params=params)
        return found[0][found[0] >= 0]


class _HnswlibPeer(_Peer):
    name = "hnswlib"
    filter_method = "in-search: filter= Python callable (allowed-id set's __contains__) called per visited candidate"
    memory_method = "serialized: save_index file; rss: growth across the build"

    @staticmethod
    def missing() -> str:
        return _missing("hnswlib")

    def build(self) -> None:
        import hnswlib

        spec = IndexSpec("hnsw")
        n, d = self.ctx.vectors.shape
        self.index = hnswlib.Index(space="ip", dim=d)
        self.index.init_index(max_elements=n, M=spec.M, ef_construction=spec.ef_construction, random_seed=100)
        self.index.set_num_threads(self.ctx.threads)
        self.index.add_items(self.ctx.vectors, self.ctx.ids, num_threads=self.ctx.threads)
        self.ef = _tune_ef(self._batch_search, self.ctx, self.params)
        self.index.set_ef(self.ef)
        self.params.update({"M": spec.M, "ef_construction": spec.ef_construction, "space": "ip"})
        self.failed = 0

    def _batch_search(self, ef: int) -> np.ndarray:
        self.index.set_ef(ef)
        labels, _ = self.index.knn_query(self.ctx.queries, k=self.ctx.k, num_threads=self.ctx.threads)
        return labels.astype(np.int64)

    def serialized_bytes(self) -> int:
        with _tmpdir() as tmp:
            path = str(tmp / "index.bin")
            self.index.save_index(path)
            return os.path.getsize(path)

    def prepare(self, allowed, name):
        return None if allowed is None else frozenset(allowed.tolist()).__contains__

    def search(self, query, prepared, allowed):
        try:
            labels, _ = self.index.knn_query(query, k=self.ctx.k, num_threads=1, filter=prepared)
        except RuntimeError:
            # hnswlib raises when the filtered search finds fewer than k: the caller gets nothing.
            self.failed += 1
            if self.failed == 1:
                self.notes.append("knn_query raised 'Cannot return the results in a contiguous 2D array' "
                                  "for some filtered queries (fewer than k found); those count as empty")
            return np.zeros(0, np.int64)
        return labels[0].astype(np.int64)


class _UsearchPeer(_Peer):
    name = "usearch"
    memory_method = "serialized: Index.save file; rss: growth across the build"

    @property
    def filter_method(self) -> str:  # type: ignore[override]
        return (f"post-filter: fetch ceil({self.ctx.overfetch:g}·k/share) candidates, keep allowed ones, "
                "double the fetch until k allowed or all fetched (usearch's Python API has no filtered search)")

    @staticmethod
    def missing() -> str:
        return _missing("usearch")

    def build(self) -> None:
        from usearch.index import Index

        spec = IndexSpec("hnsw")
        d = self.ctx.vectors.shape[1]
        self.index = Index(ndim=d, metric="ip", dtype="f32", connectivity=spec.M,
                           expansion_add=spec.ef_construction)
        self.index.add(self.ctx.ids, self.ctx.vectors, threads=self.ctx.threads)
        self.ef = _tune_ef(self._batch_search, self.ctx, self.params)
        self.index.expansion_search = self.ef
        self.params.update({"connectivity": spec.M, "expansion_add": spec.ef_construction, "metric": "ip",
                            "dtype": "f32"})
        self.refetches = 0

    def _batch_search(self, ef: int) -> np.ndarray:
        self.index.expansion_search = ef
        matches = self.index.search(self.ctx.queries, self.ctx.k, threads=self.ctx.threads)
        keys = np.asarray(matches.keys).astype(np.int64).reshape(len(self.ctx.queries), -1)
        counts = np.asarray(matches.counts).reshape(-1)
        keys[np.arange(keys.shape[1])[None, :] >= counts[:, None]] = -1
        return keys

    def serialized_bytes(self) -> int:
        with _tmpdir() as tmp:
            path = str(tmp / "index.usearch")
            self.index.save(path)
            return os.path.getsize(path)

    def prepare(self, allowed, name):
        return None if allowed is None else allowed

    def search(self, query, prepared, allowed):
        k, n = self.ctx.k, len(self.ctx.ids)
        if allowed is None:
            return np.asarray(self.index.search(query, k, threads=1).keys).astype(np.int64)
        if not len(allowed):
            return np.zeros(0, np.int64)
        count = min(n, math.ceil(self.ctx.overfetch * k * n / len(allowed)))
        while True:
            keys = np.asarray(self.index.search(query, count, threads=1).keys).astype(np.int64)
            kept = keys[_in_sorted(keys, prepared)]
            if len(kept) >= k or count >= n:
                return kept[:k]
            self.refetches += 1
            count = min(n, 2 * count)


class _MilvusLitePeer(_Peer):
    name = "milvus-lite"
    filter_method = ("in-search: a boolean field per allow set stored at insert, filter expression '<field> == true' "
                     "→ bitset → FAISS IDSelectorBatch per segment; every call is a gRPC round trip on loopback")
    memory_method = ("serialized: size of the Milvus data directory after flush and index; rss: growth across the "
                     "build, after the in-process server was started (its own footprint is not counted)")

    @staticmethod
    def missing() -> str:
        return _missing("pymilvus") or _missing("milvus_lite")

    def setup(self) -> None:
        from pymilvus import MilvusClient

        self.tmp = Path(tempfile.mkdtemp(prefix="rengang-milvus-"))
        self.client = MilvusClient(str(self.tmp / "milvus.db"))

    def build(self) -> None:
        from pymilvus import DataType

        spec = IndexSpec("hnsw")
        d = self.ctx.vectors.shape[1]
        self.fields = {name: f"allow_{i}" for i, (name, a) in enumerate(self.ctx.allow_sets.items()) if a is not None}
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=d)
        for field in self.fields.values():
            schema.add_field(field, DataType.BOOL)
        self.client.create_collection("peers", schema=schema)
        masks = {field: np.isin(self.ctx.ids, self.ctx.allow_sets[name]) for name, field in self.fields.items()}
        batch = 5000
        for start in range(0, len(self.ctx.ids), batch):
            stop = start + batch
            rows = [{"id": int(i), "vector": v} for i, v in zip(self.ctx.ids[start:stop].tolist(),
                                                                 self.ctx.vectors[start:stop].tolist(), strict=True)]
            for field, mask in masks.items():
                for row, allowed in zip(rows, mask[start:stop].tolist(), strict=True):
                    row[field] = allowed
            self.client.insert("peers", rows)
        self.client.flush("peers")
        index_params = self.client.prepare_index_params()
        index_params.add_index(field_name="vector", index_type="HNSW", metric_type="IP",
                               params={"M": spec.M, "efConstruction": spec.ef_construction})
        self.client.create_index("peers", index_params)
        self.client.load_collection("peers")
        self.ef = _tune_ef(self._batch_search, self.ctx, self.params)
        self.params.update({"index_type": "HNSW", "M": spec.M, "efConstruction": spec.ef_construction,
                            "metric_type": "IP"})

    def _search(self, data: list[list[float]], ef: int, expr: str = "") -> list:
        return self.client.search("peers", data=data, limit=self.ctx.k, filter=expr, output_fields=["id"],
                                  search_params={"metric_type": "IP", "params": {"ef": ef}})

    def _batch_search(self, ef: int) -> np.ndarray:
        out = np.full((len(self.ctx.queries), self.ctx.k), -1, np.int64)
        for i, hits in enumerate(self._search(self.ctx.queries.tolist(), ef)):
            found = [hit["id"] for hit in hits]
            out[i, :len(found)] = found
        return out

    def serialized_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.tmp.rglob("*") if p.is_file())

    def prepare(self, allowed, name):
        if allowed is None:
            return ""
        return f"{self.fields[name]} == true"

    def search(self, query, prepared, allowed):
        hits = self._search([query.tolist()], self.ef, prepared)[0]
        return np.asarray([hit["id"] for hit in hits], dtype=np.int64)

    def close(self) -> None:
        if hasattr(self, "client"):
            with contextlib.suppress(Exception):
                self.client.close()
        if hasattr(self, "tmp"):
            shutil.rmtree(self.tmp, ignore_errors=True)


PEERS: dict[str, type[_Peer]] = {cls.name: cls for cls in
                                  (_NumpyPeer, _FaissFlatPeer, _HnswlibPeer, _UsearchPeer, _MilvusLitePeer)}


# --- helpers --------------------------------------------------------------------------------------

def _tune_ef(search: Callable[[int], np.ndarray], ctx: _Context, params: dict[str, Any]) -> int:
    """Smallest ef (from k, ×1.5 per step, up to EF_CEILING) whose unfiltered recall@k reaches the target.

    Tuned on the measured queries themselves, so the unfiltered recall sits at the target by design.
    """
    ef = ctx.k
    while True:
        got = recall(search(ef), ctx.unfiltered_truth)
        if got >= ctx.target_recall or ef >= EF_CEILING:
            break
        ef = min(EF_CEILING, math.ceil(ef * 1.5))
    params.update({"ef_search": ef, "tuned_recall": got, "target_recall": ctx.target_recall})
    return ef


def _top_positions(scores: np.ndarray, take: int) -> np.ndarray:
    """Per row, the positions of the ``take`` highest scores, best first."""
    if take < scores.shape[1]:
        top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    else:
        top = np.tile(np.arange(scores.shape[1]), (len(scores), 1))
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def _in_sorted(values: np.ndarray, sorted_allowed: np.ndarray) -> np.ndarray:
    at = np.minimum(np.searchsorted(sorted_allowed, values), len(sorted_allowed) - 1)
    return sorted_allowed[at] == values


def _missing(module: str) -> str:
    try:
        __import__(module)
    except ImportError as e:
        return f"{module} is not installed ({e}); pip install -e '.[bench]'"
    return ""


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _rss_after_trim() -> int:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return _rss_bytes()


@contextlib.contextmanager
def _tmpdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rengang-peer-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _threads(threads: int) -> Iterator[None]:
    """Cap FAISS's OpenMP and numpy's BLAS threads for the measurement, restoring them afterwards."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads)
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            limits = contextlib.nullcontext()
        else:
            limits = threadpool_limits(limits=threads)
        with limits:
            yield
    finally:
        faiss.omp_set_num_threads(before)
