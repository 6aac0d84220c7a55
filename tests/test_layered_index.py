"""A replica's index (snapshot + delta) answers as one index holding exactly the current vectors; snapshots
are found through their pointer, memory-mapped read-only, and pruned."""

from __future__ import annotations

import numpy as np
import pytest

from indexes import IndexLoadError, IndexSpec, VectorIndex, snapshots
from indexes.layered import LayeredIndex

DIM = 32


def _unit(rng, n):
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _exact(current: dict[int, np.ndarray], queries, k, allow=None):
    ids = np.array(sorted(i for i in current if allow is None or i in set(allow.tolist())), np.int64)
    matrix = np.stack([current[int(i)] for i in ids])
    scores = queries @ matrix.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return ids[order]


@pytest.mark.parametrize("spec", [IndexSpec("flat", storage="fp32"), IndexSpec("ivf_sq8", nlist=4, nprobe=4)])
def test_base_plus_delta_answers_like_one_index_of_the_current_vectors(tmp_path, spec):
    rng = np.random.default_rng(7)
    vectors = _unit(rng, 600)
    current = {i: vectors[i] for i in range(600)}
    base = VectorIndex(DIM, spec)
    base.build(np.arange(600), vectors, [f"h{i}" for i in range(600)], calibrate=False)
    snapshots.save(tmp_path, base, {"model_id": "m"}, seq=5)
    mapped, _manifest, seq = snapshots.load(tmp_path, expect={"model_id": "m"})
    assert seq == 5 and mapped.read_only
    layered = LayeredIndex(mapped, seq=seq)

    replaced = _unit(rng, 50)
    for n, i in enumerate(range(0, 100, 2)):  # 50 replaced: the base's old copy must never come back
        current[i] = replaced[n]
    layered.add(np.arange(0, 100, 2), replaced, [f"new{i}" for i in range(0, 100, 2)])
    added = _unit(rng, 20)
    layered.add(np.arange(1000, 1020), added)
    current.update({1000 + n: added[n] for n in range(20)})
    gone = [1, 3, 5, 1001, 599]
    assert layered.remove(gone) == 5
    for i in gone:
        current.pop(i)

    assert len(layered) == len(current) and layered.shadowed == 50 + 4
    assert sorted(layered.ids().tolist()) == sorted(current)
    assert layered.fingerprint_of(0) == layered.delta.hashes[0] and layered.fingerprint_of(1) is None
    assert layered.is_current(2, "new2") and not layered.is_current(2, "h2")
    queries = _unit(rng, 30)
    if spec.kind == "flat":  # exact: the same ids as exact search over the current vectors
        np.testing.assert_array_equal(layered.search(queries, 10)[1], _exact(current, queries, 10))
        allow = np.array(sorted(current)[::3], np.int64)
        np.testing.assert_array_equal(layered.search(queries, 10, allow=allow)[1],
                                      _exact(current, queries, 10, allow))
    found = layered.search(queries, 50)[1]
    assert not set(found.ravel().tolist()) & set(gone)
    for row, ids in enumerate(found):  # a replaced id scores with its new vector, never its old
        for pos, i in enumerate(ids[:5]):
            if 0 <= i < 100 and i % 2 == 0:
                assert layered.search(queries[row:row + 1], 50)[0][0][pos] == pytest.approx(
                    float(queries[row] @ current[int(i)]), abs=1e-5)
    with pytest.raises(PermissionError):
        mapped.add([5000], _unit(rng, 1))  # FAISS would abort the process on a write to a mapped index


def test_snapshots_are_found_through_their_pointer_and_the_oldest_pruned(tmp_path):
    rng = np.random.default_rng(1)
    with pytest.raises(IndexLoadError):
        snapshots.load(tmp_path)
    for seq in (3, 9, 12, 20):
        index = VectorIndex(DIM, IndexSpec("flat"))
        index.build(np.arange(seq), _unit(rng, seq), calibrate=False)
        snapshots.save(tmp_path, index, {"model_id": "m"}, seq=seq, keep=3)
    assert snapshots.current_seq(tmp_path) == 20
    loaded, _manifest, seq = snapshots.load(tmp_path, mmap=False)
    assert seq == 20 and len(loaded) == 20 and not loaded.read_only
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("snap-")]) == 3
    with pytest.raises(IndexLoadError):
        snapshots.load(tmp_path, expect={"model_id": "another"})


def test_a_snapshot_with_unreadable_arrays_loads_without_them(tmp_path, caplog):
    import numpy as np

    from indexes import VectorIndex, snapshots

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex(8)
    index.build(np.arange(1, 21), vectors)
    folder = snapshots.save(tmp_path, index, {"model_id": "m"}, seq=3, arrays={"columns.x": np.arange(5)})
    assert list(snapshots.load_snapshot(tmp_path).arrays) == ["columns.x"]
    (folder / snapshots.ARRAYS).write_bytes(b"not a zip file")
    snap = snapshots.load_snapshot(tmp_path)
    assert snap.arrays == {} and snap.seq == 3 and len(snap.index) == 20
    assert "unreadable" in caplog.text
