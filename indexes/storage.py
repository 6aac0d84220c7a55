"""An index on disk: a directory with ``index.faiss``, ``ids.npz`` and ``manifest.json``, replaced as a whole.

A save writes everything into a sibling temp directory, fsyncs it, moves the old directory aside,
renames the new one into place and deletes the old one. A crash at any point leaves either the old
or the new directory loadable: if it comes between the two renames, :func:`recover_dir` puts the
old one back.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexes.spec import IndexSpec

FORMAT = 3  # 3: 64-bit text fingerprints and IVF list numbers in ids.npz; IVF without a direct map
MANIFEST_FILE = "manifest.json"
INDEX_FILE = "index.faiss"
IDS_FILE = "ids.npz"
_CORE = ("format", "model_id", "dim", "count", "spec", "spec_text", "built_at", "saved_at", "last_change")


class IndexLoadError(RuntimeError):
    """A saved index that cannot be used (missing, corrupt, or built for another model or dimension).

    The database is the source of truth: the caller rebuilds the index from it.
    """


class IndexMismatchError(IndexLoadError):
    """A readable index built for other settings (model id, dimension, ...)."""


@dataclass(frozen=True)
class Manifest:
    """How an index was built and which database state it reflects.

    ``last_change`` is the caller's marker of the newest change the index reflects (for example the
    largest ``updated_at`` or sequence number of its rows); ``extra`` holds any other fields the
    caller saved. Reads like a dict too (``manifest["last_change"]``).
    """

    dim: int
    count: int
    spec: IndexSpec
    model_id: str | None = None
    last_change: Any = None
    built_at: float = 0.0
    saved_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.extra, "format": FORMAT, "model_id": self.model_id, "dim": self.dim, "count": self.count,
                "spec": self.spec.to_dict(), "spec_text": self.spec.describe(), "built_at": self.built_at,
                "saved_at": self.saved_at, "last_change": self.last_change}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise IndexLoadError(f"index format {data.get('format')!r}, this code reads format {FORMAT}")
        try:
            return cls(dim=int(data["dim"]), count=int(data["count"]), spec=IndexSpec.from_dict(data["spec"]),
                       model_id=data.get("model_id"), last_change=data.get("last_change"),
                       built_at=float(data.get("built_at") or 0.0), saved_at=float(data.get("saved_at") or 0.0),
                       extra={k: v for k, v in data.items() if k not in _CORE})
        except (KeyError, TypeError, ValueError) as e:
            raise IndexLoadError(f"unreadable manifest: {e!r}") from e

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def check(self, expect: dict[str, Any]) -> None:
        """Raise :class:`IndexMismatchError` unless every expected field matches."""
        have = self.to_dict()
        for key, value in expect.items():
            if have.get(key) != value:
                raise IndexMismatchError(f"saved index has {key}={have.get(key)!r}, expected {value!r}")


def write_dir_atomically(directory: Path, write: Callable[[Path], None]) -> None:
    """Have ``write`` fill a sibling temp dir, then swap it in for ``directory`` (which may exist)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{os.getpid()}-{time.time_ns()}"
    tmp = directory.with_name(f".{directory.name}.tmp-{stamp}")
    tmp.mkdir()
    try:
        write(tmp)
        for path in tmp.iterdir():
            _fsync(path)
        _fsync(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = directory.with_name(f".{directory.name}.old-{stamp}")
    if directory.exists():
        os.replace(directory, old)
    os.replace(tmp, directory)
    _fsync(directory.parent)
    shutil.rmtree(old, ignore_errors=True)


def recover_dir(directory: Path) -> None:
    """If a save stopped between its two renames, put the previous directory back."""
    directory = Path(directory)
    if directory.exists():
        return
    olds = sorted(directory.parent.glob(f".{directory.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds:
        with contextlib.suppress(OSError):
            os.replace(olds[-1], directory)


def read_manifest(directory: Path) -> Manifest:
    try:
        data = json.loads((Path(directory) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexLoadError(f"no readable manifest in {directory}: {e}") from e
    if not isinstance(data, dict):
        raise IndexLoadError(f"manifest in {directory} is not an object")
    return Manifest.from_dict(data)


def write_manifest(directory: Path, manifest: Manifest) -> None:
    text = json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2, default=str)
    (Path(directory) / MANIFEST_FILE).write_text(text, encoding="utf-8")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
