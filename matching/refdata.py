"""Reference data shipped in ``matching/data``: regions, occupations, industries, skills.

Each loader reads its CSV once and caches the result; nothing is read at import.
See ``matching/data/README.md`` for origins and licences.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class County:
    """县级行政区 (GB/T 2260, 6 digits)."""

    code: str
    name: str
    city_code: str
    city_name: str
    province_code: str
    province_name: str
    lon: float | None
    lat: float | None

    @property
    def full_name(self) -> str:
        city = "" if self.city_name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划") else self.city_name
        return f"{self.province_name}{city}{self.name}"


@dataclass(frozen=True, slots=True)
class City:
    """地级行政区 (4 digits)."""

    code: str
    name: str
    province_code: str
    province_name: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True, slots=True)
class Occupation:
    """职业分类大典 2022 entry. ``level`` 1 大类, 2 中类, 3 小类, 4 细类."""

    code: str
    level: int
    name: str
    definition: str
    tasks: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def clean_name(self) -> str:
        """Name without the trailing S (数字职业) / L (绿色职业) markers."""
        return re.sub(r"[SL]+$", "", self.name).strip()

    @property
    def parent_codes(self) -> tuple[str, str, str]:
        """(大类, 中类, 小类) codes of a 细类 code such as ``2-02-38-03``."""
        a, b, c, _ = self.code.split("-")
        return f"{a}-00-00-00", f"{a}-{b}-00-00", f"{a}-{b}-{c}-00"


@dataclass(frozen=True, slots=True)
class Industry:
    """国民经济行业分类 GB/T 4754-2017. ``level`` 1 门类 (letter) … 4 小类 (4 digits)."""

    code: str
    level: int
    name: str


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


@lru_cache(maxsize=1)
def counties() -> dict[str, County]:
    with open(DATA_DIR / "regions" / "cn_counties_2022_with_coords.csv", encoding="utf-8") as f:
        return {
            row["county_code"]: County(
                code=row["county_code"],
                name=row["county_name"],
                city_code=row["city_code"],
                city_name=row["city_name"],
                province_code=row["province_code"],
                province_name=row["province_name"],
                lon=_float(row["lon"]),
                lat=_float(row["lat"]),
            )
            for row in csv.DictReader(f)
        }


@lru_cache(maxsize=1)
def cities() -> dict[str, City]:
    with open(DATA_DIR / "regions" / "cn_cities_2022_with_coords.csv", encoding="utf-8") as f:
        return {
            row["city_code"]: City(
                code=row["city_code"],
                name=row["city_name"],
                province_code=row["province_code"],
                province_name=row["province_name"],
                lon=_float(row["lon"]),
                lat=_float(row["lat"]),
            )
            for row in csv.DictReader(f)
        }


@lru_cache(maxsize=1)
def provinces() -> dict[str, str]:
    return {c.province_code: c.province_name for c in counties().values()}


def county_centroid(code: str) -> tuple[float, float] | None:
    """(lat, lon) of a county, falling back to its city's centroid; None if unknown."""
    county = counties().get(code)
    if county is None:
        return None
    if county.lat is not None and county.lon is not None:
        return county.lat, county.lon
    city = cities().get(county.city_code)
    if city is not None and city.lat is not None and city.lon is not None:
        return city.lat, city.lon
    return None


def is_region_prefix(prefix: str) -> bool:
    """A province (2 digits), city (4) or county (6) code that exists."""
    if len(prefix) == 2:
        return prefix in provinces()
    if len(prefix) == 4:
        return prefix in cities() or any(c.city_code == prefix for c in counties().values())
    if len(prefix) == 6:
        return prefix in counties()
    return False


def _split_tasks(text: str) -> tuple[str, ...]:
    parts = re.split(r"\s*\d+\.\s*", text or "")
    return tuple(p.strip(" 。；;") for p in parts if p.strip(" 。；;"))


@lru_cache(maxsize=1)
def occupations() -> dict[str, Occupation]:
    """All 2,051 entries by code; 细类 have level 4."""
    with open(DATA_DIR / "occupations" / "csco22.csv", encoding="utf-8") as f:
        out: dict[str, Occupation] = {}
        for row in csv.DictReader(f):
            aliases = tuple(dict.fromkeys(a.strip() for a in row["alias"].split(",") if a.strip()))
            out[row["code"]] = Occupation(
                code=row["code"],
                level=int(row["level"]),
                name=row["name"].strip(),
                definition=row["definition"].strip(),
                tasks=_split_tasks(row["tasks"]),
                aliases=aliases,
            )
        return out


def detailed_occupations() -> list[Occupation]:
    """The 1,634 细类."""
    return [o for o in occupations().values() if o.level == 4]


@lru_cache(maxsize=1)
def industries() -> dict[str, Industry]:
    with open(DATA_DIR / "industries" / "gbt4754_2017.csv", encoding="utf-8") as f:
        return {
            row["code"]: Industry(code=row["code"], level=int(row["level"]), name=row["name"].strip())
            for row in csv.DictReader(f)
        }


@lru_cache(maxsize=1)
def skill_phrases() -> dict[str, int]:
    """Skill and duty phrases from the 拉勾 2019 lexicon, summed over job families."""
    with open(DATA_DIR / "skills" / "suitjob_lagou_duty_require_phrases_2019.json", encoding="utf-8") as f:
        raw = json.load(f)
    out: dict[str, int] = {}
    for family in raw.values():
        for part in ("duty", "require"):
            for phrase, stats in family.get(part, {}).items():
                out[phrase] = out.get(phrase, 0) + int(stats["freq"])
    return out
