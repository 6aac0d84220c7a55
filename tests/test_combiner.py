"""Queries arriving together are encoded together; each caller gets its own result."""

from __future__ import annotations

import threading
import time


def test_a_combiner_hands_each_caller_its_own_result():
    from service.batching import Combiner

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
