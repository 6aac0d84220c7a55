"""IVF with 8-bit scalar-quantised codes, keyed by database id without a FAISS direct map."""

from __future__ import annotations

import faiss
import numpy as np

from indexes.spec import IndexSpec, new_faiss_index
from indexes.stores.base import Allow, pad

IVF_TARGETED_REMOVE_MAX = 64  # remove up to this many ids list by list; more: one scan of all lists


class IvfStore:
    """IVF with scalar-quantised codes, keyed by database id, without a FAISS direct map.

    The caller keeps each id's list (returned by :meth:`add`), which is all that exact scoring of an
    allow-list (scan only the lists holding allowed ids) and removal (look in one list) need.
    """

    lists_kept = True

    def __init__(self, spec: IndexSpec, dim: int, raw: faiss.Index | None = None):
        self.spec = spec
        self.raw = raw if raw is not None else new_faiss_index(spec, dim)
        self.ivf = faiss.extract_index_ivf(self.raw)
        if self.ivf.direct_map.type != faiss.DirectMap.NoMap:  # older saves carried one
            self.ivf.set_direct_map_type(faiss.DirectMap.NoMap)
        self._centroids: np.ndarray | None = None

    def centroids(self) -> np.ndarray:
        if self._centroids is None:
            self._centroids = self.ivf.quantizer.reconstruct_n(0, self.ivf.nlist)
        return self._centroids

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        lists = self.ivf.quantizer.search(vectors, 1)[1][:, 0].astype(np.int64)
        self.ivf.add_core(len(ids), faiss.swig_ptr(vectors), faiss.swig_ptr(ids), faiss.swig_ptr(lists))
        return lists.astype(np.int32)

    def remove(self, ids: np.ndarray, lists: np.ndarray) -> None:
        if len(ids) > IVF_TARGETED_REMOVE_MAX:
            self.ivf.remove_ids(faiss.IDSelectorBatch(ids))
            return
        invlists, code_size = self.ivf.invlists, self.ivf.code_size
        for record_id, list_no in zip(ids.tolist(), lists.tolist(), strict=True):
            size = invlists.list_size(list_no)
            offset = int(np.flatnonzero(faiss.rev_swig_ptr(invlists.get_ids(list_no), size) == record_id)[0])
            last = size - 1
            if offset != last:  # move the last entry into the hole, as FAISS's own removal does
                last_id = int(faiss.rev_swig_ptr(invlists.get_ids(list_no), size)[last])
                code = faiss.rev_swig_ptr(invlists.get_single_code(list_no, last), code_size).copy()
                invlists.update_entry(list_no, offset, last_id, faiss.swig_ptr(code))
            invlists.resize(list_no, last)
            self.ivf.ntotal -= 1
        self.raw.ntotal = self.ivf.ntotal

    def reconstruct(self, ids: np.ndarray, lists: np.ndarray) -> np.ndarray:
        out = np.empty((len(ids), self.ivf.d), np.float32)
        invlists = self.ivf.invlists
        for row, (record_id, list_no) in enumerate(zip(ids.tolist(), lists.tolist(), strict=True)):
            size = invlists.list_size(list_no)
            offset = int(np.flatnonzero(faiss.rev_swig_ptr(invlists.get_ids(list_no), size) == record_id)[0])
            self.ivf.reconstruct_from_offset(list_no, offset, faiss.swig_ptr(out[row]))
        return out

    def exact(self, queries: np.ndarray, k: int, allow: Allow, lists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every allowed vector scored: scan only the lists that hold allowed ids, with their coarse scores."""
        lists = np.unique(lists).astype(np.int64)
        if not len(lists):
            return pad(len(queries), k)
        keys = np.ascontiguousarray(np.broadcast_to(lists, (len(queries), len(lists))))
        coarse = np.ascontiguousarray(queries @ self.centroids()[lists].T, dtype=np.float32)
        scores, labels = pad(len(queries), k)
        params = faiss.SearchParametersIVF(nprobe=len(lists))
        params.sel = allow.selector()
        self.ivf.search_preassigned_c(len(queries), faiss.swig_ptr(queries), k, faiss.swig_ptr(keys),
                                      faiss.swig_ptr(coarse), faiss.swig_ptr(scores), faiss.swig_ptr(labels),
                                      False, params)
        scores[labels < 0] = -np.inf  # FAISS pads with -FLT_MAX
        return scores, labels

    def search(self, queries: np.ndarray, k: int, allow: Allow | None, nprobe: int | None,
               ef_search: int | None) -> tuple[np.ndarray, np.ndarray]:
        params = faiss.SearchParametersIVF(nprobe=min(nprobe or self.spec.nprobe, self.spec.nlist))
        if allow is not None:
            params.sel = allow.selector()
        return self.raw.search(queries, k, params=params)

    def arrays(self) -> dict[str, np.ndarray]:
        return {}

    def needs_compaction(self) -> bool:
        return False
