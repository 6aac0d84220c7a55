"""ID numbers and phones: masked in every response and log line, never in clear text in the database."""

from __future__ import annotations

import logging

from sqlalchemy import text

from service.logs import redact
from tests.factories import create_employer, create_job, id_number, seeker_payload

PHONE = "13987654321"


def test_personal_numbers_never_leave_unmasked(client, admin, keys, app, caplog):
    number = id_number(region="510115")
    caplog.set_level(logging.DEBUG)
    payload = seeker_payload(id_number=number, phone=PHONE, flags=[{"kind": "rural_migrant"}])
    created = client.post("/api/v1/seekers", json=payload, headers=admin)
    assert created.status_code == 201
    seeker = created.json()
    assert seeker["id_number"] == number[:3] + "*" * 11 + number[-4:]
    assert seeker["phone"] == "139****4321"
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    client.post("/api/v1/referrals", json={"seeker_id": seeker["id"], "job_id": job["id"]}, headers=admin)

    officer = keys.headers("officer", region="5101")
    responses = [
        created,
        client.get(f"/api/v1/seekers/{seeker['id']}", headers=admin),
        client.get("/api/v1/seekers", headers=officer),
        client.get("/api/v1/seekers", params={"id_number": number}, headers=admin),
        client.get("/api/v1/seekers", params={"phone": PHONE}, headers=admin),
        client.patch(f"/api/v1/seekers/{seeker['id']}", json={"phone": PHONE}, headers=admin),
        client.get(f"/api/v1/seekers/{seeker['id']}/flags", headers=admin),
        client.get("/api/v1/referrals", headers=admin),
        client.get("/api/v1/audit", headers=admin),
        client.post("/api/v1/seekers", json=payload, headers=admin),  # 409 duplicate
        client.post("/api/v1/seekers", json=payload | {"phone": PHONE + "0"}, headers=admin),  # 422
    ]
    for r in responses:
        assert number not in r.text and PHONE not in r.text, (r.request.url, r.text)
    assert number[:17] not in r.text
    for record in caplog.records:
        line = record.getMessage()
        assert number not in line and PHONE not in line, line

    with app.state.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM seekers")).fetchall()
        dump = " ".join(repr(tuple(row)) for row in rows)
        audit_dump = " ".join(repr(tuple(r)) for r in conn.execute(text("SELECT * FROM audit_events")))
    assert number not in dump and PHONE not in dump and number not in audit_dump
    assert number.encode() not in b"".join(v for row in rows for v in row if isinstance(v, bytes | memoryview))


def test_access_log_query_strings_are_redacted(caplog):
    logger = logging.getLogger("uvicorn.access")
    from service.logs import install_redaction

    install_redaction()
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    logger.info('%s - "GET /api/v1/seekers?phone=%s&id_number=%s HTTP/1.1" 200', "127.0.0.1", PHONE,
                "11010519491231002X")
    line = caplog.records[-1].getMessage()
    assert PHONE not in line and "11010519491231002X" not in line
    assert "139****4321" in line and "110***********002X" in line


def test_redact_leaves_other_numbers_alone():
    assert redact("岗位 4-02-02-01，月薪 5000-7000，编号 20241122") == "岗位 4-02-02-01，月薪 5000-7000，编号 20241122"


def test_reads_and_flag_changes_are_audited(client, admin, keys):
    seeker = client.post("/api/v1/seekers", json=seeker_payload(flags=[{"kind": "graduate"}]), headers=admin).json()
    officer = keys.headers("officer", region="5101")
    client.get(f"/api/v1/seekers/{seeker['id']}", headers=officer)
    client.get("/api/v1/seekers", headers=officer)
    flag_id = seeker["flags"][0]["id"]
    client.post(f"/api/v1/flags/{flag_id}/reject", json={"reason": "未提供毕业证"}, headers=officer)
    client.post(f"/api/v1/flags/{flag_id}/verify", json={}, headers=officer)
    events = client.get("/api/v1/audit", params={"page_size": 200}, headers=admin).json()["items"]
    actions = {(e["action"], e["role"]) for e in events}
    assert {("seeker.read", "officer"), ("seeker.list_read", "officer"), ("flag.reject", "officer"),
            ("flag.verify", "officer"), ("flag.declare", "admin"), ("seeker.create", "admin")} <= actions
    assert all(e["key_id"] for e in events)
