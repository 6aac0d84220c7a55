"""Plain facts the service fills from its database rows, and columnar stores of many of them.

``JobFacts`` / ``SeekerFacts`` describe one posting or one seeker; ``JobColumns`` / ``SeekerColumns`` hold the
filterable attributes of many in numpy arrays so that a filter over a million postings is a few array
comparisons. The columns keep one row per live record plus rows of removed records (``alive`` False) until the
next compaction; a boolean mask over the columns is valid until the next ``upsert``/``remove``.

Conventions in the columns: dates are ``yyyymmdd`` integers (``-1`` unknown), so that
``(today - birth) // 10000`` is the age in whole years; region codes are the 6-digit county code as an integer
(``-1`` unknown), so a 2/4-digit prefix matches by integer division; occupation codes ``a-bb-cc-dd`` are packed
as ``a·10⁶ + bb·10⁴ + cc·10² + dd`` (the ``code_num`` of 职业分类大典), so ``//100`` is the 小类 and
``//10000`` the 中类.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np

from matching import geo, postings
from matching.codes import UNKNOWN, merge_ranges, occupation_int, region_int
from matching.enums import Education, FlagKind, FlagStatus, JobStatus, WorkType

WORK_TYPES: tuple[WorkType, ...] = tuple(WorkType)
FLAG_KINDS: tuple[FlagKind, ...] = tuple(FlagKind)
WORK_TYPE_CODE = {w: i for i, w in enumerate(WORK_TYPES)}
FLAG_BIT = {k: 1 << i for i, k in enumerate(FLAG_KINDS)}

NO_END = 99991231  # valid_until of a posting without one
UNLIMITED = np.iinfo(np.int32).max  # headcount left when none is given


# ---------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class FlagFact:
    """A priority-group flag (重点群体身份) on a seeker; it counts only when verified and unexpired."""

    kind: FlagKind
    status: FlagStatus
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class JobFacts:
    id: int
    employer_id: int
    title: str
    occupation_code: str | None
    region_code: str  # 6-digit county code
    lat: float | None
    lon: float | None
    salary_min: int | None
    salary_max: int | None
    education_min: Education | None
    experience_years: int | None
    age_min: int | None
    age_max: int | None
    work_type: WorkType
    headcount: int | None
    hired_count: int
    status: JobStatus
    valid_until: date | None
    skills: tuple[str, ...] = ()
    room_board: bool = False


@dataclass(frozen=True, slots=True)
class SeekerFacts:
    id: int
    birth_date: date | None
    education: Education | None
    graduation_date: date | None
    region_code: str  # residence county
    lat: float | None
    lon: float | None
    desired_regions: tuple[str, ...] = ()  # province (2) / city (4) / county (6) prefixes
    desired_salary_min: int | None = None
    desired_work_types: tuple[WorkType, ...] = ()
    desired_occupation_codes: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    willing_to_relocate: bool = False
    flags: tuple[FlagFact, ...] = ()
    unemployed_since: date | None = None
    experience_years: int | None = None


def as_instant(when: date | datetime) -> datetime:
    """The instant a check is made at, timezone-aware.

    A bare date means the end of that day, so a flag has to be valid through the whole day to count
    (a flag expiring at 15:00 today does not count today). Naive datetimes are read as UTC.
    """
    if isinstance(when, datetime):
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return datetime.combine(when, time.max, tzinfo=UTC)


def as_day(when: date | datetime) -> date:
    return when.date() if isinstance(when, datetime) else when


def flag_is_active(flag: FlagFact, now: date | datetime) -> bool:
    if flag.status != FlagStatus.verified:
        return False
    return flag.expires_at is None or as_instant(flag.expires_at) > as_instant(now)


def active_flags(flags: Iterable[FlagFact], now: date | datetime) -> frozenset[FlagKind]:
    """Kinds of the verified, unexpired flags; self-declared, rejected and expired flags never count."""
    return frozenset(f.kind for f in flags if flag_is_active(f, now))


def flag_bits(kinds: Iterable[FlagKind]) -> int:
    bits = 0
    for kind in kinds:
        bits |= FLAG_BIT[kind]
    return bits


def ymd(d: date | None) -> int:
    return UNKNOWN if d is None else d.year * 10000 + d.month * 100 + d.day


def age_on(birth: date | None, today: date) -> int | None:
    return None if birth is None else (ymd(today) - ymd(birth)) // 10000


def normalise_skill(skill: str) -> str:
    return unicodedata.normalize("NFKC", skill).strip().casefold()


def _float(value: float | int | None) -> float:
    return np.nan if value is None else float(value)


# ---------------------------------------------------------------------------------------------- columns


class _Col:
    """A column: a view of the first ``n`` rows of a growable array."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: _Columns | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj._data[self.name][: obj._n]


class Vocabulary:
    """Strings interned as small integers (skills); grows, never shrinks."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def intern(self, values: Iterable[str]) -> list[int]:
        out = []
        for v in values:
            out.append(self._ids.setdefault(v, len(self._ids)))
        return out

    def lookup(self, values: Iterable[str]) -> np.ndarray:
        """Ids of known values; unknown ones are dropped (they cannot match anything stored)."""
        return np.array(sorted({self._ids[v] for v in values if v in self._ids}), dtype=np.int64)


class Ragged:
    """Variable-length integer lists per row: one flat array plus ``start``/``length`` per row.

    Replacing a row appends a new segment (the old one is garbage until the owner compacts).
    """

    def __init__(self) -> None:
        self.flat = np.zeros(0, dtype=np.int64)
        self._used = 0

    def append(self, segments: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        lengths = np.fromiter((len(s) for s in segments), dtype=np.int64, count=len(segments))
        total = int(lengths.sum())
        need = self._used + total
        if need > len(self.flat):
            grown = np.zeros(max(need, 2 * len(self.flat), 64), dtype=np.int64)
            grown[: self._used] = self.flat[: self._used]
            self.flat = grown
        starts = self._used + np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        if total:
            self.flat[self._used : need] = np.fromiter(
                (v for s in segments for v in s), dtype=np.int64, count=total
            )
        self._used = need
        return starts, lengths

    def gather(self, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values, segment index) of the given rows' lists, concatenated in row order."""
        lengths = lengths.astype(np.int64)
        total = int(lengths.sum())
        seg = np.repeat(np.arange(len(lengths)), lengths)
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else np.zeros(0, np.int64)
        pos = np.repeat(starts.astype(np.int64) - offsets, lengths) + np.arange(total)
        return self.flat[pos], seg

    def rebuilt(self, starts: np.ndarray, lengths: np.ndarray) -> tuple[Ragged, np.ndarray]:
        values, _ = self.gather(starts, lengths)
        fresh = Ragged()
        fresh.flat = values.copy()
        fresh._used = len(values)
        new_starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64) if len(lengths) else starts
        return fresh, new_starts


class _Columns:
    """Growable arrays plus an id → row dict; removed rows are compacted away lazily."""

    _SPEC: dict[str, tuple[Any, Any]] = {}
    _RAGGED: tuple[str, ...] = ()
    _EXTRA_WIDTH: dict[str, int] = {}

    def __init__(self) -> None:
        self._n = 0
        self._dead = 0
        # Standalone columns compact themselves once half their rows are removed; an owner that lets queries
        # read while it writes turns this off and swaps in :meth:`compacted` copies instead.
        self.compact_on_remove = True
        self._row_of: dict[int, int] = {}
        self._data: dict[str, np.ndarray] = {}
        for name, (dtype, fill) in self._SPEC.items():
            width = self._EXTRA_WIDTH.get(name)
            shape = (0,) if width is None else (0, width)
            self._data[name] = np.full(shape, fill, dtype=dtype)
        self._ragged = {name: Ragged() for name in self._RAGGED}
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        # Rows sorted by region code, so a region scope is a few slices instead of a pass over every row.
        # Rows appended since the sort (``_region_sorted_n`` on) and rows whose region changed (``_moved``)
        # are always candidates; once they are many the writer sorts again.
        self._region_index: tuple[np.ndarray, np.ndarray] | None = None
        self._region_sorted_n = 0
        self._moved: list[int] = []
        self._moved_flag = np.zeros(0, dtype=bool)
        self.max_offset_km = 0.0  # farthest a row's point lies from its county's centroid

    ids = _Col()
    alive = _Col()
    slot = _Col()  # where the record's vector, text and card lie in its RecordStore (-1: none given)

    def __len__(self) -> int:
        """Live records."""
        return len(self._row_of)

    @property
    def n_rows(self) -> int:
        return self._n

    def __contains__(self, record_id: int) -> bool:
        return record_id in self._row_of

    def _grow(self, need: int) -> None:
        for name, arr in self._data.items():
            if need > len(arr):
                dtype, fill = self._SPEC[name]
                shape = (max(need, 2 * len(arr), 64),) + arr.shape[1:]
                grown = np.full(shape, fill, dtype=dtype)
                grown[: self._n] = arr[: self._n]
                self._data[name] = grown

    def _store(self, records: dict[int, dict[str, Any]], slots: Mapping[int, int] | None = None) -> None:
        if not records:
            return
        for rid, record in records.items():
            record["slot"] = -1 if slots is None else slots.get(rid, -1)
        rows = []
        appended = 0
        for rid in records:
            row = self._row_of.get(rid)
            if row is None:
                row = self._n + appended
                appended += 1
                self._row_of[rid] = row
                self._sorted = None
            rows.append(row)
        new_n = max(self._n, max(rows) + 1)
        self._grow(new_n)
        idx = np.array(rows, dtype=np.int64)
        values = list(records.values())
        self._note_regions(idx, np.array([v["region"] for v in values], dtype=np.int64))
        self._n = new_n
        for name in self._SPEC:
            if name in ("alive",):
                continue
            if name.endswith("_start") or name.endswith("_len"):
                continue
            self._data[name][idx] = np.array([v[name] for v in values], dtype=self._SPEC[name][0])
        self._data["alive"][idx] = True
        for name in self._RAGGED:
            starts, lengths = self._ragged[name].append([v[name] for v in values])
            self._data[name + "_start"][idx] = starts
            self._data[name + "_len"][idx] = lengths
        self._note_offsets(idx)
        if (self._n - self._region_sorted_n) + len(self._moved) > max(4096, self._n // 32):
            self._sort_regions()

    # --- the region index ---------------------------------------------------------------------

    def _note_regions(self, idx: np.ndarray, regions: np.ndarray) -> None:
        """Before rows are written: rows already sorted whose region changes become candidates everywhere."""
        sorted_rows = idx[idx < self._region_sorted_n]
        if not len(sorted_rows):
            return
        changed = sorted_rows[self._data["region"][sorted_rows] != regions[idx < self._region_sorted_n]]
        fresh = changed[~self._moved_flag[changed]]
        self._moved_flag[fresh] = True
        self._moved.extend(fresh.tolist())

    def _note_offsets(self, idx: np.ndarray) -> None:
        offsets = geo.offsets_from_county_km(self._data["region"][idx], self._data["lat"][idx], self._data["lon"][idx])
        if len(offsets) and np.isfinite(offsets).any():
            self.max_offset_km = max(self.max_offset_km, float(np.nanmax(offsets)))

    def _sort_regions(self) -> None:
        live = np.flatnonzero(self.alive)
        order = live[np.argsort(self.region[live], kind="stable")]
        self._region_index = (self.region[order].copy(), order)
        self._region_sorted_n = self._n
        self._moved = []
        self._moved_flag = np.zeros(self._n, dtype=bool)

    def region_rows(self, ranges: Sequence[tuple[int, int]]) -> np.ndarray:
        """Rows that may lie in one of the inclusive region-code ranges: every row that does, and possibly some
        that no longer do (removed, or moved since the last sort) — callers apply the region filter to them."""
        if self._region_index is None:
            self._sort_regions()
        regions, order = self._region_index
        sorted_n, moved = self._region_sorted_n, np.array(self._moved, dtype=np.int64)
        merged = merge_ranges(ranges)  # disjoint slices: no row twice
        lo = np.array([r[0] for r in merged], dtype=np.int64)
        hi = np.array([r[1] for r in merged], dtype=np.int64)
        # the bounds in the index's own dtype: int64 bounds made numpy cast the whole int32 index first (0.27 ms a
        # call at a million rows, twice a query)
        lo, hi = np.clip(lo, -1, 999_999).astype(regions.dtype), np.clip(hi, -1, 999_999).astype(regions.dtype)
        starts, ends = np.searchsorted(regions, lo, "left"), np.searchsorted(regions, hi, "right")
        parts = [order[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True) if b > a]
        rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if len(moved):
            rows = np.concatenate([rows[~self._moved_flag[rows]], moved])
        return np.concatenate([rows, np.arange(sorted_n, self._n, dtype=np.int64)])

    def remove(self, ids: Iterable[int]) -> None:
        rows = [self._row_of.pop(int(i)) for i in ids if int(i) in self._row_of]
        if not rows:
            return
        self._data["alive"][np.array(rows, dtype=np.int64)] = False
        self._dead += len(rows)
        self._sorted = None
        if self.compact_on_remove and self.wants_compaction():
            self.compact()

    def wants_compaction(self) -> bool:
        """More than half the rows (and over 1,024) are removed ones."""
        return self._dead > max(1024, self._n // 2)

    def compacted(self):
        """A compacted copy (see :meth:`compact`), leaving this object as it is: a query that computed row
        numbers on it keeps reading the rows they meant while the owner swaps the copy in."""
        fresh = copy.copy(self)
        fresh._data, fresh._ragged = dict(self._data), dict(self._ragged)  # compact rebinds, never writes into
        fresh.compact()
        return fresh

    def compact(self) -> None:
        """Drop removed rows and lay the rest out in region order; row numbers change (earlier masks become
        invalid).

        In region order a county's, city's or province's rows are one contiguous block, so the filters of a
        region scope read their columns sequentially instead of gathering scattered rows: on 1M postings a
        province's 34k rows cost ~0.5 ms a column gathered from across the arrays.
        """
        live = np.flatnonzero(self.alive)
        keep = live[np.argsort(self.region[live], kind="stable")]
        for name in self._data:
            self._data[name] = self._data[name][keep].copy()
        for name in self._RAGGED:
            starts = self._data[name + "_start"]
            lengths = self._data[name + "_len"]
            self._ragged[name], self._data[name + "_start"] = self._ragged[name].rebuilt(starts, lengths)
        self._n = len(keep)
        self._dead = 0
        self._row_of = {int(i): r for r, i in enumerate(self._data["ids"])}
        self._sorted = None
        self._sort_regions()

    def set_slots(self, slots: np.ndarray) -> None:
        """Every row's record-store slot at once (a store laid out in this object's row order)."""
        slots = np.asarray(slots, dtype=np.int64)
        if len(slots) != self._n:
            raise ValueError(f"{len(slots)} slots for {self._n} rows")
        self._data["slot"][: self._n] = slots

    # --- saved beside an index snapshot ------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The live rows as plain arrays (compacted, in region order), for :meth:`from_arrays`: a replica starts
        from these instead of reading every record from the database."""
        fresh = self.compacted()
        out = {f"col.{name}": arr[: fresh._n] for name, arr in fresh._data.items()}
        out.update({f"ragged.{name}": r.flat[: r._used] for name, r in fresh._ragged.items()})
        for attr, vocab in fresh._vocabularies().items():
            out[f"vocab.{attr}"] = np.array(sorted(vocab._ids, key=vocab._ids.__getitem__), dtype=str)
        out["max_offset_km"] = np.array(fresh.max_offset_km, dtype=np.float64)
        return out

    @classmethod
    def from_arrays(cls, arrays: Any):
        """Columns saved by :meth:`to_arrays`; ValueError if they are not this class's, or inconsistent."""
        columns = cls()
        n = None
        data = {}
        for name, (dtype, _fill) in cls._SPEC.items():
            key = f"col.{name}"
            if key not in arrays:
                raise ValueError(f"saved columns lack {name}")
            arr = np.asarray(arrays[key])
            width = cls._EXTRA_WIDTH.get(name)
            if arr.dtype != np.dtype(dtype) or arr.ndim != (1 if width is None else 2) or \
                    (width is not None and arr.shape[1] != width):
                raise ValueError(f"saved column {name} is {arr.dtype}{arr.shape}")
            if n is None:
                n = len(arr)
            elif len(arr) != n:
                raise ValueError(f"saved column {name} has {len(arr)} rows, not {n}")
            data[name] = np.array(arr)  # writable, owned
        for name in cls._RAGGED:
            flat = np.asarray(arrays.get(f"ragged.{name}", np.zeros(0, np.int64)), dtype=np.int64)
            ends = data[name + "_start"] + data[name + "_len"]
            if len(ends) and (ends.max() > len(flat) or data[name + "_start"].min() < 0):
                raise ValueError(f"saved list column {name} points past its values")
            columns._ragged[name].flat = flat.copy()
            columns._ragged[name]._used = len(flat)
        for attr, vocab in columns._vocabularies().items():
            values = [str(v) for v in np.asarray(arrays.get(f"vocab.{attr}", np.zeros(0, dtype=str)))]
            vocab._ids = {v: i for i, v in enumerate(values)}
        if not bool(np.all(data["alive"])):
            raise ValueError("saved columns hold removed rows")
        columns._data, columns._n = data, n or 0
        columns._row_of = {int(i): r for r, i in enumerate(data["ids"])}
        if len(columns._row_of) != columns._n:
            raise ValueError("saved columns repeat an id")
        columns.max_offset_km = float(np.asarray(arrays.get("max_offset_km", 0.0)))
        columns._sort_regions()
        return columns

    def _vocabularies(self) -> dict[str, Vocabulary]:
        return {name: v for name, v in vars(self).items() if isinstance(v, Vocabulary)}

    def rows_of(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Row of each id, ``-1`` where unknown or removed (a sorted index, rebuilt after inserts/removals)."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._sorted is None:
            live = np.flatnonzero(self.alive)
            order = np.argsort(self.ids[live], kind="stable")
            self._sorted = (self.ids[live][order], live[order])
        keys, rows = self._sorted
        if len(keys) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(keys, ids), 0, len(keys) - 1)
        return np.where(keys[pos] == ids, rows[pos], -1).astype(np.int64)

    def ragged(self, name: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values, position in ``rows``) of a list column for the given rows."""
        return self._ragged[name].gather(self._data[name + "_start"][rows], self._data[name + "_len"][rows])


def _spec_with_ragged(spec: dict[str, tuple[Any, Any]], ragged: tuple[str, ...]) -> dict[str, tuple[Any, Any]]:
    out = dict(spec)
    for name in ragged:
        out[name + "_start"] = (np.int64, 0)
        out[name + "_len"] = (np.int32, 0)
    return out


class JobColumns(_Columns):
    """Filterable attributes of many postings, one row each (see the module docstring for encodings)."""

    _RAGGED = ("skills",)
    _SPEC = _spec_with_ragged(
        {
            "ids": (np.int64, -1),
            "alive": (np.bool_, False),
            "slot": (np.int64, -1),
            "region": (np.int32, UNKNOWN),
            "lat": (np.float32, np.nan),
            "lon": (np.float32, np.nan),
            "salary_min": (np.float32, np.nan),
            "salary_max": (np.float32, np.nan),
            "education": (np.int8, UNKNOWN),  # Education.rank; -1 = no requirement
            "age_min": (np.int16, UNKNOWN),
            "age_max": (np.int16, UNKNOWN),
            "work_type": (np.int8, 0),  # index in WORK_TYPES
            "is_open": (np.bool_, False),  # status open, a place left, not removed
            "pay": (np.float32, np.nan),  # best pay on offer: salary_max, else salary_min
            "valid_until": (np.int32, NO_END),
            "headcount_left": (np.int32, UNLIMITED),
            "occupation": (np.int64, UNKNOWN),
            "room_board": (np.bool_, False),
        },
        _RAGGED,
    )

    region = _Col()
    lat = _Col()
    lon = _Col()
    salary_min = _Col()
    salary_max = _Col()
    education = _Col()
    age_min = _Col()
    age_max = _Col()
    work_type = _Col()
    is_open = _Col()
    valid_until = _Col()
    headcount_left = _Col()
    occupation = _Col()
    room_board = _Col()

    def __init__(self) -> None:
        super().__init__()
        self.skill_vocab = Vocabulary()

    @property
    def city(self) -> np.ndarray:
        return np.where(self.region >= 0, self.region // 100, UNKNOWN)

    @property
    def province(self) -> np.ndarray:
        return np.where(self.region >= 0, self.region // 10000, UNKNOWN)

    pay = _Col()

    def open_mask(self, today: date, rows: np.ndarray | None = None) -> np.ndarray:
        """Open, not past valid_until, not yet filled, not removed (:func:`matching.postings.is_matchable` over
        the columns: ``is_open`` holds status and places, ``valid_until`` is compared here)."""
        if rows is None:
            return self.is_open & (self.valid_until >= ymd(today))
        return self.is_open[rows] & (self.valid_until[rows] >= ymd(today))

    def remove(self, ids: Iterable[int]) -> None:
        rows = [self._row_of[int(i)] for i in ids if int(i) in self._row_of]
        self._data["is_open"][np.array(rows, dtype=np.int64)] = False
        super().remove(ids)

    @classmethod
    def from_facts(cls, facts: Iterable[JobFacts]) -> JobColumns:
        columns = cls()
        columns.upsert(facts)
        return columns

    def upsert(self, facts: Iterable[JobFacts], slots: Mapping[int, int] | None = None) -> None:
        self._store({f.id: self._record(f) for f in facts}, slots)

    def _record(self, f: JobFacts) -> dict[str, Any]:
        lat, lon = geo.point_of(f.region_code, f.lat, f.lon)
        places = postings.places_left(f.headcount, f.hired_count)
        left = UNLIMITED if places is None else places
        return {
            "ids": f.id,
            "region": region_int(f.region_code),
            "lat": lat,
            "lon": lon,
            "salary_min": _float(f.salary_min),
            "salary_max": _float(f.salary_max),
            "education": UNKNOWN if f.education_min is None else f.education_min.rank,
            "age_min": UNKNOWN if f.age_min is None else f.age_min,
            "age_max": UNKNOWN if f.age_max is None else f.age_max,
            "work_type": WORK_TYPE_CODE[f.work_type],
            "is_open": f.status == JobStatus.open and left > 0,
            "pay": _float(f.salary_max if f.salary_max is not None else f.salary_min),
            "valid_until": NO_END if f.valid_until is None else ymd(f.valid_until),
            "headcount_left": left,
            "occupation": occupation_int(f.occupation_code),
            "room_board": bool(f.room_board),
            "skills": sorted(set(self.skill_vocab.intern(normalise_skill(s) for s in f.skills if s.strip()))),
        }


class SeekerColumns(_Columns):
    """Filterable attributes of many seekers (consent is the service's filter, not this one's)."""

    _RAGGED = ("regions", "skills", "occupations")  # regions: lo·10⁶ + hi of each desired range
    _EXTRA_WIDTH = {"flag_expiry": len(FLAG_KINDS)}
    _SPEC = _spec_with_ragged(
        {
            "ids": (np.int64, -1),
            "alive": (np.bool_, False),
            "slot": (np.int64, -1),
            "region": (np.int32, UNKNOWN),
            "lat": (np.float32, np.nan),
            "lon": (np.float32, np.nan),
            "birth": (np.int32, UNKNOWN),
            "education": (np.int8, UNKNOWN),
            "graduation": (np.int32, UNKNOWN),
            "unemployed_since": (np.int32, UNKNOWN),
            "desired_salary": (np.float32, np.nan),
            "work_types": (np.int32, 0),  # bitmask over WORK_TYPES; 0 = any
            "relocate": (np.bool_, False),
            # per flag kind: latest expiry (POSIX seconds) of a verified flag; -inf none, +inf never expires
            "flag_expiry": (np.float64, -np.inf),
        },
        _RAGGED,
    )

    region = _Col()
    lat = _Col()
    lon = _Col()
    birth = _Col()
    education = _Col()
    graduation = _Col()
    unemployed_since = _Col()
    desired_salary = _Col()
    work_types = _Col()
    relocate = _Col()
    flag_expiry = _Col()

    def __init__(self) -> None:
        super().__init__()
        self.skill_vocab = Vocabulary()

    def active_bits(self, now: date | datetime, rows: np.ndarray | None = None) -> np.ndarray:
        """Bitmask (``FLAG_BIT``) of each seeker's verified, unexpired flags at ``now``."""
        expiry = self.flag_expiry if rows is None else self.flag_expiry[rows]
        active = expiry > as_instant(now).timestamp()
        weights = np.array([FLAG_BIT[k] for k in FLAG_KINDS], dtype=np.int64)
        return (active.astype(np.int64) * weights).sum(axis=1)

    @classmethod
    def from_facts(cls, facts: Iterable[SeekerFacts]) -> SeekerColumns:
        columns = cls()
        columns.upsert(facts)
        return columns

    def upsert(self, facts: Iterable[SeekerFacts], slots: Mapping[int, int] | None = None) -> None:
        self._store({f.id: self._record(f) for f in facts}, slots)

    def _record(self, f: SeekerFacts) -> dict[str, Any]:
        lat, lon = geo.point_of(f.region_code, f.lat, f.lon)
        expiry = np.full(len(FLAG_KINDS), -np.inf)
        for flag in f.flags:
            if flag.status != FlagStatus.verified:
                continue
            at = np.inf if flag.expires_at is None else as_instant(flag.expires_at).timestamp()
            i = FLAG_KINDS.index(flag.kind)
            expiry[i] = max(expiry[i], at)
        ranges = geo.desired_ranges(f)
        bits = 0
        for w in f.desired_work_types:
            bits |= 1 << WORK_TYPE_CODE[w]
        return {
            "ids": f.id,
            "region": region_int(f.region_code),
            "lat": lat,
            "lon": lon,
            "birth": ymd(f.birth_date),
            "education": UNKNOWN if f.education is None else f.education.rank,
            "graduation": ymd(f.graduation_date),
            "unemployed_since": ymd(f.unemployed_since),
            "desired_salary": _float(f.desired_salary_min),
            "work_types": bits,
            "relocate": bool(f.willing_to_relocate),
            "flag_expiry": expiry,
            "regions": [lo * 1_000_000 + hi for lo, hi in ranges],
            "skills": sorted(set(self.skill_vocab.intern(normalise_skill(s) for s in f.skills if s.strip()))),
            "occupations": sorted({c for c in map(occupation_int, f.desired_occupation_codes) if c >= 0}),
        }
