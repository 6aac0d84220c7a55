"""Index stores behind one interface (:class:`Store`), one file per kind."""

from indexes.stores.base import Allow, Store, exact_top_k, pad
from indexes.stores.ivf import IvfStore
from indexes.stores.keyed import KeyedStore
from indexes.stores.tombstone import TombstoneStore

__all__ = ["Allow", "IvfStore", "KeyedStore", "Store", "TombstoneStore", "exact_top_k", "pad"]
