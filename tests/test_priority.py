"""Priority for 重点群体, read as its specification: the shipped policy, refused files, active flags only, the bound."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from matching.enums import Education, FlagKind, FlagStatus, WorkType
from matching.facts import FLAG_BIT, WORK_TYPE_CODE, FlagFact, SeekerColumns, flag_bits
from matching.priority import (
    DEFAULT_POLICY,
    PolicyFileError,
    PriorityPolicy,
    boost_budget,
    candidate_boost,
    candidate_reasons,
    default_policy,
    load_policy,
    seeker_side_boost,
)
from matching.refdata import DATA_DIR
from tests.test_eligibility import TODAY, seeker, verified

POLICY_DOCS = DATA_DIR / "policy-docs"  # shipped with the package: the documents the policy cites
DOC_FILES = {
    "000_6ee6945cb9904930.txt",
    "001_6808aec221edb563.txt",
    "002_e235edd94cbc6729.txt",
    "003_545bf9e437007d7d.txt",
    "004_db29f2f20b91b7eb.txt",
}


def policy(**overrides) -> PriorityPolicy:
    values = dict(weights={k: 0.5 for k in FlagKind}, sources={k: "test" for k in FlagKind})
    values.update(overrides)
    return PriorityPolicy(**values)


# ------------------------------------------------------------------------------------------- the policy file


def test_the_shipped_policy_weighs_every_group_and_cites_a_document_for_each():
    p = default_policy()
    assert set(p.weights) == set(FlagKind)
    assert all(0 < w <= 1 for w in p.weights.values())
    assert p.weights[FlagKind.hard_to_employ] == max(p.weights.values())
    for source in [*p.sources.values(), *p.seeker_side_sources.values()]:
        cited = set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", source))
        assert cited and cited <= DOC_FILES, source
    assert p.public_welfare_kinds == {FlagKind.hard_to_employ, FlagKind.zero_employment_household}
    assert set(p.seeker_side) == {WorkType.internship, WorkType.public_welfare}


def test_every_cited_document_ships_with_the_project():
    assert {p.name for p in POLICY_DOCS.glob("*.txt")} == DOC_FILES


def test_each_cited_document_names_the_group_it_is_cited_for():
    names = {
        FlagKind.hard_to_employ: "就业困难人员",
        FlagKind.zero_employment_household: "零就业",
        FlagKind.disabled: "残疾人",
        FlagKind.poverty_alleviated: "贫困劳动力",
        FlagKind.long_term_unemployed: "登记失业半年以上",
        FlagKind.veteran: "退役军人",
        FlagKind.graduate: "高校毕业生",
        FlagKind.rural_migrant: "农",
    }
    for kind, source in default_policy().sources.items():
        for doc in re.findall(r"\d{3}_[0-9a-f]{16}\.txt", source):
            assert names[kind] in (POLICY_DOCS / doc).read_text(encoding="utf-8"), (kind, doc)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "priority_test.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("version: 1\nweights:\n  veterans: {weight: 0.5, source: x}\n", "weights.veterans"),
        ("version: 1\nweights:\n  veteran: {weight: 0.5, source: x, note: y}\n", "weights.veteran.note"),
        ("version: 1\nweights:\n  veteran: {weight: 1.5, source: x}\n", "weights.veteran.weight"),
        ("version: 1\nweights:\n  veteran: {weight: 0.5}\n", "weights.veteran.source"),
        ("version: 1\nweights:\n  veteran: {weight: 0.5, source: ''}\n", "weights.veteran.source"),
        ("version: 1\nweights: {}\nbound: {cap: 0.1}\n", "bound.cap"),
        ("version: 1\nweights: {}\nboost: 1\n", "boost"),
        ("version: 2\nweights: {}\n", "version"),
        ("version: 1\nweights: {}\nreserved:\n  public_welfare: {kinds: [poor], source: x}\n",
         "reserved.public_welfare.kinds"),
        ("version: 1\nweights: {}\nseeker_side:\n  full_time: {weight: 0.5, source: x}\n", "seeker_side.full_time"),
    ],
)
def test_a_policy_file_with_an_unknown_or_invalid_key_is_refused_naming_file_and_key(tmp_path, body, key):
    path = _write(tmp_path, body)
    with pytest.raises(PolicyFileError) as err:
        load_policy(path)
    assert err.value.key == key
    assert str(path) in str(err.value) and key in str(err.value)


def test_a_deployment_may_widen_the_public_welfare_kinds(tmp_path):
    path = _write(tmp_path, """\
        version: 1
        weights:
          disabled: {weight: 0.9, source: "004_db29f2f20b91b7eb.txt 附件 第10项"}
        reserved:
          public_welfare: {kinds: [hard_to_employ, zero_employment_household, disabled], source: local rule}
    """)
    p = load_policy(path)
    assert FlagKind.disabled in p.public_welfare_kinds
    assert p.filters().public_welfare_kinds == p.public_welfare_kinds
    assert p.weights == {FlagKind.disabled: 0.9}


def test_default_policy_path_is_the_shipped_file():
    assert load_policy(DEFAULT_POLICY) == default_policy()


# ------------------------------------------------------------------------------------------ the bound


def test_budget_is_the_smaller_of_the_absolute_cap_and_a_share_of_the_spread():
    p = policy(cap_abs=0.05, cap_rel=0.5)
    wide = np.linspace(0.0, 1.0, 101)  # p90 − p10 = 0.8 → 0.4, capped at 0.05
    narrow = np.linspace(0.50, 0.51, 101)  # spread 0.008 → 0.004
    assert boost_budget(wide, p) == pytest.approx(0.05)
    assert boost_budget(narrow, p) == pytest.approx(0.004)
    assert boost_budget(np.array([0.7]), p) == 0.0
    assert boost_budget(np.full(10, 0.7), p) == 0.0


def test_boost_is_share_times_budget_and_share_saturates_at_one():
    p = policy(weights={FlagKind.hard_to_employ: 1.0, FlagKind.veteran: 0.5, FlagKind.graduate: 0.4},
               sources={k: "t" for k in FlagKind})
    fit = np.linspace(0, 1, 5)
    bits = np.array([0, FLAG_BIT[FlagKind.veteran], FLAG_BIT[FlagKind.veteran] | FLAG_BIT[FlagKind.graduate],
                     FLAG_BIT[FlagKind.hard_to_employ] | FLAG_BIT[FlagKind.veteran], FLAG_BIT[FlagKind.disabled]])
    b = candidate_boost(fit, bits, p)
    np.testing.assert_allclose(b.share, [0.0, 0.5, 0.9, 1.0, 0.0])
    np.testing.assert_allclose(b.boost, b.share * b.budget)


def test_a_better_fit_by_more_than_the_budget_always_ranks_first():
    p = default_policy()
    fit = np.array([0.60, 0.60 - 0.0501, 0.30, 0.90])
    everything = flag_bits(FlagKind)
    b = candidate_boost(fit, np.array([0, everything, everything, 0]), p)
    assert b.budget == pytest.approx(0.05)
    score = fit + b.boost
    assert score[0] > score[1]  # 0.0501 > B: the flagged candidate stays below
    close = np.array([0.60, 0.60 - 0.0499, 0.30, 0.90])
    b = candidate_boost(close, np.array([0, everything, everything, 0]), p)
    assert (close + b.boost)[1] > (close + b.boost)[0]  # within B: priority reorders


@pytest.mark.parametrize("seed", range(5))
def test_bound_property_on_random_pools(seed):
    rng = np.random.default_rng(seed)
    weights = {k: float(rng.random()) for k in FlagKind}
    p = policy(weights=weights, cap_abs=float(rng.uniform(0.01, 0.2)), cap_rel=float(rng.uniform(0.1, 1.0)))
    n = int(rng.integers(2, 300))
    fit = rng.beta(2, 3, size=n)
    bits = rng.integers(0, 1 << len(FlagKind), size=n)
    b = candidate_boost(fit, bits, p)
    assert 0 <= b.budget <= p.cap_abs
    assert np.all((b.boost >= 0) & (b.boost <= b.budget))
    score = fit + b.boost
    gap = fit[:, None] - fit[None, :]
    a, c = np.nonzero(gap > b.budget)
    assert np.all(score[a] > score[c])


# ---------------------------------------------------------------------------------- active flags only


def test_unverified_or_expired_flags_never_boost():
    now = datetime(2025, 6, 15, 9, tzinfo=UTC)
    seekers = [
        seeker(flags=(FlagFact(FlagKind.hard_to_employ, FlagStatus.self_declared, None),)),
        seeker(flags=(FlagFact(FlagKind.hard_to_employ, FlagStatus.rejected, None),)),
        seeker(flags=(FlagFact(FlagKind.hard_to_employ, FlagStatus.expired, None),)),
        seeker(flags=(verified(FlagKind.hard_to_employ, now - timedelta(seconds=1)),)),
        seeker(flags=(verified(FlagKind.hard_to_employ, now + timedelta(days=1)),)),
        seeker(flags=(verified(FlagKind.hard_to_employ),)),
    ]
    columns = SeekerColumns.from_facts(seekers)
    bits = columns.active_bits(now)
    b = candidate_boost(np.linspace(0.2, 0.8, len(seekers)), bits, default_policy())
    assert b.boost[:4].tolist() == [0, 0, 0, 0]
    assert np.all(b.boost[4:] > 0)


def test_reasons_split_the_boost_over_active_weighted_flags():
    p = default_policy()
    reasons = candidate_reasons(frozenset({FlagKind.hard_to_employ, FlagKind.veteran}), 0.03, p)
    assert [r.reason_zh for r in reasons] == ["已核验：就业困难人员", "已核验：退役军人"]
    assert sum(r.amount for r in reasons) == pytest.approx(0.03)
    assert all(r.source for r in reasons)


# ------------------------------------------------------------------------------------------ seeker side


def test_seeker_side_boost_only_where_a_hire_unlocks_a_measure_for_this_seeker():
    p = default_policy()
    codes = np.array([WORK_TYPE_CODE[w] for w in (WorkType.full_time, WorkType.internship, WorkType.public_welfare)])
    fit = np.array([0.2, 0.5, 0.8])
    graduate = seeker(education=Education.bachelor, graduation_date=TODAY - timedelta(days=300))
    b = seeker_side_boost(fit, codes, graduate, TODAY, p)
    assert b.boost[0] == 0 and b.boost[1] > 0 and b.boost[2] == 0
    hard = seeker(flags=(verified(FlagKind.hard_to_employ),))
    b = seeker_side_boost(fit, codes, hard, TODAY, p)
    assert b.boost[0] == 0 and b.boost[1] == 0 and b.boost[2] == pytest.approx(b.budget)
    nobody = seeker(flags=(FlagFact(FlagKind.hard_to_employ, FlagStatus.self_declared, None),))
    assert not seeker_side_boost(fit, codes, nobody, TODAY, p).boost.any()
