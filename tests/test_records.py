"""The record store (vectors, texts, cards by id; a memory-mapped base and a private tail) and the exact scan of
small allow-lists in the query path."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from indexes import VectorIndex
from indexes import choose_spec
from matching.enums import Education, FlagKind, FlagStatus, JobStatus, WorkType
from matching.facts import FlagFact, JobColumns, JobFacts, SeekerFacts
from matching.priority import default_policy
from matching.query import EXACT_MAX, Candidates, rank_jobs
from matching.ranking import ScoringParams, Weights
from matching.records import (RecordStore, decode_card, encode_card, facts_to_plain, job_facts_from_plain,
                              seeker_facts_from_plain)

DIM = 16
TODAY = date(2026, 12, 4)


def _unit(rng, n):
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _job(i: int, region: str = "510104", **kw) -> JobFacts:
    base = dict(id=i, employer_id=1, title=f"岗位{i}", occupation_code=None, region_code=region, lat=None, lon=None,
                salary_min=4000, salary_max=6000, education_min=Education.junior_middle, experience_years=None,
                age_min=None, age_max=None, work_type=WorkType.full_time, headcount=3, hired_count=0,
                status=JobStatus.open, valid_until=date(2027, 1, 1), skills=("叉车",), room_board=True)
    return JobFacts(**{**base, **kw})


def test_facts_go_through_a_card_unchanged():
    job = _job(7, education_min=None, valid_until=None)
    seeker = SeekerFacts(id=3, birth_date=date(1970, 5, 6), education=Education.junior_middle, graduation_date=None,
                         region_code="510114", lat=30.6, lon=104.1, desired_regions=("5101",),
                         desired_work_types=(WorkType.part_time,), desired_occupation_codes=("4-07-05-01",),
                         skills=("保洁",), willing_to_relocate=True,
                         flags=(FlagFact(FlagKind.disabled, FlagStatus.verified,
                                         datetime(2027, 3, 1, 8, 30, tzinfo=UTC)),
                                FlagFact(FlagKind.veteran, FlagStatus.self_declared, None)),
                         unemployed_since=date(2026, 1, 2), experience_years=12)
    assert job_facts_from_plain(facts_to_plain(job)) == job
    assert seeker_facts_from_plain(facts_to_plain(seeker)) == seeker
    card = decode_card(encode_card({"title": "叉车司机"}, job, {"employer": {"size_class": None}}))
    assert card.shown == {"title": "叉车司机"} and job_facts_from_plain(card.facts) == job
    assert card.extra == {"employer": {"size_class": None}}


def test_put_replace_remove_and_read_back():
    rng = np.random.default_rng(0)
    store = RecordStore(DIM)
    v = _unit(rng, 4)
    slots = store.put([10, 11, 12], v[:3], ["甲", "乙", "丙"], [b'{"a":1}', b'{"a":2}', b'{"a":3}'])
    assert slots.tolist() == [0, 1, 2] and len(store) == 3
    store.put([11], v[3:], ["乙二"], [b'{"a":22}'])  # a record written again gets a new slot
    assert store.slots_of([10, 11, 99]).tolist() == [0, 3, -1] and store.garbage == 1
    assert store.texts([11, 12, 99]) == {11: "乙二", 12: "丙"}
    np.testing.assert_array_equal(store.vectors_at(store.slots_of([11, 10])), v[[3, 0]])
    store.remove([12])
    assert 12 not in store and store.texts([12]) == {}


def test_a_saved_store_reads_the_same_memory_mapped_and_grows_a_tail(tmp_path):
    rng = np.random.default_rng(1)
    store = RecordStore(DIM)
    v = _unit(rng, 6)
    ids = [5, 3, 9, 1, 7, 2]
    store.put(ids, v, [f"文本{i}" for i in ids], [encode_card({"id": i}, _job(i)) for i in ids])
    order = [1, 2, 3, 5, 7, 9]
    for name, array in store.to_arrays(order).items():
        np.save(tmp_path / f"{name}.npy", array)
    mapped = {name: np.load(tmp_path / f"{name}.npy", mmap_mode="r") for name in
              ("ids", "vectors", "text_offsets", "text_data", "card_offsets", "card_data")}
    loaded = RecordStore.from_arrays(mapped, DIM)
    assert isinstance(loaded._base_vectors, np.memmap) and loaded.n_base == 6
    assert loaded.slots_of(order).tolist() == list(range(6))  # laid out in the order given
    assert loaded.texts(order) == store.texts(order)
    assert loaded.cards(order) == store.cards(order)
    fresh = _unit(rng, 1)
    loaded.put([3], fresh, ["新文本"], [encode_card({"id": 3}, _job(3))])  # the mapped base is never written
    np.testing.assert_array_equal(loaded.vectors_at(loaded.slots_of([3])), fresh)
    np.testing.assert_array_equal(np.asarray(mapped["vectors"][2]), v[1])
    assert loaded.texts([3]) == {3: "新文本"}


@pytest.mark.parametrize("broken", ["ids", "vectors", "text_offsets", "card_data"])
def test_inconsistent_saved_records_are_refused(broken):
    rng = np.random.default_rng(2)
    store = RecordStore(DIM)
    store.put([1, 2], _unit(rng, 2), ["a", "b"], [b"{}", b"{}"])
    arrays = store.to_arrays([1, 2])
    arrays[broken] = {"ids": np.array([1, 1]), "vectors": np.zeros((2, DIM + 1), np.float32),
                      "text_offsets": np.array([0, 5, 1]), "card_data": np.zeros(0, np.uint8)}[broken]
    with pytest.raises(ValueError):
        RecordStore.from_arrays(arrays, DIM)


def test_cosines_are_exact_over_blocks_scattered_rows_and_the_tail():
    rng = np.random.default_rng(3)
    n = 500
    store = RecordStore(DIM)
    v = _unit(rng, n)
    store.put(list(range(n)), v, ["x"] * n, [b"{}"] * n)
    store = RecordStore.from_arrays(store.to_arrays(list(range(n))), DIM)
    extra = _unit(rng, 3)
    store.put([1000, 1001, 1002], extra, ["y"] * 3, [b"{}"] * 3)
    q = _unit(rng, 1)[0]
    every = np.vstack([v, extra])
    for slots in (np.arange(100, 160), np.array([3, 250, 499]), np.array([10, 11, 12, 500, 502]),
                  np.array([501]), np.zeros(0, np.int64)):
        np.testing.assert_allclose(store.cosines(slots, q), every[slots] @ q, rtol=1e-5, atol=1e-6)


def test_a_small_allow_list_scanned_exactly_ranks_as_the_exact_index_does():
    """The exact scan (no index) and a flat index searched inside the allow-list give the same pool, so the same
    ranking; the scan reads the records' vectors through their slots."""
    rng = np.random.default_rng(4)
    n = 400
    counties = ["510104", "510105", "510114", "370302"]
    facts = [_job(i + 1, region=counties[i % 4], salary_min=3000 + 10 * i) for i in range(n)]
    columns = JobColumns.from_facts(facts)
    columns.compact()
    vectors = _unit(rng, n)
    store = RecordStore(DIM)
    ids = columns.ids.copy()
    store.put(ids, vectors[ids - 1], [f"叉车 仓库 {i}" for i in ids], [b"{}"] * n)
    store = RecordStore.from_arrays(store.to_arrays(ids), DIM)
    columns.set_slots(np.arange(n))
    index = VectorIndex(DIM, choose_spec(n))
    index.build(np.arange(1, n + 1), vectors, [str(i) for i in range(n)])
    by_id = {f.id: f for f in facts}
    seeker = SeekerFacts(id=0, birth_date=date(1990, 1, 1), education=Education.bachelor, graduation_date=None,
                         region_code="510104", lat=None, lon=None, desired_regions=("510104",))

    def candidates_of(wanted):
        return Candidates({i: f"叉车 仓库 {i}" for i in wanted}, {i: vectors[i - 1] for i in wanted})

    args = dict(index=index, columns=columns, seeker=seeker, query_text="叉车", options=default_policy().filters(),
                k=10, today=TODAY, candidates_of=candidates_of, facts_of=lambda wanted: {i: by_id[i] for i in wanted},
                policy=default_policy(), weights=Weights(), params=ScoringParams())
    assert n < EXACT_MAX
    for q in _unit(rng, 5):
        scanned, eligible = rank_jobs(vector=q[None], cosines_of=lambda rows, vec: store.cosines(columns.slot[rows], vec),
                                      **args)
        searched, eligible_too = rank_jobs(vector=q[None], **args)
        assert eligible == eligible_too == n // 4
        assert [r.id for r in scanned] == [r.id for r in searched]
        np.testing.assert_allclose([r.score for r in scanned], [r.score for r in searched], rtol=1e-6)


def test_kept_lexical_docs_score_as_the_texts_do(monkeypatch):
    """The pool's lexical scores from each record's kept analysis equal those from the texts themselves, and the
    kept analyses stay right when the cache evicts."""
    from matching import records
    from matching.lexical import analyse_query, analyse_text, pool_scores, text_pool_scores
    from matching.text import normalize

    rng = np.random.default_rng(5)
    words = ["叉车", "仓库", "保洁", "Excel", "数据分析", "五险一金", "包吃住", "C++", "Qt", "园艺", "的", "，", "；"]
    texts = [normalize("".join(rng.choice(words, size=int(rng.integers(0, 40))))) for _ in range(60)]
    query = normalize("会开叉车，做过仓库保洁，懂Excel")
    expected = text_pool_scores(query, texts)
    assert expected.any() and not (expected == expected[0]).all()
    np.testing.assert_array_equal(pool_scores(analyse_query(query), [analyse_text(t) for t in texts]), expected)
    monkeypatch.setattr(records, "LEXICAL_CACHED", 200)  # a few texts' worth: every call evicts
    store = RecordStore(DIM)
    store.put(list(range(60)), _unit(rng, 60), texts, [b"{}"] * 60)
    for _ in range(3):
        order = rng.permutation(60).tolist()
        kept = store.lexical(order)
        np.testing.assert_array_equal(pool_scores(analyse_query(query), [kept[i] for i in range(60)]), expected)
        assert store._lexical_held <= 200 + max(len(d.keys) for d in kept.values())
