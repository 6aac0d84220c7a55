"""What a query needs of each record besides its filter columns 记录库: the float32 vector, the text and a card.

A :class:`RecordStore` keeps, per record id, its full-precision vector (the exact score of a small allow-list
and the refine of an index's pool), its text (the lexical score) and its *card*: the bytes a use-case turns
into a result item and the facts its explanation reads (:func:`encode_card`). The query path reads them from
memory; the database is not asked during a match.

Layout. Records live in *slots*. The first ``n_base`` slots are the *base*: arrays written by
:meth:`RecordStore.to_arrays` beside an index snapshot, in the order the caller gives (the filter columns'
region order, so one county's or city's records are one block of rows: a small allow-list is scored with one
matrix product over contiguous rows), and read back memory-mapped, shared by every process on the machine and
never written. Records put since go to the *tail*, this process's own growable arrays; a record put again gets
a new tail slot and its old slot becomes garbage until the next snapshot lays out a new base.

Slots are stable for the store's lifetime: a reader that holds a slot number reads the same record's data
until the owner swaps in a new store (a new snapshot), so queries never lock against writes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum
from typing import Any

import numpy as np
import orjson

from matching.enums import Education, FlagKind, FlagStatus, JobStatus, WorkType
from matching.facts import FlagFact, JobFacts, SeekerFacts
from matching.lexical import LexicalDoc, analyse_text

# --- cards ------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, FlagFact):
        return {"kind": value.kind.value, "status": value.status.value, "expires_at": _plain(value.expires_at)}
    return value


def facts_to_plain(facts: JobFacts | SeekerFacts) -> dict[str, Any]:
    """A facts dataclass as JSON-able values (enums by value, dates ISO); :func:`job_facts_from_plain` and
    :func:`seeker_facts_from_plain` give it back."""
    return {f.name: _plain(getattr(facts, f.name)) for f in fields(facts)}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def job_facts_from_plain(d: Mapping[str, Any]) -> JobFacts:
    return JobFacts(
        id=d["id"], employer_id=d["employer_id"], title=d["title"], occupation_code=d["occupation_code"],
        region_code=d["region_code"], lat=d["lat"], lon=d["lon"], salary_min=d["salary_min"],
        salary_max=d["salary_max"], education_min=Education(d["education_min"]) if d["education_min"] else None,
        experience_years=d["experience_years"], age_min=d["age_min"], age_max=d["age_max"],
        work_type=WorkType(d["work_type"]), headcount=d["headcount"], hired_count=d["hired_count"],
        status=JobStatus(d["status"]), valid_until=_day(d["valid_until"]), skills=tuple(d["skills"]),
        room_board=d["room_board"])


def seeker_facts_from_plain(d: Mapping[str, Any]) -> SeekerFacts:
    return SeekerFacts(
        id=d["id"], birth_date=_day(d["birth_date"]),
        education=Education(d["education"]) if d["education"] else None,
        graduation_date=_day(d["graduation_date"]), region_code=d["region_code"], lat=d["lat"], lon=d["lon"],
        desired_regions=tuple(d["desired_regions"]), desired_salary_min=d["desired_salary_min"],
        desired_work_types=tuple(WorkType(w) for w in d["desired_work_types"]),
        desired_occupation_codes=tuple(d["desired_occupation_codes"]), skills=tuple(d["skills"]),
        willing_to_relocate=d["willing_to_relocate"],
        flags=tuple(FlagFact(kind=FlagKind(f["kind"]), status=FlagStatus(f["status"]),
                             expires_at=_instant(f["expires_at"])) for f in d["flags"]),
        unemployed_since=_day(d["unemployed_since"]), experience_years=d["experience_years"])


@dataclass(frozen=True, slots=True)
class Card:
    """A record as a result shows it: ``shown`` (the API's item record, JSON values, computed-at-query-time fields
    still to be set by the presenter), ``facts`` (plain, for the explanation) and ``extra`` (what a use-case
    needs besides, such as the employer's policy facts)."""

    shown: dict[str, Any]
    facts: dict[str, Any]
    extra: dict[str, Any]


def encode_card(shown: Mapping[str, Any], facts: JobFacts | SeekerFacts, extra: Mapping[str, Any] | None = None
                ) -> bytes:
    return orjson.dumps({"shown": shown, "facts": facts_to_plain(facts), "extra": dict(extra or {})})


def decode_card(data: bytes | memoryview | np.ndarray) -> Card:
    d = orjson.loads(bytes(data))
    return Card(d["shown"], d["facts"], d["extra"])


# --- the store --------------------------------------------------------------------------------------------

EMPTY_OFFSETS = np.zeros(1, dtype=np.int64)
# The lexical keys of recently scored texts (:class:`matching.lexical.LexicalDoc`), per store: 12 bytes a key, so
# 4M keys ≈ 50 MB per process (a 500-character posting has about 400); a county's or a city's postings come up
# again and again, and cutting a text into words takes about half a millisecond.
LEXICAL_CACHED = 4_000_000


class RecordStore:
    """Vectors, texts and cards by record id; see the module docstring. One writer at a time (the replica holds
    its lock); readers need none."""

    def __init__(self, dim: int):
        self.dim = dim
        self._slot: dict[int, int] = {}
        self._write = threading.Lock()
        # the base: read-only arrays (memory-mapped from a snapshot, or built in memory)
        self._base_vectors = np.zeros((0, dim), dtype=np.float32)
        self._base_text = (EMPTY_OFFSETS, np.zeros(0, dtype=np.uint8))
        self._base_card = (EMPTY_OFFSETS, np.zeros(0, dtype=np.uint8))
        self._n_base = 0
        # the tail: this process's own
        self._tail_vectors = np.zeros((0, dim), dtype=np.float32)
        self._tail_text: list[bytes] = []
        self._tail_card: list[bytes] = []
        self._lexical: OrderedDict[int, LexicalDoc] = OrderedDict()  # slot → its text's, least recently used first
        self._lexical_held = 0  # keys held
        self._lexical_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, record_id: int) -> bool:
        return int(record_id) in self._slot

    @property
    def n_base(self) -> int:
        return self._n_base

    @property
    def n_slots(self) -> int:
        return self._n_base + len(self._tail_text)

    @property
    def garbage(self) -> int:
        """Slots no record points at any more (replaced or removed since the base was laid out)."""
        return self.n_slots - len(self._slot)

    # --- writing -----------------------------------------------------------------------------------------

    def put(self, ids: Sequence[int], vectors: np.ndarray, texts: Sequence[str], cards: Sequence[bytes]
            ) -> np.ndarray:
        """Store (or replace) these records; returns their slots."""
        n = len(ids)
        if not n:
            return np.zeros(0, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(n, self.dim)
        with self._write:
            start = len(self._tail_text)
            need = start + n
            if need > len(self._tail_vectors):
                grown = np.zeros((max(need, 2 * len(self._tail_vectors), 64), self.dim), dtype=np.float32)
                grown[:start] = self._tail_vectors[:start]
                self._tail_vectors = grown
            self._tail_vectors[start:need] = vectors
            self._tail_text.extend(t.encode() for t in texts)
            self._tail_card.extend(bytes(c) for c in cards)
            slots = np.arange(self._n_base + start, self._n_base + need, dtype=np.int64)
            for record_id, slot in zip(ids, slots.tolist(), strict=True):
                self._slot[int(record_id)] = slot
        return slots

    def remove(self, ids: Iterable[int]) -> None:
        with self._write:
            for record_id in ids:
                self._slot.pop(int(record_id), None)

    # --- reading -----------------------------------------------------------------------------------------

    def slots_of(self, ids: Iterable[int]) -> np.ndarray:
        """Each id's slot, ``-1`` where the store does not hold it."""
        get = self._slot.get
        return np.fromiter((get(int(i), -1) for i in ids), dtype=np.int64)

    def vectors_at(self, slots: np.ndarray) -> np.ndarray:
        """The vectors at these (valid) slots, as one (len, dim) array."""
        slots = np.asarray(slots, dtype=np.int64)
        in_base = slots < self._n_base
        if in_base.all():
            return self._base_vectors[slots]
        out = np.empty((len(slots), self.dim), dtype=np.float32)
        out[in_base] = self._base_vectors[slots[in_base]]
        out[~in_base] = self._tail_vectors[slots[~in_base] - self._n_base]
        return out

    def cosines(self, slots: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Exact inner products of the query with the vectors at ``slots`` (float32).

        Base slots that lie close together (a region's block, laid out contiguously at the snapshot) are scored
        with one matrix product over the block's rows, read in place, and the wanted ones picked from it; the
        rest are gathered first."""
        slots = np.asarray(slots, dtype=np.int64)
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        out = np.empty(len(slots), dtype=np.float32)
        if not len(slots):
            return out
        in_base = slots < self._n_base
        base = slots[in_base]
        if len(base):
            lo, hi = int(base.min()), int(base.max()) + 1
            if hi - lo <= 2 * len(base):  # dense enough: read the block in place rather than copy the rows
                out[in_base] = (self._base_vectors[lo:hi] @ q)[base - lo]
            else:
                out[in_base] = self._base_vectors[base] @ q
        if not in_base.all():
            out[~in_base] = self._tail_vectors[slots[~in_base] - self._n_base] @ q
        return out

    def _blob(self, base: tuple[np.ndarray, np.ndarray], tail: list[bytes], slot: int) -> bytes:
        if slot < self._n_base:
            offsets, data = base
            return data[offsets[slot]:offsets[slot + 1]].tobytes()
        return tail[slot - self._n_base]

    def text_at(self, slot: int) -> str:
        return self._blob(self._base_text, self._tail_text, slot).decode()

    def card_at(self, slot: int) -> Card:
        return decode_card(self._blob(self._base_card, self._tail_card, slot))

    def _held(self, ids: Iterable[int], read: Callable[[int], Any]) -> dict[int, Any]:
        """``read(slot)`` of each id the store holds."""
        out = {}
        for record_id in ids:
            slot = self._slot.get(int(record_id))
            if slot is not None:
                out[int(record_id)] = read(slot)
        return out

    def texts(self, ids: Iterable[int]) -> dict[int, str]:
        """Texts of the ids the store holds."""
        return self._held(ids, self.text_at)

    def lexical(self, ids: Iterable[int]) -> dict[int, LexicalDoc]:
        """What each held record's text offers the lexical score (:func:`matching.lexical.analyse_text`), kept for
        the texts scored most recently (a slot's text never changes, so they never go stale)."""
        out: dict[int, LexicalDoc] = {}
        missing: list[tuple[int, int]] = []
        with self._lexical_lock:
            for record_id in ids:
                slot = self._slot.get(int(record_id))
                if slot is None:
                    continue
                found = self._lexical.get(slot)
                if found is None:
                    missing.append((int(record_id), slot))
                else:
                    self._lexical.move_to_end(slot)
                    out[int(record_id)] = found
        made = [(record_id, slot, analyse_text(self.text_at(slot))) for record_id, slot in missing]
        with self._lexical_lock:
            for record_id, slot, doc in made:
                out[record_id] = doc
                if slot not in self._lexical:
                    self._lexical[slot] = doc
                    self._lexical_held += len(doc.keys)
            while self._lexical_held > LEXICAL_CACHED and self._lexical:
                _slot, doc = self._lexical.popitem(last=False)
                self._lexical_held -= len(doc.keys)
        return out

    def cards(self, ids: Iterable[int]) -> dict[int, Card]:
        """Cards of the ids the store holds."""
        return self._held(ids, self.card_at)

    # --- saved beside a snapshot -------------------------------------------------------------------------

    def to_arrays(self, order: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
        """The records ``order`` names (each must be held), in that order, as plain arrays for
        :meth:`from_arrays`: slot ``i`` of a store loaded from them is ``order[i]``."""
        ids = np.asarray(order, dtype=np.int64)
        slots = self.slots_of(ids)
        if (slots < 0).any():
            raise KeyError(f"the store does not hold {int(ids[slots < 0][0])}")
        texts = [self._blob(self._base_text, self._tail_text, s) for s in slots.tolist()]
        cards = [self._blob(self._base_card, self._tail_card, s) for s in slots.tolist()]
        out = {"ids": ids, "vectors": self.vectors_at(slots) if len(slots) else np.zeros((0, self.dim), np.float32)}
        for name, blobs in (("text", texts), ("card", cards)):
            lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
            out[f"{name}_offsets"] = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
            out[f"{name}_data"] = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], dim: int) -> RecordStore:
        """A store whose base is these arrays, read in place (memory-mapped ones stay mapped); ValueError if they
        are inconsistent."""
        store = cls(dim)
        try:
            ids = np.asarray(arrays["ids"], dtype=np.int64)
            vectors = arrays["vectors"]
            text = (np.asarray(arrays["text_offsets"]), arrays["text_data"])
            card = (np.asarray(arrays["card_offsets"]), arrays["card_data"])
        except KeyError as e:
            raise ValueError(f"saved records lack {e}") from None
        n = len(ids)
        if vectors.dtype != np.float32 or vectors.shape != (n, dim):
            raise ValueError(f"saved vectors are {vectors.dtype}{vectors.shape}, not float32({n}, {dim})")
        for name, (offsets, data) in (("text", text), ("card", card)):
            if data.dtype != np.uint8 or len(offsets) != n + 1 or offsets[0] != 0 or offsets[-1] != len(data) \
                    or (n and (np.diff(offsets) < 0).any()):
                raise ValueError(f"saved {name} offsets do not fit their data")
        store._slot = {int(i): s for s, i in enumerate(ids.tolist())}
        if len(store._slot) != n:
            raise ValueError("saved records repeat an id")
        store._base_vectors, store._base_text, store._base_card, store._n_base = vectors, text, card, n
        return store
