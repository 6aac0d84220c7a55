"""The service's owner of one live index: lock-free reads of the current reference, rebuild aside then swap."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexes.storage import Manifest
from indexes.vector_index import VectorIndex, fingerprint


def reconcile(database: Mapping[int, str] | Iterable[tuple[int, str]],
              indexed: Mapping[int, str | int] | VectorIndex) -> tuple[list[int], list[int]]:
    """What to (re)embed-and-add and what to remove so the index reflects the database.

    ``database`` is id → text hash (or ``(id, hash)`` pairs) of the rows that belong in the index;
    ``indexed`` is the same for what the index holds (or the index itself, which keeps 64-bit
    fingerprints of the hashes). Returns ``(to_add_or_update, to_remove)``, sorted: ids missing or
    with a different hash, and ids no longer in the database.
    """
    wanted = dict(database.items() if isinstance(database, Mapping) else database)
    ids = np.fromiter(wanted.keys(), np.int64, len(wanted))
    fps = np.fromiter((fingerprint(h) for h in wanted.values()), np.uint64, len(wanted))
    if isinstance(indexed, VectorIndex):
        have_ids, have_fps = indexed.hashes.arrays()
    else:
        have_ids = np.fromiter(indexed.keys(), np.int64, len(indexed))
        have_fps = np.fromiter((fingerprint(h) for h in indexed.values()), np.uint64, len(indexed))
        order = np.argsort(have_ids)
        have_ids, have_fps = have_ids[order], have_fps[order]
    if len(have_ids):
        pos = np.minimum(np.searchsorted(have_ids, ids), len(have_ids) - 1)
        same = (have_ids[pos] == ids) & (have_fps[pos] == fps)
    else:
        same = np.zeros(len(ids), bool)
    to_add = np.sort(ids[~same])
    to_remove = have_ids[~np.isin(have_ids, ids)]
    return to_add.tolist(), np.sort(to_remove).tolist()


class IndexHolder:
    """Holds the current :class:`VectorIndex` for the service.

    Searches read ``current`` without taking the holder's lock. Writes are serialised by it. A
    rebuild runs ``build_fn`` aside while searches and writes carry on against the old index; writes
    made meanwhile are journaled and replayed onto the new index before the reference is swapped, so
    none is lost and no reader ever waits for the build.
    """

    def __init__(self, index: VectorIndex):
        self._current = index
        self._write_lock = threading.Lock()
        self._rebuild_lock = threading.Lock()
        self._journal: list[tuple[str, tuple]] | None = None

    @property
    def current(self) -> VectorIndex:
        return self._current

    def __len__(self) -> int:
        return len(self._current)

    def search(self, queries, k: int, *, allow: np.ndarray | None = None, nprobe: int | None = None,
               ef_search: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._current.search(queries, k, allow=allow, nprobe=nprobe, ef_search=ef_search)

    def add(self, ids, vectors, hashes: Sequence[str] | None = None) -> None:
        ids, vectors = np.array(ids, np.int64).reshape(-1), np.array(vectors, np.float32)
        hashes = None if hashes is None else list(hashes)
        with self._write_lock:
            self._current.add(ids, vectors, hashes)
            if self._journal is not None:
                self._journal.append(("add", (ids, vectors, hashes)))

    def remove(self, ids) -> int:
        ids = np.array(ids, np.int64).reshape(-1)
        with self._write_lock:
            removed = self._current.remove(ids)
            if self._journal is not None:
                self._journal.append(("remove", (ids,)))
        return removed

    def rebuild(self, build_fn: Callable[[], VectorIndex]) -> VectorIndex:
        """Build a new index with ``build_fn`` (no lock held), replay writes made meanwhile, swap it in."""
        with self._rebuild_lock:
            with self._write_lock:
                self._journal = []
            try:
                new = build_fn()
            except BaseException:
                with self._write_lock:
                    self._journal = None
                raise
            with self._write_lock:
                for op, args in self._journal or ():
                    getattr(new, op)(*args)
                self._journal = None
                self._current = new
            return new

    def swap(self, index: VectorIndex) -> VectorIndex:
        """Put ``index`` in place (e.g. one just loaded from disk); returns the previous one."""
        with self._write_lock:
            old, self._current = self._current, index
        return old

    def save(self, directory: str | Path, manifest: dict[str, Any] | None = None) -> Manifest:
        return self._current.save(directory, manifest)

    def reconcile(self, database: Mapping[int, str] | Iterable[tuple[int, str]]) -> tuple[list[int], list[int]]:
        """:func:`reconcile` against the current index's hashes."""
        return reconcile(database, self._current)
