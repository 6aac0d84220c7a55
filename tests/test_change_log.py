"""The change log, the embedding queue and leases, over SQLite and PostgreSQL (no model needed)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from service import changes, repository as repo, repository_changes as log_repo
from service.models import Change, EmbedQueue, JobPosting
from tests.factories import create_employer, create_job, create_seeker


def _log(app, after: int = 0) -> list[tuple[str, int]]:
    with app.state.session_factory() as session:
        return [(k, r) for _s, k, r in log_repo.changes_after(session, seq=after, limit=1000)]


def _queue(app) -> dict[tuple[str, int], int]:
    with app.state.session_factory() as session:
        return {(q.kind, q.record_id): q.version for q in session.scalars(select(EmbedQueue))}


def test_a_write_appends_its_records_to_the_log_and_queues_them_in_its_own_transaction(app, client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    seeker = create_seeker(client, admin, consent_to_share=True)
    assert ("job", job["id"]) in _log(app) and ("seeker", seeker["id"]) in _log(app)
    assert _queue(app) == {("job", job["id"]): 1, ("seeker", seeker["id"]): 1}
    assert job["matching"] == "pending" and seeker["matching"] == "pending"

    with app.state.session_factory() as session:  # a write rolled back leaves no trace in the log
        head = changes.head(session)
        session.get(JobPosting, job["id"]).title = "回滚的标题"
        session.flush()
        session.rollback()
    assert _log(app, head) == []


def test_a_text_edit_queues_again_and_a_hire_or_status_change_is_followed_without_embedding(app, client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"], headcount=3)
    with app.state.session_factory() as session:
        session.execute(EmbedQueue.__table__.delete())
        session.commit()
        head = changes.head(session)
    client.patch(f"/api/v1/jobs/{job['id']}", json={"salary_max": 9000}, headers=admin)
    with app.state.session_factory() as session:
        assert repo.count_hire(session, job_id=job["id"])
        session.commit()
    assert _log(app, head) == [("job", job["id"])] * 2 and _queue(app) == {}
    client.patch(f"/api/v1/jobs/{job['id']}", json={"description": "新的岗位描述"}, headers=admin)
    assert _queue(app) == {("job", job["id"]): 1}
    client.patch(f"/api/v1/jobs/{job['id']}", json={"title": "新的标题"}, headers=admin)
    assert _queue(app) == {("job", job["id"]): 2}  # queued again: a worker holding version 1 leaves it


def test_flags_and_deletions_reach_the_log(app, client, admin):
    seeker = create_seeker(client, admin, flags=[{"kind": "graduate"}])
    with app.state.session_factory() as session:
        head = changes.head(session)
    client.delete(f"/api/v1/seekers/{seeker['id']}", headers=admin)
    assert ("seeker", seeker["id"]) in _log(app, head)
    assert ("seeker", seeker["id"]) in _queue(app)  # the worker drops its stored vector


def test_claims_never_overlap_expire_and_release_only_the_version_claimed(app, client, admin):
    employer = create_employer(client, admin)
    ids = [create_job(client, admin, employer_id=employer["id"], title=f"岗位{i}")["id"] for i in range(6)]
    now = datetime.now(UTC)
    lease = timedelta(seconds=60)
    factory = app.state.session_factory
    claims: list[list[tuple[str, int, int]]] = []

    def claim(name: str) -> None:
        with factory() as session:
            claims.append(log_repo.claim(session, worker=name, limit=4, now=now, lease=lease))
            session.commit()

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    taken = [c[1] for batch in claims for c in batch]
    assert sorted(taken) == sorted(ids) and len(set(taken)) == 6  # all six, none twice
    with factory() as session:
        assert log_repo.claim(session, worker="w3", limit=10, now=now, lease=lease) == []
        later = log_repo.claim(session, worker="w3", limit=10, now=now + 2 * lease, lease=lease)  # claims ran out
        session.commit()
    assert sorted(c[1] for c in later) == sorted(ids)
    client.patch(f"/api/v1/jobs/{ids[0]}", json={"title": "改过的标题"}, headers=admin)  # written while embedding
    with factory() as session:
        assert log_repo.release_done(session, done=later) == 5
        session.commit()
    assert _queue(app) == {("job", ids[0]): 2}


def test_a_posting_written_on_its_own_is_claimed_before_a_bulk_import_queued_earlier(app, client, admin):
    from tests.factories import job_payload

    employer = create_employer(client, admin)
    bulk = client.post("/api/v1/jobs/bulk", headers=admin, json={"items": [
        job_payload(employer_id=employer["id"], title=f"批量岗位{i}") for i in range(changes.SMALL_WRITE + 5)]})
    assert bulk.status_code == 201, bulk.text
    single = create_job(client, admin, employer_id=employer["id"], title="单独发布的岗位")
    with app.state.session_factory() as session:
        first = log_repo.claim(session, worker="w", limit=1, now=datetime.now(UTC), lease=timedelta(seconds=60))
        session.commit()
    assert [c[:2] for c in first] == [("job", single["id"])]
    with app.state.session_factory() as session:  # what the worker does: small writes in batches of their own
        assert log_repo.claim(session, worker="w", limit=10, now=datetime.now(UTC), lease=timedelta(seconds=60),
                              priority=changes.URGENT) == []
        rest = log_repo.claim(session, worker="w", limit=100, now=datetime.now(UTC), lease=timedelta(seconds=60),
                              priority=changes.BULK)
        session.rollback()
    assert sorted(c[1] for c in rest) == sorted(bulk.json()["ids"])
    # A record of the import edited on its own afterwards moves up with that write.
    edited = bulk.json()["ids"][-1]
    client.patch(f"/api/v1/jobs/{edited}", json={"title": "批量岗位（改）"}, headers=admin)
    with app.state.session_factory() as session:
        assert log_repo.claim(session, worker="w", limit=1, now=datetime.now(UTC),
                              lease=timedelta(seconds=60))[0][:2] == ("job", edited)


def test_one_holder_of_a_lease_until_it_runs_out(app):
    now = datetime.now(UTC)
    ttl = timedelta(seconds=30)
    with app.state.session_factory() as session:
        assert log_repo.take_lease(session, name="snapshot:x", holder="a", now=now, ttl=ttl)
        session.commit()
        assert not log_repo.take_lease(session, name="snapshot:x", holder="b", now=now, ttl=ttl)
        assert log_repo.take_lease(session, name="snapshot:x", holder="a", now=now + ttl / 2, ttl=ttl)  # renewed
        assert not log_repo.take_lease(session, name="snapshot:x", holder="b", now=now + ttl, ttl=ttl)
        assert log_repo.take_lease(session, name="snapshot:x", holder="b", now=now + 2 * ttl, ttl=ttl)
        session.commit()


def test_concurrent_writers_commit_change_rows_in_sequence_order(app, client, admin):
    """What a follower reading ``seq > last`` relies on: no row becomes visible behind a higher one."""
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    factory = app.state.session_factory
    missed: set[int] = set()
    stop = threading.Event()

    def follower() -> None:
        last, seen = 0, set()
        while not stop.is_set():
            with factory() as session:
                rows = session.scalars(select(Change.seq).where(Change.seq > last).order_by(Change.seq)).all()
                older = set(session.scalars(select(Change.seq).where(Change.seq <= last)).all())
            missed.update(older - seen)  # committed below a row already read: a follower would never see it
            seen.update(rows)
            if rows:
                last = rows[-1]

    def writer(n: int) -> None:
        for i in range(10):
            with factory() as session:
                session.get(JobPosting, job["id"]).description = f"写者{n}第{i}次"
                session.commit()

    watcher = threading.Thread(target=follower)
    watcher.start()
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    watcher.join()
    with factory() as session:
        seqs = session.scalars(select(Change.seq).order_by(Change.seq)).all()
    assert len(seqs) >= 41 and missed == set()


@pytest.mark.parametrize("kind", ["job", "seeker"])
def test_records_without_a_vector_of_the_model_are_found_for_queueing(app, client, admin, kind):
    employer = create_employer(client, admin)
    record = create_job(client, admin, employer_id=employer["id"]) if kind == "job" else create_seeker(client, admin)
    with app.state.session_factory() as session:
        session.execute(EmbedQueue.__table__.delete())
        session.commit()
        assert log_repo.records_without_vectors(session, kind=kind, model_id="m") == [record["id"]]
