"""FAISS indexes of postings and consenting seekers, keyed by database ids, behind one small interface.

The database is the source of truth; an index is derived data, saved atomically with a manifest and
rebuilt or reconciled whenever it is missing or stale.
"""

from indexes.holder import IndexHolder, reconcile
from indexes.spec import IndexSpec, choose_spec, new_faiss_index
from indexes.storage import IndexLoadError, IndexMismatchError, Manifest
from indexes.vector_index import VectorIndex, fingerprint, set_search_threads

__all__ = ["IndexHolder", "IndexLoadError", "IndexMismatchError", "IndexSpec", "Manifest", "VectorIndex",
           "choose_spec", "fingerprint", "new_faiss_index", "reconcile",
           "set_search_threads"]
