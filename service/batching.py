"""Many callers, one batch: a small utility for work that is much cheaper done together (encoding queries)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T, R = TypeVar("T"), TypeVar("R")


class Combiner(Generic[T, R]):
    """Callers hand an item in and wait; one of them processes every item handed in so far, as one batch.

    While one batch is processed, new items queue up, and the next waiting caller takes them all: under load
    each batch grows (an embedding model encodes many texts at once several times faster per text than one
    at a time), and every caller still returns only once its own item is done.
    """

    def __init__(self, process: Callable[[list[T]], Sequence[R]]):
        self._process = process
        self._queue_lock = threading.Lock()
        self._work_lock = threading.Lock()
        self._queue: list[tuple[T, threading.Event, list]] = []
        self.batches = 0

    def submit(self, item: T) -> R:
        done, slot = threading.Event(), []
        with self._queue_lock:
            self._queue.append((item, done, slot))
        while not done.is_set():
            with self._work_lock:
                if done.is_set():
                    break
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                if not batch:
                    continue
                try:
                    results = self._process([entry[0] for entry in batch])
                    for (_, _, out), result in zip(batch, results, strict=True):
                        out.append(("ok", result))
                except BaseException as e:  # every caller in the batch learns its item failed
                    for _, _, out in batch:
                        out[:] = [("error", e)]
                finally:
                    self.batches += 1
                    for _, event, _ in batch:
                        event.set()
        status, value = slot[0]
        if status == "error":
            raise value
        return value
