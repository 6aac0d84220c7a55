"""Rerank retrieved candidates: a weighted fit of six components, a bounded priority boost, an explanation.

Both directions — postings for a seeker (``rank_jobs_for_seeker``) and seekers for a posting
(``rank_seekers_for_job``) — take the candidate ids the dense index returned with their cosine scores, drop
unknown and ineligible candidates (the hard filters again, so a reserved post never reaches an ineligible
seeker even if the caller forgot the allow-list), score every candidate with array operations over the
columns, and explain only the ``limit`` it returns.

Components, each in [0, 1] (key — label):

* ``semantic`` — 语义相似度: cosine rescaled, clip((cos − floor) / (ceiling − floor), 0, 1);
* ``lexical`` — 关键词重合: the caller's lexical scores (BM25 / char n-grams) z-scored over the pool and passed
  through the logistic function (0.5 for a pool without spread; 0 when none are given);
* ``skill`` — 技能匹配: share of the posting's skills the seeker lists (0 when the posting lists none);
* ``location`` — 距离: exp(−d / τ) of the distance between posting and residence (coordinates, else county
  centroids; 0 when unknown);
* ``salary`` — 薪资匹配: with the posting's mid pay m (mean of the known bounds) and the seeker's floor f,
  clip(0.5 + (m − f) / 2f, 0, 1): 0.5 at the floor, 1 at twice it; 0.5 when either is unknown;
* ``occupation`` — 职业对口: same 细类 1.0, same 小类 0.7, same 中类 0.4, else 0 (best over the seeker's
  desired occupations).

``fit = Σ weight_c × component_c`` with the weights normalised to sum to 1; ``score = fit + boost`` where the
boost is the bounded one of ``matching.priority``. Ties break on fit, then on the smaller id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime

import numpy as np

from matching import refdata
from matching.eligibility import FilterCheck, MatchFilters, check_pair, eligible_jobs_mask, eligible_seekers_mask
from matching.codes import UNKNOWN, occupation_int, segment_max, segment_sum
from matching.facts import (
    JobColumns,
    JobFacts,
    SeekerColumns,
    SeekerFacts,
    active_flags,
    as_day,
    normalise_skill,
)
from matching.geo import haversine_km, point_of
from matching.priority import (
    BoostApplied,
    PriorityPolicy,
    candidate_boost,
    candidate_reasons,
    default_policy,
    seeker_side_boost,
    seeker_side_reasons,
)

COMPONENTS = ("semantic", "lexical", "skill", "location", "salary", "occupation")
COMPONENT_LABELS = {
    "semantic": "语义相似度",
    "lexical": "关键词重合",
    "skill": "技能匹配",
    "location": "距离",
    "salary": "薪资匹配",
    "occupation": "职业对口",
}
OCCUPATION_LEVEL_SCORES = (1.0, 0.7, 0.4)  # same 细类, 小类, 中类


@dataclass(frozen=True)
class Weights:
    """Component weights; the service fills them from settings. Normalised to sum to 1 when used."""

    semantic: float = 0.35
    lexical: float = 0.15
    skill: float = 0.15
    location: float = 0.15
    salary: float = 0.10
    occupation: float = 0.10

    def __post_init__(self) -> None:
        values = [getattr(self, f.name) for f in fields(self)]
        if any(v < 0 for v in values) or sum(values) <= 0:
            raise ValueError("weights must be non-negative and not all zero")

    def normalised(self) -> dict[str, float]:
        """The weights summing to 1 (worked out once: asked for every result explained)."""
        cached = self.__dict__.get("_normalised")
        if cached is None:
            total = sum(getattr(self, k) for k in COMPONENTS)
            cached = {k: getattr(self, k) / total for k in COMPONENTS}
            object.__setattr__(self, "_normalised", cached)
        return dict(cached)


@dataclass(frozen=True)
class ScoringParams:
    semantic_floor: float = 0.0  # cosine mapped to 0
    semantic_ceiling: float = 1.0  # cosine mapped to 1
    tau_km: float = 30.0  # location decays to 1/e at this distance


# --------------------------------------------------------------------------------- components (vectorised)


def semantic_component(cosine: np.ndarray, floor: float = 0.0, ceiling: float = 1.0) -> np.ndarray:
    return np.clip((np.asarray(cosine, dtype=np.float64) - floor) / (ceiling - floor), 0.0, 1.0)


def lexical_component(scores: np.ndarray | None, n: int) -> np.ndarray:
    if scores is None or n == 0:
        return np.zeros(n)
    x = np.asarray(scores, dtype=np.float64)
    std = x.std()
    if not std > 0:
        return np.full(n, 0.5)
    return 1.0 / (1.0 + np.exp(-(x - x.mean()) / std))


def location_component(distance_km: np.ndarray, tau_km: float) -> np.ndarray:
    d = np.asarray(distance_km, dtype=np.float64)
    return np.where(np.isnan(d), 0.0, np.exp(-np.nan_to_num(d) / tau_km))


def salary_component(pay_min: np.ndarray, pay_max: np.ndarray, floor: np.ndarray) -> np.ndarray:
    pay_min, pay_max, floor = (np.asarray(x, dtype=np.float64) for x in (pay_min, pay_max, floor))
    mid = np.where(np.isnan(pay_min), pay_max, np.where(np.isnan(pay_max), pay_min, (pay_min + pay_max) / 2))
    known = ~np.isnan(mid) & ~np.isnan(floor)
    safe_floor = np.where(known & (floor > 0), floor, 1.0)
    score = np.clip(0.5 + (np.nan_to_num(mid) - np.nan_to_num(floor)) / (2 * safe_floor), 0.0, 1.0)
    score = np.where(known & ~(floor > 0), 1.0, score)
    return np.where(known, score, 0.5)


def occupation_component(codes: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Best level match of each packed code against each packed wanted code (broadcast: codes[:, None])."""
    codes = np.asarray(codes, dtype=np.int64)[..., None]
    wanted = np.asarray(wanted, dtype=np.int64)
    known = (codes >= 0) & (wanted >= 0)
    score = np.zeros(np.broadcast_shapes(codes.shape, wanted.shape))
    for divisor, value in zip((1, 100, 10_000), OCCUPATION_LEVEL_SCORES, strict=True):
        score = np.maximum(score, np.where(known & (codes // divisor == wanted // divisor), value, 0.0))
    return score.max(axis=-1) if score.shape[-1] else np.zeros(score.shape[:-1])


def skill_coverage(matched: np.ndarray, required: np.ndarray) -> np.ndarray:
    required = np.asarray(required, dtype=np.float64)
    return np.where(required > 0, np.asarray(matched, dtype=np.float64) / np.maximum(required, 1), 0.0)


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True)
class ComponentScore:
    key: str
    label_zh: str
    value: float
    weight: float

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Explanation:
    components: tuple[ComponentScore, ...]
    matched_skills: tuple[str, ...] = ()
    missing_skills: tuple[str, ...] = ()
    distance_km: float | None = None
    boosts: tuple[BoostApplied, ...] = ()
    filters: tuple[FilterCheck, ...] = ()
    summary: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "summary": self.summary,
            "components": {
                c.key: {"label": c.label_zh, "value": round(c.value, 6), "weight": round(c.weight, 6),
                        "contribution": round(c.contribution, 6)}
                for c in self.components
            },
            "matched_skills": list(self.matched_skills),
            "missing_skills": list(self.missing_skills),
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "boosts": [b.to_dict() for b in self.boosts],
            "filters": [f.to_dict() for f in self.filters],
        }


@dataclass(frozen=True)
class MatchResult:
    id: int
    score: float
    fit: float
    boost: float
    components: dict[str, float]
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "score": round(self.score, 6),
            "fit": round(self.fit, 6),
            "boost": round(self.boost, 6),
            "components": {k: round(v, 6) for k, v in self.components.items()},
            "explanation": None if self.explanation is None else self.explanation.to_dict(),
        }


FactsSource = Mapping[int, object] | Callable[[list[int]], Mapping[int, object]]


def _facts_for(source: FactsSource | None, ids: list[int]) -> Mapping[int, object]:
    if source is None:
        return {}
    return source(ids) if callable(source) else source


@dataclass
class _Pool:
    ids: np.ndarray
    rows: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray | None
    fit: np.ndarray = field(default_factory=lambda: np.zeros(0))
    comps: dict[str, np.ndarray] = field(default_factory=dict)
    distance: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _pool(ids: Sequence[int] | np.ndarray, dense: np.ndarray, lexical: np.ndarray | None, columns) -> _Pool:
    ids = np.asarray(ids, dtype=np.int64)
    dense = np.asarray(dense, dtype=np.float64)
    if dense.shape != ids.shape or (lexical is not None and np.shape(lexical) != ids.shape):
        raise ValueError("dense (and lexical) scores must align with the candidate ids")
    _, first = np.unique(ids, return_index=True)
    first = np.sort(first)
    ids, dense = ids[first], dense[first]
    lex = None if lexical is None else np.asarray(lexical, dtype=np.float64)[first]
    rows = columns.rows_of(ids)
    keep = rows >= 0
    return _Pool(ids[keep], rows[keep], dense[keep], None if lex is None else lex[keep])


def _keep(pool: _Pool, mask: np.ndarray) -> _Pool:
    return _Pool(pool.ids[mask], pool.rows[mask], pool.dense[mask], None if pool.lexical is None else pool.lexical[mask])


def _fit(pool: _Pool, comps: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
    w = weights.normalised()
    return sum((w[k] * comps[k] for k in COMPONENTS), np.zeros(len(pool.ids)))


def _order(score: np.ndarray, fit: np.ndarray, ids: np.ndarray, limit: int | None) -> np.ndarray:
    order = np.lexsort((ids, -fit, -score))
    return order if limit is None else order[:limit]


def _component_scores(comps: dict[str, np.ndarray], i: int, weights: Weights) -> tuple[ComponentScore, ...]:
    w = weights.normalised()
    return tuple(ComponentScore(k, COMPONENT_LABELS[k], float(comps[k][i]), w[k]) for k in COMPONENTS)


def _skill_lists(job: JobFacts | None, seeker: SeekerFacts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if job is None or seeker is None:
        return (), ()
    have = {normalise_skill(s) for s in seeker.skills}
    required = list(dict.fromkeys(s.strip() for s in job.skills if s.strip()))
    return (tuple(s for s in required if normalise_skill(s) in have),
            tuple(s for s in required if normalise_skill(s) not in have))


def _occupation_phrase(job_code: str | None, score: float, *, for_seeker: bool) -> str:
    code = occupation_int(job_code)
    if code == UNKNOWN or score <= 0:
        return ""
    a, b, c, _ = (job_code or "").split("-")
    occs = refdata.occupations()
    if score >= OCCUPATION_LEVEL_SCORES[0] and (occ := occs.get(job_code)):
        return f"同为{occ.clean_name}" if for_seeker else f"求职意向同为{occ.clean_name}"
    parent = f"{a}-{b}-{c}-00" if score >= OCCUPATION_LEVEL_SCORES[1] else f"{a}-{b}-00-00"
    occ = occs.get(parent)
    if occ is None:
        return ""
    return f"同属{occ.clean_name}" if for_seeker else f"求职意向同属{occ.clean_name}"


def _distance_phrase(distance: float | None, whom: str) -> str:
    if distance is None:
        return ""
    return f"距{whom}不到1公里" if distance < 1 else f"距{whom}{distance:.0f}公里"


def _salary_phrase(job: JobFacts | None, floor: float | None, *, for_seeker: bool) -> str:
    if job is None or floor is None or np.isnan(floor):
        return ""
    low = job.salary_min
    high = job.salary_max if job.salary_max is not None else job.salary_min
    if high is None:
        return ""
    if low is not None and low > floor:
        return "薪资高于期望" if for_seeker else "期望薪资低于岗位起薪"
    if high >= floor:
        return "薪资符合期望" if for_seeker else "期望薪资在岗位范围内"
    return "薪资低于期望" if for_seeker else "期望薪资高于岗位薪资"


def _summary(*parts: str) -> str:
    text = "，".join(p for p in parts if p)
    return text or "综合匹配"


# ------------------------------------------------------------------------------------- jobs for a seeker


def job_components(
    seeker: SeekerFacts, rows: np.ndarray, dense: np.ndarray, lexical: np.ndarray | None, columns: JobColumns,
    params: ScoringParams = ScoringParams(),
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Component arrays for postings at ``rows`` against one seeker, and the distances (km, NaN unknown)."""
    n = len(rows)
    values, seg = columns.ragged("skills", rows)
    wanted = columns.skill_vocab.lookup(normalise_skill(s) for s in seeker.skills if s.strip())
    matched = segment_sum(np.isin(values, wanted).astype(np.float64), seg, n)
    required = np.bincount(seg, minlength=n)[:n]
    lat, lon = point_of(seeker.region_code, seeker.lat, seeker.lon)
    distance = haversine_km(columns.lat[rows], columns.lon[rows], lat, lon)
    floor = np.nan if seeker.desired_salary_min is None else float(seeker.desired_salary_min)
    desired = np.array([c for c in map(occupation_int, seeker.desired_occupation_codes) if c >= 0], dtype=np.int64)
    comps = {
        "semantic": semantic_component(dense, params.semantic_floor, params.semantic_ceiling),
        "lexical": lexical_component(lexical, n),
        "skill": skill_coverage(matched, required),
        "location": location_component(distance, params.tau_km),
        "salary": salary_component(columns.salary_min[rows], columns.salary_max[rows], np.full(n, floor)),
        "occupation": occupation_component(columns.occupation[rows], desired),
    }
    return comps, distance


def rank_jobs_for_seeker(
    seeker: SeekerFacts,
    job_ids: Sequence[int] | np.ndarray,
    dense: np.ndarray,
    columns: JobColumns,
    *,
    today: date | datetime,
    jobs: FactsSource | None = None,
    lexical: np.ndarray | None = None,
    weights: Weights = Weights(),
    params: ScoringParams = ScoringParams(),
    policy: PriorityPolicy | None = None,
    options: MatchFilters | None = None,
    limit: int | None = 20,
    explain: bool = True,
) -> list[MatchResult]:
    """Postings for a seeker, best first. ``jobs`` (id → JobFacts, or a function of the returned ids) feeds the
    explanations; ``dense``/``lexical`` align with ``job_ids``."""
    policy = policy or default_policy()
    options = options or policy.filters()
    day = as_day(today)
    pool = _pool(job_ids, dense, lexical, columns)
    pool = _keep(pool, eligible_jobs_mask(columns, seeker, options, day, rows=pool.rows))
    comps, distance = job_components(seeker, pool.rows, pool.dense, pool.lexical, columns, params)
    fit = _fit(pool, comps, weights)
    now = options.now if options.now is not None else today
    boosts = seeker_side_boost(fit, columns.work_type[pool.rows], seeker, day, policy, now)
    score = fit + boosts.boost
    top = _order(score, fit, pool.ids, limit)
    facts = _facts_for(jobs, [int(i) for i in pool.ids[top]]) if explain else {}
    results = []
    for i in top:
        job = facts.get(int(pool.ids[i]))
        explanation = None
        if explain:
            d = None if np.isnan(distance[i]) else float(distance[i])
            matched, missing = _skill_lists(job, seeker)
            reasons = (seeker_side_reasons(job.work_type, seeker, day, float(boosts.boost[i]), policy, now)
                       if job is not None else [])
            floor = None if seeker.desired_salary_min is None else float(seeker.desired_salary_min)
            explanation = Explanation(
                components=_component_scores(comps, i, weights),
                matched_skills=matched,
                missing_skills=missing,
                distance_km=d,
                boosts=tuple(reasons),
                filters=tuple(check_pair(job, seeker, day, options)) if job is not None else (),
                summary=_summary(
                    _occupation_phrase(job.occupation_code if job else None, float(comps["occupation"][i]),
                                       for_seeker=True),
                    _distance_phrase(d, "您"),
                    _salary_phrase(job, floor, for_seeker=True),
                ),
            )
        results.append(MatchResult(
            id=int(pool.ids[i]), score=float(score[i]), fit=float(fit[i]), boost=float(boosts.boost[i]),
            components={k: float(comps[k][i]) for k in COMPONENTS}, explanation=explanation,
        ))
    return results


# ------------------------------------------------------------------------------------- seekers for a job


def seeker_components(
    job: JobFacts, rows: np.ndarray, dense: np.ndarray, lexical: np.ndarray | None, columns: SeekerColumns,
    params: ScoringParams = ScoringParams(),
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Component arrays for seekers at ``rows`` against one posting, and the distances (km, NaN unknown)."""
    n = len(rows)
    required_skills = {normalise_skill(s) for s in job.skills if s.strip()}
    values, seg = columns.ragged("skills", rows)
    matched = segment_sum(np.isin(values, columns.skill_vocab.lookup(required_skills)).astype(np.float64), seg, n)
    lat, lon = point_of(job.region_code, job.lat, job.lon)
    distance = haversine_km(columns.lat[rows], columns.lon[rows], lat, lon)
    occ_values, occ_seg = columns.ragged("occupations", rows)
    occupation = segment_max(occupation_component(occ_values, np.array([occupation_int(job.occupation_code)])),
                             occ_seg, n, 0.0)
    pay_min = np.nan if job.salary_min is None else float(job.salary_min)
    pay_max = np.nan if job.salary_max is None else float(job.salary_max)
    comps = {
        "semantic": semantic_component(dense, params.semantic_floor, params.semantic_ceiling),
        "lexical": lexical_component(lexical, n),
        "skill": skill_coverage(matched, np.full(n, len(required_skills))),
        "location": location_component(distance, params.tau_km),
        "salary": salary_component(np.full(n, pay_min), np.full(n, pay_max), columns.desired_salary[rows]),
        "occupation": occupation,
    }
    return comps, distance


def rank_seekers_for_job(
    job: JobFacts,
    seeker_ids: Sequence[int] | np.ndarray,
    dense: np.ndarray,
    columns: SeekerColumns,
    *,
    today: date | datetime,
    seekers: FactsSource | None = None,
    lexical: np.ndarray | None = None,
    weights: Weights = Weights(),
    params: ScoringParams = ScoringParams(),
    policy: PriorityPolicy | None = None,
    options: MatchFilters | None = None,
    limit: int | None = 20,
    explain: bool = True,
) -> list[MatchResult]:
    """Candidates for a posting, best first, with the bounded priority boost for active flags."""
    policy = policy or default_policy()
    options = options or policy.filters()
    day = as_day(today)
    now = options.now if options.now is not None else today
    pool = _pool(seeker_ids, dense, lexical, columns)
    pool = _keep(pool, eligible_seekers_mask(columns, job, options, day, rows=pool.rows))
    comps, distance = seeker_components(job, pool.rows, pool.dense, pool.lexical, columns, params)
    fit = _fit(pool, comps, weights)
    boosts = candidate_boost(fit, columns.active_bits(now, pool.rows), policy)
    score = fit + boosts.boost
    top = _order(score, fit, pool.ids, limit)
    facts = _facts_for(seekers, [int(i) for i in pool.ids[top]]) if explain else {}
    results = []
    for i in top:
        seeker = facts.get(int(pool.ids[i]))
        explanation = None
        if explain:
            d = None if np.isnan(distance[i]) else float(distance[i])
            matched, missing = _skill_lists(job, seeker)
            reasons = (candidate_reasons(active_flags(seeker.flags, now), float(boosts.boost[i]), policy)
                       if seeker is not None and boosts.boost[i] > 0 else [])
            floor = None if seeker is None or seeker.desired_salary_min is None else float(seeker.desired_salary_min)
            explanation = Explanation(
                components=_component_scores(comps, i, weights),
                matched_skills=matched,
                missing_skills=missing,
                distance_km=d,
                boosts=tuple(reasons),
                filters=tuple(check_pair(job, seeker, day, options)) if seeker is not None else (),
                summary=_summary(
                    _occupation_phrase(job.occupation_code, float(comps["occupation"][i]), for_seeker=False),
                    _distance_phrase(d, "岗位"),
                    _salary_phrase(job, floor, for_seeker=False),
                ),
            )
        results.append(MatchResult(
            id=int(pool.ids[i]), score=float(score[i]), fit=float(fit[i]), boost=float(boosts.boost[i]),
            components={k: float(comps[k][i]) for k in COMPONENTS}, explanation=explanation,
        ))
    return results


__all__ = [
    "COMPONENTS",
    "COMPONENT_LABELS",
    "ComponentScore",
    "Explanation",
    "MatchResult",
    "ScoringParams",
    "Weights",
    "job_components",
    "lexical_component",
    "location_component",
    "occupation_component",
    "rank_jobs_for_seeker",
    "rank_seekers_for_job",
    "salary_component",
    "seeker_components",
    "semantic_component",
    "skill_coverage",
]
