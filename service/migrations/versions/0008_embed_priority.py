"""The embedding queue serves small writes first: a ``priority`` per queued record.

A posting written on its own (0) is embedded before the rows of a bulk import or a backfill (1) queued ahead of
it, so one employer's new posting does not wait behind a 100,000-posting import to become matchable.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('embed_queue') as batch:
        batch.add_column(sa.Column('priority', sa.SmallInteger(), nullable=False, server_default='1'))
    op.drop_index('ix_embed_queue_queued_at', 'embed_queue')
    op.create_index('ix_embed_queue_order', 'embed_queue', ['priority', 'queued_at'])


def downgrade() -> None:
    op.drop_index('ix_embed_queue_order', 'embed_queue')
    op.create_index('ix_embed_queue_queued_at', 'embed_queue', ['queued_at'])
    with op.batch_alter_table('embed_queue') as batch:
        batch.drop_column('priority')
