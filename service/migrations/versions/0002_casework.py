"""Casework: unemployment registrations, contacts, 就业援助 cases and deadlines, zero-employment
households, candidate-list exposures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:53:37.132449
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assistance_deadlines',
    sa.Column('region_prefix', sa.String(length=6), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('region_prefix')
    )
    op.create_table('casework_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('contacted_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('next_step', sa.String(length=500), nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('casework_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_casework_contacts_contacted_on'), ['contacted_on'], unique=False)
        batch_op.create_index('ix_casework_contacts_seeker_day', ['seeker_id', 'contacted_on'], unique=False)

    op.create_table('candidate_exposures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('shown_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job_postings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('candidate_exposures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_exposures_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_exposures_shown_at'), ['shown_at'], unique=False)

    op.create_table('unemployment_spells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.Column('end_note', sa.String(length=500), nullable=False),
    sa.Column('hire_referral_id', sa.Integer(), nullable=True),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('ended_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hire_referral_id'], ['referrals.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unemployment_spells', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unemployment_spells_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_unemployment_spells_seeker_id'), ['seeker_id'], unique=False)
        batch_op.create_index('uq_unemployment_spells_open', ['seeker_id'], unique=True, sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))

    op.create_table('zero_employment_households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cleared_on', sa.Date(), nullable=True),
    sa.Column('cleared_by_seeker_id', sa.Integer(), nullable=True),
    sa.Column('cleared_referral_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cleared_by_seeker_id'], ['seekers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cleared_referral_id'], ['referrals.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('zero_employment_households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zero_employment_households_region_code'), ['region_code'], unique=False)

    op.create_table('assistance_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('basis', sa.String(length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_rule', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=500), nullable=False),
    sa.Column('placement_referral_id', sa.Integer(), nullable=True),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['zero_employment_households.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['placement_referral_id'], ['referrals.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_cases_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistance_cases_seeker_id'), ['seeker_id'], unique=False)
        batch_op.create_index('uq_assistance_cases_open', ['seeker_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('zero_employment_household_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['zero_employment_households.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seeker_id')
    )
    with op.batch_alter_table('zero_employment_household_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zero_employment_household_members_household_id'), ['household_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('zero_employment_household_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zero_employment_household_members_household_id'))

    op.drop_table('zero_employment_household_members')
    with op.batch_alter_table('assistance_cases', schema=None) as batch_op:
        batch_op.drop_index('uq_assistance_cases_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_assistance_cases_seeker_id'))
        batch_op.drop_index(batch_op.f('ix_assistance_cases_region_code'))

    op.drop_table('assistance_cases')
    with op.batch_alter_table('zero_employment_households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zero_employment_households_region_code'))

    op.drop_table('zero_employment_households')
    with op.batch_alter_table('unemployment_spells', schema=None) as batch_op:
        batch_op.drop_index('uq_unemployment_spells_open', sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_unemployment_spells_seeker_id'))
        batch_op.drop_index(batch_op.f('ix_unemployment_spells_region_code'))

    op.drop_table('unemployment_spells')
    with op.batch_alter_table('candidate_exposures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_exposures_shown_at'))
        batch_op.drop_index(batch_op.f('ix_candidate_exposures_job_id'))

    op.drop_table('candidate_exposures')
    with op.batch_alter_table('casework_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_casework_contacts_seeker_day')
        batch_op.drop_index(batch_op.f('ix_casework_contacts_contacted_on'))

    op.drop_table('casework_contacts')
    op.drop_table('assistance_deadlines')
