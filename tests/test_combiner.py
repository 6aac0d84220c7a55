"""Writes from concurrent requests are embedded and indexed in shared batches; each request waits for its own."""

from __future__ import annotations

import threading
import time

import pytest

from service.engine import ChangeBatcher


def test_concurrent_writes_share_batches_and_each_returns_after_its_own_ids():
    processed: list[list[int]] = []
    seen: set[int] = set()

    def process(ids: list[int]) -> None:
        time.sleep(0.05)  # an embedding call: writes arriving meanwhile queue up
        processed.append(ids)
        seen.update(ids)

    batcher = ChangeBatcher(process)
    returned_too_early: list[int] = []

    def write(i: int) -> None:
        batcher.submit([i, 1000 + i])
        if not {i, 1000 + i} <= seen:
            returned_too_early.append(i)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not returned_too_early
    assert seen == set(range(16)) | set(range(1000, 1016))
    assert len(processed) < 16, "concurrent writes were combined into fewer batches"
    assert all(batch == sorted(set(batch)) for batch in processed)


def test_a_failed_batch_fails_every_request_in_it_and_the_next_batch_runs():
    calls = []

    def process(ids: list[int]) -> None:
        calls.append(ids)
        if 13 in ids:
            raise RuntimeError("database gone")

    batcher = ChangeBatcher(process)
    with pytest.raises(RuntimeError, match="database gone"):
        batcher.submit([13])
    batcher.submit([14])
    assert calls == [[13], [14]]


def test_a_combiner_hands_each_caller_its_own_result():
    from service.engine import Combiner

    sizes: list[int] = []

    def encode(texts: list[str]) -> list[str]:
        time.sleep(0.03)
        sizes.append(len(texts))
        return [t.upper() for t in texts]

    combiner = Combiner(encode)
    got: dict[int, str] = {}

    def ask(i: int) -> None:
        got[i] = combiner.submit(f"text{i}")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == {i: f"TEXT{i}" for i in range(12)}
    assert sum(sizes) == 12 and len(sizes) < 12
