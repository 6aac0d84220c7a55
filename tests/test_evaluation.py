"""The matching evaluation: metrics and baselines on hand-made cases, loaders that name the bad line, and the
harness end to end on a slice of the realistic set (service, dense and BM25 over the same candidates)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from matching.baselines import BM25Baseline, DenseBaseline
from matching.lexical import default_lexicon
from matching.metrics import evaluate, evaluate_by, load_matching_set, ndcg_at_k, read_jsonl, read_qrels
from service.evaluation import CEILING, SYSTEMS, evaluate_matching, precision_at, set_directory
from service.settings import Settings

REALISTIC = set_directory("realistic")


# --- metrics ---------------------------------------------------------------------------------------------------


def test_precision_at_5_counts_grade_2_and_above_over_five_slots():
    qrels = {"q1": {"a": 3, "b": 2, "c": 1, "d": 0}, "q2": {"x": 3}}
    run = {"q1": ["a", "c", "b", "z"], "q2": ["y"]}  # q1: a and b count (2 of 5); q2: none
    assert precision_at(run, qrels, 5) == pytest.approx((2 / 5 + 0) / 2)
    assert precision_at(run, qrels, 1) == pytest.approx((1 + 0) / 2)
    assert precision_at(run, qrels, 5, min_grade=1) == pytest.approx((3 / 5 + 0) / 2)


def test_evaluate_by_groups_ndcg_per_category():
    qrels = {"q1": {"a": 3}, "q2": {"b": 3}, "q3": {"c": 2}, "q4": {"d": 0}}
    run = {"q1": ["a"], "q2": ["x", "b"], "q3": []}
    groups = {"q1": "short", "q2": "short", "q3": "english"}
    out = evaluate_by(run, qrels, groups)
    assert out["short"]["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert out["short"]["queries"] == 2
    assert out["english"] == {"ndcg@10": 0.0, "queries": 1.0}
    assert "other" not in out  # q4 has no positive grade and is not counted


# --- baselines -------------------------------------------------------------------------------------------------


def test_dense_baseline_ranks_by_cosine_within_the_allowed_ids():
    ids = ["a", "b", "c", "d"]
    vectors = np.array([[1, 0], [0.8, 0.6], [0, 1], [-1, 0]], dtype=np.float32) * np.array([[3], [1], [2], [1]])
    dense = DenseBaseline(ids, vectors)  # lengths differ: cosine, not dot product
    assert dense.rank(np.array([1.0, 0.0]), k=4) == ["a", "b", "c", "d"]
    assert dense.rank(np.array([0.0, 5.0]), k=2) == ["c", "b"]
    assert dense.rank(np.array([1.0, 0.0]), allowed={"c", "d"}, k=4) == ["c", "d"]
    assert dense.rank(np.array([1.0, 0.0]), allowed=set(), k=4) == []


def test_bm25_baseline_uses_the_project_tokens_and_the_allowed_ids():
    lexicon = default_lexicon()
    ids = ["cook", "guard", "forklift"]
    texts = ["川菜厨师，负责炒锅", "小区保安，门岗值守巡逻", "叉车司机，仓库装卸"]
    bm25 = BM25Baseline(lexicon, ids, texts)
    assert bm25.rank("想找保安的工作", k=1) == ["guard"]
    assert bm25.rank("叉车", k=3)[0] == "forklift"
    assert sorted(bm25.rank("叉车", allowed={"cook", "guard"}, k=3)) == ["cook", "guard"]
    with pytest.raises(ValueError):
        BM25Baseline(lexicon, ids, texts[:2])


# --- loaders ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "message"), [
    ('{"id": "a"}\n{"id": "b", \n', "x.jsonl:2: not valid JSON"),
    ('{"id": "a"}\n\n["a"]\n', "x.jsonl:3: expected a JSON object"),
    ('{"title": "叉车"}\n', "x.jsonl:1: missing id"),
    ('{"id": 7}\n{"id": "7"}\n', "x.jsonl:2: id 7 already on line 1"),
])
def test_jsonl_loader_names_file_and_line(tmp_path, content, message):
    path = tmp_path / "x.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        read_jsonl(path)
    assert message in str(caught.value)


@pytest.mark.parametrize(("content", "message"), [
    ("# comment\nq1\tj1\n", "qrels.tsv:2: expected query_id, job_id and grade"),
    ("q1\tj1\t3\nq1\tj2\tgood\n", "qrels.tsv:2: grade 'good' is not an integer"),
    ("q1\tj1\t5\n", "qrels.tsv:1: qrels grade must be 0–3"),
    ("q1\tj1\t3\nq1\tj1\t2\n", "qrels.tsv:2: q1/j1 is judged twice"),
    ("\tj1\t3\n", "qrels.tsv:1: empty id"),
])
def test_qrels_loader_names_file_and_line(tmp_path, content, message):
    path = tmp_path / "qrels.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        read_qrels(path)
    assert message in str(caught.value)


def test_set_loader_refuses_judgements_of_unknown_ids(tmp_path):
    (tmp_path / "postings.jsonl").write_text('{"id": "j1"}\n', encoding="utf-8")
    (tmp_path / "seekers.jsonl").write_text('{"id": "s1"}\n', encoding="utf-8")
    (tmp_path / "queries.jsonl").write_text('{"id": "q1", "text": "保安"}\n', encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text("q1\tj1\t3\ns1\tj1\t2\n", encoding="utf-8")
    postings, seekers, qrels = load_matching_set(tmp_path)
    assert qrels == {"q1": {"j1": 3}, "s1": {"j1": 2}}
    (tmp_path / "qrels.tsv").write_text("q1\tj9\t3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="q1 judges unknown posting"):
        load_matching_set(tmp_path)
    (tmp_path / "qrels.tsv").write_text("q7\tj1\t3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="q7 is neither a seeker nor a query"):
        load_matching_set(tmp_path)


# --- the harness end to end ------------------------------------------------------------------------------------

SLICE = ["q01", "q27", "q34", "q38", "q49", "p03", "p05"]


@pytest.fixture(scope="module")
def slice_result(tmp_path_factory, models_dir):
    from service.engine import load_service_embedder

    settings = Settings(env="test", var_dir=tmp_path_factory.mktemp("eval-var"), models_dir=models_dir,
                        secret_key="evaluation-test-secret-key-0123456789abcdef")
    embedder = load_service_embedder(settings)  # the model as the service runs it (its token limit included)
    postings, _, qrels = load_matching_set(REALISTIC)
    # the slice's judged postings and every fourth other one: distractors of every kind, in a minute on 2 cores
    keep = {j for ask in SLICE for j in qrels[ask]} | set(sorted(postings)[::4])
    return evaluate_matching(REALISTIC, settings=settings, embedder=embedder, only=SLICE, posting_ids=keep)


def test_harness_reports_every_system_on_the_same_asks(slice_result):
    r = slice_result
    assert 60 <= r.postings < 175 and r.seekers == 2 and r.queries == 5 and r.judged == len(SLICE)
    assert set(r.systems) == {*SYSTEMS, CEILING}
    for system, figures in r.systems.items():
        assert figures["queries"] == len(SLICE), system
        for metric in ("ndcg@10", "p@5", "mrr", "hit@1"):
            assert 0.0 <= figures[metric] <= 1.0, (system, metric)
        assert set(r.runs[system]) == set(SLICE), system
    assert r.metrics == r.systems["service"]
    assert set(r.by_category) == {"internship", "place-in-text", "near-home", "occupation", "english", "profile"}
    assert r.category_sizes["profile"] == 2


def test_harness_figures_are_the_metrics_of_its_runs(slice_result):
    _, _, qrels = load_matching_set(REALISTIC)
    judged = {q: qrels[q] for q in SLICE}
    for system in SYSTEMS:
        run = slice_result.runs[system]
        assert slice_result.systems[system]["ndcg@10"] == pytest.approx(evaluate(run, judged)["ndcg@10"])
        assert slice_result.by_category["english"][system] == pytest.approx(ndcg_at_k(run["q49"], qrels["q49"]))
        assert slice_result.per_query["p05"][system] == pytest.approx(ndcg_at_k(run["p05"], qrels["p05"]))
    assert set(slice_result.as_dict()) >= {"systems", "by_category", "per_query"} and "runs" not in slice_result.as_dict()
    assert "runs" in slice_result.as_dict(with_runs=True)


def test_baselines_rank_only_what_the_service_filters_allow(slice_result):
    postings, _, qrels = load_matching_set(REALISTIC)
    # the baselines' candidates are the service's: whatever the service returns is among them, and so is theirs
    for system in (*SYSTEMS, CEILING):
        for ask, ranked in slice_result.runs[system].items():
            assert set(ranked) <= set(slice_result.candidates[ask]), (system, ask)
    # what the service reads about the asker widens theirs too: 研一 is a student, who may see 见习岗位
    assert any(postings[j]["work_type"] == "internship" for j in slice_result.candidates["q01"])
    # q34 is asked at a kiosk in 温江 (510115): the default scope is the city, for every system alike
    for system in (*SYSTEMS, CEILING):
        assert all(postings[j]["region_code"].startswith("5101") for j in slice_result.runs[system]["q34"]), system
    # the ceiling is the best any ranking of those candidates can do
    for system in SYSTEMS:
        assert slice_result.systems[system]["ndcg@10"] <= slice_result.systems[CEILING]["ndcg@10"] + 1e-9
    assert all(qrels["q27"].get(j, 0) == 3 for j in slice_result.runs[CEILING]["q27"][:3])


def test_dense_baseline_finds_the_cpp_postings_for_a_cpp_profile(slice_result):
    _, _, qrels = load_matching_set(REALISTIC)
    top = slice_result.runs["dense"]["p05"][:3]
    assert any(qrels["p05"].get(j, 0) >= 2 for j in top), top


def test_cli_refuses_an_unknown_set_before_loading_anything(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from service.cli import app as cli

    monkeypatch.setenv("RENGANG_VAR_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["eval", "matching", "--set", "nope"])
    assert result.exit_code == 2
    assert "unknown set 'nope'" in result.output and "matching_dev, realistic" in result.output
