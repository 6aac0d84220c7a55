"""Distances and region scopes (县 / 市 / 省 / 半径 / 不限), vectorised over columns.

A scope relates a posting's place to a seeker's residence and reads the same from either side:
``county``/``city``/``province`` — both in the same county/city/province; ``radius_km(N)`` — within N km
(coordinates, else county centroids); ``anywhere``; and ``desired`` (the default) — the posting lies in one of
the seeker's desired regions, or, when the seeker gave none, in their residence county's city
(anywhere at all when they gave none and said they are willing to relocate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from matching import refdata
from matching.codes import UNKNOWN, region_int, region_range, segment_sum

if TYPE_CHECKING:
    from matching.facts import JobColumns, SeekerColumns, SeekerFacts

EARTH_RADIUS_KM = 6371.0088
ANYWHERE = (0, 999_999)
ANYWHERE_PACKED = ANYWHERE[0] * 1_000_000 + ANYWHERE[1]


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km, broadcasting over arrays; NaN where a coordinate is unknown."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=np.float64)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_km_one(lat1, lon1, lat2, lon2) -> float | None:
    """:func:`haversine_km` of one pair with the math module (an explanation asks for one pair: numpy's per-call
    cost was most of it); None where a coordinate is unknown."""
    if lat1 is None or lon1 is None or lat2 is None or lon2 is None or \
            math.isnan(lat1) or math.isnan(lon1) or math.isnan(lat2) or math.isnan(lon2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((math.radians(lon2) - math.radians(lon1)) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


KM_PER_DEGREE_LAT = EARTH_RADIUS_KM * np.pi / 180


def mask_within_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float, km: float) -> np.ndarray:
    """haversine ≤ km, computed only inside the latitude band that any such point lies in
    (a great-circle distance is at least R·|Δlat|), so a radius over a million rows stays cheap."""
    lat = np.asarray(lat)
    band = np.abs(lat.astype(np.float64) - lat0) <= km / KM_PER_DEGREE_LAT + 1e-6
    idx = np.flatnonzero(band)
    out = np.zeros(lat.shape, dtype=bool)
    out[idx] = haversine_km(lat[idx], np.asarray(lon)[idx], lat0, lon0) <= km
    return out


@lru_cache(maxsize=1)
def _county_anchors() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sorted county codes, lat, lon) of every county's centroid (its city's where the county has none)."""
    codes = sorted(refdata.counties())
    points = [refdata.county_centroid(c) or (np.nan, np.nan) for c in codes]
    return (np.array([int(c) for c in codes], dtype=np.int64),
            np.array([p[0] for p in points], dtype=np.float64), np.array([p[1] for p in points], dtype=np.float64))


def _anchor_of(regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, lat, lon = _county_anchors()
    regions = np.asarray(regions, dtype=np.int64)
    pos = np.clip(np.searchsorted(codes, regions), 0, len(codes) - 1)
    known = codes[pos] == regions
    return np.where(known, lat[pos], np.nan), np.where(known, lon[pos], np.nan)


def offsets_from_county_km(regions: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """How far each point lies from its county's centroid (NaN where either is unknown)."""
    anchor_lat, anchor_lon = _anchor_of(regions)
    return haversine_km(lat, lon, anchor_lat, anchor_lon)


def counties_within_km(lat0: float, lon0: float, km: float) -> list[tuple[int, int]]:
    """Region ranges of the counties whose centroid is within ``km`` (those without one are always in)."""
    codes, lat, lon = _county_anchors()
    d = haversine_km(lat, lon, lat0, lon0)
    keep = np.isnan(d) | (d <= km)
    return [(c, c) for c in codes[keep].tolist()]


def point_of(region_code: str | None, lat: float | None, lon: float | None) -> tuple[float, float]:
    """(lat, lon) as stored in the columns (float32 precision): the given point, else the county centroid."""
    if lat is None or lon is None:
        centroid = refdata.county_centroid(region_code) if region_code else None
        if centroid is None:
            return np.nan, np.nan
        lat, lon = centroid
    return float(np.float32(lat)), float(np.float32(lon))


class ScopeKind(StrEnum):
    desired = "desired"
    county = "county"
    city = "city"
    province = "province"
    radius = "radius"
    anywhere = "anywhere"


SCOPE_LABELS = {
    ScopeKind.desired: "意向地区",
    ScopeKind.county: "同县区",
    ScopeKind.city: "同城市",
    ScopeKind.province: "同省份",
    ScopeKind.radius: "距离范围内",
    ScopeKind.anywhere: "不限地区",
}


@dataclass(frozen=True, slots=True)
class RegionScope:
    kind: ScopeKind = ScopeKind.desired
    radius_km: float | None = None

    def __post_init__(self) -> None:
        if (self.kind == ScopeKind.radius) != (self.radius_km is not None):
            raise ValueError("radius_km is given exactly for the radius scope")
        if self.radius_km is not None and not self.radius_km > 0:
            raise ValueError("radius_km must be positive")

    @classmethod
    def desired(cls) -> RegionScope:
        return cls(ScopeKind.desired)

    @classmethod
    def county(cls) -> RegionScope:
        return cls(ScopeKind.county)

    @classmethod
    def city(cls) -> RegionScope:
        return cls(ScopeKind.city)

    @classmethod
    def province(cls) -> RegionScope:
        return cls(ScopeKind.province)

    @classmethod
    def within_km(cls, km: float) -> RegionScope:
        return cls(ScopeKind.radius, float(km))

    @classmethod
    def anywhere(cls) -> RegionScope:
        return cls(ScopeKind.anywhere)

    @classmethod
    def parse(cls, text: str) -> RegionScope:
        """``county`` / ``city`` / ``province`` / ``anywhere`` / ``desired`` / ``radius:30``."""
        if text.startswith("radius:"):
            return cls.within_km(float(text.removeprefix("radius:")))
        return cls(ScopeKind(text))

    @property
    def label(self) -> str:
        if self.kind == ScopeKind.radius:
            return f"{self.radius_km:g}公里内"
        return SCOPE_LABELS[self.kind]


def desired_prefixes(seeker: SeekerFacts) -> tuple[str, ...]:
    """The seeker's desired regions, else their residence county's city (4 digits); () means anywhere."""
    if seeker.desired_regions:
        return tuple(seeker.desired_regions)
    if seeker.willing_to_relocate or region_int(seeker.region_code) == UNKNOWN:
        return ()
    return (seeker.region_code[:4],)


def desired_ranges(seeker: SeekerFacts) -> tuple[tuple[int, int], ...]:
    prefixes = desired_prefixes(seeker)
    return tuple(region_range(p) for p in prefixes) if prefixes else (ANYWHERE,)


def region_name(prefix: str) -> str:
    if len(prefix) == 6 and (county := refdata.counties().get(prefix)):
        return county.full_name
    if len(prefix) == 4 and (city := refdata.cities().get(prefix)):
        return city.name
    return refdata.provinces().get(prefix[:2], prefix) if len(prefix) == 2 else prefix


def counties_under(prefix: str | None) -> list[tuple[str, str]]:
    """Every county (code, full name) of a province, city or county prefix (all of them for None), by code."""
    return [(code, c.full_name) for code, c in sorted(refdata.counties().items())
            if prefix is None or code.startswith(prefix)]


def _in_ranges(region: np.ndarray, ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
    if ANYWHERE in ranges:
        return np.ones(region.shape, dtype=bool)
    mask = np.zeros(region.shape, dtype=bool)
    for lo, hi in ranges:
        mask |= (region >= lo) & (region <= hi)
    return mask


def _same(a: np.ndarray, b: int, divisor: int) -> np.ndarray:
    return (a >= 0) & (b >= 0) & (a // divisor == b // divisor)


_DIVISOR = {ScopeKind.county: 1, ScopeKind.city: 100, ScopeKind.province: 10_000}


def _radius_ranges(lat: float, lon: float, km: float, columns: JobColumns | SeekerColumns) -> list[tuple[int, int]]:
    if np.isnan(lat) or np.isnan(lon):
        return []
    return counties_within_km(lat, lon, km + columns.max_offset_km + 1.0)


def job_scope_ranges(
    columns: JobColumns, seeker: SeekerFacts, scope: RegionScope
) -> list[tuple[int, int]] | None:
    """Region-code ranges holding every posting in the seeker's scope (a superset); None: any row may be."""
    if scope.kind == ScopeKind.anywhere:
        return None
    if scope.kind == ScopeKind.desired:
        ranges = desired_ranges(seeker)
        return None if ANYWHERE in ranges else list(ranges)
    home = region_int(seeker.region_code)
    if scope.kind in _DIVISOR:
        if home == UNKNOWN:
            return []
        divisor = _DIVISOR[scope.kind]
        return [((home // divisor) * divisor, (home // divisor) * divisor + divisor - 1)]
    lat, lon = point_of(seeker.region_code, seeker.lat, seeker.lon)
    return _radius_ranges(lat, lon, scope.radius_km, columns)


def seeker_scope_ranges(
    columns: SeekerColumns, job_region: str, job_point: tuple[float, float], scope: RegionScope
) -> list[tuple[int, int]] | None:
    """Residence ranges holding every seeker in a posting's scope (a superset); None: any row may be."""
    if scope.kind in (ScopeKind.anywhere, ScopeKind.desired):  # desired: the seekers' own lists decide
        return None
    target = region_int(job_region)
    if scope.kind in _DIVISOR:
        if target == UNKNOWN:
            return []
        divisor = _DIVISOR[scope.kind]
        return [((target // divisor) * divisor, (target // divisor) * divisor + divisor - 1)]
    return _radius_ranges(job_point[0], job_point[1], scope.radius_km, columns)


def jobs_in_scope(
    columns: JobColumns, seeker: SeekerFacts, scope: RegionScope, rows: np.ndarray | None = None
) -> np.ndarray:
    """Mask over the columns' rows (or over ``rows``) of postings in the seeker's scope."""
    region = columns.region if rows is None else columns.region[rows]
    if scope.kind == ScopeKind.anywhere:
        return np.ones(region.shape, dtype=bool)
    if scope.kind == ScopeKind.desired:
        return _in_ranges(region, desired_ranges(seeker))
    home = region_int(seeker.region_code)
    if scope.kind in _DIVISOR:
        return _same(region, home, _DIVISOR[scope.kind])
    lat, lon = point_of(seeker.region_code, seeker.lat, seeker.lon)
    job_lat = columns.lat if rows is None else columns.lat[rows]
    job_lon = columns.lon if rows is None else columns.lon[rows]
    return mask_within_km(job_lat, job_lon, lat, lon, scope.radius_km)


def seekers_in_scope(
    columns: SeekerColumns,
    job_region: str,
    job_point: tuple[float, float],
    scope: RegionScope,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Mask over seekers whose scope (``desired``) or residence (other kinds) fits a posting's place."""
    region = columns.region if rows is None else columns.region[rows]
    n = len(region)
    if scope.kind == ScopeKind.anywhere:
        return np.ones(n, dtype=bool)
    target = region_int(job_region)
    if scope.kind == ScopeKind.desired:
        all_rows = np.arange(columns.n_rows) if rows is None else rows
        packed, seg = columns.ragged("regions", all_rows)
        lo, hi = packed // 1_000_000, packed % 1_000_000
        hit = (packed == ANYWHERE_PACKED) | ((lo <= target) & (target <= hi) & (target >= 0))
        return segment_sum(hit.astype(np.float64), seg, n) > 0
    if scope.kind in _DIVISOR:
        return _same(region, target, _DIVISOR[scope.kind])
    lat = columns.lat if rows is None else columns.lat[rows]
    lon = columns.lon if rows is None else columns.lon[rows]
    return mask_within_km(lat, lon, job_point[0], job_point[1], scope.radius_km)


def pair_in_scope(
    job_region: str, job_point: tuple[float, float], seeker: SeekerFacts, scope: RegionScope
) -> tuple[bool, float | None]:
    """One pair, the same rule as the masks; returns (inside, distance km or None)."""
    seeker_point = point_of(seeker.region_code, seeker.lat, seeker.lon)
    distance = haversine_km_one(job_point[0], job_point[1], seeker_point[0], seeker_point[1])
    target, home = region_int(job_region), region_int(seeker.region_code)
    if scope.kind == ScopeKind.anywhere:
        return True, distance
    if scope.kind == ScopeKind.desired:
        ranges = desired_ranges(seeker)
        return ANYWHERE in ranges or any(lo <= target <= hi for lo, hi in ranges), distance
    if scope.kind in _DIVISOR:
        div = _DIVISOR[scope.kind]
        return target >= 0 and home >= 0 and target // div == home // div, distance
    return distance is not None and distance <= scope.radius_km, distance
