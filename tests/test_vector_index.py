"""The FAISS index contract, over every index kind: filters inside the search, upsert, persistence."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from indexes.vector_index import IndexError_, IndexSpec, VectorIndex, choose_spec, reconcile

DIM = 64
SPECS = [IndexSpec("flat"), IndexSpec("ivf_sq8", nlist=32, nprobe=16)]


def clustered(rng: np.random.Generator, n: int, dim: int = DIM, clusters: int = 40) -> np.ndarray:
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.35 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact(queries, vectors, ids, k, allow=None):
    if allow is not None:
        keep = np.isin(ids, allow)
        vectors, ids = vectors[keep], ids[keep]
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1)[:, :k]
    return ids[order]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    vectors = clustered(rng, 6000)
    ids = np.arange(1000, 7000, dtype=np.int64)
    queries = clustered(rng, 50)
    return ids, vectors, queries


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
@pytest.mark.parametrize("share", [0.01, 0.1, 0.5, None])
def test_filtered_search_returns_full_k_with_high_recall(data, spec, share):
    ids, vectors, queries = data
    index = VectorIndex(DIM, spec)
    index.build(ids, vectors)
    rng = np.random.default_rng(3)
    allow = None if share is None else rng.choice(ids, int(len(ids) * share), replace=False)
    scores, got = index.search(queries, 10, allow=allow)
    assert (got >= 0).all(), "k results whenever k allowed ids exist"
    if allow is not None:
        assert np.isin(got, allow).all()
    truth = exact(queries, vectors, ids, 10, allow)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth, strict=True)])
    assert recall >= (0.999 if spec.kind == "flat" else 0.9), recall
    assert (np.diff(scores, axis=1) <= 1e-6).all()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_upsert_and_remove(data, spec):
    ids, vectors, _ = data
    index = VectorIndex(DIM, spec)
    index.build(ids[:3000], vectors[:3000], [f"h{i}" for i in ids[:3000]])
    target = int(ids[10])
    index.add([target], vectors[[2000]], ["changed"])  # same id, new vector: replaced, not duplicated
    assert len(index) == 3000 and index.hashes[target] == "changed"
    _, got = index.search(vectors[[2000]], 2)
    assert target in got[0].tolist()
    assert index.remove([target, 999_999]) == 1
    assert not index.contains(target) and len(index) == 2999
    _, got = index.search(vectors[[2000]], 5)
    assert target not in got[0].tolist()


def test_few_allowed_and_empty_cases(data):
    ids, vectors, queries = data
    index = VectorIndex(DIM)
    assert index.search(queries[:2], 3)[1].tolist() == [[-1, -1, -1]] * 2
    index.build(ids, vectors)
    _, got = index.search(queries[:1], 5, allow=ids[:2])
    assert sorted(got[0][:2].tolist()) == sorted(ids[:2].tolist()) and got[0][2:].tolist() == [-1, -1, -1]
    assert index.search(queries[:1], 5, allow=np.array([1], np.int64))[1][0].tolist() == [-1] * 5


def test_incremental_equals_rebuild(data):
    ids, vectors, queries = data
    one = VectorIndex(DIM)
    one.build(ids, vectors)
    two = VectorIndex(DIM)
    for start in range(0, len(ids), 700):
        two.add(ids[start:start + 700], vectors[start:start + 700])
    assert sorted(one.ids().tolist()) == sorted(two.ids().tolist())
    np.testing.assert_array_equal(one.search(queries, 10)[1], two.search(queries, 10)[1])


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_save_load_roundtrip_and_atomic_replace(data, spec, tmp_path):
    ids, vectors, queries = data
    index = VectorIndex(DIM, spec)
    index.build(ids, vectors, [f"h{i}" for i in ids])
    target = tmp_path / "jobs"
    manifest = index.save(target, {"model_id": "m1", "last_change": "2026-11-22T00:00:00"})
    assert manifest["count"] == len(ids) and manifest["model_id"] == "m1"
    loaded, read = VectorIndex.load(target, expect={"model_id": "m1", "dim": DIM})
    assert read["last_change"] == "2026-11-22T00:00:00" and loaded.hashes == index.hashes
    np.testing.assert_array_equal(loaded.search(queries, 10)[1], index.search(queries, 10)[1])
    with pytest.raises(IndexError_):
        VectorIndex.load(target, expect={"model_id": "other"})
    index.remove(ids[:10])
    index.save(target, {"model_id": "m1"})  # replaces the previous directory as a whole
    assert VectorIndex.load(target)[0].contains(int(ids[10])) and not VectorIndex.load(target)[0].contains(int(ids[0]))
    assert [p.name for p in tmp_path.iterdir()] == ["jobs"]
    (target / "index.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexError_):
        VectorIndex.load(target)


def test_concurrent_searches_during_writes(data):
    ids, vectors, queries = data
    index = VectorIndex(DIM)
    index.build(ids[:4000], vectors[:4000])
    errors = []

    def reader():
        try:
            for _ in range(30):
                _, got = index.search(queries, 10)
                assert (got >= 0).all()
        except Exception as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for start in range(4000, 6000, 200):
        index.add(ids[start:start + 200], vectors[start:start + 200])
    for t in threads:
        t.join()
    assert not errors and len(index) == 6000


def test_choose_spec_by_size():
    assert choose_spec(10_000).kind == "flat"
    big = choose_spec(1_000_000)
    assert big.kind == "ivf_sq8" and big.nlist == 4096


def test_reconcile_finds_missing_stale_and_deleted():
    to_add, to_remove = reconcile({1: "a", 2: "b", 3: "c"}, {1: "a", 2: "old", 4: "d"})
    assert to_add == [2, 3] and to_remove == [4]
