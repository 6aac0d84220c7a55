"""Priority for 重点群体 (policy priority groups): a bounded boost on top of the fit score.

Weights per flag kind come from a YAML policy file, one per deployment (``policies/priority_default.yaml``
ships with the repository; each weight cites the plan and clause that names the group). The file is
validated on load: an unknown key, flag kind or work type, or a weight outside [0, 1], is refused with an
error naming the file and the key.

**The bound.** For a pool of candidates with fit scores ``fit`` (one query, after the hard filters):

    spread  = quantile(fit, q_hi) − quantile(fit, q_lo)        (default q = 0.10, 0.90)
    B       = min(cap_abs, cap_rel × spread)                    (default 0.05, 0.5; 0 for fewer than 2)
    share_i = min(1, Σ weight_k over the ACTIVE flags k of i)   (active: verified and unexpired)
    boost_i = share_i × B
    score_i = fit_i + boost_i

Since 0 ≤ boost ≤ B, ``fit_a − fit_b > B`` implies ``score_a > score_b``: a better fit by more than B always
ranks first whatever the flags; priority only reorders candidates whose fits lie within B of each other.
Self-declared, rejected and expired flags give nothing.

The candidate-side boost applies only when ranking candidates for a posting (``candidate_boost``). Jobs for a
seeker use the same mechanism (``seeker_side_boost``) with ``share_j`` = the policy's weight for posting j's work
type when a hire there would unlock a measure meant for this seeker: a 见习岗位 for a seeker eligible for 就业见习,
a 公益性岗位 for a seeker with an active flag of the reserved kinds; 0 otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from matching.eligibility import MatchFilters, internship_basis, public_welfare_basis
from matching.enums import FLAG_LABELS, FlagKind, WorkType
from matching.facts import FLAG_BIT, FLAG_KINDS, WORK_TYPE_CODE, WORK_TYPES, SeekerFacts, as_day

POLICY_DIR = Path(__file__).parent / "policies"
DEFAULT_POLICY = POLICY_DIR / "priority_default.yaml"
SEEKER_SIDE_TYPES = (WorkType.internship, WorkType.public_welfare)


class PolicyFileError(ValueError):
    """A priority policy file that cannot be trusted; the message reads ``<file>: <key>: <what is wrong>``."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        super().__init__(f"{path}: {key}: {message}")


@dataclass(frozen=True)
class PriorityPolicy:
    weights: Mapping[FlagKind, float]
    sources: Mapping[FlagKind, str]
    cap_abs: float = 0.05
    cap_rel: float = 0.5
    spread_quantiles: tuple[float, float] = (0.10, 0.90)
    public_welfare_kinds: frozenset[FlagKind] = frozenset(
        {FlagKind.hard_to_employ, FlagKind.zero_employment_household}
    )
    seeker_side: Mapping[WorkType, float] = field(default_factory=dict)
    seeker_side_sources: Mapping[WorkType, str] = field(default_factory=dict)
    path: str = ""

    def filters(self, **overrides: Any) -> MatchFilters:
        """Hard-filter options carrying this policy's reserved kinds."""
        return MatchFilters(public_welfare_kinds=self.public_welfare_kinds, **overrides)

    def flag_weight_vector(self) -> np.ndarray:
        return np.array([self.weights.get(k, 0.0) for k in FLAG_KINDS], dtype=np.float64)


# ------------------------------------------------------------------------------------------------ loading


def _number(path: Path, key: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= float(value) <= hi:
        raise PolicyFileError(path, key, f"must be a number in [{lo:g}, {hi:g}], got {value!r}")
    return float(value)


def _mapping(path: Path, key: str, value: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PolicyFileError(path, key, "must be a mapping")
    for k in value:
        if k not in allowed:
            raise PolicyFileError(path, f"{key}.{k}" if key else str(k), f"unknown field (allowed: {sorted(allowed)})")
    for k in required:
        if k not in value:
            raise PolicyFileError(path, f"{key}.{k}" if key else k, "missing")
    return value


def _source(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyFileError(path, key, "a source citing the policy document and clause is required")
    return value.strip()


def _weighted(path: Path, key: str, raw: Any, enum: type, allowed: tuple | None = None):
    weights, sources = {}, {}
    for name, entry in _mapping(path, key, raw, {str(m) for m in (allowed or tuple(enum))}, set()).items():
        k = f"{key}.{name}"
        entry = _mapping(path, k, entry, {"weight", "source"}, {"weight", "source"})
        weights[enum(name)] = _number(path, f"{k}.weight", entry["weight"], 0.0, 1.0)
        sources[enum(name)] = _source(path, f"{k}.source", entry["source"])
    return weights, sources


def load_policy(path: Path | str | None = None) -> PriorityPolicy:
    """Read and validate a priority policy file (default: the shipped one)."""
    path = Path(path) if path is not None else DEFAULT_POLICY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PolicyFileError(path, "<file>", f"not valid YAML: {exc}") from exc
    top = _mapping(path, "", raw, {"version", "bound", "weights", "reserved", "seeker_side"}, {"version", "weights"})
    if top["version"] != 1:
        raise PolicyFileError(path, "version", f"unsupported version {top['version']!r}")

    bound = _mapping(path, "bound", top.get("bound", {}), {"cap_abs", "cap_rel", "spread"}, set())
    cap_abs = _number(path, "bound.cap_abs", bound.get("cap_abs", 0.05), 0.0, 1.0)
    cap_rel = _number(path, "bound.cap_rel", bound.get("cap_rel", 0.5), 0.0, 1.0)
    spread = bound.get("spread", [0.10, 0.90])
    if not isinstance(spread, list) or len(spread) != 2:
        raise PolicyFileError(path, "bound.spread", "must be [q_lo, q_hi]")
    q_lo, q_hi = (_number(path, "bound.spread", q, 0.0, 1.0) for q in spread)
    if not q_lo < q_hi:
        raise PolicyFileError(path, "bound.spread", "q_lo must be below q_hi")

    weights, sources = _weighted(path, "weights", top["weights"], FlagKind)

    kinds = frozenset({FlagKind.hard_to_employ, FlagKind.zero_employment_household})
    reserved = _mapping(path, "reserved", top.get("reserved", {}), {"public_welfare"}, set())
    if "public_welfare" in reserved:
        entry = _mapping(path, "reserved.public_welfare", reserved["public_welfare"], {"kinds", "source"},
                         {"kinds", "source"})
        _source(path, "reserved.public_welfare.source", entry["source"])
        if not isinstance(entry["kinds"], list) or not entry["kinds"]:
            raise PolicyFileError(path, "reserved.public_welfare.kinds", "must be a non-empty list of flag kinds")
        for name in entry["kinds"]:
            if name not in {str(k) for k in FlagKind}:
                raise PolicyFileError(path, "reserved.public_welfare.kinds", f"unknown flag kind {name!r}")
        kinds = frozenset(FlagKind(n) for n in entry["kinds"])

    side, side_sources = _weighted(path, "seeker_side", top.get("seeker_side", {}), WorkType,
                                   tuple(str(w) for w in SEEKER_SIDE_TYPES))
    return PriorityPolicy(
        weights=weights,
        sources=sources,
        cap_abs=cap_abs,
        cap_rel=cap_rel,
        spread_quantiles=(q_lo, q_hi),
        public_welfare_kinds=kinds,
        seeker_side=side,
        seeker_side_sources=side_sources,
        path=str(path),
    )


@lru_cache(maxsize=1)
def default_policy() -> PriorityPolicy:
    return load_policy()


# ------------------------------------------------------------------------------------------------ boosts


@dataclass(frozen=True)
class Boosts:
    """``boost = share × budget`` per candidate, aligned with the fit array it was computed for."""

    boost: np.ndarray
    share: np.ndarray
    budget: float


@dataclass(frozen=True, slots=True)
class BoostApplied:
    key: str  # flag kind, or the work type whose measure a hire would unlock
    reason_zh: str
    amount: float
    source: str

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "label": self.reason_zh, "amount": round(self.amount, 6), "source": self.source}


def boost_budget(fit: np.ndarray, policy: PriorityPolicy) -> float:
    """B = min(cap_abs, cap_rel × (quantile(fit, q_hi) − quantile(fit, q_lo))); 0 for fewer than two fits."""
    fit = np.asarray(fit, dtype=np.float64)
    fit = fit[np.isfinite(fit)]
    if len(fit) < 2:
        return 0.0
    lo, hi = np.quantile(fit, policy.spread_quantiles)
    return float(max(0.0, min(policy.cap_abs, policy.cap_rel * (hi - lo))))


def flag_share(active_bits: np.ndarray, policy: PriorityPolicy) -> np.ndarray:
    """min(1, Σ weights of the active flags) per candidate, from ``FLAG_BIT`` bitmasks."""
    bits = np.asarray(active_bits, dtype=np.int64)
    has = (bits[:, None] & np.array([FLAG_BIT[k] for k in FLAG_KINDS], dtype=np.int64)) != 0
    return np.minimum(1.0, has @ policy.flag_weight_vector())


def candidate_boost(fit: np.ndarray, active_bits: np.ndarray, policy: PriorityPolicy) -> Boosts:
    """Candidates for a posting: boost from each candidate's active flags (bitmasks at the ranking instant)."""
    share = flag_share(active_bits, policy)
    budget = boost_budget(fit, policy)
    return Boosts(boost=share * budget, share=share, budget=budget)


def unlocked_share_by_work_type(
    seeker: SeekerFacts, today: date | datetime, policy: PriorityPolicy, now: date | datetime | None = None
) -> np.ndarray:
    """Share per work-type code: the policy's weight where a hire of that type unlocks a measure for the seeker."""
    out = np.zeros(len(WORK_TYPES), dtype=np.float64)
    if internship_basis(seeker, as_day(today)) is not None:
        out[WORK_TYPE_CODE[WorkType.internship]] = policy.seeker_side.get(WorkType.internship, 0.0)
    if public_welfare_basis(seeker, now if now is not None else today, policy.public_welfare_kinds) is not None:
        out[WORK_TYPE_CODE[WorkType.public_welfare]] = policy.seeker_side.get(WorkType.public_welfare, 0.0)
    return np.minimum(out, 1.0)


def seeker_side_boost(
    fit: np.ndarray,
    work_type_codes: np.ndarray,
    seeker: SeekerFacts,
    today: date | datetime,
    policy: PriorityPolicy,
    now: date | datetime | None = None,
) -> Boosts:
    """Jobs for a seeker: boost postings whose hire would unlock a measure meant for this seeker."""
    share = unlocked_share_by_work_type(seeker, today, policy, now)[np.asarray(work_type_codes, dtype=np.int64)]
    budget = boost_budget(fit, policy)
    return Boosts(boost=share * budget, share=share, budget=budget)


# ------------------------------------------------------------------------------------------------ reasons


def candidate_reasons(kinds: frozenset[FlagKind], boost: float, policy: PriorityPolicy) -> list[BoostApplied]:
    """The boost split over the active flags that carry weight, in proportion to their weights."""
    weighted = [(k, policy.weights.get(k, 0.0)) for k in FLAG_KINDS if k in kinds and policy.weights.get(k, 0.0) > 0]
    total = sum(w for _, w in weighted)
    return [
        BoostApplied(str(k), f"已核验：{FLAG_LABELS[k]}", boost * w / total if total else 0.0, policy.sources[k])
        for k, w in weighted
    ]


def seeker_side_reasons(
    work_type: WorkType, seeker: SeekerFacts, today: date | datetime, boost: float, policy: PriorityPolicy,
    now: date | datetime | None = None,
) -> list[BoostApplied]:
    if boost <= 0 or policy.seeker_side.get(work_type, 0.0) <= 0:
        return []
    source = policy.seeker_side_sources.get(work_type, "")
    if work_type == WorkType.internship and (why := internship_basis(seeker, as_day(today))):
        return [BoostApplied(str(work_type), f"见习岗位：您符合就业见习条件（{why}）", boost, source)]
    if work_type == WorkType.public_welfare:
        kind = public_welfare_basis(seeker, now if now is not None else today, policy.public_welfare_kinds)
        if kind is not None:
            return [BoostApplied(str(work_type), f"公益性岗位：已核验{FLAG_LABELS[kind]}", boost, source)]
    return []
