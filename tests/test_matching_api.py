"""Matching through the API with the real default model, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import numpy as np

from service.engine import MatchingEngine
from tests.factories import WENJIANG, create_employer, create_job, create_seeker, job_payload

CHENGDU_COUNTIES = ["510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115"]


def _postings(client, headers, employer_id):
    made = {}
    for title, skills, desc in [
        ("叉车司机", ["叉车"], "仓库货物装卸搬运，持叉车证"),
        ("家政保洁员", ["保洁"], "负责客户家庭日常清洁、收纳整理"),
        ("养老护理员", ["护理"], "照护养老院老人的生活起居"),
        ("电商主播", ["直播带货"], "在抖音直播间介绍农产品，带货"),
        ("中式烹调师", ["炒菜"], "酒楼后厨炒菜，川菜为主"),
    ]:
        made[title] = create_job(client, headers, employer_id=employer_id, title=title, skills=skills,
                                 description=desc, occupation_code=None, salary_min=4000, salary_max=6000)
    return made


def test_newcomer_gets_ranked_explained_matches_both_ways(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    jobs = _postings(mclient, admin, employer["id"])
    seeker = create_seeker(mclient, admin, skills=[], desired_occupations=[],
                           experience="以前在小区和别人家里打扫卫生，擦窗户拖地都会", desired_salary_min=3000)
    r = mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", params={"k": 3}, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["items"][0]["id"] == jobs["家政保洁员"]["id"], [i["job"]["title"] for i in body["items"]]
    top = body["items"][0]
    assert set(top["components"]) == {"semantic", "lexical", "skill", "location", "salary", "occupation", "intent"}
    assert top["components"]["semantic"]["label"] == "语义相似度"
    assert top["explanation"]["summary"] and top["explanation"]["filters"]
    assert top["job"]["occupation_code"]  # auto-assigned by the occupation coder on write
    cands = mclient.get(f"/api/v1/jobs/{jobs['家政保洁员']['id']}/matches", headers=admin).json()
    assert [c["id"] for c in cands["items"]] == [seeker["id"]]
    assert cands["items"][0]["seeker"]["id_number"].count("*") == 11


def test_synonyms_find_their_posting(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    jobs = _postings(mclient, admin, employer["id"])
    for text, title in [("护工，照顾老人", "养老护理员"), ("会直播带货，做过主播", "电商主播"), ("开过铲车叉车", "叉车司机")]:
        r = mclient.post("/api/v1/matches/jobs", json={"text": text, "k": 1, "scope": "anywhere"}, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["items"][0]["id"] == jobs[title]["id"], (text, r.json()["items"][0]["job"]["title"])


PRODUCTS = ("手机屏幕", "汽车座椅", "食品罐头", "儿童玩具", "电线电缆", "塑料瓶盖", "木门家具", "LED灯珠", "运动鞋",
            "药品包装", "纸箱印刷", "瓷砖釉面", "锂电池", "羽绒服", "轮胎橡胶")
TASKS = ("上料和下料", "目检外观", "贴标签装箱", "设备点检", "搬运物料", "清点入库")
NEEDS = ("能上夜班", "能长时间站立", "视力良好不色弱", "会用扫码枪", "能适应两班倒")


def test_filters_return_a_full_k_inside_the_search(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    for i in range(30):
        county = CHENGDU_COUNTIES[i % len(CHENGDU_COUNTIES)] if i % 3 else "370302"
        create_job(mclient, admin, employer_id=employer["id"], title=f"普工{i}", region_code=county,
                   work_type="part_time" if i % 2 else "full_time",  # distinct postings, not one published 30 times
                   description=f"{PRODUCTS[i % 15]}车间第{i}条产线，{TASKS[i % 6]}，按{TASKS[(i + 2) % 6]}的要求配合班长",
                   requirements=f"{NEEDS[i % 5]}，{NEEDS[(i + 3) % 5]}")
    seeker = create_seeker(mclient, admin, desired_regions=["5101"], desired_work_types=["part_time"])
    body = mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", params={"k": 8}, headers=admin).json()
    assert len(body["items"]) == 8 and body["eligible"] >= 8
    for item in body["items"]:
        assert item["job"]["region_code"].startswith("5101") and item["job"]["work_type"] == "part_time"


def test_reserved_posts_never_reach_ineligible_seekers(mclient, mkeys):
    admin = mkeys.headers("admin")
    officer = mkeys.headers("officer", region="5101")
    employer = create_employer(mclient, admin)
    welfare = create_job(mclient, admin, employer_id=employer["id"], title="社区保洁公益性岗位", work_type="public_welfare",
                         skills=["保洁"], description="社区公共区域清扫")
    internship = create_job(mclient, admin, employer_id=employer["id"], title="行政见习生", work_type="internship")
    plain = create_seeker(mclient, admin, skills=["保洁"], desired_work_types=[])
    graduate = create_seeker(mclient, admin, desired_work_types=[], graduation_date=(date.today() - timedelta(days=200)).isoformat(),
                             education="associate", flags=[{"kind": "graduate"}])
    helped = create_seeker(mclient, admin, skills=["保洁"], desired_work_types=[], flags=[{"kind": "hard_to_employ"}])

    def ids(seeker):
        r = mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", params={"k": 50, "scope": "anywhere"}, headers=admin)
        return {i["id"] for i in r.json()["items"]}

    assert welfare["id"] not in ids(plain) and internship["id"] not in ids(plain)
    assert welfare["id"] not in ids(helped)  # self-declared is not enough
    mclient.post(f"/api/v1/flags/{helped['flags'][0]['id']}/verify", json={}, headers=officer)
    assert welfare["id"] in ids(helped)
    assert internship["id"] in ids(graduate) and welfare["id"] not in ids(graduate)
    anonymous = mclient.post("/api/v1/matches/jobs", json={"text": "保洁", "k": 50, "scope": "anywhere"},
                             headers=mkeys.headers("kiosk")).json()
    assert welfare["id"] not in {i["id"] for i in anonymous["items"]}


def test_only_consenting_seekers_and_only_verified_flags_boost(mclient, mkeys, matching_app):
    admin = mkeys.headers("admin")
    officer = mkeys.headers("officer", region="5101")
    employer = create_employer(mclient, admin)
    job = create_job(mclient, admin, employer_id=employer["id"])
    hidden = create_seeker(mclient, admin, consent_to_share=False)
    declared = create_seeker(mclient, admin, flags=[{"kind": "hard_to_employ"}])
    verified = create_seeker(mclient, admin, flags=[{"kind": "hard_to_employ"}])
    expired = create_seeker(mclient, admin, flags=[{"kind": "hard_to_employ"}])
    mclient.post(f"/api/v1/flags/{verified['flags'][0]['id']}/verify", json={}, headers=officer)
    soon = (date.today() + timedelta(days=1)).isoformat() + "T00:00:00+00:00"
    mclient.post(f"/api/v1/flags/{expired['flags'][0]['id']}/verify", json={"expires_at": soon}, headers=officer)
    from datetime import UTC, datetime

    matching_app.state.clock = lambda: datetime.now(UTC) + timedelta(days=2)
    items = mclient.get(f"/api/v1/jobs/{job['id']}/matches", headers=admin).json()["items"]
    by_id = {i["id"]: i for i in items}
    assert hidden["id"] not in by_id
    assert by_id[declared["id"]]["boost"] == 0 and by_id[expired["id"]]["boost"] == 0
    assert by_id[verified["id"]]["boost"] >= 0
    if by_id[verified["id"]]["boost"] > 0:
        assert by_id[verified["id"]]["explanation"]["boosts"][0]["label"].endswith("就业困难人员")
    for item in items:
        assert not item["explanation"]["boosts"] or item["id"] == verified["id"]


def _replica_beside(engine: MatchingEngine, index_dir, **changes):
    """Another process's replica on the same database and model, with its own settings (not following by itself)."""
    from service.replica import Replica

    settings = engine.settings.model_copy(update={"index_dir": index_dir, **changes})
    return Replica(settings=settings, session_factory=engine.session_factory, model_id=engine.model_id,
                   dim=engine.embedder.dim)


def test_a_replica_that_missed_writes_catches_up_from_the_log_and_equals_a_fresh_build(mclient, mkeys, matching_app,
                                                                                      tmp_path):
    """A replica down while writes landed (as if killed) reads them from the change log, never re-embedding."""
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    for i in range(6):
        create_job(mclient, admin, employer_id=employer["id"], title=f"焊工{i}", skills=["电焊"])
    engine = matching_app.state.matcher
    behind = _replica_beside(engine, tmp_path / "a")
    behind.load()
    assert behind.save_snapshots(force=True) == ["job", "seeker"]  # it holds the lease of its directory
    lost = create_job(mclient, admin, employer_id=employer["id"], title="仓库管理员", skills=["仓储"])
    closed = mclient.get("/api/v1/jobs", params={"q": "焊工0"}, headers=admin).json()["items"][0]
    mclient.patch(f"/api/v1/jobs/{closed['id']}", json={"status": "closed"}, headers=admin)
    assert not behind.indexes["job"].contains(lost["id"]) and behind.indexes["job"].contains(closed["id"])
    embedded = engine.worker.stats.embedded

    behind.catch_up()
    assert behind.indexes["job"].contains(lost["id"]) and not behind.indexes["job"].contains(closed["id"])
    assert closed["id"] not in behind.job_columns and lost["id"] in behind.job_columns
    restarted = _replica_beside(engine, tmp_path / "a")  # from the snapshot saved before the writes, plus the log

    def no_full_read(*_args):
        raise AssertionError("a replica with a snapshot reads its columns from it, not every record")

    restarted._matchable = no_full_read
    reports = restarted.load()
    assert {r.kind: r.source for r in reports} == {"job": "snapshot", "seeker": "snapshot"}
    assert reports[0].replayed >= 2
    fresh = _replica_beside(engine, tmp_path / "b")  # no snapshot: built from the stored vectors
    assert {r.source for r in fresh.load()} == {"built"}
    for replica in (behind, restarted):
        assert sorted(replica.indexes["job"].ids().tolist()) == sorted(fresh.indexes["job"].ids().tolist())
        _assert_same_columns(replica.job_columns, fresh.job_columns)
        _assert_same_columns(replica.seeker_columns, fresh.seeker_columns)
        for kind in ("job", "seeker"):
            _assert_same_records(replica.views[kind], fresh.views[kind])
        queries = engine.embedder.encode_queries(["焊工", "仓库"])
        np.testing.assert_array_equal(replica.indexes["job"].search(queries, 5)[1],
                                      fresh.indexes["job"].search(queries, 5)[1])
    assert engine.worker.stats.embedded == embedded  # replicas never embed


def _assert_same_records(a, b) -> None:
    """The same records in both views' stores, each with the same vector, text and card; each row of the columns
    points at its own record's slot."""
    ids = np.sort(b.columns.ids[b.columns.alive])
    assert len(a.store) == len(b.store) == len(ids)
    for view in (a, b):
        rows = view.columns.rows_of(ids)
        assert np.array_equal(view.columns.slot[rows], view.store.slots_of(ids))
    np.testing.assert_array_equal(a.store.vectors_at(a.store.slots_of(ids)), b.store.vectors_at(b.store.slots_of(ids)))
    assert a.store.texts(ids) == b.store.texts(ids)
    assert a.store.cards(ids) == b.store.cards(ids)


def _assert_same_columns(a, b) -> None:
    """Every live record with the same value in every column (rows may lie in another order; so may the records'
    slots in their stores: :func:`_assert_same_records`)."""
    ids = np.sort(b.ids[b.alive])
    assert np.array_equal(np.sort(a.ids[a.alive]), ids)
    ra, rb = a.rows_of(ids), b.rows_of(ids)
    for name in a._SPEC:
        if name.endswith(("_start", "_len")) or name == "slot":
            continue
        np.testing.assert_array_equal(a._data[name][ra], b._data[name][rb], err_msg=name)
    for name in a._RAGGED:
        va, sa = a.ragged(name, ra)
        vb, sb = b.ragged(name, rb)
        if name == "skills":  # interned: compare the strings
            inv_a = {i: v for v, i in a.skill_vocab._ids.items()}
            inv_b = {i: v for v, i in b.skill_vocab._ids.items()}
            va, vb = [inv_a[int(v)] for v in va], [inv_b[int(v)] for v in vb]
        assert sorted(zip(sa.tolist(), va)) == sorted(zip(sb.tolist(), vb)), name


def test_one_replica_per_directory_saves_snapshots_and_the_others_adopt_them(mclient, mkeys, matching_app, tmp_path):
    from indexes import snapshots

    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    create_job(mclient, admin, employer_id=employer["id"], title="焊工", skills=["电焊"])
    engine = matching_app.state.matcher
    first, second = (_replica_beside(engine, tmp_path / "shared", snapshot_min_changes=1) for _ in range(2))
    first.load()
    second.load()
    assert first.save_snapshots(force=True) == ["job", "seeker"]
    assert second.save_snapshots(force=True) == []  # the lease is the first one's
    added = create_job(mclient, admin, employer_id=employer["id"], title="仓库管理员", skills=["仓储"])
    for replica in (first, second):
        replica.catch_up()
        assert replica.indexes["job"].contains(added["id"]) and len(replica.indexes["job"].delta) == 1
    assert first.save_snapshots() == ["job"]  # its delta grew past snapshot_min_changes
    seq = snapshots.current_seq(tmp_path / "shared" / "job")
    second.catch_up()
    second._adopt_newer_snapshot()
    for replica in (first, second):
        index = replica.indexes["job"]
        assert index.seq == seq and len(index.delta) == 0 and index.contains(added["id"])
        assert index.base.read_only  # memory-mapped: the processes of a machine share its pages


def test_a_worker_saves_snapshots_that_are_due_and_replicas_start_from_them(mclient, mkeys, matching_app, tmp_path):
    """snapshot_saver=worker: the worker judges from the log and the disk alone, builds at its low priority."""
    from service.worker import EmbeddingWorker
    import os

    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    create_job(mclient, admin, employer_id=employer["id"], title="焊工", skills=["电焊"])
    engine = matching_app.state.matcher
    settings = engine.settings.model_copy(update={"index_dir": tmp_path / "w", "snapshot_saver": "worker",
                                                  "snapshot_min_changes": 3})
    worker = EmbeddingWorker(settings=settings, session_factory=engine.session_factory, embedder=engine.embedder,
                             coder=engine.worker.coder, saves_snapshots=True)
    try:
        assert sorted(worker._snapshot_pool.submit(worker._save_snapshots).result()) == ["job", "seeker"]  # none yet
        assert worker._snapshot_pool.submit(os.sched_getscheduler, 0).result() == os.SCHED_IDLE  # beside embedding
        assert worker._save_snapshots() == []  # nothing changed since
        create_job(mclient, admin, employer_id=employer["id"], title="叉车司机", skills=["叉车"])
        mclient.get("/api/v1/jobs", headers=admin)  # settles: embedded, one more change row
        assert worker._snapshots.due_kinds() == []  # fewer changes than snapshot_min_changes
        for i in range(2):
            create_job(mclient, admin, employer_id=employer["id"], title=f"保洁员{i}", skills=["保洁"])
        mclient.get("/api/v1/jobs", headers=admin)
        assert worker._save_snapshots() == ["job"]
    finally:
        worker.close()
    replica = _replica_beside(engine, tmp_path / "w")
    reports = replica.load()
    assert {r.source for r in reports} == {"snapshot"} and sum(r.replayed for r in reports) == 0
    assert len(replica.indexes["job"]) == 4 and len(replica.job_columns) == 4

    # The worker's own loop saves what is due in its snapshot thread while it goes on claiming.
    from indexes import snapshots

    looping = EmbeddingWorker(settings=settings.model_copy(update={"index_save_seconds": 1}),
                              session_factory=engine.session_factory, embedder=engine.embedder,
                              coder=engine.worker.coder, saves_snapshots=True)
    before = snapshots.current_seq(tmp_path / "w" / "job")
    for i in range(3):
        create_job(mclient, admin, employer_id=employer["id"], title=f"电工{i}", skills=["电工"])
    stop = threading.Event()
    thread = threading.Thread(target=looping.run, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while snapshots.current_seq(tmp_path / "w" / "job") == before:
            assert time.monotonic() < deadline, "the worker's loop saved no snapshot"
            time.sleep(0.2)
    finally:
        stop.set()
        looping.wake()
        thread.join(timeout=60)


def test_a_snapshot_of_an_index_past_the_flat_threshold_is_ivf(mclient, mkeys, matching_app, tmp_path):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    grown = _replica_beside(matching_app.state.matcher, tmp_path / "grown", flat_threshold=150,
                            snapshot_min_changes=100)
    grown.load()
    assert grown.indexes["job"].spec.kind == "flat"
    trades = ["焊工", "叉车司机", "保洁员", "厨师", "电工", "仓库管理员"]
    items = [job_payload(employer_id=employer["id"], title=f"{trades[i % 6]}{i}号岗", skills=[trades[i % 6]],
                         description=f"第{i}号岗位，{trades[i % 6]}工作") for i in range(300)]
    r = mclient.post("/api/v1/jobs/bulk", json={"items": items}, headers=admin)
    assert r.status_code == 201, r.text
    ids = r.json()["ids"]
    grown.catch_up()  # vectors stored by the worker: the replica only reads them
    assert len(grown.indexes["job"].delta) == 300
    assert grown.save_snapshots() == ["job"]
    index = grown.indexes["job"]
    assert index.spec.kind == "ivf_sq8" and len(index) == 300 and all(index.contains(i) for i in ids)
    query = matching_app.state.matcher.embedder.encode_queries(["会电焊"])
    assert (index.search(query, 10)[1] >= 0).all()


def test_officer_matching_stays_in_region_and_kiosk_gets_no_people(mclient, mkeys):
    admin = mkeys.headers("admin")
    zibo = mkeys.headers("officer", region="3703")
    employer = create_employer(mclient, admin)
    job = create_job(mclient, admin, employer_id=employer["id"], region_code=WENJIANG)
    seeker = create_seeker(mclient, admin)
    assert mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", headers=zibo).status_code == 404
    assert mclient.get(f"/api/v1/jobs/{job['id']}/matches", headers=zibo).status_code == 404
    kiosk = mkeys.headers("kiosk")
    assert mclient.get(f"/api/v1/jobs/{job['id']}/matches", headers=kiosk).status_code == 403
    assert mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", headers=kiosk).status_code == 403


def test_candidate_lists_show_what_a_hire_would_unlock(mclient, mkeys, matching_app):
    """政策找人 with the 温江 2020 rules: a private firm hiring a verified graduate within 12 months of leaving school."""
    from datetime import UTC, datetime

    matching_app.state.clock = lambda: datetime(2020, 8, 1, 10, tzinfo=UTC)
    admin = mkeys.headers("admin")
    officer = mkeys.headers("officer", region="5101")
    employer = create_employer(mclient, admin, ownership="private")
    job = create_job(mclient, admin, employer_id=employer["id"], title="行政助理", skills=["办公软件"],
                     education_min="associate")
    graduate = create_seeker(mclient, admin, education="bachelor", graduation_date="2020-06-30",
                             skills=["办公软件"], flags=[{"kind": "graduate"}])
    other = create_seeker(mclient, admin, education="bachelor", skills=["办公软件"])
    mclient.post(f"/api/v1/flags/{graduate['flags'][0]['id']}/verify", json={}, headers=officer)

    items = {i["id"]: i for i in mclient.get(f"/api/v1/jobs/{job['id']}/matches", headers=admin).json()["items"]}
    unlocks = {u["rule_id"]: u for u in items[graduate["id"]]["explanation"]["policy_unlocks"]}
    assert unlocks["wenjiang-minying-biyesheng"]["amount_yuan"] == 4000
    assert "wenjiang-minying-biyesheng" not in {u["rule_id"] for u in items[other["id"]]["explanation"]["policy_unlocks"]}
    jobs = mclient.get(f"/api/v1/seekers/{graduate['id']}/matches", headers=admin).json()["items"]
    assert "wenjiang-minying-biyesheng" in {m["rule_id"] for m in jobs[0]["explanation"]["policy_measures"]}
    matching_app.state.clock = lambda: datetime.now(UTC)  # today every shipped rule has expired
    items = {i["id"]: i for i in mclient.get(f"/api/v1/jobs/{job['id']}/matches", headers=admin).json()["items"]}
    assert items[graduate["id"]]["explanation"]["policy_unlocks"] == []


def test_a_text_match_with_no_scope_searches_the_city_or_everywhere(mclient, mkeys):
    """The default scope of an anonymous query: the city of the region given, else anywhere (no stored profile)."""
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    jobs = _postings(mclient, admin, employer["id"])
    r = mclient.post("/api/v1/matches/jobs", json={"text": "会开叉车", "k": 2}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["id"] == jobs["叉车司机"]["id"]
    r = mclient.post("/api/v1/matches/jobs", json={"text": "会开叉车", "k": 2, "region_code": WENJIANG}, headers=admin)
    assert r.status_code == 200, r.text
    assert all(i["job"]["region_code"][:4] == WENJIANG[:4] for i in r.json()["items"])


def test_desired_occupations_are_coded_once_per_distinct_name(matching_app, monkeypatch):
    from service.models import Seeker

    worker = matching_app.state.matcher.worker
    asked: list[list[str]] = []
    real = worker.coder.code_many

    def code_many(titles, texts=None, k=5):
        asked.append(list(titles))
        return real(titles, texts, k=k)

    monkeypatch.setattr(worker.coder, "code_many", code_many)
    people = [Seeker(id=i, desired_occupations=names, desired_occupation_codes=[]) for i, names in
              enumerate((["叉车司机", "保洁员"], ["保洁员"], ["叉车司机", "保洁员"], ["养老护理员"], []), start=1)]
    coded = worker._code_seekers(people)

    assert asked == [["叉车司机", "保洁员", "养老护理员"]]
    alone = {name: real([name], k=1)[0][0].code for name in asked[0]}
    for person in people:
        assert person.desired_occupation_codes == list(dict.fromkeys(alone[n] for n in person.desired_occupations))
        assert coded.get(person.id, {}).get("desired_occupation_codes", []) == person.desired_occupation_codes


def test_the_worker_embeds_at_idle_cpu_priority_and_writes_at_normal(matching_app):
    import os
    import threading

    worker = matching_app.state.matcher.worker
    compute = worker._compute.submit(lambda: (os.sched_getscheduler(0), threading.get_native_id())).result()
    assert compute[0] == os.SCHED_IDLE
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # this (a request's) thread is untouched
    assert os.sched_getscheduler(compute[1]) == os.SCHED_IDLE
    urgent = worker._urgent.submit(lambda: os.sched_getscheduler(0)).result()
    assert urgent == os.SCHED_OTHER  # postings saved on their own are embedded at normal priority


def test_a_worker_claims_two_forward_passes_at_least(matching_app):
    """A GPU embedder encodes 256 texts a pass: its worker claims 512 records at a time, a CPU one 64."""
    from types import SimpleNamespace

    from service.worker import EmbeddingWorker

    engine = matching_app.state.matcher
    gpu_like = SimpleNamespace(batch_size=256, model_id=engine.model_id, dim=engine.embedder.dim)
    settings, factory, coder = engine.settings, engine.session_factory, engine.worker.coder
    for embedder, expected in ((gpu_like, 512), (engine.embedder, max(settings.embed_batch, 32))):
        worker = EmbeddingWorker(settings=settings, session_factory=factory, embedder=embedder, coder=coder)
        try:
            assert worker.batch == expected
        finally:
            worker.close()


def test_board_and_lodging_is_a_hard_filter_explained_like_the_others(mclient, mkeys):
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    with_board = create_job(mclient, admin, employer_id=employer["id"], title="钢筋工（包吃住）", skills=["钢筋"],
                            room_board=True)
    create_job(mclient, admin, employer_id=employer["id"], title="钢筋工", skills=["钢筋"], room_board=False)
    r = mclient.post("/api/v1/matches/jobs", headers=admin,
                     json={"text": "钢筋工，要包吃住", "scope": "anywhere", "room_board": True, "k": 10})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["id"] for i in items] == [with_board["id"]]
    checks = {c["key"]: c for c in items[0]["explanation"]["filters"]}
    assert checks["room_board"]["passed"] and checks["room_board"]["label"] == "包吃住"


def test_match_answers_serialise_exactly_as_their_documented_schema(mclient, mkeys):
    """The matching routes serialise plain data once (orjson); the documented ``MatchList`` reads every answer back
    and writes it out the same: same keys, same values, nothing the schema does not name."""
    import json

    from service.schemas import MatchList

    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    jobs = _postings(mclient, admin, employer["id"])
    seeker = create_seeker(mclient, admin, experience="做过保洁和家政", desired_salary_min=3000)
    answers = [
        mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", params={"scope": "anywhere"}, headers=admin),
        mclient.get(f"/api/v1/jobs/{jobs['家政保洁员']['id']}/matches", headers=admin),
        mclient.post("/api/v1/matches/jobs", json={"text": "会开叉车", "scope": "anywhere"}, headers=admin),
    ]
    for r in answers:
        assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
        body = r.json()
        assert body["items"], r.url
        assert json.loads(MatchList.model_validate(body).model_dump_json()) == body


def test_a_match_reads_no_posting_employer_or_vector_from_the_database(mclient, mkeys, matching_app):
    """Candidates' vectors, texts, facts and the result items come from the replica's record store: the stored
    profile is read once; postings, employers and stored vectors not at all (a free-text match reads nothing)."""
    from sqlalchemy import event

    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    _postings(mclient, admin, employer["id"])
    seeker = create_seeker(mclient, admin, experience="做过保洁和家政")
    mclient.get(f"/api/v1/seekers/{seeker['id']}/matches", headers=admin)  # settles; warms what is cached
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    engine = matching_app.state.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        r = mclient._client.get(f"/api/v1/seekers/{seeker['id']}/matches", params={"scope": "anywhere"},
                                headers=admin)
        stored = list(statements)
        statements.clear()
        t = mclient._client.post("/api/v1/matches/jobs", json={"text": "保洁", "scope": "anywhere"}, headers=admin)
        free = [s for s in statements if "audit" not in s and "api_keys" not in s]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert r.status_code == 200 and len(r.json()["items"]) == 5 and t.status_code == 200
    for table in ("job_postings", "employers", "embeddings"):
        assert not [s for s in stored + free if f"from {table}" in s or f"join {table}" in s], table
    assert sum("from seekers" in s for s in stored) == 1, stored


def test_an_employer_renamed_shows_in_its_postings_match_results(mclient, mkeys):
    """A posting's result shows its employer's name from the replica's card: renaming the employer is a change of
    each of its postings in the log, so the cards follow."""
    admin = mkeys.headers("admin")
    employer = create_employer(mclient, admin)
    _postings(mclient, admin, employer["id"])
    r = mclient.patch(f"/api/v1/employers/{employer['id']}", json={"name": "锦江区新名字家政服务有限公司"}, headers=admin)
    assert r.status_code == 200, r.text
    body = mclient.post("/api/v1/matches/jobs", json={"text": "保洁", "scope": "anywhere"}, headers=admin).json()
    assert {i["job"]["employer_name"] for i in body["items"]} == {"锦江区新名字家政服务有限公司"}


def test_snapshot_files_hold_no_id_number_or_phone_in_clear(mclient, mkeys, matching_app, tmp_path):
    """The record store saved with a snapshot holds each consenting seeker's card: masked as the API shows it, so
    neither the ID number nor the phone is in any file of the snapshot (as in the database file)."""
    from tests.factories import seeker_payload

    admin = mkeys.headers("admin")
    payload = seeker_payload(consent_to_share=True)
    r = mclient.post("/api/v1/seekers", json=payload, headers=admin)
    assert r.status_code == 201, r.text
    replica = _replica_beside(matching_app.state.matcher, tmp_path / "idx")
    replica.load()
    replica.save_snapshots(force=True)
    assert r.json()["id"] in replica.stores["seeker"]  # the seeker's card is in the store that was saved
    files = [p for p in (tmp_path / "idx").rglob("*") if p.is_file()]
    assert any(p.parent.name == "mapped" for p in files)
    for clear in (payload["id_number"], payload["phone"]):
        for p in files:
            assert clear.encode() not in p.read_bytes(), (clear[:3], p.name)
