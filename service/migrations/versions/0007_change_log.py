"""The change log, the embedding queue and leases: the database as the hub of many processes.

``changes`` is a transactional outbox: every write to postings, seekers (with their flags) and stored vectors
appends a row in the same transaction, and index replicas follow it by ``seq``. ``embed_queue`` holds the
records waiting for an embedding worker; every record already stored is queued once here, so the first worker
checks each stored vector against its record's text (re-embedding only what differs). ``leases`` names the one
process that saves a directory's index snapshots.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'changes',
        sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True),
        sa.Column('kind', sa.String(8), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_changes_at', 'changes', ['at'])
    op.create_table(
        'embed_queue',
        sa.Column('kind', sa.String(8), primary_key=True),
        sa.Column('record_id', sa.Integer(), primary_key=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_by', sa.String(100), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_embed_queue_queued_at', 'embed_queue', ['queued_at'])
    op.create_table(
        'leases',
        sa.Column('name', sa.String(300), primary_key=True),
        sa.Column('holder', sa.String(100), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    )
    for kind, table in (('job', 'job_postings'), ('seeker', 'seekers')):
        op.execute(sa.text(
            f"INSERT INTO embed_queue (kind, record_id, version, queued_at) SELECT '{kind}', id, 1, CURRENT_TIMESTAMP "
            f"FROM {table}"))


def downgrade() -> None:
    op.drop_table('leases')
    op.drop_index('ix_embed_queue_queued_at', 'embed_queue')
    op.drop_table('embed_queue')
    op.drop_index('ix_changes_at', 'changes')
    op.drop_table('changes')
