"""Personal numbers never leave in clear by accident: not in a response, a log line or the database.

Valid ID numbers (check characters right, one ending in X) and mobile numbers are typed into every free-text
field and every query string, in every spelling (dashed, spaced, full-width, percent-encoded, with +86, with
an extra digit). Then every response, every log record (the root logger at DEBUG, SQL included, and the
access log) and the whole database (the SQLite file's bytes; every row on PostgreSQL) is searched for them,
read as a person would read them: decoded, full-width folded, separators dropped. Only the reveal endpoint,
the one audited way, gives back the seeker's own number.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, text, update

from service.models import Base, Seeker
from service.stored_text import FREE_TEXT, mask_stored
from tests.casework_helpers import register
from tests.conftest import TEST_SECRET
from tests.factories import create_employer, create_job, id_number, seeker_payload
from tests.fair_helpers import create_fair
from tests.pii_helpers import id_spellings, leaks, mobile_number, phone_spellings

ISSUE_PHONE = "13800138000"  # the issue's examples
ISSUE_ID = "510115199703177138"
QUERY_STRINGS = [
    "phone=138-0013-8000",
    "id_number=510115-19970317-7138",
    "phone=138%2D0013%2D8000",
    "phone=138%252D0013%252D8000",
    "id_number=510115%2019970317%207138",
    "phone=%EF%BC%91%EF%BC%93%EF%BC%98%EF%BC%90%EF%BC%90%EF%BC%91%EF%BC%93%EF%BC%98%EF%BC%90%EF%BC%90%EF%BC%90",
    "phone=%2B86+138+0013+8000",
    "phone=138001380001",
    "id_number=5101151997031771381",
    "q=13800138000",
]
PATHS = ["/api/v1/seekers/13800138000", "/api/v1/nothing/510115-19970317-7138", "/console/13800138000"]


def _get_paths(app, headers) -> list:
    """The paths, answered as a server answers them: an error inside is a 500 response (and a log line)."""
    lenient = TestClient(app, raise_server_exceptions=False)  # the app is already started by the fixture
    return [lenient.get(path, headers=headers) for path in PATHS]


class Numbers:
    """Distinct numbers, each handed out once, in the spelling asked for; all of them for the final search."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.all: list[str] = [ISSUE_PHONE, ISSUE_ID]

    def phone(self, spelling: str = "plain") -> str:
        number = mobile_number(self.rng)
        self.all.append(number)
        return phone_spellings(number)[spelling]

    def id(self, spelling: str = "plain", *, ending_in_x: bool = False) -> str:
        number = id_number(region="510115")
        while ending_in_x and not number.endswith("X"):
            number = id_number(region="510115")
        self.all.append(number)
        return id_spellings(number)[spelling]


def _ok(response, status: int = 200):
    assert response.status_code == status, (response.request.url, response.text)
    return response.json()


def _record_text(record: logging.LogRecord) -> str:
    """The message and everything else on the record a formatter or handler could write (exc_info included)."""
    return record.getMessage() + " " + json.dumps(vars(record), default=repr, ensure_ascii=False)


def _database_text(app, backend) -> str:
    """Every row of every table, and on SQLite the database file's bytes (its write-ahead log too)."""
    with app.state.engine.connect() as conn:
        rows = [repr(tuple(row)) for table in Base.metadata.sorted_tables
                for row in conn.execute(text(f"SELECT * FROM {table.name}"))]
    name, url = backend
    if name == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-journal")):
            if file.exists():
                rows.append(file.read_bytes().decode("utf-8", errors="ignore"))
    return "\n".join(rows)


def test_numbers_typed_anywhere_never_come_back_whole(client, app, keys, admin, backend, caplog):
    caplog.set_level(logging.DEBUG)
    n = Numbers(seed=4)
    officer = keys.headers("officer", region="5101")
    app_key = keys.headers("app")
    responses = []

    def call(method: str, url: str, headers=admin, status: int = 200, **kwargs):
        r = client.request(method, url, headers=headers, **kwargs)
        responses.append(r)
        return _ok(r, status)

    own_id, own_phone = n.id(), n.phone()
    seeker = call("POST", "/api/v1/seekers", status=201, json=seeker_payload(
        id_number=own_id, phone=own_phone, flags=[{"kind": "hard_to_employ", "evidence_note": f"残疾证 {n.id('spaced')}"}],
        self_intro=f"我的身份证号 {n.id('dashed')}，手机 {n.phone('dashed')}，微信同号 {n.phone('+86')}",
        experience=f"证件 {n.id('full-width', ending_in_x=True)}；旧手机 {n.phone('full-width')}；{n.phone('extra digit after')}",
        major=f"机电 {n.phone('dotted')}", skills=["叉车", f"电话{n.phone('en dash')}"],
        desired_occupations=[f"司机{n.phone('spaced')}"]))
    sid = seeker["id"]
    flag_id = seeker["flags"][0]["id"]
    call("POST", f"/api/v1/flags/{flag_id}/verify", headers=officer, json={"evidence_note": f"核验 {n.id('%2D')}"})
    other = call("POST", "/api/v1/seekers", status=201, json=seeker_payload(
        id_number=None, flags=[{"kind": "graduate"}], self_intro=f"身份证 {n.id('each digit')}"))
    call("POST", f"/api/v1/flags/{other['flags'][0]['id']}/reject", headers=officer,
         json={"reason": f"毕业证上的身份证号 {n.id('zero-width')} 与本人不符"})

    employer = create_employer(client, admin, contact_note=f"人事 {n.phone('0086')}，座机 028-12345678")
    job = create_job(client, admin, employer_id=employer["id"],
                     description=f"咨询热线 {n.phone('+86 dashed')}（微信同号）",
                     requirements=f"带身份证 {n.id('dotted')} 复印件", address=f"温江区 {n.phone('fours')} 号")
    job_patched = call("PATCH", f"/api/v1/jobs/{job['id']}", json={"description": f"联系 {n.phone('%20')}"})
    referral = call("POST", "/api/v1/referrals", status=201,
                    json={"seeker_id": sid, "job_id": job["id"], "note": f"本人手机 {n.phone('double-encoded')}"})
    call("POST", f"/api/v1/referrals/{referral['id']}/transition",
         json={"status": "rejected", "reason": f"用人单位已电话 {n.phone('86')} 告知"})

    register(client, officer, sid)
    call("POST", f"/api/v1/seekers/{sid}/contacts", headers=officer, status=201,
         json={"channel": "phone", "notes": f"拨打 {n.phone('extra digit, dashed')} 未接通，家属留号 {n.phone('encoded +86')}",
               "next_step": f"改拨 {n.phone('encoded digits')}"})
    case = call("POST", "/api/v1/assistance", headers=officer, status=201,
                json={"seeker_id": sid, "note": f"家属电话 {n.phone('triple-encoded')}"})
    call("POST", f"/api/v1/assistance/{case['id']}/close", headers=officer,
         json={"reason": f"已联系 {n.phone('extra digit before')}，本人不需要"})
    household_member = call("POST", "/api/v1/seekers", status=201, json=seeker_payload(id_number=None))
    register(client, officer, household_member["id"])
    call("POST", "/api/v1/households", headers=officer, status=201,
         json={"region_code": "510115", "label": f"户主 {n.phone('spaced')}", "member_ids": [household_member["id"]]})
    create_fair(client, admin, venue=f"人才市场 咨询{n.phone('dashed')}", open_=False)
    call("POST", f"/api/v1/seekers/{other['id']}/unemployment", headers=officer, status=201, json={})
    call("POST", f"/api/v1/seekers/{other['id']}/unemployment/end", headers=officer,
         json={"reason": "other", "note": f"迁往外地，新号 {n.phone('full-width space')}"})

    revealed = client.post(f"/api/v1/seekers/{sid}/reveal", headers=officer,
                           json={"reason": f"核对本人 {n.id('+')} 的档案"})
    assert revealed.json() == {"seeker_id": sid, "id_number": own_id, "phone": own_phone}  # the one audited way

    for headers in (app_key, officer, admin):  # what every role reads back
        call("GET", f"/api/v1/seekers/{sid}", headers=headers)
        call("GET", "/api/v1/seekers", headers=headers, params={"page_size": 50})
        call("GET", f"/api/v1/jobs/{job['id']}", headers=headers)
        call("GET", "/api/v1/jobs", headers=headers)
        call("GET", f"/api/v1/employers/{employer['id']}", headers=headers)
    for url in (f"/api/v1/seekers/{sid}/flags", f"/api/v1/seekers/{other['id']}/flags", "/api/v1/referrals",
                f"/api/v1/seekers/{sid}/contacts", f"/api/v1/seekers/{sid}/timeline", "/api/v1/assistance",
                f"/api/v1/seekers/{other['id']}/unemployment", "/api/v1/households", "/api/v1/caseload"):
        call("GET", url, headers=officer)
    call("GET", "/api/v1/audit", params={"page_size": 200})
    call("GET", "/api/v1/fairs")
    for query in QUERY_STRINGS:  # looked up, refused or ignored: never repeated
        responses.append(client.get(f"/api/v1/seekers?{query}", headers=admin))
    responses += _get_paths(app, admin)

    numbers = [own_id, own_phone, *n.all]
    found = [(r.request.method, str(r.request.url.path), leaks(numbers, r.text)) for r in responses]
    assert [f for f in found if f[2]] == []
    found = [(r.name, _record_text(r)[:300], leaks(numbers, _record_text(r))) for r in caplog.records]
    assert [f for f in found if f[2]] == []
    assert leaks(numbers, _database_text(app, backend)) == []

    # Masked, not dropped: the text is there with the numbers in the API's masked form; a landline stays.
    shown = call("GET", f"/api/v1/seekers/{sid}", headers=app_key)
    assert "****" in shown["self_intro"] and "***********" in shown["self_intro"]
    assert shown["self_intro"].startswith("我的身份证号 510")
    assert "028-12345678" in call("GET", f"/api/v1/employers/{employer['id']}")["contact_note"]
    assert "****" in job_patched["description"]
    access = [r for r in caplog.records if r.name == "rengang.access"]
    assert any(r.getMessage().startswith(f"GET /api/v1/seekers/{{seeker_id}} seeker_id={sid} 200") for r in access)


def test_the_access_log_names_the_route_never_the_query_string(client, app, admin, caplog):
    caplog.set_level(logging.DEBUG)
    for query in QUERY_STRINGS:
        client.get(f"/api/v1/seekers?{query}", headers=admin)
        client.get(f"/api/v1/seekers/12?{query}", headers=admin)
    _get_paths(app, admin)
    lines = [r.getMessage() for r in caplog.records if r.name == "rengang.access"]
    assert len(lines) == 2 * len(QUERY_STRINGS) + len(PATHS)
    assert all("?" not in line and "phone" not in line and "id_number" not in line for line in lines)
    assert lines[0].startswith("GET /api/v1/seekers ")
    assert lines[1].startswith("GET /api/v1/seekers/{seeker_id} seeker_id=12 404 ")
    assert lines[-3].startswith("GET /api/v1/seekers/{seeker_id} seeker_id=<invalid> ")
    assert lines[-2].startswith("GET <unmatched> 404 ") and lines[-1].startswith("GET <unmatched> 404 ")
    record = next(r for r in caplog.records if r.name == "rengang.access")
    assert record.route == "/api/v1/seekers" and record.method == "GET" and isinstance(record.duration_ms, float)
    everything = "\n".join(_record_text(r) for r in caplog.records)
    assert leaks([ISSUE_PHONE, ISSUE_ID], everything) == []


@pytest.mark.parametrize("query", QUERY_STRINGS)
@pytest.mark.parametrize("logger", ["uvicorn.access", "rengang", "some.library"])
def test_any_log_line_is_masked_whatever_the_spelling(query, logger, caplog):
    """The last line: a request line as uvicorn writes it, through any logger, comes out masked."""
    from service.logs import install_redaction

    install_redaction()
    target = logging.getLogger(logger)
    target.addHandler(caplog.handler)  # uvicorn's logging config, once applied in this process, stops propagation
    try:
        caplog.set_level(logging.DEBUG, logger=logger)
        target.info('%s - "GET /api/v1/seekers?%s HTTP/1.1" %d', "127.0.0.1:5000", query, 200)
    finally:
        target.removeHandler(caplog.handler)
    line = caplog.records[-1].getMessage()
    assert leaks([ISSUE_PHONE, ISSUE_ID], line) == [], line
    assert "GET /api/v1/seekers?" in line and line.endswith('HTTP/1.1" 200')  # masked, not dropped


def test_tracebacks_are_masked(caplog):
    from service.logs import install_redaction

    install_redaction()
    caplog.set_level(logging.DEBUG)
    numbers = Numbers(seed=5)
    message = f"bad input {numbers.phone('dashed')} for {numbers.id('full-width', ending_in_x=True)}"
    try:
        raise ValueError(message)
    except ValueError:
        logging.getLogger("rengang").exception("import failed for %s", numbers.phone("%2D"))
    try:
        raise ValueError(message)
    except ValueError as e:
        logging.getLogger("elsewhere").error("unhandled error: %s", type(e).__name__, exc_info=e)
    assert "ValueError: bad input" in caplog.text
    assert leaks(numbers.all[2:], caplog.text) == []
    assert all(leaks(numbers.all[2:], _record_text(r)) == [] for r in caplog.records)


def test_every_text_column_is_masked_on_write_or_holds_no_free_text():
    """A new free-text column must be added to FREE_TEXT (or here, if it holds only codes or derived values)."""
    structured = {
        "seekers": {"id_number_hash", "id_number_masked", "phone_hash", "phone_masked", "gender", "region_code",
                    "education", "desired_occupation_codes", "desired_regions", "desired_work_types", "hukou"},
        "employers": {"credit_code", "industry_code", "size_class", "ownership", "region_code",
                      "verified_by"},  # verified_by: the verifying key's or account's id
        "job_postings": {"occupation_code", "region_code", "education_min", "work_type", "status", "dedup_hash"},
        "policy_flags": {"kind", "status", "verified_by"},
        "referrals": {"channel", "created_by", "status"},
        "audit_events": {"key_id", "role", "action", "record_type"},
        "api_keys": {"key_id", "secret_hash", "role", "region_prefix"},
        "embeddings": {"kind", "model_id", "text_hash", "text"},  # text: built from the masked columns
        "changes": {"kind"},
        "embed_queue": {"kind", "claimed_by"},
        "leases": {"name", "holder"},
        "fairs": {"region_code", "status"},
        "kiosk_counts": {"key"},
        "unemployment_spells": {"region_code", "end_reason", "registered_by", "ended_by"},
        "casework_contacts": {"channel", "services", "officer"},
        "assistance_deadlines": {"region_prefix", "updated_by"},
        "assistance_cases": {"region_code", "basis", "deadline_rule", "status", "opened_by", "closed_by",
                             "escalated_to"},  # 督办: one of two fixed roles (科室负责人, 分管领导)
        "zero_employment_households": {"region_code", "status", "created_by"},
        "candidate_exposures": {"groups", "region_code"},
        "officer_accounts": {"username", "password_hash", "role", "region_prefix", "created_by"},
        "console_sessions": {"token_hash", "key_id", "address"},  # address: the client's IP, for the audit
    }
    unclassified = [
        f"{table.name}.{column.name}" for table in Base.metadata.sorted_tables for column in table.columns
        if isinstance(column.type, String | Text | JSON)
        and column.name not in FREE_TEXT.get(table.name, ()) and column.name not in structured.get(table.name, ())
    ]
    assert unclassified == []
    mapped = {table.name: {c.name for c in table.columns} for table in Base.metadata.sorted_tables}
    assert all(set(columns) <= mapped[table] for table, columns in FREE_TEXT.items())


def test_free_text_stored_before_masking_is_masked_in_place(client, app, admin):
    """Rows written before masking on write (here through SQL, past the session's hook): `rengang db
    mask-free-text` masks them, through the same rule."""
    numbers = Numbers(seed=6)
    seeker = client.post("/api/v1/seekers", json=seeker_payload(id_number=None), headers=admin).json()
    legacy = f"旧档案：身份证 {numbers.id('dashed')}，手机 {numbers.phone('spaced')}，座机 028-12345678"
    with app.state.engine.begin() as conn:
        conn.execute(update(Seeker).where(Seeker.id == seeker["id"]).values(self_intro=legacy, skills=[legacy]))
    with app.state.session_factory() as session:
        changed = mask_stored(session, batch=1)
    assert changed["seekers"] == 1 and changed["job_postings"] == 0
    shown = client.get(f"/api/v1/seekers/{seeker['id']}", headers=admin).json()
    assert leaks(numbers.all[2:], json.dumps(shown, ensure_ascii=False)) == []
    assert shown["self_intro"].startswith("旧档案：身份证 510") and shown["self_intro"].endswith("座机 028-12345678")
    with app.state.session_factory() as session:
        assert mask_stored(session) == {table: 0 for table in changed}  # nothing left to do


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_rengang_serve_logs_no_query_string(tmp_path):
    """The real server: uvicorn's access log is off, the service's own one names routes; nothing leaks."""
    port = _free_port()
    env = os.environ | {"RENGANG_VAR_DIR": str(tmp_path), "RENGANG_SECRET_KEY": TEST_SECRET,
                        "RENGANG_DATABASE_URL": f"sqlite:///{tmp_path / 'rengang.db'}", "RENGANG_MATCHING": "false",
                        "RENGANG_LOG_LEVEL": "debug"}
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[1])
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        for query in QUERY_STRINGS:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/seekers?{query}", timeout=10)
        for path in PATHS:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode("utf-8", errors="replace")
    assert leaks([ISSUE_PHONE, ISSUE_ID], output) == [], output
    assert "GET /api/v1/seekers 401" in output and "GET <unmatched> 404" in output, output
    assert "HTTP/1.1" not in output  # uvicorn's own access log is off
