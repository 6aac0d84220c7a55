"""Rerank retrieved candidates: relevance first, then the circumstances, a bounded priority boost, an explanation.

Both directions — postings for a seeker (``rank_jobs_for_seeker``) and seekers for a posting
(``rank_seekers_for_job``) — take the candidate ids the dense index returned with their cosine scores, drop
unknown and ineligible candidates (the hard filters again, so a reserved post never reaches an ineligible
seeker even if the caller forgot the allow-list), score every candidate with array operations over the
columns, and explain only the ``limit`` it returns.

Components, each in [0, 1] (key — label). *Topical* ones say whether it is the right work:

* ``semantic`` — 语义相似度: cosine rescaled, clip((cos − floor) / (ceiling − floor), 0, 1);
* ``lexical`` — 关键词重合: the caller's lexical score, already in [0, 1] (:mod:`matching.lexical`);
* ``skill`` — 技能匹配: share of the posting's skills the seeker lists (counted only when both list skills);
* ``occupation`` — 职业对口: same 细类 1.0, same 小类 0.7, same 中类 0.4, else 0 (best over the seeker's
  desired occupations; counted only when both sides are coded).

*Circumstantial* ones move results among the relevant:

* ``location`` — 距离: exp(−d / τ) of the distance between posting and residence (counted when the asker's place
  is known; 0.5 where the other side's is not);
* ``salary`` — 薪资匹配: with the posting's mid pay m and the seeker's floor f, clip(0.5 + (m − f) / 2f, 0, 1)
  (counted when a floor is given; 0.5 where the posting's pay is unknown);
* ``intent`` — 意向符合: the share of what the asker said they want (实习, 兼职, 包吃住, 日结 …;
  :mod:`matching.understand`) that the posting meets (counted when something was said).

A component that carries no signal for a pair (nothing to compare) is left out of its group's mean rather than
counted as 0, so no weight is spent on constants. With R the weighted mean of the topical components and C that
of the circumstantial ones (1 when the asker gave none), ``fit = R × (1 − β + β × C)`` (β =
``ScoringParams.context_share``): a far or lower-paid posting that fits the work stays above a near one that
does not. The priority boost of :mod:`matching.priority` is scaled by min(1, R / ``full_relevance``), so it
too moves only relevant results; ``score = fit + boost``. Candidates whose relevance R is below
``min_relevance`` are not returned at all (a short honest list beats padding). Ties break on fit, then on the
smaller id. Each explanation's component weights are the effective ones for that result, so the
contributions (value × weight) add up to its fit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
import re

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

COMPONENTS = ("semantic", "lexical", "skill", "location", "salary", "occupation", "intent")
TOPICAL = ("semantic", "lexical", "skill", "occupation")
CONTEXT = ("location", "salary", "intent")
COMPONENT_LABELS = {
    "semantic": "语义相似度",
    "lexical": "关键词重合",
    "skill": "技能匹配",
    "location": "距离",
    "salary": "薪资匹配",
    "occupation": "职业对口",
    "intent": "意向符合",
}
NEUTRAL = 0.5  # a circumstance the other side does not state (pay 面议, no address)
OCCUPATION_LEVEL_SCORES = (1.0, 0.7, 0.4)  # same 细类, 小类, 中类


@dataclass(frozen=True)
class Weights:
    """Component weights, relative within their group (topical or circumstantial; see the module's docstring)."""

    semantic: float = 0.35
    lexical: float = 0.30
    skill: float = 0.15
    location: float = 0.30
    salary: float = 0.20
    occupation: float = 0.20
    intent: float = 0.50

    def __post_init__(self) -> None:
        values = [getattr(self, f.name) for f in fields(self)]
        if any(v < 0 for v in values) or sum(values) <= 0:
            raise ValueError("weights must be non-negative and not all zero")

    def normalised(self) -> dict[str, float]:
        """The weights summing to 1 over all components (worked out once)."""
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
    context_share: float = 0.35  # β: how far the circumstances can lower a relevant result's fit
    min_relevance: float = 0.0  # results less relevant than this are not returned
    full_relevance: float = 0.5  # relevance at which the priority boost applies in full
    near_home_location: float = 3.0  # the location weight's multiple when the asker wants work near home


# --------------------------------------------------------------------------------- components (vectorised)


def semantic_component(cosine: np.ndarray, floor: float = 0.0, ceiling: float = 1.0) -> np.ndarray:
    return np.clip((np.asarray(cosine, dtype=np.float64) - floor) / (ceiling - floor), 0.0, 1.0)


def lexical_component(scores: np.ndarray | None, n: int) -> np.ndarray:
    """The lexical scores as given (absolute, in [0, 1]: a pool with nothing relevant must not see its best
    candidate raised to the top of the scale); 0 when none are given."""
    if scores is None or n == 0:
        return np.zeros(n)
    return np.clip(np.nan_to_num(np.asarray(scores, dtype=np.float64)), 0.0, 1.0)


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
    similar: tuple[int, ...] = ()  # near-duplicates folded into this result (the same posting re-published)
    relevance: float = 0.0  # the topical part R of the fit (module docstring)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "score": round(self.score, 6),
            "fit": round(self.fit, 6),
            "boost": round(self.boost, 6),
            "components": {k: round(v, 6) for k, v in self.components.items()},
            "explanation": None if self.explanation is None else self.explanation.to_dict(),
            "similar_ids": list(self.similar),
        }


@dataclass(frozen=True)
class Asked:
    """What the asker said beyond the facts (:mod:`matching.understand`), for the postings-for-a-seeker rerank:
    the intents stated (keys of :data:`matching.understand.INTENTS`), which of them each candidate meets (by
    id; a candidate not listed meets none), the topical words (for the explanation), and "near home"."""

    intents: tuple[str, ...] = ()
    met: Mapping[int, frozenset[str]] = field(default_factory=dict)
    terms: tuple[str, ...] = ()
    near_home: bool = False


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
    vectors: np.ndarray | None = None


def _pool(ids: Sequence[int] | np.ndarray, dense: np.ndarray, lexical: np.ndarray | None, columns,
          vectors: np.ndarray | None = None) -> _Pool:
    ids = np.asarray(ids, dtype=np.int64)
    dense = np.asarray(dense, dtype=np.float64)
    if (dense.shape != ids.shape or (lexical is not None and np.shape(lexical) != ids.shape)
            or (vectors is not None and len(vectors) != len(ids))):
        raise ValueError("dense (and lexical) scores and vectors must align with the candidate ids")
    _, first = np.unique(ids, return_index=True)
    first = np.sort(first)
    rows = columns.rows_of(ids[first])
    keep = first[rows >= 0]
    return _Pool(ids[keep], rows[rows >= 0], dense[keep],
                 None if lexical is None else np.asarray(lexical, dtype=np.float64)[keep],
                 None if vectors is None else np.asarray(vectors, dtype=np.float32)[keep])


def _keep(pool: _Pool, mask: np.ndarray) -> _Pool:
    return _Pool(pool.ids[mask], pool.rows[mask], pool.dense[mask], None if pool.lexical is None else pool.lexical[mask],
                 None if pool.vectors is None else pool.vectors[mask])


@dataclass(frozen=True)
class Fit:
    """The rerank's numbers for a pool: fit, topical relevance and each component's effective weight per row."""

    fit: np.ndarray
    relevance: np.ndarray
    weights: dict[str, np.ndarray]


def combine(comps: dict[str, np.ndarray], available: dict[str, np.ndarray | bool], weights: Weights,
            params: ScoringParams, *, location_weight: float = 1.0) -> Fit:
    """``fit = R × (1 − β + β × C)`` over the available components (module docstring), with effective weights
    whose products with the components add up to the fit."""
    n = len(comps["semantic"])
    raw = {k: float(getattr(weights, k)) for k in COMPONENTS}
    raw["location"] *= location_weight
    w = {k: np.where(np.broadcast_to(np.asarray(available.get(k, False)), (n,)), raw[k], 0.0) for k in COMPONENTS}
    t_total = sum((w[k] for k in TOPICAL), np.zeros(n))
    t_safe = np.where(t_total > 0, t_total, 1.0)
    relevance = sum((w[k] * comps[k] for k in TOPICAL), np.zeros(n)) / t_safe
    c_total = sum((w[k] for k in CONTEXT), np.zeros(n))
    has_context = c_total > 0
    c_safe = np.where(has_context, c_total, 1.0)
    context = np.where(has_context, sum((w[k] * comps[k] for k in CONTEXT), np.zeros(n)) / c_safe, 1.0)
    beta = np.where(has_context, params.context_share, 0.0)
    fit = relevance * (1.0 - beta + beta * context)
    effective = {k: w[k] / t_safe * (1.0 - beta) for k in TOPICAL}
    effective |= {k: relevance * beta * w[k] / c_safe for k in CONTEXT}
    return Fit(fit, relevance, effective)


def relevance_gate(relevance: np.ndarray, params: ScoringParams) -> np.ndarray:
    """The share of the priority boost a result of this relevance gets: all of it once relevant enough."""
    return np.clip(relevance / params.full_relevance, 0.0, 1.0) if params.full_relevance > 0 else np.ones_like(relevance)


def _order(score: np.ndarray, fit: np.ndarray, ids: np.ndarray, limit: int | None) -> np.ndarray:
    order = np.lexsort((ids, -fit, -score))
    return order if limit is None else order[:limit]


def collapse(order: np.ndarray, vectors: np.ndarray | None, limit: int | None, threshold: float,
             same: Callable[[int, int], bool] | None = None) -> list[tuple[int, list[int]]]:
    """Walk the ranked positions, folding each into an earlier kept one whose vector is at least ``threshold``
    cosine-similar and, where ``same`` (of two positions) is given, that it confirms (the same posting
    re-published by another employer or again by the same one): up to ``limit`` (kept position, folded
    positions). Without vectors or with ``threshold`` ≤ 0 nothing folds."""
    stop = len(order) if limit is None else limit
    if vectors is None or threshold <= 0 or not len(order):
        return [(int(i), []) for i in order[:stop]]
    kept: list[tuple[int, list[int]]] = []
    reps = np.empty((min(stop, len(order)), vectors.shape[1]), dtype=np.float32)
    for i in order:
        v = vectors[i]
        if kept:
            sims = reps[: len(kept)] @ v
            match = next((j for j in np.argsort(-sims) if sims[j] >= threshold
                          and (same is None or same(kept[j][0], int(i)))), None)
            if match is not None:
                kept[int(match)][1].append(int(i))
                continue
        if len(kept) == stop:
            continue  # only folding into the kept ones from here on
        reps[len(kept)] = v
        kept.append((int(i), []))
    return kept


def _component_scores(comps: dict[str, np.ndarray], i: int, fit: Fit) -> tuple[ComponentScore, ...]:
    return tuple(ComponentScore(k, COMPONENT_LABELS[k], float(comps[k][i]), float(fit.weights[k][i]))
                 for k in COMPONENTS)


# A word naming a person's role (园艺师, 数据分析师, 叉车司机, 销售经理) rather than something they can do.
_ROLE = re.compile(r"(?:师|员|工|司机|经理|主管|专员|助理|顾问|总监|主任|组长|店长|主播|学徒|实习生|管培生)$")


def _is_skill(word: str, title: str) -> bool:
    """A posting's listed "skill" that is really its job title or a role's name (数据分析师, 园艺师) is not a skill a
    person can lack."""
    w = word.strip()
    return bool(w) and w not in title and not _ROLE.search(w)


def _skill_lists(job: JobFacts | None, seeker: SeekerFacts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if job is None or seeker is None:
        return (), ()
    have = {normalise_skill(s) for s in seeker.skills}
    required = list(dict.fromkeys(s.strip() for s in job.skills if s.strip()))
    matched = tuple(s for s in required if normalise_skill(s) in have)
    missing = tuple(s for s in required if normalise_skill(s) not in have and _is_skill(s, job.title or ""))
    return matched, missing


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


def _intent_phrase(asked: Asked, met: frozenset[str]) -> str:
    from matching.understand import INTENT_LABELS

    said = [i for i in asked.intents if i in INTENT_LABELS]
    if not said:
        return ""
    yes = [INTENT_LABELS[i] for i in said if i in met]
    no = [INTENT_LABELS[i] for i in said if i not in met]
    return "，".join(p for p in (("符合" + "、".join(yes)) if yes else "", ("未注明" + "、".join(no)) if no else "") if p)


def _terms_phrase(terms: Sequence[str], job: JobFacts | None) -> str:
    if job is None or not terms:
        return ""
    title = (job.title or "").lower()
    listed = {normalise_skill(s) for s in job.skills}
    hits = [t for t in terms if t.lower() in title]
    if hits:
        return "岗位名称含“" + "、".join(hits[:3]) + "”"
    hits = [t for t in terms if normalise_skill(t) in listed]
    return ("岗位技能含“" + "、".join(hits[:3]) + "”") if hits else ""


def _summary(*parts: str, relevance: float | None = None) -> str:
    text = "，".join(p for p in parts if p)
    if text:
        return text
    return "与您的描述内容相近" if relevance is not None and relevance >= 0.5 else "综合匹配"


# ------------------------------------------------------------------------------------- jobs for a seeker


def job_components(
    seeker: SeekerFacts, rows: np.ndarray, dense: np.ndarray, lexical: np.ndarray | None, columns: JobColumns,
    params: ScoringParams = ScoringParams(), intent: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray | bool], np.ndarray]:
    """Component arrays for postings at ``rows`` against one seeker, which of them carry a signal per row, and the
    distances (km, NaN unknown). ``intent`` is the share of the asker's stated intents each posting meets."""
    n = len(rows)
    values, seg = columns.ragged("skills", rows)
    wanted = columns.skill_vocab.lookup(normalise_skill(s) for s in seeker.skills if s.strip())
    matched = segment_sum(np.isin(values, wanted).astype(np.float64), seg, n)
    required = np.bincount(seg, minlength=n)[:n]
    lat, lon = point_of(seeker.region_code, seeker.lat, seeker.lon)
    distance = haversine_km(columns.lat[rows], columns.lon[rows], lat, lon)
    floor = np.nan if seeker.desired_salary_min is None else float(seeker.desired_salary_min)
    desired = np.array([c for c in map(occupation_int, seeker.desired_occupation_codes) if c >= 0], dtype=np.int64)
    codes = columns.occupation[rows]
    comps = {
        "semantic": semantic_component(dense, params.semantic_floor, params.semantic_ceiling),
        "lexical": lexical_component(lexical, n),
        "skill": skill_coverage(matched, required),
        "location": np.where(np.isnan(distance), NEUTRAL, location_component(distance, params.tau_km)),
        "salary": salary_component(columns.salary_min[rows], columns.salary_max[rows], np.full(n, floor)),
        "occupation": occupation_component(codes, desired),
        "intent": np.zeros(n) if intent is None else np.asarray(intent, dtype=np.float64),
    }
    available = {
        "semantic": True,
        "lexical": lexical is not None,
        "skill": (required > 0) & (len(wanted) > 0),
        "occupation": (codes >= 0) & (len(desired) > 0),
        "location": not np.isnan(lat),
        "salary": not np.isnan(floor),
        "intent": intent is not None,
    }
    return comps, available, distance


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
    asked: Asked | None = None,
    vectors: np.ndarray | None = None,
    duplicate_cosine: float = 0.0,
    same_posting: Callable[[int, int], bool] | None = None,
) -> list[MatchResult]:
    """Postings for a seeker, best first. ``jobs`` (id → JobFacts, or a function of the returned ids) feeds the
    explanations; ``dense``/``lexical``/``vectors`` align with ``job_ids``. With ``vectors`` and a
    ``duplicate_cosine`` threshold, postings that close and that ``same_posting`` (of two ids) confirms are one
    posting published again: they fold into the best of them (``MatchResult.similar``)."""
    policy = policy or default_policy()
    options = options or policy.filters()
    asked = asked or Asked()
    day = as_day(today)
    pool = _pool(job_ids, dense, lexical, columns, vectors)
    pool = _keep(pool, eligible_jobs_mask(columns, seeker, options, day, rows=pool.rows))
    intent = None
    if asked.intents:
        met = asked.met
        said = set(asked.intents)
        intent = np.fromiter((len(said & met.get(int(i), frozenset())) / len(said) for i in pool.ids),
                             dtype=np.float64, count=len(pool.ids))
    comps, available, distance = job_components(seeker, pool.rows, pool.dense, pool.lexical, columns, params, intent)
    fit = combine(comps, available, weights, params,
                  location_weight=params.near_home_location if asked.near_home else 1.0)
    relevant = fit.relevance >= params.min_relevance
    now = options.now if options.now is not None else today
    boosts = seeker_side_boost(fit.fit, columns.work_type[pool.rows], seeker, day, policy, now)
    boost = boosts.boost * relevance_gate(fit.relevance, params)
    score = fit.fit + boost
    order = _order(score, fit.fit, pool.ids, None)
    order = order[relevant[order]]
    same = None if same_posting is None else (lambda a, b: same_posting(int(pool.ids[a]), int(pool.ids[b])))
    groups = collapse(order, pool.vectors, limit, duplicate_cosine, same)
    top = [i for i, _ in groups]
    facts = _facts_for(jobs, [int(pool.ids[i]) for i in top]) if explain else {}
    floor = None if seeker.desired_salary_min is None else float(seeker.desired_salary_min)
    results = []
    for i, folded in groups:
        job = facts.get(int(pool.ids[i]))
        explanation = None
        if explain:
            d = None if np.isnan(distance[i]) or not available["location"] else float(distance[i])
            matched, missing = _skill_lists(job, seeker)
            reasons = (seeker_side_reasons(job.work_type, seeker, day, float(boost[i]), policy, now)
                       if job is not None else [])
            explanation = Explanation(
                components=_component_scores(comps, i, fit),
                matched_skills=matched,
                missing_skills=missing,
                distance_km=d,
                boosts=tuple(reasons),
                filters=tuple(check_pair(job, seeker, day, options)) if job is not None else (),
                summary=_summary(
                    _intent_phrase(asked, asked.met.get(int(pool.ids[i]), frozenset())),
                    _terms_phrase(asked.terms, job),
                    _occupation_phrase(job.occupation_code if job else None, float(comps["occupation"][i]),
                                       for_seeker=True),
                    ("技能相符：" + "、".join(matched[:3])) if matched else "",
                    _distance_phrase(d, "您"),
                    _salary_phrase(job, floor, for_seeker=True),
                    relevance=float(fit.relevance[i]),
                ),
            )
        results.append(MatchResult(
            id=int(pool.ids[i]), score=float(score[i]), fit=float(fit.fit[i]), boost=float(boost[i]),
            components={k: float(comps[k][i]) for k in COMPONENTS}, explanation=explanation,
            similar=tuple(int(pool.ids[j]) for j in folded), relevance=float(fit.relevance[i]),
        ))
    return results


# ------------------------------------------------------------------------------------- seekers for a job


def seeker_components(
    job: JobFacts, rows: np.ndarray, dense: np.ndarray, lexical: np.ndarray | None, columns: SeekerColumns,
    params: ScoringParams = ScoringParams(),
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray | bool], np.ndarray]:
    """Component arrays for seekers at ``rows`` against one posting, which carry a signal, and the distances."""
    n = len(rows)
    required_skills = {normalise_skill(s) for s in job.skills if s.strip()}
    values, seg = columns.ragged("skills", rows)
    matched = segment_sum(np.isin(values, columns.skill_vocab.lookup(required_skills)).astype(np.float64), seg, n)
    listed = np.bincount(seg, minlength=n)[:n]
    lat, lon = point_of(job.region_code, job.lat, job.lon)
    distance = haversine_km(columns.lat[rows], columns.lon[rows], lat, lon)
    job_code = occupation_int(job.occupation_code)
    occ_values, occ_seg = columns.ragged("occupations", rows)
    occupation = segment_max(occupation_component(occ_values, np.array([job_code])), occ_seg, n, 0.0)
    coded = np.bincount(occ_seg, minlength=n)[:n] > 0
    pay_min = np.nan if job.salary_min is None else float(job.salary_min)
    pay_max = np.nan if job.salary_max is None else float(job.salary_max)
    comps = {
        "semantic": semantic_component(dense, params.semantic_floor, params.semantic_ceiling),
        "lexical": lexical_component(lexical, n),
        "skill": skill_coverage(matched, np.full(n, len(required_skills))),
        "location": np.where(np.isnan(distance), NEUTRAL, location_component(distance, params.tau_km)),
        "salary": salary_component(np.full(n, pay_min), np.full(n, pay_max), columns.desired_salary[rows]),
        "occupation": occupation,
        "intent": np.zeros(n),
    }
    available = {
        "semantic": True,
        "lexical": lexical is not None,
        "skill": (listed > 0) & (len(required_skills) > 0),
        "occupation": coded & (job_code >= 0),
        "location": not np.isnan(lat),
        "salary": not (np.isnan(pay_min) and np.isnan(pay_max)),
        "intent": False,
    }
    return comps, available, distance


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
    """Candidates for a posting, best first, with the bounded priority boost for active flags (scaled by how
    relevant each candidate is)."""
    policy = policy or default_policy()
    options = options or policy.filters()
    day = as_day(today)
    now = options.now if options.now is not None else today
    pool = _pool(seeker_ids, dense, lexical, columns)
    pool = _keep(pool, eligible_seekers_mask(columns, job, options, day, rows=pool.rows))
    comps, available, distance = seeker_components(job, pool.rows, pool.dense, pool.lexical, columns, params)
    fit = combine(comps, available, weights, params)
    boosts = candidate_boost(fit.fit, columns.active_bits(now, pool.rows), policy)
    boost = boosts.boost * relevance_gate(fit.relevance, params)
    score = fit.fit + boost
    top = _order(score, fit.fit, pool.ids, None)
    top = top[fit.relevance[top] >= params.min_relevance][:limit]
    facts = _facts_for(seekers, [int(i) for i in pool.ids[top]]) if explain else {}
    results = []
    for i in top:
        seeker = facts.get(int(pool.ids[i]))
        explanation = None
        if explain:
            d = None if np.isnan(distance[i]) else float(distance[i])
            matched, missing = _skill_lists(job, seeker)
            reasons = (candidate_reasons(active_flags(seeker.flags, now), float(boost[i]), policy)
                       if seeker is not None and boost[i] > 0 else [])
            floor = None if seeker is None or seeker.desired_salary_min is None else float(seeker.desired_salary_min)
            explanation = Explanation(
                components=_component_scores(comps, i, fit),
                matched_skills=matched,
                missing_skills=missing,
                distance_km=d,
                boosts=tuple(reasons),
                filters=tuple(check_pair(job, seeker, day, options)) if seeker is not None else (),
                summary=_summary(
                    _occupation_phrase(job.occupation_code, float(comps["occupation"][i]), for_seeker=False),
                    ("技能相符：" + "、".join(matched[:3])) if matched else "",
                    _distance_phrase(d, "岗位"),
                    _salary_phrase(job, floor, for_seeker=False),
                    relevance=float(fit.relevance[i]),
                ),
            )
        results.append(MatchResult(
            id=int(pool.ids[i]), score=float(score[i]), fit=float(fit.fit[i]), boost=float(boost[i]),
            components={k: float(comps[k][i]) for k in COMPONENTS}, explanation=explanation,
            relevance=float(fit.relevance[i]),
        ))
    return results


__all__ = [
    "Asked",
    "COMPONENTS",
    "CONTEXT",
    "Fit",
    "TOPICAL",
    "collapse",
    "combine",
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
