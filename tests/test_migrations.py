"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Double, Float, create_engine

from service.models import Base


def _differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]

    def same_float(d) -> bool:  # a float column reflected as FLOAT against the model's Double is one type
        return d[0] == "modify_type" and isinstance(d[-2], Float) and isinstance(d[-1], (Float, Double))

    return [d for d in flat if not same_float(d)]


def test_the_migrated_schema_is_the_models_schema(app, backend):
    _name, url = backend  # the app fixture has run every migration on this database
    assert _differences(url) == []


def test_0009_queues_every_stored_posting_once_so_its_text_is_checked_again(tmp_path):
    """Postings' texts are built from their sections since 0009: each posting stored before it is queued (as a
    backfill) for the workers to compare its vector's text with the new one; one already queued keeps its row."""
    from alembic import command
    from sqlalchemy import text

    from service.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0008")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO employers (id, name, credit_code, industry_code, size_class, ownership, region_code, "
                "contact_note, is_demo, created_at, updated_at) VALUES (1, '温江测试有限公司', 'X', 'C3130', 'small', "
                "'private', '510115', '', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            for job_id in (1, 2):
                conn.execute(text(
                    "INSERT INTO job_postings (id, employer_id, title, description, requirements, skills, region_code, "
                    "address, work_type, room_board, headcount, hired_count, status, dedup_hash, is_demo, "
                    "occupation_auto, created_at, updated_at) VALUES (:id, 1, '叉车司机', '公司简介：…\n岗位职责：装卸', "
                    "'', '[]', '510115', '', 'full_time', 0, 1, 0, 'open', :h, 0, 0, CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"),
                    {"id": job_id, "h": f"h{job_id}"})
            conn.execute(text("INSERT INTO embed_queue (kind, record_id, version, priority, queued_at) "
                              "VALUES ('job', 2, 3, 0, CURRENT_TIMESTAMP)"))
        command.upgrade(alembic_config(url), "0009")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT record_id, version, priority FROM embed_queue WHERE kind = 'job' "
                                     "ORDER BY record_id")).all()
        assert [tuple(r) for r in rows] == [(1, 1, 1), (2, 3, 0)]
    finally:
        engine.dispose()
