"""Employer verification 用人单位核验: an officer's mark that an employer was checked against its registration
(who and when; cleared when what was checked changes).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_by', sa.String(length=64), nullable=False, server_default=''))
    if op.get_bind().dialect.name != 'sqlite':  # on SQLite this would rebuild the table and lose AUTOINCREMENT
        with op.batch_alter_table('employers', schema=None) as batch_op:
            batch_op.alter_column('verified_by', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.drop_column('verified_by')
        batch_op.drop_column('verified_at')
