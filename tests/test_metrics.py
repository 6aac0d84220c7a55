"""Ranking metrics on cases small enough to check by hand, and the matching dev set's integrity."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from matching import refdata
from matching.metrics import dcg, evaluate, hit_at_k, load_matching_set, ndcg_at_k, reciprocal_rank

DEV_SET = Path(__file__).resolve().parents[1] / "matching" / "data" / "eval" / "matching_dev"

JUDGED = {"a": 3, "b": 2, "c": 0, "d": 1}


def test_hit_at_k_looks_only_at_the_first_k():
    ranked = ["x", "c", "b"]
    assert hit_at_k(ranked, JUDGED, 2) == 0.0  # c is judged but grade 0
    assert hit_at_k(ranked, JUDGED, 3) == 1.0
    assert hit_at_k(ranked, JUDGED, 3, min_grade=3) == 0.0


def test_reciprocal_rank_is_one_over_first_relevant_rank():
    assert reciprocal_rank(["x", "c", "b", "a"], JUDGED) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "c", "b", "a"], JUDGED, min_grade=3) == pytest.approx(1 / 4)
    assert reciprocal_rank(["x", "y"], JUDGED) == 0.0
    assert reciprocal_rank(["x", "c", "b"], JUDGED, k=2) == 0.0


def test_dcg_uses_exponential_gain_and_log2_discount():
    # (2^3-1)/log2(2) + (2^0-1)/log2(3) + (2^2-1)/log2(4) = 7 + 0 + 1.5
    assert dcg([3, 0, 2]) == pytest.approx(8.5)


def test_ndcg_against_a_hand_computed_ranking():
    ranked = ["b", "x", "a"]  # grades 2, 0, 3
    actual = 3 / 1 + 0 + 7 / 2
    ideal = 7 / 1 + 3 / math.log2(3) + 1 / 2  # a, b, d
    assert ndcg_at_k(ranked, JUDGED, 10) == pytest.approx(actual / ideal)


def test_ndcg_is_one_for_the_ideal_order_and_zero_without_positives():
    assert ndcg_at_k(["a", "b", "d", "c"], JUDGED, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["a"], {"a": 0}, 10) == 0.0


def test_ndcg_cuts_both_ranking_and_ideal_at_k():
    assert ndcg_at_k(["a", "b"], JUDGED, 1) == pytest.approx(1.0)
    assert ndcg_at_k(["b", "a"], JUDGED, 1) == pytest.approx(3 / 7)


def test_ids_compare_as_strings():
    assert hit_at_k([7], {"7": 2}, 1) == 1.0
    assert ndcg_at_k(["7"], {7: 2}, 10) == pytest.approx(1.0)


def test_evaluate_averages_over_judged_queries_and_penalises_missing_runs():
    qrels = {"q1": {"a": 3}, "q2": {"b": 1, "c": 2}, "q3": {"z": 0}}
    run = {"q1": ["x", "a"]}  # q2 has no run; q3 has no positive grade and is not counted
    scores = evaluate(run, qrels, ks=(1, 2))
    assert scores["queries"] == 2
    assert scores["hit@1"] == 0.0 and scores["hit@2"] == pytest.approx(0.5)
    assert scores["mrr"] == pytest.approx((1 / 2 + 0) / 2)
    assert scores["ndcg@10"] == pytest.approx((7 / math.log2(3) / 7 + 0) / 2)


def test_loader_reads_the_documented_format(tmp_path):
    (tmp_path / "postings.jsonl").write_text('{"id": 1, "title": "叉车司机"}\n\n{"id": "j2", "title": "保洁员"}\n', encoding="utf-8")
    (tmp_path / "seekers.jsonl").write_text('{"id": "s1", "name": "张伟"}\n', encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text("# seeker\tjob\tgrade\ns1\t1\t3\ns1\tj2\t0\n", encoding="utf-8")
    postings, seekers, qrels = load_matching_set(tmp_path)
    assert set(postings) == {"1", "j2"} and set(seekers) == {"s1"}
    assert qrels == {"s1": {"1": 3, "j2": 0}}


def test_loader_refuses_grades_outside_0_to_3(tmp_path):
    (tmp_path / "postings.jsonl").write_text('{"id": 1}\n', encoding="utf-8")
    (tmp_path / "seekers.jsonl").write_text('{"id": 1}\n', encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text("1\t1\t4\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_matching_set(tmp_path)


# --- the shipped dev set -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_set():
    return load_matching_set(DEV_SET)


def test_dev_set_has_the_documented_size(dev_set):
    postings, seekers, qrels = dev_set
    assert 150 <= len(postings) <= 300
    assert 60 <= len(seekers) <= 100
    assert set(qrels) == set(seekers)
    assert all(any(g >= 2 for g in judged.values()) for judged in qrels.values())


def test_every_qrel_refers_to_existing_ids(dev_set):
    postings, seekers, qrels = dev_set
    for seeker_id, judged in qrels.items():
        assert seeker_id in seekers
        assert set(judged) <= set(postings), seeker_id


def test_dev_set_records_use_real_codes(dev_set):
    postings, seekers, _ = dev_set
    occupations, counties = refdata.occupations(), refdata.counties()
    for p in postings.values():
        assert p["region_code"] in counties, p["id"]
        assert p["title"] and p["description"]
        assert occupations[p["occupation_code"]].level == 4, p["id"]
    for s in seekers.values():
        assert s["region_code"] in counties, s["id"]
        assert all(refdata.is_region_prefix(r) for r in s.get("desired_regions", [])), s["id"]


def test_dev_set_includes_hand_written_hard_cases(dev_set):
    postings, seekers, _ = dev_set
    assert sum(str(i).startswith("h") for i in postings) >= 40
    hand = [s for i, s in seekers.items() if str(i).startswith("h")]
    assert len(hand) >= 30
    # Hard seekers describe what they did, often without naming the job.
    assert sum(not s.get("desired_occupations") for s in hand) >= 5
