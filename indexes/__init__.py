"""FAISS indexes of postings and consenting seekers, keyed by database ids, behind one small interface.

The database is the source of truth; an index is derived data, saved as snapshots with a manifest
(:mod:`indexes.snapshots`) and kept current by each process's delta (:mod:`indexes.layered`).
"""

from indexes.spec import IndexSpec, choose_spec, new_faiss_index
from indexes.storage import IndexLoadError, IndexMismatchError, Manifest
from indexes.vector_index import VectorIndex, fingerprint, set_search_threads

__all__ = ["IndexLoadError", "IndexMismatchError", "IndexSpec", "Manifest", "VectorIndex",
           "choose_spec", "fingerprint", "new_faiss_index",
           "set_search_threads"]
