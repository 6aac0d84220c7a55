"""Keep the embedded text with each stored vector, so the rerank reads candidates' texts instead of
rebuilding them from their records on every query.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('embeddings') as batch:
        batch.add_column(sa.Column('text', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('embeddings') as batch:
        batch.drop_column('text')
