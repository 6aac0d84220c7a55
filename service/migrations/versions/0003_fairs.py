"""Recruitment fairs (招聘会): fairs, booths, chosen postings, anonymous kiosk counters, and the fair a
kiosk key is bound to.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fairs_region_code'), ['region_code'], unique=False)

    op.create_table('fair_employers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fair_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('booth', sa.String(length=16), nullable=False),
    sa.Column('all_postings', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['fair_id'], ['fairs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fair_id', 'employer_id', name='uq_fair_employers_fair_employer')
    )
    with op.batch_alter_table('fair_employers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fair_employers_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fair_employers_fair_id'), ['fair_id'], unique=False)

    op.create_table('fair_postings',
    sa.Column('fair_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fair_id'], ['fairs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job_postings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fair_id', 'job_id')
    )
    op.create_table('kiosk_counts',
    sa.Column('fair_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fair_id'], ['fairs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fair_id', 'day', 'key')
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fair_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_api_keys_fair_id_fairs', 'fairs', ['fair_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_keys_fair_id_fairs', type_='foreignkey')
        batch_op.drop_column('fair_id')
    op.drop_table('kiosk_counts')
    op.drop_table('fair_postings')
    with op.batch_alter_table('fair_employers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fair_employers_fair_id'))
        batch_op.drop_index(batch_op.f('ix_fair_employers_employer_id'))
    op.drop_table('fair_employers')
    with op.batch_alter_table('fairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fairs_region_code'))
    op.drop_table('fairs')
