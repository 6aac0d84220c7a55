"""One notion of 失业登记: a seeker is registered unemployed when they have an open unemployment spell, and
``seekers.unemployment_registered_at`` is that spell's start date. Before, the seekers' API wrote only the date and
the console read only the spells, so a database could hold registered seekers the caseload did not show. Each
seeker with a date and no open spell gets a spell from that date (registered_by 'migration-0011'); then every
seeker's date is set from their open spell (cleared where none is open).

Also 督办 recorded on assistance cases (escalation level, time, to whom) and a per-region warning lead time.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

MIGRATED_BY = "migration-0011"


def upgrade() -> None:
    with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_to', sa.String(length=32), nullable=False, server_default=''))
    if op.get_bind().dialect.name != 'sqlite':  # on SQLite this would rebuild the table and lose AUTOINCREMENT
        with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
            batch_op.alter_column('escalation_level', server_default=None)
            batch_op.alter_column('escalated_to', server_default=None)
    with op.batch_alter_table('assistance_deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warn_hours', sa.Integer(), nullable=True))

    op.execute(sa.text(
        "INSERT INTO unemployment_spells (seeker_id, region_code, started_on, end_note, registered_by, "
        "created_at, updated_at) "
        "SELECT s.id, s.region_code, s.unemployment_registered_at, '', :by, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
        "FROM seekers s WHERE s.unemployment_registered_at IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM unemployment_spells u WHERE u.seeker_id = s.id AND u.ended_on IS NULL)"
    ).bindparams(by=MIGRATED_BY))
    op.execute(sa.text(
        "UPDATE seekers SET unemployment_registered_at = (SELECT u.started_on FROM unemployment_spells u "
        "WHERE u.seeker_id = seekers.id AND u.ended_on IS NULL)"))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM unemployment_spells WHERE registered_by = :by").bindparams(by=MIGRATED_BY))
    with op.batch_alter_table('assistance_deadlines', schema=None) as batch_op:
        batch_op.drop_column('warn_hours')
    with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
        batch_op.drop_column('escalated_to')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('escalation_level')
