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
