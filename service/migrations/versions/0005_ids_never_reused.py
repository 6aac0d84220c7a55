"""Ids are never reused: SQLite tables rebuilt with AUTOINCREMENT, counting on from the highest id ever seen.

Without AUTOINCREMENT, SQLite gives a new row the highest id in its table plus one, so once the newest record is
deleted the next one gets its id, and with it the deleted record's audit trail and every outside reference to
it. Each table with an integer id is rebuilt with AUTOINCREMENT, keeping its rows, indexes and foreign keys, and
its counter (``sqlite_sequence``) is set to the highest id it holds or that the audit log or the stored vectors
still name, so that an id deleted before this migration is not handed out again either.

PostgreSQL's sequences never go back: nothing to do there.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
from sqlalchemy import text


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Every table with an integer id at revision 0004.
TABLES = (
    'employers', 'job_postings', 'seekers', 'policy_flags', 'referrals', 'api_keys', 'audit_events',
    'unemployment_spells', 'casework_contacts', 'zero_employment_households', 'zero_employment_household_members',
    'assistance_cases', 'candidate_exposures', 'fairs', 'fair_employers',
)
# Where ids of deleted rows live on: audit events (by record type) and stored vectors (by kind).
AUDIT_RECORD_TYPES = {
    'seekers': 'seeker', 'referrals': 'referral', 'policy_flags': 'policy_flag', 'fairs': 'fair',
    'zero_employment_households': 'household', 'assistance_cases': 'assistance_case',
}
EMBEDDING_KINDS = {'seekers': 'seeker', 'job_postings': 'job'}


def _highest_id_seen(bind, table: str) -> int:
    seen = [bind.execute(text(f'SELECT max(id) FROM {table}')).scalar()]
    if table in AUDIT_RECORD_TYPES:
        seen.append(bind.execute(text('SELECT max(record_id) FROM audit_events WHERE record_type = :t'),
                                 {'t': AUDIT_RECORD_TYPES[table]}).scalar())
    if table in EMBEDDING_KINDS:
        seen.append(bind.execute(text('SELECT max(record_id) FROM embeddings WHERE kind = :k'),
                                 {'k': EMBEDDING_KINDS[table]}).scalar())
    return max((s for s in seen if s is not None), default=0)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    if bind.exec_driver_sql('PRAGMA foreign_keys').scalar():
        # Rebuilding drops each old table: with foreign keys enforced, that would cascade into the tables
        # that reference it. Migrations run on their own connection, where SQLite leaves them off.
        raise RuntimeError('migration 0005 must run with PRAGMA foreign_keys=OFF')
    # Python's sqlite3 opens a transaction only before a change to data, and a rebuild starts with CREATE TABLE:
    # make a change first, so that all the rebuilds are one transaction, undone whole if the upgrade stops.
    bind.execute(text('UPDATE alembic_version SET version_num = version_num'))
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': True}):
            pass
    for table in TABLES:
        seq = _highest_id_seen(bind, table)
        bind.execute(text('DELETE FROM sqlite_sequence WHERE name = :t'), {'t': table})
        bind.execute(text('INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :seq)'), {'t': table, 'seq': seq})


def downgrade() -> None:
    # AUTOINCREMENT stays: revision 0004 works with it, and taking it away would let ids be reused again.
    pass
