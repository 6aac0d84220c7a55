"""What kind of FAISS index to build, and the one factory that builds it.

Vectors are float32, L2-normalised, compared by inner product (cosine).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import faiss

KINDS = ("flat", "ivf_sq8", "hnsw")
STORAGES = ("fp32", "fp16", "sq8")
_DEFAULT_STORAGE = {"flat": "fp32", "ivf_sq8": "sq8", "hnsw": "fp32"}
_FACTORY_STORAGE = {"fp32": "Flat", "fp16": "SQfp16", "sq8": "SQ8"}


@dataclass(frozen=True)
class IndexSpec:
    """How an index is built and its default search knobs (each search may override them).

    ``nlist``/``nprobe`` apply to ``ivf_sq8``; ``M``/``ef_construction``/``ef_search`` to ``hnsw``.
    ``storage`` is how vectors are kept: ``fp32`` (exact), ``fp16`` or ``sq8`` (8-bit scalar
    quantisation, a quarter of the memory); empty means the kind's usual choice.
    """

    kind: str = "flat"
    nlist: int = 0
    nprobe: int = 0
    M: int = 32  # noqa: N815 - FAISS's name for the HNSW degree
    ef_construction: int = 80
    ef_search: int = 64
    storage: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"index kind must be one of {KINDS}, not {self.kind!r}")
        if not self.storage:
            object.__setattr__(self, "storage", _DEFAULT_STORAGE[self.kind])
        if self.storage not in STORAGES:
            raise ValueError(f"index storage must be one of {STORAGES}, not {self.storage!r}")
        if self.kind == "ivf_sq8":
            if self.nlist < 1:
                raise ValueError("an IVF index needs nlist >= 1")
            if self.nprobe < 1:
                object.__setattr__(self, "nprobe", default_nprobe(self.nlist))
            object.__setattr__(self, "nprobe", min(self.nprobe, self.nlist))
        if self.kind == "hnsw" and (self.M < 4 or self.ef_search < 1 or self.ef_construction < 1):
            raise ValueError("an HNSW index needs M >= 4, ef_search >= 1 and ef_construction >= 1")

    @property
    def factory_string(self) -> str:
        """The ``faiss.index_factory`` description of this spec (also written to the manifest)."""
        storage = _FACTORY_STORAGE[self.storage]
        if self.kind == "flat":
            return f"IDMap2,{storage}"
        if self.kind == "ivf_sq8":
            return f"IVF{self.nlist},{storage}"
        return f"HNSW{self.M},{storage}"

    def describe(self) -> str:
        if self.kind == "ivf_sq8":
            return f"{self.factory_string},IP (nprobe {self.nprobe})"
        if self.kind == "hnsw":
            return f"{self.factory_string},IP (efSearch {self.ef_search})"
        return f"{self.factory_string},IP"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexSpec:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown index spec fields {sorted(unknown)}")
        return cls(**data)


def default_nprobe(nlist: int) -> int:
    """A starting nprobe (1/64 of the lists, at least 16) that :meth:`VectorIndex.calibrate` refines.

    On clustered sentence embeddings this gives recall@10 around 0.97 with SQ8 storage; building
    through :meth:`VectorIndex.build` measures it against exact search and raises it when short.
    """
    return min(nlist, max(16, nlist // 64))


def choose_spec(n: int, dim: int | None = None, *, flat_threshold: int = 50_000) -> IndexSpec:
    """Exact (flat) below ``flat_threshold`` vectors; above it IVF-SQ8 with nlist ≈ 4·√n.

    nlist is rounded to a power of two (1M vectors → IVF4096). ``dim`` is accepted for symmetry with
    the factory; the choice does not depend on it today.
    """
    del dim
    if n < flat_threshold:
        return IndexSpec("flat")
    nlist = 2 ** round(math.log2(4 * math.sqrt(n)))
    return IndexSpec("ivf_sq8", nlist=nlist, nprobe=default_nprobe(nlist))


def new_faiss_index(spec: IndexSpec, dim: int) -> faiss.Index:
    """The one place raw FAISS indexes are made.

    Flat is wrapped in ``IndexIDMap2`` and IVF gets a hashtable direct map, so both are keyed by
    database ids and support ``remove_ids`` and ``reconstruct``; HNSW cannot remove, so
    :class:`VectorIndex` keeps its own id table and tombstones for it.
    """
    index = faiss.index_factory(dim, spec.factory_string, faiss.METRIC_INNER_PRODUCT)
    if spec.kind == "ivf_sq8":
        faiss.extract_index_ivf(index).set_direct_map_type(faiss.DirectMap.Hashtable)
    elif spec.kind == "hnsw":
        index.hnsw.efConstruction = spec.ef_construction
        index.hnsw.efSearch = spec.ef_search
    return index
