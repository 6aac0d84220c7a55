"""Index snapshots: saved with the change-log sequence they reflect, found through a pointer file.

A kind's directory holds ``snap-<seq>-<stamp>/`` folders (each a :meth:`VectorIndex.save` directory, plus
``arrays.npz``: whatever the caller keeps beside the index at the same sequence, such as filter columns;
``mapped/<name>.npy``: large arrays read memory-mapped, such as the records' vectors and texts) and a
``CURRENT`` file naming the newest. Saving writes a new folder, then replaces ``CURRENT`` (one atomic rename),
so a process reading the directory at any moment finds a complete snapshot, and a snapshot another process has
memory-mapped is never written over; older ones are removed after the newest ``keep`` (an open mapping of a
removed file stays valid).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexes.storage import IndexLoadError, Manifest, read_manifest
from indexes.vector_index import VectorIndex

log = logging.getLogger("rengang.snapshots")

CURRENT = "CURRENT"
ARRAYS = "arrays.npz"
MAPPED = "mapped"
_MAPPED_NAME = re.compile(r"[a-z][a-z0-9_.]{0,80}")
_NAME = re.compile(r"snap-([0-9]{1,20})-[0-9]+")


@dataclass
class Snapshot:
    index: VectorIndex
    manifest: Manifest
    seq: int
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # empty if the snapshot has none
    mapped: dict[str, np.ndarray] = field(default_factory=dict)  # read memory-mapped (or loaded, without mmap)


def save(root: str | Path, index: VectorIndex, manifest: dict[str, Any], *, seq: int, keep: int = 3,
         arrays: Mapping[str, np.ndarray] | None = None, mapped: Mapping[str, np.ndarray] | None = None) -> Path:
    """Save ``index`` (and ``arrays`` and ``mapped`` beside it) as the newest snapshot of ``root``, reflecting the
    change log up to ``seq``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"snap-{seq:012d}-{time.time_ns()}"
    index.save(folder, {**manifest, "seq": int(seq)})
    if arrays is not None:
        tmp = folder / f".{ARRAYS}.tmp"
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / ARRAYS)
    if mapped:
        (folder / MAPPED).mkdir()
        for name, array in mapped.items():
            if not _MAPPED_NAME.fullmatch(name):
                raise ValueError(f"not a mapped array name: {name!r}")
            with open(folder / MAPPED / f"{name}.npy", "wb") as f:
                np.save(f, np.ascontiguousarray(array), allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
    pointer = root / f".{CURRENT}.{os.getpid()}-{time.time_ns()}"
    pointer.write_text(folder.name)
    with open(pointer, "rb") as f:
        os.fsync(f.fileno())
    os.replace(pointer, root / CURRENT)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _prune(root, keep=keep, current=folder.name)
    return folder


def current(root: str | Path) -> Path | None:
    """The folder of the newest snapshot, or None."""
    root = Path(root)
    try:
        name = (root / CURRENT).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not _NAME.fullmatch(name) or not (root / name).is_dir():
        return None
    return root / name


def current_seq(root: str | Path) -> int | None:
    """The change sequence the newest snapshot reflects (None: no snapshot) — a cheap check for replicas."""
    folder = current(root)
    if folder is None:
        return None
    return int(_NAME.fullmatch(folder.name).group(1))


def load(root: str | Path, *, expect: dict[str, Any] | None = None, mmap: bool = True
         ) -> tuple[VectorIndex, Manifest, int]:
    """The newest snapshot, memory-mapped where FAISS allows: ``(index, manifest, seq)``; IndexLoadError if none."""
    snap = load_snapshot(root, expect=expect, mmap=mmap, arrays=False)
    return snap.index, snap.manifest, snap.seq


def load_snapshot(root: str | Path, *, expect: dict[str, Any] | None = None, mmap: bool = True,
                  arrays: bool = True) -> Snapshot:
    """The newest snapshot with the arrays saved beside it (unreadable arrays count as none); IndexLoadError if
    there is no usable snapshot."""
    for _attempt in range(3):  # the folder named may be pruned between reading CURRENT and opening it
        folder = current(root)
        if folder is None:
            raise IndexLoadError(f"no snapshot in {root}")
        try:
            index, manifest = VectorIndex.load(folder, expect=expect, mmap=mmap)
            saved: dict[str, np.ndarray] = {}
            if arrays and (folder / ARRAYS).is_file():
                try:
                    with np.load(folder / ARRAYS, allow_pickle=False) as npz:
                        saved = {name: npz[name] for name in npz.files}
                except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as e:
                    log.warning("the arrays of snapshot %s are unreadable (%s): loading it without them", folder, e)
                    saved = {}
            mapped: dict[str, np.ndarray] = {}
            if arrays and (folder / MAPPED).is_dir():
                try:
                    mapped = {p.stem: np.load(p, mmap_mode="r" if mmap else None, allow_pickle=False)
                              for p in sorted((folder / MAPPED).glob("*.npy"))}
                except (OSError, ValueError, EOFError) as e:
                    log.warning("the mapped arrays of snapshot %s are unreadable (%s): loading it without them",
                                folder, e)
                    mapped = {}
        except IndexLoadError:
            if current(root) != folder:
                continue
            raise
        return Snapshot(index, manifest, int(manifest.extra.get("seq", _NAME.fullmatch(folder.name).group(1))),
                        saved, mapped)
    raise IndexLoadError(f"snapshots in {root} kept changing while loading")


def manifest_of(root: str | Path) -> Manifest | None:
    folder = current(root)
    return read_manifest(folder) if folder is not None else None


def _prune(root: Path, *, keep: int, current: str) -> None:
    snaps = sorted((p for p in root.iterdir() if p.is_dir() and _NAME.fullmatch(p.name)), key=lambda p: p.name)
    for old in snaps[:-keep]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)
    for stray in root.glob(f".{CURRENT}.*"):
        if time.time() - stray.stat().st_mtime > 60:
            stray.unlink(missing_ok=True)
