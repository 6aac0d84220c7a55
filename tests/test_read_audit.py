"""Read audits committed together: every event durable before its read answers, fewer commits than reads."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from service.audit import ReadAudit
from service.models import AuditEvent


def _count(app, action: str) -> int:
    with app.state.session_factory() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _event(i: int, action: str) -> dict:
    return {"key_id": "k", "role": "officer", "action": action, "record_type": "seeker", "record_id": i, "detail": {}}


def test_concurrent_reads_share_commits_and_every_event_is_stored_before_record_returns(app):
    audit = ReadAudit(app.state.session_factory)
    action = "test.group_commit"
    stored_when_returned: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def read(i: int) -> None:
        start.wait()
        for j in range(10):
            audit.record([_event(i * 100 + j, action)])
            with app.state.session_factory() as session:  # committed: another connection sees it
                seen = session.scalar(select(func.count()).select_from(AuditEvent).where(
                    AuditEvent.action == action, AuditEvent.record_id == i * 100 + j))
            with lock:
                stored_when_returned.append(seen == 1)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(app, action) == 160 and all(stored_when_returned)
    assert audit.commits < 160  # requests arriving together shared transactions


def test_a_failed_audit_write_fails_every_read_in_its_batch(app, monkeypatch):
    audit = ReadAudit(app.state.session_factory)

    def broken(session, events):
        raise RuntimeError("disk full")

    monkeypatch.setattr("service.repository.add_audit_events", broken)
    with pytest.raises(RuntimeError):
        audit.record([_event(1, "test.broken")])
    monkeypatch.undo()
    assert _count(app, "test.broken") == 0


def test_a_match_read_is_audited_through_the_group_commit(app, client, admin):
    from tests.factories import create_seeker

    seeker = create_seeker(client, admin)
    before = app.state.read_audit.commits
    assert client.get(f"/api/v1/seekers/{seeker['id']}", headers=admin).status_code == 200
    assert app.state.read_audit.commits == before + 1
    with app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "seeker.read", AuditEvent.record_id == seeker["id"])) == 1


def test_a_read_audited_beside_pending_changes_commits_them_together(app, client, admin):
    from matching.enums import Role
    from service.models import Employer
    from service.security import PiiCipher, Principal
    from service.usecases.common import Context
    from tests.factories import create_employer

    made = create_employer(client, admin)
    with app.state.session_factory() as session:
        ctx = Context(session=session, principal=Principal(key_id="k", role=Role.admin),
                      cipher=PiiCipher(b"x" * 32), read_audit=ReadAudit(app.state.session_factory))
        session.get(Employer, made["id"]).name = "改名的用人单位"
        ctx.audit_read("test.pending", "seeker", [1])
        assert ctx.read_audit.commits == 0 and not session.dirty  # committed in the session's own transaction
    assert _count(app, "test.pending") == 1
    with app.state.session_factory() as session:
        assert session.get(Employer, made["id"]).name == "改名的用人单位"
