"""The index contract, run over every index kind: upsert and removal, filters inside the search with
a full k and recall against exact search, incremental equals rebuilt, persistence, concurrency."""

from __future__ import annotations

import json
import os
import threading

import numpy as np
import pytest

import indexes.vector_index as vector_index_module
from indexes import (
    IndexLoadError,
    IndexMismatchError,
    IndexSpec,
    VectorIndex,
    choose_spec,
    fingerprint,
)

DIM = 64
N = 8000
K = 10
SPECS = {
    "flat": IndexSpec("flat"),
    "ivf_sq8": IndexSpec("ivf_sq8", nlist=64, nprobe=8),
    "hnsw": IndexSpec("hnsw", M=16, ef_search=64),
}
KINDS = list(SPECS)


def clustered(rng: np.random.Generator, n: int, *, centres: np.ndarray | None = None) -> np.ndarray:
    """Unit vectors around cluster centres (pass the data's centres to draw queries like the data)."""
    centres = rng.normal(size=(50, DIM)) if centres is None else centres
    x = centres[rng.integers(0, len(centres), n)] + 0.45 * rng.normal(size=(n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_ids(queries, vectors, ids, k, allow=None) -> np.ndarray:
    if allow is not None:
        keep = np.isin(ids, allow)
        vectors, ids = vectors[keep], ids[keep]
    order = np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]
    return ids[order]


def recall(got: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / truth.shape[1] for a, b in zip(got, truth, strict=True)]))


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20240611)
    centres = rng.normal(size=(50, DIM))
    vectors = clustered(rng, N, centres=centres)
    ids = rng.choice(np.arange(10_000, 10_000_000, dtype=np.int64), N, replace=False)  # sparse database keys
    queries = clustered(rng, 40, centres=centres)
    return ids, vectors, queries


@pytest.fixture(scope="module")
def built(data):
    """One built index per kind, shared by the read-only tests."""
    ids, vectors, _ = data
    out = {}
    for kind, spec in SPECS.items():
        index = VectorIndex(DIM, spec)
        index.build(ids, vectors, [f"h{i}" for i in ids.tolist()])
        out[kind] = index
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("share", [0.01, 0.1, 0.5, None], ids=["1%", "10%", "50%", "all"])
def test_filtered_search_returns_full_k_with_recall_vs_exact(data, built, kind, share):
    ids, vectors, queries = data
    allow = None if share is None else np.random.default_rng(7).choice(ids, int(N * share), replace=False)
    scores, got = built[kind].search(queries, K, allow=allow)
    assert got.shape == scores.shape == (len(queries), K)
    assert (got >= 0).all(), "k results whenever k allowed ids exist"
    if allow is not None:
        assert np.isin(got, allow).all()
    assert all(len(set(row.tolist())) == K for row in got), "no id twice in one answer"
    assert (np.diff(scores, axis=1) <= 1e-6).all(), "best first"
    assert recall(got, exact_ids(queries, vectors, ids, K, allow)) >= (0.999 if kind == "flat" else 0.95)


@pytest.mark.parametrize("kind", KINDS)
def test_small_allow_lists_are_scored_exactly_and_padded(data, built, kind):
    ids, vectors, queries = data
    index = built[kind]
    allow = np.concatenate([ids[:3], [1, 2]])  # 1 and 2 are not indexed
    scores, got = index.search(queries[:2], 5, allow=allow)
    assert sorted(got[0][:3].tolist()) == sorted(ids[:3].tolist())
    assert got[:, 3:].tolist() == [[-1, -1]] * 2 and np.isneginf(scores[:, 3:]).all()
    assert index.search(queries[:1], 4, allow=np.array([1, 2]))[1].tolist() == [[-1] * 4]
    assert index.search(queries[:1], 4, allow=np.array([], np.int64))[1].tolist() == [[-1] * 4]


def test_ivf_allow_list_inside_few_lists_is_scored_exactly_and_one_spanning_many_is_searched(data, built, monkeypatch):
    """The plan looks at a sample of the allowed ids first: an allow-list that fills two inverted lists (more
    ids than the sample) is still scored exactly, over those lists; one spread over every list is searched."""
    ids, vectors, queries = data
    index = built["ivf_sq8"]
    lists = index._table.lists
    two = index._table.keys[np.isin(lists, np.unique(lists)[:2])]
    assert len(two) > 4 * SPECS["ivf_sq8"].nprobe
    store = index._store
    searched = []
    monkeypatch.setattr(store, "search", lambda *a, **kw: searched.append(1) or type(store).search(store, *a, **kw))
    scores, got = index.search(queries[:5], K, allow=two)
    assert not searched, "two lists' worth of ids are scored exactly, not searched"
    assert recall(got, exact_ids(queries[:5], vectors, ids, K, two)) >= 0.9  # 8-bit codes may swap near-ties
    spread = np.random.default_rng(3).choice(ids, 400, replace=False)
    index.search(queries[:5], K, allow=spread)
    assert searched


@pytest.mark.parametrize("kind", KINDS)
def test_empty_index_search_pads(kind):
    index = VectorIndex(DIM, SPECS[kind])
    queries = clustered(np.random.default_rng(1), 2)
    scores, got = index.search(queries, 3)
    assert got.tolist() == [[-1] * 3] * 2 and np.isneginf(scores).all()
    assert index.search(queries, 3, allow=np.array([5]))[1].tolist() == [[-1] * 3] * 2
    assert len(index) == 0 and index.ids().tolist() == [] and not index.contains(5)


@pytest.mark.parametrize("kind", KINDS)
def test_build_add_remove_upsert(data, kind):
    ids, vectors, _ = data
    index = VectorIndex(DIM, SPECS[kind])
    index.build(ids[:4000], vectors[:4000], [f"h{i}" for i in ids[:4000].tolist()])
    index.add(ids[4000:5000], vectors[4000:5000])
    assert len(index) == 5000 and sorted(index.ids().tolist()) == sorted(ids[:5000].tolist())

    target = int(ids[10])
    index.add([target], vectors[[4500]], ["changed"])  # same id, new vector: replaced, not duplicated
    assert len(index) == 5000 and index.hashes[target] == fingerprint("changed")
    assert np.dot(index.vector(target), vectors[4500]) > 0.99
    _, got = index.search(vectors[[4500]], 3)
    assert target in got[0].tolist() and len(set(got[0].tolist())) == 3

    assert index.remove([target, 1, 2]) == 1
    assert not index.contains(target) and len(index) == 4999
    _, got = index.search(vectors[[4500]], 20)
    assert target not in got[0].tolist()
    with pytest.raises(KeyError):
        index.vector(target)

    index.add(np.array([7, 7]), vectors[[1, 2]], ["first", "last"])  # a repeated id in one batch: last wins
    assert index.hashes[7] == fingerprint("last") and np.dot(index.vector(7), vectors[2]) > 0.99

    index.remove(np.concatenate([ids[:3000], [7]]))  # many removals (HNSW compacts its graph) keep the rest searchable
    assert len(index) == 2000
    _, got = index.search(vectors[3000:3010], 1)
    assert got[:, 0].tolist() == ids[3000:3010].tolist()


@pytest.mark.parametrize("kind", KINDS)
def test_incremental_build_equals_rebuild(data, kind):
    ids, vectors, queries = data
    ids, vectors = ids[:5000], vectors[:5000]
    rebuilt = VectorIndex(DIM, SPECS[kind])
    rebuilt.build(ids, vectors, calibrate=False)
    grown = VectorIndex(DIM, SPECS[kind])
    grown.build(ids[:2000], vectors[:2000], calibrate=False)
    for start in range(2000, len(ids), 1500):
        grown.add(ids[start:start + 1500], vectors[start:start + 1500])
    assert sorted(rebuilt.ids().tolist()) == sorted(grown.ids().tolist())
    a, b = rebuilt.search(queries, K)[1], grown.search(queries, K)[1]
    if kind == "flat":
        np.testing.assert_array_equal(a, b)
    else:  # trained on different samples / a different insertion order: same answers up to the approximation
        assert recall(b, a) >= 0.9


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_round_trip_with_manifest(data, kind, tmp_path):
    ids, vectors, queries = data
    index = VectorIndex(DIM, SPECS[kind])
    index.build(ids, vectors, [f"h{i}" for i in ids.tolist()])
    index.remove(ids[:50])
    target = tmp_path / "postings"
    saved = index.save(target, {"model_id": "bge-small-zh", "last_change": "2026-05-01T08:00:00+00:00",
                                "kind": "job"})
    assert sorted(p.name for p in target.iterdir()) == ["ids.npz", "index.faiss", "manifest.json"]
    assert saved.count == N - 50 and saved.dim == DIM and saved.spec == index.spec

    loaded, manifest = VectorIndex.load(target, model_id="bge-small-zh", dim=DIM)
    assert manifest.last_change == "2026-05-01T08:00:00+00:00" and manifest["kind"] == "job"
    assert manifest.model_id == "bge-small-zh" and manifest.count == len(loaded) == N - 50
    assert loaded.spec == index.spec and loaded.hashes == index.hashes
    for allow in (None, ids[100:200], ids[::2]):
        np.testing.assert_array_equal(loaded.search(queries, K, allow=allow)[1], index.search(queries, K, allow=allow)[1])
    loaded.add(ids[:1], vectors[:1], ["back"])  # a loaded index stays writable
    assert loaded.contains(int(ids[0])) and not loaded.contains(int(ids[1]))
    assert [p.name for p in tmp_path.iterdir()] == ["postings"], "no temp or old directories left behind"


def test_manifest_mismatch_and_corruption_raise_clear_errors(data, tmp_path):
    ids, vectors, _ = data
    index = VectorIndex(DIM)
    index.build(ids[:100], vectors[:100])
    target = tmp_path / "seekers"
    index.save(target, {"model_id": "m1"})
    with pytest.raises(IndexMismatchError, match="model_id"):
        VectorIndex.load(target, model_id="m2")
    with pytest.raises(IndexMismatchError, match="dim"):
        VectorIndex.load(target, dim=DIM * 2)
    with pytest.raises(ValueError):
        index.save(target, {"dim": DIM * 2})

    manifest = json.loads((target / "manifest.json").read_text())
    (target / "manifest.json").write_text(json.dumps({**manifest, "count": 99}))
    with pytest.raises(IndexLoadError, match="does not match"):
        VectorIndex.load(target)
    (target / "manifest.json").write_text("{not json")
    with pytest.raises(IndexLoadError, match="manifest"):
        VectorIndex.load(target)
    index.save(target, {"model_id": "m1"})
    (target / "index.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexLoadError):
        VectorIndex.load(target)
    with pytest.raises(IndexLoadError):
        VectorIndex.load(tmp_path / "never-saved")


def test_failed_save_leaves_the_previous_index_loadable(data, tmp_path, monkeypatch):
    ids, vectors, _ = data
    index = VectorIndex(DIM)
    index.build(ids[:200], vectors[:200])
    target = tmp_path / "postings"
    index.save(target, {"model_id": "m1", "last_change": 1})
    index.remove(ids[:100])

    def fail(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(vector_index_module, "write_manifest", fail)  # index.faiss and ids.npz already written
    with pytest.raises(OSError, match="disk full"):
        index.save(target, {"model_id": "m1", "last_change": 2})
    monkeypatch.undo()
    loaded, manifest = VectorIndex.load(target)
    assert manifest.last_change == 1 and len(loaded) == 200
    assert [p.name for p in tmp_path.iterdir()] == ["postings"]

    # A crash between moving the old directory aside and renaming the new one in: load puts it back.
    os.replace(target, tmp_path / ".postings.old-1-1")
    loaded, manifest = VectorIndex.load(target)
    assert manifest.last_change == 1 and len(loaded) == 200


def test_concurrent_searches_while_a_replica_writes_its_delta(data):
    """What an API process does: searches on the snapshot + delta while the change log's writes land."""
    from indexes.layered import LayeredIndex

    ids, vectors, queries = data
    first = VectorIndex(DIM)
    first.build(ids[:3000], vectors[:3000])
    layered = LayeredIndex(first)
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                _, got = layered.search(queries[:4], K, allow=ids[:2500])
                assert (got >= 0).all() and np.isin(got, ids[:2500]).all()
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for start in range(3000, 3600, 100):
        layered.add(ids[start:start + 100], vectors[start:start + 100])
    layered.add(ids[:50], vectors[:50])  # replaced under the readers' feet
    layered.remove(ids[3000:3010])
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:1]
    assert len(layered) == 3590 and not layered.contains(int(ids[3005])) and layered.contains(int(ids[3050]))


def test_search_knobs_are_per_call(data, built):
    _, _, queries = data
    index = built["ivf_sq8"]
    before = index.spec
    wide = index.search(queries, K, nprobe=index.spec.nlist)[1]
    assert index.spec == before
    exact_like = VectorIndex(DIM)
    exact_like.build(*data[:2])
    assert recall(wide, exact_like.search(queries, K)[1]) >= 0.95
    index.search(queries, K, ef_search=5)  # ignored by IVF, harmless
    assert built["hnsw"].search(queries, K, ef_search=256)[1].shape == (len(queries), K)
    assert built["hnsw"].spec.ef_search == SPECS["hnsw"].ef_search or built["hnsw"].calibration


def test_build_calibrates_nprobe_for_recall(data):
    ids, vectors, _ = data
    index = VectorIndex(DIM, IndexSpec("ivf_sq8", nlist=64, nprobe=1))
    index.build(ids, vectors, rng=np.random.default_rng(3))
    assert index.spec.nprobe > 1 and index.calibration["recall_at_10"] >= 0.97


def test_choose_spec_by_size():
    assert choose_spec(10_000, 384) == IndexSpec("flat")
    big = choose_spec(1_000_000, 384)
    assert (big.kind, big.nlist, big.storage) == ("ivf_sq8", 4096, "sq8") and big.nprobe >= 16
    assert choose_spec(60_000, 384).nlist == 1024
    assert choose_spec(60_000, 384, flat_threshold=100_000).kind == "flat"
    with pytest.raises(ValueError):
        IndexSpec("annoy")
    with pytest.raises(ValueError):
        IndexSpec("ivf_sq8")  # no nlist


def test_calibration_uses_the_queries_it_is_given_and_stops_at_a_plateau(data):
    """With outside queries the 8-bit codes cap recall below the target here: nprobe rises until more probes
    (four times as many) gain nothing, rather than all the way to an exhaustive scan."""
    ids, vectors, queries = data
    index = VectorIndex(DIM, IndexSpec("ivf_sq8", nlist=64, nprobe=1))
    index.build(ids, vectors, queries=queries, rng=np.random.default_rng(3))
    cal = index.calibration
    assert cal["queries_from"] == "given" and cal["queries"] == len(queries) and cal["nprobe"] == index.spec.nprobe
    truth = exact_ids(queries, vectors, ids, K)
    assert recall(index.search(queries, K)[1], truth) == pytest.approx(cal["recall_at_10"], abs=1e-9)
    if cal["recall_at_10"] < 0.97:
        wider = recall(index.search(queries, K, nprobe=4 * index.spec.nprobe)[1], truth)
        assert wider - cal["recall_at_10"] < 0.002 and index.spec.nprobe < index.spec.nlist


def test_search_threads_cap_faiss_and_numpys_blas_but_builds_use_every_core(data, monkeypatch):
    import faiss
    from threadpoolctl import threadpool_info

    from indexes import set_search_threads

    def numpy_blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info()
                if lib["user_api"] == "blas" and "numpy" in os.path.basename(os.path.dirname(lib["filepath"]))}

    assert numpy_blas_threads(), "numpy's BLAS is found (else the cap silently does nothing)"
    ids, vectors, queries = data
    before = faiss.omp_get_max_threads()
    seen: list[int] = []
    real_train = vector_index_module._train

    def train(*args):
        seen.append(faiss.omp_get_max_threads())
        return real_train(*args)

    monkeypatch.setattr(vector_index_module, "_train", train)
    try:
        set_search_threads(1)
        assert faiss.omp_get_max_threads() == 1 and numpy_blas_threads() == {1}
        index = VectorIndex(DIM, IndexSpec("ivf_sq8", nlist=16, nprobe=4))
        index.build(ids[:2000], vectors[:2000], calibrate=False)
        assert seen == [os.cpu_count()] and faiss.omp_get_max_threads() == 1
        assert len(index.search(queries[:2], K)[1][0]) == K
    finally:
        set_search_threads(before)
