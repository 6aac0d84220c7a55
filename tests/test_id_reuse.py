"""An id is given out once: a deleted record's id never comes back with someone else's data under it.

Else the new record would inherit the old one's audit trail and every outside reference to it (a printed
referral slip, an exported list, a FAISS id).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import Integer, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from service import db
from service.models import Base
from tests.factories import create_employer, create_job, create_seeker, id_number

# ------------------------------------------------------------------------------------------------ through the API


def _audit_actions(client, headers, record_type, record_id):
    items = client.get("/api/v1/audit", params={"record_type": record_type, "record_id": record_id},
                       headers=headers).json()["items"]
    return sorted(e["action"] for e in items)


def test_a_deleted_seekers_id_is_not_given_to_the_next_seeker(client, admin):
    create_seeker(client, admin, id_number=id_number(birth=date(1991, 1, 1)))
    newest = create_seeker(client, admin, id_number=id_number(birth=date(1991, 1, 2)))
    assert client.delete(f"/api/v1/seekers/{newest['id']}", headers=admin).status_code == 204

    after = create_seeker(client, admin, id_number=id_number(birth=date(1991, 1, 3)))

    assert after["id"] > newest["id"]
    assert _audit_actions(client, admin, "seeker", after["id"]) == ["seeker.create"]  # not the deleted one's trail


def test_a_deleted_postings_id_is_not_given_to_the_next_posting(client, admin):
    employer = create_employer(client, admin)
    newest = create_job(client, admin, employer_id=employer["id"])
    assert client.delete(f"/api/v1/jobs/{newest['id']}", headers=admin).status_code == 204
    assert create_job(client, admin, employer_id=employer["id"])["id"] > newest["id"]


def _single_integer_id(table) -> bool:
    pk = list(table.primary_key.columns)
    return len(pk) == 1 and isinstance(pk[0].type, Integer)


def test_every_table_with_an_integer_id_is_declared_never_to_reuse_one():
    tables = [t for t in Base.metadata.sorted_tables if _single_integer_id(t)]
    assert len(tables) >= 15
    assert [t.name for t in tables if not t.dialect_options["sqlite"]["autoincrement"]] == []


def test_the_migrated_database_never_reuses_ids(app):
    engine = app.state.engine
    tables = [t.name for t in Base.metadata.sorted_tables if _single_integer_id(t)]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            ddl = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
            assert [t for t in tables if "AUTOINCREMENT" not in ddl[t]] == []
        else:  # a sequence behind every id (serial or identity)
            key = {t.name: list(t.primary_key.columns)[0].name for t in Base.metadata.sorted_tables
                   if _single_integer_id(t)}
            rows = conn.execute(text("SELECT table_name, column_name, column_default, is_identity "
                                     "FROM information_schema.columns WHERE table_schema = current_schema()")).all()
            backed = {name for name, column, default, identity in rows
                      if column == key.get(name) and (identity == "YES" or (default or "").startswith("nextval("))}
            assert sorted(set(tables) - backed) == []


# ------------------------------------------------------------------------------- a database made at revision 0004


def _fill(inspector, table: str, values: dict) -> dict:
    """``values`` and something valid for every other NOT NULL column of the table as it is at 0004."""
    filler = {"INTEGER": 0, "BOOLEAN": False, "DATE": date(2024, 3, 1), "JSON": "[]", "BLOB": b"", "BYTEA": b""}
    row = dict(values)
    for column in inspector.get_columns(table):
        if column["name"] in row or column["name"] == "id" or column["nullable"]:
            continue
        kind = type(column["type"]).__name__.upper()
        if "TIMESTAMP" in kind or "DATETIME" in kind:
            row[column["name"]] = "2024-03-01 08:00:00+00:00"
        else:
            row[column["name"]] = next((v for k, v in filler.items() if k in kind), "x")
    return row


def _insert(conn, inspector, table: str, **values) -> None:
    row = _fill(inspector, table, values)
    names = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + k for k in row)})"), row)


def _seed_at_0004(url: str) -> None:
    """Three employers, postings and seekers, flags, referrals, a spell and audit events; then the newest seeker
    is erased (its audit trail stays), and seeker 4 had come and gone before that."""
    engine = create_engine(url)
    inspector = inspect(engine)
    with engine.begin() as conn:
        for n in (1, 2, 3):
            _insert(conn, inspector, "employers", id=n, name=f"单位{n}", credit_code=f"91510115MA{n:08d}",
                    region_code="510115")
            _insert(conn, inspector, "job_postings", id=n, employer_id=n, title=f"岗位{n}", region_code="510115",
                    headcount=2, hired_count=0, status="open", dedup_hash=f"h{n}", skills="[]")
            _insert(conn, inspector, "seekers", id=n, name=f"求职者{n}", region_code="510115",
                    id_number_hash=f"id{n}")
            _insert(conn, inspector, "referrals", id=n, seeker_id=n, job_id=n, channel="officer",
                    created_by="k", status="recommended", history="[]")
            _insert(conn, inspector, "audit_events", id=n, key_id="k", role="admin", action="seeker.create",
                    record_type="seeker", record_id=n, detail="{}")
        _insert(conn, inspector, "policy_flags", id=7, seeker_id=1, kind="veteran", status="verified")
        _insert(conn, inspector, "unemployment_spells", id=1, seeker_id=1, region_code="510115", registered_by="k",
                started_on=date(2024, 1, 1), ended_on=date(2024, 2, 1))
        _insert(conn, inspector, "unemployment_spells", id=2, seeker_id=1, region_code="510115", registered_by="k",
                started_on=date(2024, 2, 2))
        _insert(conn, inspector, "audit_events", id=4, key_id="k", role="admin", action="seeker.delete",
                record_type="seeker", record_id=4, detail="{}")
        conn.execute(text("DELETE FROM referrals WHERE id = 3"))
        conn.execute(text("DELETE FROM seekers WHERE id = 3"))
        _insert(conn, inspector, "audit_events", id=5, key_id="k", role="admin", action="seeker.delete",
                record_type="seeker", record_id=3, detail="{}")
        if engine.dialect.name == "postgresql":  # where the sequences stand after giving out those ids
            given = {"employers": 3, "job_postings": 3, "seekers": 4, "referrals": 3, "audit_events": 5,
                     "policy_flags": 7, "unemployment_spells": 2}
            for table, last in given.items():
                conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"), {"t": table, "n": last})
    engine.dispose()


def _snapshot(engine, tables, columns=None):
    """Every row of the tables; with ``columns`` (table → names), only those (what was there before an upgrade
    that adds columns)."""
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT {', '.join(columns[t]) if columns else '*'} FROM {t} ORDER BY id")).all()
                for t in tables}


def _columns(engine, tables):
    inspector = inspect(engine)
    return {t: [c["name"] for c in inspector.get_columns(t)] for t in tables}


def _schema(engine):
    """Indexes and foreign keys of every table, as the database reports them."""
    inspector = inspect(engine)
    out = {}
    for table in inspector.get_table_names():
        indexes = sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]),
                          sorted((k, str(v)) for k, v in i.get("dialect_options", {}).items()))
                         for i in inspector.get_indexes(table))
        fks = sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]),
                      (f.get("options") or {}).get("ondelete")) for f in inspector.get_foreign_keys(table))
        uniques = sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table))
        out[table] = (indexes, fks, uniques)
    return out


def _next_ids(engine, table: str, **values) -> tuple[int, int]:
    """Insert a row, delete it, insert another: both ids. ``{n}`` in a value tells the two rows apart."""
    ids = []
    with engine.begin() as conn:
        inspector = inspect(conn)
        for n in range(2):
            _insert(conn, inspector, table, **{k: v.format(n=n) if isinstance(v, str) else v for k, v in values.items()})
            ids.append(conn.execute(text(f"SELECT max(id) FROM {table}")).scalar())
            conn.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": ids[-1]})
    return ids[0], ids[1]


@pytest.fixture()
def database_at_0004(backend, tmp_path):
    """An empty database of the backend under test, at revision 0004: a file, or a fresh PostgreSQL schema."""
    name, url = backend
    if name == "sqlite":
        yield f"sqlite:///{tmp_path / 'at_0004.db'}"
        return
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_upgrading_a_database_from_0004_keeps_its_data_and_never_reuses_an_id(database_at_0004):
    url = database_at_0004
    db.upgrade(url, "0004")
    _seed_at_0004(url)
    engine = create_engine(url)
    tables = ["employers", "job_postings", "seekers", "referrals", "policy_flags", "unemployment_spells",
              "audit_events"]
    columns = _columns(engine, tables)
    # 0011 (one notion of 失业登记) sets a seeker's registration date from their open spell: checked below
    columns["seekers"] = [c for c in columns["seekers"] if c != "unemployment_registered_at"]
    before, schema_before = _snapshot(engine, tables, columns), _schema(engine)

    db.upgrade(url)

    assert _snapshot(engine, tables, columns) == before
    with engine.connect() as conn:
        assert str(conn.execute(text("SELECT unemployment_registered_at FROM seekers WHERE id = 1")).scalar())[:10] \
            == "2024-02-02"  # seeker 1's open spell began then
    schema_after = _schema(engine)
    assert {t: schema_after[t] for t in schema_before} == schema_before  # later revisions only add tables
    assert set(schema_after) - set(schema_before) == {"changes", "embed_queue", "leases", "officer_accounts",
                                                      "console_sessions"}
    # seekers 3 and 4 were erased before the upgrade; the audit log still names them
    assert _next_ids(engine, "seekers", name="新", region_code="510115", id_number_hash="new{n}") == (5, 6)
    assert _next_ids(engine, "employers", name="新", credit_code="NEWCODE{n}", region_code="510115") == (4, 5)
    assert _next_ids(engine, "policy_flags", seeker_id=2, kind="veteran", status="verified") == (8, 9)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    spell = {"seeker_id": 1, "region_code": "510115", "registered_by": "k", "started_on": date(2024, 3, 1)}
    with pytest.raises(IntegrityError), engine.begin() as conn:  # still one open spell per seeker at most
        _insert(conn, inspect(conn), "unemployment_spells", **spell)
    with engine.begin() as conn:  # and any number of ended ones
        _insert(conn, inspect(conn), "unemployment_spells", **spell, ended_on=date(2024, 3, 1) + timedelta(days=30))
    engine.dispose()
