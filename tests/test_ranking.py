"""Reranking, read as its specification: components at their edges, obvious orders, explanations, and the
vectorised rerank equal to a slow one-pair-at-a-time reference on random pools."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from matching.eligibility import pair_is_eligible
from matching.enums import Education, FlagKind, FlagStatus, WorkType
from matching.facts import FlagFact, JobColumns, JobFacts, SeekerColumns, SeekerFacts, normalise_skill
from matching.geo import haversine_km, point_of
from matching.priority import default_policy
from matching.ranking import (
    COMPONENT_LABELS,
    COMPONENTS,
    CONTEXT,
    TOPICAL,
    Asked,
    ScoringParams,
    Weights,
    lexical_component,
    location_component,
    occupation_component,
    rank_jobs_for_seeker,
    rank_seekers_for_job,
    salary_component,
    semantic_component,
)
from tests.test_eligibility import TODAY, ZICHUAN, job, random_job, random_seeker, seeker, verified

FORKLIFT = "6-30-05-01"  # 起重装卸机械操作工 (叉车司机)
CRANE_GROUP = "6-30-05-02"  # same 小类 6-30-05
SPECIAL_VEHICLE = "6-30-01-00"  # same 中类 6-30
WELDER = "6-18-02-04"  # 焊工
WENJIANG_POINT = point_of("510115", None, None)


def _code(code: str) -> int:
    a, b, c, d = (int(p) for p in code.split("-"))
    return a * 1_000_000 + b * 10_000 + c * 100 + d


def jobs_for(s: SeekerFacts, jobs: list[JobFacts], dense: list[float], **kwargs):
    columns = JobColumns.from_facts(jobs)
    return rank_jobs_for_seeker(s, [j.id for j in jobs], np.array(dense), columns, today=TODAY,
                                jobs={j.id: j for j in jobs}, **kwargs)


# --------------------------------------------------------------------------------------------- components


def test_weights_default_to_a_sum_of_one_per_group_and_refuse_nonsense():
    assert sum(Weights().normalised().values()) == pytest.approx(1.0)
    assert sum(getattr(Weights(), k) for k in TOPICAL) == pytest.approx(1.0)
    assert sum(getattr(Weights(), k) for k in CONTEXT) == pytest.approx(1.0)
    assert set(TOPICAL) | set(CONTEXT) == set(COMPONENTS)
    assert Weights(semantic=2, lexical=0, skill=0, location=0, salary=0, occupation=2,
                   intent=0).normalised()["semantic"] == 0.5
    with pytest.raises(ValueError):
        Weights(semantic=-0.1)


def test_component_functions_at_their_edges():
    np.testing.assert_allclose(semantic_component(np.array([-0.2, 0.5, 1.0]), 0.0, 1.0), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(semantic_component(np.array([0.7, 0.8, 0.95]), 0.7, 0.9), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(lexical_component(None, 3), [0, 0, 0])
    # absolute, not relative to the pool: a pool where nothing matches keeps its low scores
    np.testing.assert_allclose(lexical_component(np.array([0.02, 0.02]), 2), [0.02, 0.02])
    np.testing.assert_allclose(lexical_component(np.array([-1.0, 0.3, 5.0, np.nan]), 4), [0.0, 0.3, 1.0, 0.0])
    np.testing.assert_allclose(location_component(np.array([0.0, 30.0, np.nan]), 30.0), [1.0, math.exp(-1), 0.0])
    nan = np.nan
    np.testing.assert_allclose(
        salary_component(np.array([4000, 4000, 8000, nan, 4000]), np.array([6000, 6000, 12000, nan, nan]),
                         np.array([5000, nan, 5000, 5000, 8000])),
        [0.5, 0.5, 1.0, 0.5, 0.25],
    )
    occ = occupation_component(np.array([_code(FORKLIFT), _code(CRANE_GROUP), _code(SPECIAL_VEHICLE),
                                         _code(WELDER), -1]), np.array([_code(FORKLIFT)]))
    np.testing.assert_allclose(occ, [1.0, 0.7, 0.4, 0.0, 0.0])
    assert occupation_component(np.array([_code(FORKLIFT)]), np.array([], dtype=np.int64)).tolist() == [0.0]


# ---------------------------------------------------------------------------------------------- orders


def test_same_occupation_near_and_well_paid_ranks_first():
    s = seeker(desired_salary_min=5000, skills=("叉车", "仓储管理"), desired_regions=("51",))
    best = job(salary_min=6000, salary_max=8000)
    far = job(region_code="510181", salary_min=6000, salary_max=8000)  # 都江堰
    other = job(occupation_code=WELDER, skills=("焊工",), salary_min=6000, salary_max=8000)
    results = jobs_for(s, [other, far, best], [0.8, 0.8, 0.8])
    assert [r.id for r in results] == [best.id, far.id, other.id]
    assert results[0].components["occupation"] == 1.0 and results[0].components["skill"] == 1.0
    assert results[0].score == results[0].fit  # a full-time post unlocks nothing: no boost


def test_dense_similarity_orders_otherwise_equal_postings_and_ties_break_on_id():
    jobs = [job() for _ in range(3)]
    results = jobs_for(seeker(), jobs, [0.5, 0.9, 0.5])
    assert [r.id for r in results] == [jobs[1].id, jobs[0].id, jobs[2].id]


def test_unknown_duplicate_and_ineligible_candidates_are_dropped():
    s = seeker()
    open_post, closed = job(), job(valid_until=TODAY - timedelta(days=1))
    welfare = job(work_type=WorkType.public_welfare)
    columns = JobColumns.from_facts([open_post, closed, welfare])
    results = rank_jobs_for_seeker(s, [open_post.id, 999_999, closed.id, welfare.id, open_post.id],
                                   np.array([0.5, 0.9, 0.9, 0.9, 0.1]), columns, today=TODAY)
    assert [r.id for r in results] == [open_post.id]
    assert results[0].components["semantic"] == 0.5  # the first occurrence of a duplicate counts


def test_reserved_posts_never_reach_ineligible_seekers_even_without_an_allow_list():
    rng = np.random.default_rng(5)
    posts = [random_job(rng, work_type=w, status=job().status, valid_until=None, headcount=None)
             for w in (WorkType.internship, WorkType.public_welfare) for _ in range(10)]
    columns = JobColumns.from_facts(posts)
    for _ in range(40):
        s = random_seeker(rng, willing_to_relocate=True, desired_regions=(), desired_work_types=())
        results = rank_jobs_for_seeker(s, [p.id for p in posts], np.full(len(posts), 0.5), columns, today=TODAY,
                                       limit=None)
        by_id = {p.id: p for p in posts}
        assert all(pair_is_eligible(by_id[r.id], s, TODAY) for r in results)


def test_a_graduate_sees_internships_first_among_near_equal_fits():
    grad = seeker(education=Education.bachelor, graduation_date=TODAY - timedelta(days=100))
    full, intern = job(), job(work_type=WorkType.internship)
    spread = [job(occupation_code=WELDER, skills=("焊工",)) for _ in range(8)]
    results = jobs_for(grad, [full, intern, *spread], [0.81, 0.80] + [0.3] * 8)
    assert results[0].id == intern.id
    assert results[0].boost > 0
    assert results[0].explanation.boosts[0].reason_zh.startswith("见习岗位：")


def test_candidates_for_a_posting_get_the_bounded_boost_for_verified_flags_only():
    post = job()
    plain = seeker()
    hard = seeker(flags=(verified(FlagKind.hard_to_employ),))
    claimed = seeker(flags=(FlagFact(FlagKind.hard_to_employ, FlagStatus.self_declared, None),))
    far_better = seeker(skills=("叉车", "仓储管理"))
    weak = [seeker(desired_occupation_codes=(WELDER,), skills=()) for _ in range(8)]
    pool = [plain, hard, claimed, far_better, *weak]
    columns = SeekerColumns.from_facts(pool)
    results = rank_seekers_for_job(post, [s.id for s in pool], np.array([0.80, 0.79, 0.795, 0.80] + [0.2] * 8),
                                   columns, today=TODAY, seekers={s.id: s for s in pool})
    order = [r.id for r in results]
    assert order[:4] == [far_better.id, hard.id, plain.id, claimed.id]
    by_id = {r.id: r for r in results}
    assert by_id[claimed.id].boost == 0 and by_id[plain.id].boost == 0
    assert 0 < by_id[hard.id].boost <= default_policy().cap_abs
    assert [b.reason_zh for b in by_id[hard.id].explanation.boosts] == ["已核验：就业困难人员"]
    assert by_id[far_better.id].fit - by_id[hard.id].fit > by_id[hard.id].boost


# --------------------------------------------------------------------------------------------- explanation


def test_explanation_reads_as_one_chinese_line_with_stable_keys():
    s = seeker(desired_salary_min=5000, skills=("叉车", "Excel"), desired_regions=("5101",))
    lat, lon = WENJIANG_POINT
    twelve_km_east = lon + 12 / (111.32 * math.cos(math.radians(lat)))
    post = job(lat=lat, lon=twelve_km_east, salary_min=6000, salary_max=8000, skills=("叉车", "仓储管理"))
    (result,) = jobs_for(s, [post], [0.8])
    e = result.explanation
    assert e.summary == "同为起重装卸机械操作工，技能相符：叉车，距您12公里，薪资高于期望"
    assert e.matched_skills == ("叉车",) and e.missing_skills == ("仓储管理",)
    assert e.distance_km == pytest.approx(12, abs=0.1)
    assert all(f.passed for f in e.filters)
    d = result.to_dict()
    assert set(d) == {"id", "score", "fit", "boost", "components", "explanation", "similar_ids"}
    ex = d["explanation"]
    assert set(ex) == {"summary", "components", "matched_skills", "missing_skills", "distance_km", "boosts",
                       "filters"}
    assert list(ex["components"]) == list(COMPONENTS)
    assert {k: v["label"] for k, v in ex["components"].items()} == COMPONENT_LABELS
    assert {f["key"] for f in ex["filters"]} >= {"open", "region", "reserved"}
    assert sum(v["contribution"] for v in ex["components"].values()) == pytest.approx(result.fit, abs=1e-5)


def test_explanations_can_be_skipped_or_fetched_for_the_returned_ids_only():
    jobs = [job() for _ in range(5)]
    columns = JobColumns.from_facts(jobs)
    asked: list[list[int]] = []

    def fetch(ids: list[int]) -> dict[int, JobFacts]:
        asked.append(ids)
        return {j.id: j for j in jobs if j.id in ids}

    results = rank_jobs_for_seeker(seeker(), [j.id for j in jobs], np.linspace(0.1, 0.9, 5), columns, today=TODAY,
                                   jobs=fetch, limit=2)
    assert asked == [[r.id for r in results]] and len(results) == 2
    bare = rank_jobs_for_seeker(seeker(), [j.id for j in jobs], np.linspace(0.1, 0.9, 5), columns, today=TODAY,
                                explain=False)
    assert all(r.explanation is None for r in bare)


# ------------------------------------------------------------------------------ vectorised = slow reference


def _ref_components(j: JobFacts, s: SeekerFacts, cosine: float, params: ScoringParams, *,
                    asker: str = "seeker") -> dict[str, float]:
    """One pair's components, and (under ``"available"``) which carry a signal, as the module docstring says."""
    required = {normalise_skill(x) for x in j.skills if x.strip()}
    have = {normalise_skill(x) for x in s.skills if x.strip()}
    jp, sp = point_of(j.region_code, j.lat, j.lon), point_of(s.region_code, s.lat, s.lon)
    d = float(haversine_km(jp[0], jp[1], sp[0], sp[1]))
    wanted = [c for c in s.desired_occupation_codes if c]
    known = [float(v) for v in (j.salary_min, j.salary_max) if v is not None]
    if not known or s.desired_salary_min is None:
        salary = 0.5
    else:
        mid, f = sum(known) / len(known), float(s.desired_salary_min)
        salary = min(max(0.5 + (mid - f) / (2 * f), 0.0), 1.0)
    occupation = 0.0
    for code in s.desired_occupation_codes:
        a, b = _code(code), _code(j.occupation_code)
        for divisor, value in ((1, 1.0), (100, 0.7), (10_000, 0.4)):
            if a // divisor == b // divisor:
                occupation = max(occupation, value)
    return {
        "semantic": min(max((cosine - params.semantic_floor) / (params.semantic_ceiling - params.semantic_floor), 0),
                        1),
        "skill": len(required & have) / len(required) if required else 0.0,
        "location": 0.5 if math.isnan(d) else math.exp(-d / params.tau_km),
        "salary": salary,
        "occupation": occupation,
        "intent": 0.0,
        "available": {
            "semantic": True, "lexical": True, "skill": bool(required and have),
            "occupation": bool(wanted and j.occupation_code),
            "location": not math.isnan((sp if asker == "seeker" else jp)[0]),
            "salary": (s.desired_salary_min is not None) if asker == "seeker" else bool(known), "intent": False,
        },
    }


def _ref_relevance(comps: dict, weights: Weights) -> float:
    tw = {k: getattr(weights, k) for k in TOPICAL if comps["available"][k]}
    return sum(tw[k] * comps[k] for k in tw) / sum(tw.values())


def _ref_fit(comps: dict, weights: Weights, params: ScoringParams) -> float:
    """R × (1 − β + β × C), one pair at a time."""
    avail = comps["available"]
    relevance = _ref_relevance(comps, weights)
    cw = {k: getattr(weights, k) for k in CONTEXT if avail[k] and getattr(weights, k) > 0}
    if not cw:
        return relevance
    context = sum(cw[k] * comps[k] for k in cw) / sum(cw.values())
    return relevance * (1 - params.context_share + params.context_share * context)


OCCUPATIONS = (FORKLIFT, CRANE_GROUP, SPECIAL_VEHICLE, WELDER)


@pytest.mark.parametrize("seed", range(4))
def test_jobs_for_a_seeker_equal_the_slow_reference(seed):
    rng = np.random.default_rng(seed)
    params = ScoringParams(semantic_floor=0.2, semantic_ceiling=0.9, tau_km=25.0)
    weights = Weights(*rng.uniform(0.05, 1.0, size=7))
    jobs = [random_job(rng, occupation_code=str(rng.choice(OCCUPATIONS)), status=job().status) for _ in range(80)]
    s = random_seeker(rng, willing_to_relocate=True, desired_regions=(), desired_work_types=(),
                      education=Education.master, birth_date=TODAY - timedelta(days=30 * 365),
                      desired_occupation_codes=tuple(rng.choice(OCCUPATIONS, size=2, replace=False).tolist()))
    cosine, lexical = rng.uniform(0, 1, len(jobs)), rng.uniform(0, 1, len(jobs))
    results = rank_jobs_for_seeker(s, [j.id for j in jobs], cosine, JobColumns.from_facts(jobs), today=TODAY,
                                   lexical=lexical, weights=weights, params=params, limit=None, explain=False)

    eligible = [i for i, j in enumerate(jobs) if pair_is_eligible(j, s, TODAY)]
    expected = {}
    for i in eligible:
        comps = _ref_components(jobs[i], s, float(cosine[i]), params) | {"lexical": float(lexical[i])}
        expected[jobs[i].id] = (_ref_fit(comps, weights, params), comps)
    assert len(expected) >= 5
    assert {r.id for r in results} == set(expected)
    for r in results:
        fit, comps = expected[r.id]
        assert r.fit == pytest.approx(fit, abs=1e-9)
        for k in COMPONENTS:
            assert r.components[k] == pytest.approx(comps[k], abs=1e-9), k
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("seed", range(4))
def test_seekers_for_a_job_equal_the_slow_reference(seed):
    rng = np.random.default_rng(100 + seed)
    params = ScoringParams()
    policy = default_policy()
    post = random_job(rng, occupation_code=str(rng.choice(OCCUPATIONS)), status=job().status, valid_until=None,
                      headcount=None, education_min=None, age_min=None, age_max=None,
                      work_type=WorkType.full_time)
    seekers = [
        random_seeker(rng, desired_regions=(), willing_to_relocate=True,
                      desired_occupation_codes=tuple(rng.choice(OCCUPATIONS, size=int(rng.integers(0, 3)),
                                                                replace=False).tolist()),
                      flags=tuple(verified(FlagKind(k)) for k in rng.choice(list(FlagKind), size=int(rng.integers(0, 3)),
                                                                            replace=False)))
        for _ in range(80)
    ]
    cosine = rng.uniform(0, 1, len(seekers))
    results = rank_seekers_for_job(post, [s.id for s in seekers], cosine, SeekerColumns.from_facts(seekers),
                                   today=TODAY, limit=None, explain=False)

    eligible = [i for i, s in enumerate(seekers) if pair_is_eligible(post, s, TODAY)]
    fits, relevance = {}, {}
    for i in eligible:
        comps = _ref_components(post, seekers[i], float(cosine[i]), params, asker="job")
        comps["available"]["lexical"] = False  # no lexical scores given
        fits[seekers[i].id] = _ref_fit(comps, Weights(), params)
        relevance[seekers[i].id] = _ref_relevance(comps, Weights())
    assert len(fits) >= 5
    values = sorted(fits.values())
    lo, hi = np.quantile(values, policy.spread_quantiles)
    budget = min(policy.cap_abs, policy.cap_rel * (hi - lo))
    by_id = {s.id: s for s in seekers}
    assert {r.id for r in results} == set(fits)
    for r in results:
        share = min(1.0, sum(policy.weights[f.kind] for f in by_id[r.id].flags))
        assert r.fit == pytest.approx(fits[r.id], abs=1e-9)
        gate = min(1.0, relevance[r.id] / params.full_relevance)  # the boost moves only relevant candidates
        assert r.boost == pytest.approx(share * budget * gate, abs=1e-9)
    ranked = [(r.score, r.fit, -r.id) for r in results]
    assert ranked == sorted(ranked, reverse=True)


def test_replacing_a_posting_changes_its_score():
    s = seeker(desired_salary_min=5000)
    post = job(salary_min=3000, salary_max=5000)
    columns = JobColumns.from_facts([post])
    before = rank_jobs_for_seeker(s, [post.id], np.array([0.5]), columns, today=TODAY)[0]
    columns.upsert([replace(post, salary_min=9000, salary_max=12000, region_code=ZICHUAN)])
    assert rank_jobs_for_seeker(s, [post.id], np.array([0.5]), columns, today=TODAY) == []  # now out of region
    columns.upsert([replace(post, salary_min=9000, salary_max=12000)])
    after = rank_jobs_for_seeker(s, [post.id], np.array([0.5]), columns, today=TODAY)[0]
    assert after.components["salary"] > before.components["salary"]


# ------------------------------------------------------------------------ relevance before circumstances


def test_a_near_posting_in_another_line_of_work_stays_below_a_far_one_that_fits():
    """"深圳 C++ Qt" ranked data-analyst postings 4th and 6th on location alone: location multiplies relevance."""
    s = seeker(desired_occupation_codes=(FORKLIFT,), skills=(), desired_regions=("51",), desired_salary_min=5000)
    fits_far = job(region_code="510181", salary_min=5000, salary_max=6000)  # 都江堰, ~50 km, pays less
    near_other = job(occupation_code=WELDER, skills=(), salary_min=9000, salary_max=12000)
    results = jobs_for(s, [near_other, fits_far], [0.80, 0.86], lexical=np.array([0.05, 0.6]))
    assert [r.id for r in results] == [fits_far.id, near_other.id]
    assert results[1].components["location"] > results[0].components["location"]
    assert results[1].components["salary"] > results[0].components["salary"]


def test_components_without_a_signal_spend_no_weight():
    """A free-text query names no occupation and lists no skills: its relevance rests on what it has."""
    s = seeker(desired_occupation_codes=(), skills=())
    post = job(skills=("叉车",))
    (result,) = jobs_for(s, [post], [0.85], lexical=np.array([0.8]))
    weights = {c.key: c.weight for c in result.explanation.components}
    assert weights["occupation"] == 0 and weights["skill"] == 0
    assert weights["semantic"] > 0 and weights["lexical"] > 0
    assert sum(c.contribution for c in result.explanation.components) == pytest.approx(result.fit)


def test_a_minimum_relevance_returns_a_short_honest_list_not_padding():
    s = seeker(desired_occupation_codes=(FORKLIFT,))
    fitting = job()
    unrelated = [job(occupation_code=WELDER, skills=("焊工",)) for _ in range(5)]
    pool = [fitting, *unrelated]
    params = ScoringParams(semantic_floor=0.7, min_relevance=0.3)
    results = jobs_for(s, pool, [0.86] + [0.74] * 5, lexical=np.array([0.5] + [0.02] * 5), params=params)
    assert [r.id for r in results] == [fitting.id]
    padded = jobs_for(s, pool, [0.86] + [0.74] * 5, lexical=np.array([0.5] + [0.02] * 5),
                      params=replace(params, min_relevance=0.0))
    assert len(padded) == 6


def test_stated_intents_lift_the_postings_that_meet_them():
    """"统计学研一，想找数据分析实习": among equally relevant postings, the internships come first."""
    s = seeker(desired_occupation_codes=())
    plain, intern = job(), job(title="数据分析实习生")
    asked = Asked(intents=("internship",), met={intern.id: frozenset({"internship"})}, terms=("数据分析",))
    results = jobs_for(s, [plain, intern], [0.86, 0.85], lexical=np.array([0.5, 0.5]), asked=asked)
    assert [r.id for r in results] == [intern.id, plain.id]
    assert results[0].components["intent"] == 1.0 and results[1].components["intent"] == 0.0
    assert "符合实习" in results[0].explanation.summary
    assert "未注明实习" in results[1].explanation.summary


def test_near_duplicates_fold_into_the_best_of_them():
    rng = np.random.default_rng(3)
    base = rng.normal(size=16).astype(np.float32)
    other = rng.normal(size=16).astype(np.float32)
    noise = [rng.normal(scale=0.02, size=16).astype(np.float32) for _ in range(3)]
    vecs = np.stack([base + noise[0], base + noise[1], other, base + noise[2]])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    posts = [job() for _ in range(4)]
    results = jobs_for(seeker(), posts, [0.9, 0.89, 0.85, 0.88], vectors=vecs, duplicate_cosine=0.97)
    assert [r.id for r in results] == [posts[0].id, posts[2].id]
    assert results[0].similar == (posts[1].id, posts[3].id)  # in rank order
    unfolded = jobs_for(seeker(), posts, [0.9, 0.89, 0.85, 0.88], vectors=vecs)
    assert len(unfolded) == 4 and all(not r.similar for r in unfolded)


def test_folding_still_returns_the_number_asked_for_when_there_are_enough_distinct_postings():
    rng = np.random.default_rng(4)
    vecs = rng.normal(size=(30, 16)).astype(np.float32)
    vecs[1::2] = vecs[0::2] + 0.001  # 15 pairs of twins
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    posts = [job() for _ in range(30)]
    results = jobs_for(seeker(), posts, np.linspace(0.9, 0.8, 30).tolist(), vectors=vecs, duplicate_cosine=0.99,
                       limit=10)
    assert len(results) == 10 and all(len(r.similar) == 1 for r in results)


def test_missing_skills_are_skills_not_job_titles():
    s = seeker(skills=("叉车",))
    post = job(title="叉车司机", skills=("叉车", "叉车司机", "仓储管理", "园艺师"))
    (result,) = jobs_for(s, [post], [0.8])
    assert result.explanation.matched_skills == ("叉车",)
    assert result.explanation.missing_skills == ("仓储管理",)
