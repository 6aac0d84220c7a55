"""Repair list columns that hold the JSON value null.

Before the API had one policy for nulls, ``PATCH {"skills": null}`` (and the same on a seeker's skills and
desired occupations, regions and work types) answered 500 but stored the JSON value ``null``; every later read
of that record, every list page that included it and every text match that reached it answered 500. The
schemas now refuse such a null with 422 and the columns store Python None as SQL NULL (which NOT NULL refuses),
so this only repairs what an earlier version let in: each such value becomes the empty list it stands for.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
from sqlalchemy import text

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LIST_COLUMNS = {
    'job_postings': ('skills',),
    'seekers': ('skills', 'desired_occupations', 'desired_occupation_codes', 'desired_regions', 'desired_work_types'),
    'referrals': ('history',),
    'casework_contacts': ('services',),
    'candidate_exposures': ('groups',),
}


def upgrade() -> None:
    bind = op.get_bind()
    for table, columns in LIST_COLUMNS.items():
        for column in columns:
            bind.execute(text(f"UPDATE {table} SET {column} = '[]' WHERE {column} IS NULL "
                              f"OR CAST({column} AS TEXT) = 'null'"))


def downgrade() -> None:
    pass  # nothing to undo: an empty list is what the null meant
