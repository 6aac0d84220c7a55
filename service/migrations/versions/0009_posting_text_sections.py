"""Postings' embedded texts are built from their sections (duties and requirements first, the company last, place
and contact left out, up to 1,500 characters): every posting is queued once, so the embedding workers check each
stored vector against the text its posting now gives and re-embed only what differs (postings without section
headers and under 512 characters keep their text and vector). Until a posting's turn comes its old vector keeps
serving. No schema change.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Priority 1 (a backfill): postings saved one at a time meanwhile are embedded first.
    op.execute(sa.text(
        "INSERT INTO embed_queue (kind, record_id, version, priority, queued_at) "
        "SELECT 'job', id, 1, 1, CURRENT_TIMESTAMP FROM job_postings WHERE NOT EXISTS "
        "(SELECT 1 FROM embed_queue q WHERE q.kind = 'job' AND q.record_id = job_postings.id)"))


def downgrade() -> None:
    pass  # queued rows are work, not schema: the workers finish them either way
