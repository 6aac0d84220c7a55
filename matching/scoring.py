"""Two-sided matching logic: hard eligibility, soft fit, bounded policy priority, explanations.

Pure: plain dataclasses and numpy in, plain data out.

Fit. Each candidate's fit is the weighted mean of components in [0, 1]: semantic similarity
(cosine, rescaled above a model-specific floor), lexical overlap (character n-grams), skill overlap,
location proximity exp(−d/τ), salary fit and occupation match (same 细类 1.0, 小类 0.7, 中类 0.4).

Priority, precisely. For a candidate pool with fits f, let spread = p90(f) − p10(f) and
B = min(cap_abs, cap_rel · spread). A candidate whose active flags (verified, unexpired) carry
weights w_k gets boost = B · min(1, Σ w_k); score = fit + boost. Since 0 ≤ boost ≤ B:
    if fit_a − fit_b > B then score_a > score_b, whatever their flags.
So a boost reorders only candidates whose fit differs by at most B ("comparable"), and never lifts
a clearly less fitting candidate (by more than B) above a clearly better one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from matching import refdata
from matching.enums import FLAG_LABELS, WORK_TYPE_LABELS, Education, FlagKind, FlagStatus, JobStatus, WorkType

POLICY_FILE = Path(__file__).resolve().parent / "policies" / "priority.yaml"


# --- facts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlagFact:
    kind: FlagKind
    status: FlagStatus
    expires_at: datetime | None = None


def active_flags(flags: Iterable[FlagFact], now: datetime) -> frozenset[FlagKind]:
    """Verified and unexpired flags only: the ones that count for priority and reserved posts."""
    return frozenset(
        f.kind for f in flags if f.status is FlagStatus.verified and (f.expires_at is None or f.expires_at > now)
    )


@dataclass(frozen=True, slots=True)
class JobFacts:
    id: int
    title: str
    region_code: str
    lat: float | None = None
    lon: float | None = None
    occupation_code: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    education_min: Education | None = None
    age_min: int | None = None
    age_max: int | None = None
    work_type: WorkType = WorkType.full_time
    headcount: int = 1
    hired_count: int = 0
    status: JobStatus = JobStatus.open
    valid_until: date | None = None
    skills: tuple[str, ...] = ()
    room_board: bool = False
    employer_id: int = 0


@dataclass(frozen=True, slots=True)
class SeekerFacts:
    id: int
    region_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    birth_date: date | None = None
    education: Education | None = None
    graduation_date: date | None = None
    desired_regions: tuple[str, ...] = ()
    desired_salary_min: int | None = None
    desired_work_types: tuple[WorkType, ...] = ()
    desired_occupation_codes: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    willing_to_relocate: bool = False
    flags: frozenset[FlagKind] = frozenset()  # active flags only
    unemployed_since: date | None = None

    def age(self, today: date) -> int | None:
        b = self.birth_date
        return None if b is None else today.year - b.year - ((today.month, today.day) < (b.month, b.day))


# --- reserved posts and filters --------------------------------------------------------------


@dataclass(frozen=True)
class PriorityPolicy:
    """Per-deployment policy (YAML): priority weights per flag kind, the boost bound, reserved posts."""

    weights: dict[FlagKind, float]
    cap_abs: float = 0.08
    cap_rel: float = 0.5
    public_welfare_kinds: frozenset[FlagKind] = frozenset({FlagKind.hard_to_employ, FlagKind.zero_employment_household})
    internship_graduate_years: int = 2
    internship_youth_ages: tuple[int, int] = (16, 24)
    sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str = POLICY_FILE) -> PriorityPolicy:
        path = Path(path)
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        allowed = {"weights", "cap_abs", "cap_rel", "public_welfare_kinds", "internship", "sources", "description"}
        unknown = set(raw) - allowed
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
        try:
            weights = {FlagKind(k): float(v) for k, v in (raw.get("weights") or {}).items()}
            kinds = frozenset(FlagKind(k) for k in raw.get("public_welfare_kinds", cls.public_welfare_kinds))
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from e
        if any(w < 0 or w > 1 for w in weights.values()):
            raise ValueError(f"{path}: weights must lie in [0, 1]")
        internship = raw.get("internship") or {}
        policy = cls(weights=weights, cap_abs=float(raw.get("cap_abs", 0.08)), cap_rel=float(raw.get("cap_rel", 0.5)),
                     public_welfare_kinds=kinds,
                     internship_graduate_years=int(internship.get("graduate_years", 2)),
                     internship_youth_ages=tuple(internship.get("youth_ages", (16, 24))),
                     sources={str(k): str(v) for k, v in (raw.get("sources") or {}).items()})
        if not 0 <= policy.cap_abs <= 0.5 or not 0 <= policy.cap_rel <= 1:
            raise ValueError(f"{path}: cap_abs must lie in [0, 0.5] and cap_rel in [0, 1]")
        return policy


def reserved_post_check(work_type: WorkType, seeker: SeekerFacts, today: date,
                        policy: PriorityPolicy) -> tuple[bool, str]:
    """公益性岗位 and 见习岗位 are hard eligibility: (allowed, Chinese reason)."""
    if work_type is WorkType.public_welfare:
        ok = bool(seeker.flags & policy.public_welfare_kinds)
        kinds = "、".join(FLAG_LABELS[k] for k in sorted(policy.public_welfare_kinds))
        return ok, f"公益性岗位仅面向已核验的{kinds}" if not ok else "已核验，可安置公益性岗位"
    if work_type is WorkType.internship:
        graduate = (seeker.graduation_date is not None
                    and 0 <= (today - seeker.graduation_date).days <= 366 * policy.internship_graduate_years)
        age = seeker.age(today)
        lo, hi = policy.internship_youth_ages
        youth = seeker.unemployed_since is not None and age is not None and lo <= age <= hi
        if graduate:
            return True, f"离校{policy.internship_graduate_years}年内高校毕业生，可参加见习"
        if youth:
            return True, f"{lo}—{hi}岁失业青年，可参加见习"
        return False, f"见习岗位仅面向离校{policy.internship_graduate_years}年内高校毕业生或{lo}—{hi}岁失业青年"
    return True, ""


@dataclass(frozen=True)
class MatchFilters:
    """Hard filters chosen by the caller. ``scope``: county | city | province | radius | anywhere | desired."""

    scope: str = "desired"
    region_code: str | None = None
    radius_km: float | None = None
    work_types: tuple[WorkType, ...] = ()
    salary_floor: int | None = None
    room_board: bool | None = None
    occupation_codes: tuple[str, ...] = ()


class JobTable:
    """Filterable attributes of the live postings as numpy columns, kept beside the FAISS index."""

    def __init__(self) -> None:
        self._facts: dict[int, JobFacts] = {}
        self._cols: dict[str, np.ndarray] | None = None

    def upsert(self, facts: Iterable[JobFacts]) -> None:
        for f in facts:
            self._facts[f.id] = f
        self._cols = None

    def remove(self, ids: Iterable[int]) -> None:
        for i in ids:
            self._facts.pop(int(i), None)
        self._cols = None

    def __len__(self) -> int:
        return len(self._facts)

    def get(self, job_id: int) -> JobFacts | None:
        return self._facts.get(int(job_id))

    @property
    def cols(self) -> dict[str, np.ndarray]:
        cols = self._cols
        if cols is None:
            facts = list(self._facts.values())
            wt = list(WorkType)
            lat = np.array([f.lat if f.lat is not None else np.nan for f in facts], np.float64)
            lon = np.array([f.lon if f.lon is not None else np.nan for f in facts], np.float64)
            cols = {
                "id": np.array([f.id for f in facts], np.int64),
                "region": np.array([f.region_code for f in facts], dtype="U6"),
                "lat": lat, "lon": lon,
                "salary_max": np.array([f.salary_max if f.salary_max is not None else -1 for f in facts], np.int64),
                "edu": np.array([f.education_min.rank if f.education_min else -1 for f in facts], np.int64),
                "age_min": np.array([f.age_min if f.age_min is not None else 0 for f in facts], np.int64),
                "age_max": np.array([f.age_max if f.age_max is not None else 200 for f in facts], np.int64),
                "work": np.array([wt.index(f.work_type) for f in facts], np.int64),
                "room_board": np.array([f.room_board for f in facts], bool),
                "valid_until": np.array([f.valid_until.toordinal() if f.valid_until else 10**7 for f in facts],
                                        np.int64),
                "occupation": np.array([f.occupation_code or "" for f in facts], dtype="U10"),
            }
            self._cols = cols
        return cols


def _prefix_mask(regions: np.ndarray, prefixes: Sequence[str]) -> np.ndarray:
    mask = np.zeros(len(regions), bool)
    for p in prefixes:
        mask |= np.char.startswith(regions, p)
    return mask


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, np.float64)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def region_prefixes(scope: str, region_code: str | None) -> list[str] | None:
    """Region-code prefixes a scope allows around a county; None when the scope is not by prefix."""
    if region_code is None:
        return None
    return {"county": [region_code], "city": [region_code[:4]], "province": [region_code[:2]]}.get(scope)


def eligible_jobs_mask(table: JobTable, seeker: SeekerFacts | None, filters: MatchFilters, today: date,
                       policy: PriorityPolicy, *, scope_prefix: str | None = None) -> np.ndarray:
    """Which live postings pass every hard filter for this seeker (or anonymous query)."""
    c = table.cols
    mask = c["valid_until"] >= today.toordinal()
    if scope_prefix:
        mask &= np.char.startswith(c["region"], scope_prefix)
    origin = filters.region_code or (seeker.region_code if seeker else None)
    if filters.scope == "desired":
        wanted = list(seeker.desired_regions) if seeker and seeker.desired_regions else (
            [origin[:4]] if origin else [])
        if wanted:
            mask &= _prefix_mask(c["region"], wanted)
    elif filters.scope == "radius" and origin:
        centre = refdata.county_centroid(origin)
        if centre:
            d = haversine_km(centre[0], centre[1], c["lat"], c["lon"])
            mask &= np.nan_to_num(d, nan=np.inf) <= (filters.radius_km or 50)
    elif filters.scope != "anywhere":
        prefixes = region_prefixes(filters.scope, origin)
        if prefixes:
            mask &= _prefix_mask(c["region"], prefixes)
    work_types = filters.work_types or (seeker.desired_work_types if seeker else ())
    if work_types:
        allowed = [list(WorkType).index(w) for w in work_types]
        # reserved posts stay visible to those they are reserved for, even if not asked for
        allowed += [list(WorkType).index(w) for w in (WorkType.internship, WorkType.public_welfare)]
        mask &= np.isin(c["work"], allowed)
    floor = filters.salary_floor if filters.salary_floor is not None else (seeker.desired_salary_min if seeker else None)
    if floor:
        mask &= (c["salary_max"] < 0) | (c["salary_max"] >= floor)
    if filters.room_board:
        mask &= c["room_board"]
    if filters.occupation_codes:
        occ = np.zeros(len(mask), bool)
        for code in filters.occupation_codes:
            occ |= np.char.startswith(c["occupation"], code.replace("-00", ""))
        mask &= occ
    if seeker is not None:
        if seeker.education is not None:
            mask &= c["edu"] <= seeker.education.rank
        age = seeker.age(today)
        if age is not None:
            mask &= (c["age_min"] <= age) & (age <= c["age_max"])
    for work_type in (WorkType.public_welfare, WorkType.internship):
        ok = seeker is not None and reserved_post_check(work_type, seeker, today, policy)[0]
        if not ok:
            mask &= c["work"] != list(WorkType).index(work_type)
    return mask


@dataclass(frozen=True)
class FilterCheck:
    key: str
    label: str
    passed: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "passed": self.passed, "detail": self.detail}


def check_pair(job: JobFacts, seeker: SeekerFacts, today: date, policy: PriorityPolicy) -> list[FilterCheck]:
    """The hard conditions between one posting and one seeker, each with its outcome (for explanations)."""
    age = seeker.age(today)
    checks = [
        FilterCheck("open", "岗位在招", job.status is JobStatus.open and (job.valid_until is None or job.valid_until >= today)
                    and job.hired_count < job.headcount),
        FilterCheck("education", "学历要求", job.education_min is None or (
            seeker.education is not None and seeker.education.rank >= job.education_min.rank)),
        FilterCheck("age", "年龄要求", age is None or ((job.age_min or 0) <= age <= (job.age_max or 200)),
                    f"{age}岁" if age is not None else "未知"),
        FilterCheck("salary", "薪资不低于期望", not (seeker.desired_salary_min and job.salary_max is not None
                                                 and job.salary_max < seeker.desired_salary_min)),
    ]
    ok, reason = reserved_post_check(job.work_type, seeker, today, policy)
    if job.work_type in (WorkType.public_welfare, WorkType.internship):
        checks.append(FilterCheck("reserved_post", f"{WORK_TYPE_LABELS[job.work_type]}资格", ok, reason))
    return checks


# --- soft fit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    semantic: float = 0.45
    lexical: float = 0.10
    skill: float = 0.15
    location: float = 0.10
    salary: float = 0.05
    occupation: float = 0.15
    semantic_floor: float = 0.70  # cosine at which semantic similarity counts as zero (e5: most pairs lie above)
    distance_scale_km: float = 30.0


COMPONENT_LABELS = {"semantic": "语义相似度", "lexical": "关键词重合", "skill": "技能匹配", "location": "距离",
                    "salary": "薪资匹配", "occupation": "职业对口"}


def semantic_component(cosines: np.ndarray, weights: Weights) -> np.ndarray:
    return np.clip((np.asarray(cosines, np.float64) - weights.semantic_floor) / (1 - weights.semantic_floor), 0, 1)


def location_component(distance_km: np.ndarray, weights: Weights) -> np.ndarray:
    d = np.asarray(distance_km, np.float64)
    return np.where(np.isnan(d), 0.5, np.exp(-np.nan_to_num(d) / weights.distance_scale_km))


def salary_component(floor: int | None, salary_min: np.ndarray, salary_max: np.ndarray) -> np.ndarray:
    """1 when even the lowest offer meets the floor, 0.75 when only the top does, 0.5 when unknown."""
    lo, hi = np.asarray(salary_min, np.float64), np.asarray(salary_max, np.float64)
    if not floor:
        return np.full(len(lo), 0.5)
    return np.where(np.isnan(hi), 0.5, np.where(np.nan_to_num(lo) >= floor, 1.0, np.where(hi >= floor, 0.75, 0.0)))


def occupation_component(wanted: Sequence[str], codes: Sequence[str | None]) -> np.ndarray:
    """Best match of a posting's 细类 against wanted codes: same 细类 1.0, 小类 0.7, 中类 0.4."""
    out = np.zeros(len(codes))
    if not wanted:
        return out
    for i, code in enumerate(codes):
        if not code:
            continue
        best = 0.0
        for w in wanted:
            if w == code:
                best = 1.0
                break
            if w[:7] == code[:7]:
                best = max(best, 0.7)
            elif w[:4] == code[:4]:
                best = max(best, 0.4)
        out[i] = best
    return out


def fit_scores(components: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
    total = sum(getattr(weights, k) for k in components)
    return sum(getattr(weights, k) * v for k, v in components.items()) / total


def boost_bound(fit: np.ndarray, policy: PriorityPolicy) -> float:
    """B = min(cap_abs, cap_rel · (p90 − p10 of the pool's fit))."""
    if len(fit) < 2:
        return 0.0
    p10, p90 = np.percentile(fit, [10, 90])
    return float(min(policy.cap_abs, policy.cap_rel * (p90 - p10)))


def bounded_boost(fit: np.ndarray, raw_weight: np.ndarray, policy: PriorityPolicy) -> tuple[np.ndarray, float]:
    """(boost per candidate in [0, B], B). See the module docstring for the guarantee."""
    bound = boost_bound(fit, policy)
    return bound * np.clip(np.asarray(raw_weight, np.float64), 0, 1), bound


def flag_weight(flags: frozenset[FlagKind], policy: PriorityPolicy) -> float:
    return min(1.0, sum(policy.weights.get(k, 0.0) for k in flags))


def rank(score: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Order by score, then fit, stable."""
    return np.lexsort((-fit, -score))


def distance_km(lat: float | None, lon: float | None, lats: Sequence[float | None], lons: Sequence[float | None]) -> np.ndarray:
    if lat is None or lon is None:
        return np.full(len(lats), np.nan)
    la = np.array([x if x is not None else np.nan for x in lats], np.float64)
    lo = np.array([x if x is not None else np.nan for x in lons], np.float64)
    return haversine_km(lat, lon, la, lo)


def summary_line(components: dict[str, float], matched: Sequence[str], km: float | None, salary_ok: bool,
                 occupation_name: str | None) -> str:
    """One Chinese line on why it fits, for lists and kiosks."""
    parts = []
    if components.get("occupation", 0) >= 1.0 and occupation_name:
        parts.append(f"对口{occupation_name}")
    if matched:
        parts.append("技能相符：" + "、".join(matched[:3]))
    if km is not None and not math.isnan(km):
        parts.append("同区县" if km < 1 else f"距离约{km:.0f}公里")
    if salary_ok:
        parts.append("薪资达到期望")
    if not parts:
        parts.append("描述相近" if components.get("semantic", 0) > 0.3 else "条件符合")
    return "，".join(parts)
