"""Inputs a careless client or an attacker sends: each gets a 4xx naming the field or a correct answer.

The cases come from an outside attack on a fresh instance (explicit nulls in PATCH, integers past 64 bits,
lax types, LIKE wildcards, huge and invisible query values, control characters in names); the tests below
check the rule behind each case for every field it covers, not only the case that was found.
"""

from __future__ import annotations

import json
import typing
from datetime import date, timedelta

import pytest
from pydantic import BaseModel, Strict
from sqlalchemy import inspect as sa_inspect

from matching.sanitize import clean, has_hidden, single_line
from service import schemas
from service.casework import schemas as schemas_casework
from service.fairs import schemas as schemas_fairs
from service.models import Employer, JobPosting, Seeker
from service.models.fairs import Fair
from service.openapi import ErrorOut, ValidationErrorOut
from tests.factories import create_employer, create_job, create_seeker, id_number
from tests.fair_helpers import create_fair

HUGE = "99999999999999999999"  # > 2**64


def _request_models() -> list[type[BaseModel]]:
    found, todo = [], [schemas.Schema]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            todo.append(sub)
    assert {schemas_casework.ContactCreate, schemas_fairs.KioskMatchIn, schemas.JobUpdate} <= set(found)
    return found


def _scalars(annotation) -> typing.Iterator[tuple[type, list]]:
    """Each scalar type inside an annotation (through Optional, lists, dicts), with its metadata."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *meta = typing.get_args(annotation)
        for scalar, more in _scalars(inner):
            yield scalar, meta + more
    elif origin is not None:
        for arg in typing.get_args(annotation):
            yield from _scalars(arg)
    else:
        yield annotation, []


def _flatten(meta: list) -> list:
    out = []
    for m in meta:
        out.append(m)
        out.extend(getattr(m, "metadata", []))
    return out


def test_every_number_a_client_sends_is_strict_and_bounded():
    problems = []
    for model in _request_models():
        for name, info in model.model_fields.items():
            for scalar, meta in _scalars(info.rebuild_annotation()):
                meta = _flatten(meta + list(info.metadata))
                if scalar in (int, float, bool) and not any(isinstance(m, Strict) for m in meta):
                    problems.append(f"{model.__name__}.{name}: {scalar.__name__} is not strict")
                if scalar in (int, float):
                    has_lo = any(hasattr(m, "ge") or hasattr(m, "gt") for m in meta)
                    has_hi = any(hasattr(m, "le") or hasattr(m, "lt") for m in meta)
                    if not (has_lo and has_hi):
                        problems.append(f"{model.__name__}.{name}: {scalar.__name__} has no lower and upper bound")
    assert not problems, "\n".join(problems)


def test_every_integer_in_the_openapi_document_is_bounded(client):
    doc = client.get("/openapi.json").json()
    problems = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "integer" and where.startswith("in:") and (
                    "maximum" not in node or ("minimum" not in node and "exclusiveMinimum" not in node)):
                problems.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for p in op.get("parameters", []):
                walk(p.get("schema", {}), f"in:{method} {path} {p['name']}")
    input_models = {m.__name__ for m in _request_models()}
    for name, schema in doc["components"]["schemas"].items():
        if name in input_models:
            walk(schema, f"in:{name}")
    assert not problems, problems


# --- PATCH and null --------------------------------------------------------------------------


PATCHES = [(schemas.JobUpdate, JobPosting), (schemas.SeekerUpdate, Seeker), (schemas.EmployerUpdate, Employer),
           (schemas_fairs.FairUpdate, Fair)]


@pytest.mark.parametrize(("patch", "table"), PATCHES, ids=lambda x: getattr(x, "__name__", ""))
def test_a_field_accepts_null_exactly_when_its_stored_value_may_be_empty(patch, table):
    """One rule for nulls: the schema says which fields take null, and the database agrees."""
    props = patch.model_json_schema()["properties"]
    columns = {c.key: c for c in sa_inspect(table).columns}
    stored = {"id_number": "id_number_enc", "phone": "phone_enc"}
    for name, prop in props.items():
        nullable = any(option.get("type") == "null" for option in prop.get("anyOf", []))
        column = columns[stored.get(name, name)]
        assert nullable == column.nullable, f"{patch.__name__}.{name}: schema null {nullable}, column {column.nullable}"


def _non_nullable(patch) -> list[str]:
    props = patch.model_json_schema()["properties"]
    return [n for n, p in props.items() if not any(o.get("type") == "null" for o in p.get("anyOf", []))]


def test_patch_with_null_answers_422_naming_the_field_and_stores_nothing(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    seeker = create_seeker(client, admin)
    fair = create_fair(client, admin, booths=[{"employer_id": employer["id"], "booth": "A1"}], open_=False)
    targets = [(f"/api/v1/jobs/{job['id']}", schemas.JobUpdate, job),
               (f"/api/v1/seekers/{seeker['id']}", schemas.SeekerUpdate, seeker),
               (f"/api/v1/employers/{employer['id']}", schemas.EmployerUpdate, employer),
               (f"/api/v1/fairs/{fair['id']}", schemas_fairs.FairUpdate, fair)]
    for url, patch, before in targets:
        for name in _non_nullable(patch):
            r = client.patch(url, json={name: None}, headers=admin)
            assert r.status_code == 422, (url, name, r.text)
            body = r.json()
            assert body["field"] == name and body["code"] == "null_not_allowed", body
            ValidationErrorOut.model_validate(body)
        after = client.get(url, headers=admin)
        assert after.status_code == 200
        changed = {k for k in before if k not in ("updated_at", "flags") and after.json()[k] != before[k]}
        assert not changed, (url, changed)
    assert client.get("/api/v1/jobs", headers=admin).status_code == 200
    assert client.get("/api/v1/seekers", headers=admin).status_code == 200


def test_patch_null_clears_a_field_that_may_be_empty(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    r = client.patch(f"/api/v1/jobs/{job['id']}", json={"salary_max": None, "valid_until": None}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["salary_max"] is None and r.json()["valid_until"] is None


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "field"), [
    (f"/api/v1/jobs/{HUGE}", "job_id"), (f"/api/v1/seekers/{HUGE}", "seeker_id"),
    (f"/api/v1/employers/{HUGE}", "employer_id"), (f"/api/v1/referrals/{HUGE}", "referral_id"),
    (f"/api/v1/fairs/{HUGE}", "fair_id"), (f"/api/v1/households/{HUGE}", "household_id"),
    (f"/api/v1/seekers/{HUGE}/timeline", "seeker_id"), (f"/api/v1/jobs?employer_id={HUGE}", "employer_id"),
    (f"/api/v1/referrals?seeker_id={HUGE}", "seeker_id"), (f"/api/v1/audit?record_id={HUGE}", "record_id"),
    (f"/api/v1/jobs?salary_at_least={HUGE}", "salary_at_least"), ("/api/v1/jobs/-1", "job_id"),
    ("/api/v1/jobs/0", "job_id"), ("/api/v1/jobs/2147483648", "job_id"),
    (f"/api/v1/seekers/1/matches?salary_floor={HUGE}", "salary_floor"), (f"/api/v1/jobs?page={HUGE}", "page"),
])
def test_integers_out_of_range_answer_422_naming_the_parameter(client, admin, url, field):
    r = client.get(url, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    ValidationErrorOut.model_validate(r.json())


def test_integers_out_of_range_in_bodies_and_public_pages(client, admin):
    r = client.post("/api/v1/referrals", json={"seeker_id": int(HUGE), "job_id": 1}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "seeker_id"
    r = client.post("/api/v1/households", json={"region_code": "510115", "label": "x", "member_ids": [int(HUGE)]},
                    headers=admin)
    assert r.status_code == 422 and r.json()["field"].startswith("member_ids")
    assert client.get(f"/kiosk/take/{HUGE}").status_code == 422
    employer = create_employer(client, admin)
    fair = create_fair(client, admin, booths=[{"employer_id": employer["id"], "booth": "A1"}])
    r = client.get(f"/kiosk/take/{fair['id']}?j={HUGE},{HUGE}{HUGE}")
    assert r.status_code == 200


@pytest.mark.parametrize(("field", "value"), [("headcount", "3"), ("headcount", True), ("room_board", 1),
                                              ("room_board", "true"), ("salary_min", 5000.5), ("lat", "30.6")])
def test_json_numbers_and_booleans_are_not_coerced(client, admin, field, value):
    employer = create_employer(client, admin)
    from tests.factories import job_payload
    r = client.post("/api/v1/jobs", json=job_payload(employer_id=employer["id"], **{field: value}), headers=admin)
    assert r.status_code == 422 and r.json()["field"] == field, r.text


@pytest.mark.parametrize("k", [True, "3", 3.0, 0, 101])
def test_match_k_must_be_a_json_integer_in_range(client, admin, k):
    r = client.post("/api/v1/matches/jobs", json={"text": "保洁", "scope": "anywhere", "k": k}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "k", r.text


# --- other inputs that once answered 500 -------------------------------------------------------


def test_unknown_region_on_a_seekers_matches_names_region_code(client, admin):
    seeker = create_seeker(client, admin)
    r = client.get(f"/api/v1/seekers/{seeker['id']}/matches?scope=county&region_code=999999", headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "region_code" and r.json()["code"] == "unknown_region"


@pytest.mark.parametrize("url", [
    "/api/v1/jobs?region=٥١٠١", "/api/v1/employers?region=５１", "/api/v1/seekers?region=٥١",
    "/api/v1/caseload?region=٥١", "/api/v1/households?region=٥١", "/api/v1/assistance?region=٥١",
    "/api/v1/stats?start=2026-01-01&end=2026-02-01&region=٥١",
])
def test_region_codes_are_ascii_digits_only(client, admin, url):
    """Regex \\d matches every script's digits; a code that is not ASCII would reach SQL as a prefix."""
    r = client.get(url, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "region", r.text


def test_a_region_prefix_in_a_path_is_ascii_digits_only(client, admin):
    r = client.put("/api/v1/assistance-deadlines/٥١", json={"hours": 48}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "region_prefix", r.text


def test_a_superscript_or_fullwidth_digit_in_an_id_number(client, admin):
    number = id_number()
    r = client.post("/api/v1/seekers", json={"name": "李四", "region_code": "510115",
                                             "id_number": number[:5] + "²" + number[6:]}, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "id_number" and "int()" not in r.text and "invalid literal" not in r.text
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    r = client.post("/api/v1/seekers", json={"name": "李四", "region_code": "510115", "id_number": fullwidth},
                    headers=admin)
    assert r.status_code == 201, r.text  # full-width digits are the same number, typed on a phone keyboard
    found = client.get(f"/api/v1/seekers?id_number={number}", headers=admin).json()
    assert found["total"] == 1


@pytest.mark.parametrize("q", ["%", "_", "\\", "100%", "a_b"])
def test_search_wildcards_match_only_themselves(client, admin, q):
    employer = create_employer(client, admin, name="温江普通物流有限公司")
    create_job(client, admin, employer_id=employer["id"], title="仓库理货员", description="普通描述")
    assert client.get("/api/v1/jobs", params={"q": q}, headers=admin).json()["total"] == 0
    assert client.get("/api/v1/employers", params={"q": q}, headers=admin).json()["total"] == 0
    assert client.get("/api/v1/jobs", params={"occupation": q}, headers=admin).json()["total"] == 0


def test_a_literal_percent_is_found(client, admin):
    employer = create_employer(client, admin)
    create_job(client, admin, employer_id=employer["id"], title="销售（提成10%）")
    assert client.get("/api/v1/jobs", params={"q": "10%"}, headers=admin).json()["total"] == 1


def test_a_huge_query_string_answers_414_naming_the_parameter(client, admin):
    r = client.get("/api/v1/jobs", params={"q": "x" * 9_000, "page": 1}, headers=admin)
    assert r.status_code == 414
    assert r.json()["field"] == "q"
    ErrorOut.model_validate(r.json())


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31mred", "abc\u202e", "\ufeffx", "a\u200bb", "%ED%A0%80"])
def test_query_values_with_hidden_characters_are_refused(client, admin, value):
    from urllib.parse import quote
    raw = value if value.startswith("%") else quote(value)
    r = client.get(f"/api/v1/jobs?q={raw}", headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "q"


@pytest.mark.parametrize("fuzz", ["\x00", "\x1b[2J\x1b[31m", "\u202e", "\ufeff", "\u200b", "\u200d", "\u2066", "\x7f",
                                  "\x85", "\ud800"])
def test_names_are_stored_without_control_or_invisible_characters(client, admin, fuzz):
    body = json.dumps({"name": f"王{fuzz}强", "region_code": "510115", "self_intro": f"第一行{fuzz}\n第二行"})
    r = client.post("/api/v1/seekers", content=body, headers=admin | {"content-type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "王强"
    assert r.json()["self_intro"] == "第一行\n第二行"
    body = json.dumps({"name": f"{fuzz}{fuzz}", "credit_code": "91510115MA6CFKX2XB", "industry_code": "5941",
                       "size_class": "small", "region_code": "510115"})
    r = client.post("/api/v1/employers", content=body, headers=admin | {"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "name", r.text


def test_sanitize_rules():
    assert clean("a\r\nb\rc") == "a\nb\nc"
    assert clean("e\u0301") == "\u00e9"  # NFC
    assert clean("\ue000") == "\ue000"  # private use stays (rare characters in names)
    assert single_line(" 王\n\t 强 ") == "王 强"
    assert has_hidden("a\u202eb") and not has_hidden("普通文字 plain")


# --- the error body is the documented one ----------------------------------------------------


def test_every_error_body_matches_the_declared_schema(client, admin):
    bad = [
        client.post("/api/v1/jobs", json={}, headers=admin),
        client.post("/api/v1/jobs", content=b"{not json", headers=admin | {"content-type": "application/json"}),
        client.get("/api/v1/jobs/1", headers=admin),
        client.get("/api/v1/jobs"),
        client.get("/api/v1/nothing-here", headers=admin),
        client.put("/api/v1/jobs", headers=admin),
    ]
    for r in bad:
        assert 400 <= r.status_code < 500
        model = ValidationErrorOut if r.status_code == 422 else ErrorOut
        model.model_validate(r.json())
    doc = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    create = doc["paths"]["/api/v1/jobs"]["post"]["responses"]
    assert create["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationErrorOut")


def test_dates_still_arrive_as_strings(client, admin):
    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"],
                     valid_until=(date.today() + timedelta(days=3)).isoformat())
    assert job["valid_until"] == (date.today() + timedelta(days=3)).isoformat()


def test_a_list_stored_as_null_by_an_older_version_is_repaired(app, client, admin):
    """Migration 0006 repairs the JSON nulls the old PATCH let in; the columns now refuse None outright."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import IntegrityError

    from service import db

    employer = create_employer(client, admin)
    job = create_job(client, admin, employer_id=employer["id"])
    seeker = create_seeker(client, admin)
    with app.state.engine.begin() as conn:
        conn.execute(sql("UPDATE job_postings SET skills = 'null' WHERE id = :id"), {"id": job["id"]})
        conn.execute(sql("UPDATE seekers SET desired_regions = 'null', skills = 'null' WHERE id = :id"),
                     {"id": seeker["id"]})
        for table in ("changes", "embed_queue", "leases", "console_sessions", "officer_accounts"):
            conn.execute(sql(f"DROP TABLE {table}"))  # what later revisions added: as a 0005 database was
        for table, column in (("assistance_cases", "escalation_level"), ("assistance_cases", "escalated_at"),
                              ("assistance_cases", "escalated_to"), ("assistance_deadlines", "warn_hours"),
                              ("employers", "verified_at"), ("employers", "verified_by")):
            conn.execute(sql(f"ALTER TABLE {table} DROP COLUMN {column}"))  # added by 0011 and 0012
        conn.execute(sql("UPDATE alembic_version SET version_num = '0005'"))
    db.upgrade(str(app.state.engine.url.render_as_string(hide_password=False)))
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=admin).json()["skills"] == []
    repaired = client.get(f"/api/v1/seekers/{seeker['id']}", headers=admin).json()
    assert repaired["skills"] == [] and repaired["desired_regions"] == []
    with app.state.session_factory() as session:
        stored = session.get(JobPosting, job["id"])
        stored.skills = None
        with pytest.raises(IntegrityError):
            session.commit()


def test_the_http_server_refuses_an_oversized_request_line_as_json(tmp_path):
    """Past the HTTP parser's size limit the app never sees the request; the server still answers in JSON."""
    import socket
    import threading
    import time as clock

    import uvicorn

    from service.app import create_app
    from service.edge import json_protocol
    from service.settings import Settings
    from tests.conftest import TEST_SECRET

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(Settings(env="test", secret_key=TEST_SECRET, var_dir=tmp_path, matching=False))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=json_protocol(),
                                           log_config=None, access_log=False))  # leave the suite's logging as it is
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = clock.time() + 30
        while not server.started:
            assert clock.time() < deadline and thread.is_alive()
            clock.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(b"GET /api/v1/jobs?page=1&q=" + b"x" * 100_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414"), head
    assert b"content-type: application/json" in head.lower()
    parsed = json.loads(body)
    assert parsed["field"] == "q" and parsed["error"] == "uri_too_long"
    ErrorOut.model_validate(parsed)


def test_bodies_past_their_limit_answer_413_before_they_are_read(client, admin):
    big = b'{"name": "' + b"x" * (2 << 20) + b'"}'
    r = client.post("/api/v1/seekers", content=big, headers=admin | {"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    ErrorOut.model_validate(r.json())

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"x" * 65536

    r = client.post("/api/v1/employers", content=chunks(), headers=admin | {"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    bulk = json.dumps({"items": [{"title": "x", "description": "长" * 4000}] * 200}).encode()
    assert len(bulk) > 2 << 20
    r = client.post("/api/v1/jobs/bulk", content=bulk, headers=admin | {"content-type": "application/json"})
    assert r.status_code == 422  # read and validated: bulk imports may be large
