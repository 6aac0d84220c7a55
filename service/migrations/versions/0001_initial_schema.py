"""Initial schema: employers, postings, seekers, policy flags, referrals, keys, audit, stored embeddings.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 01:21:01.790932
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('region_prefix', sa.String(length=6), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_id')
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_events_record', ['record_type', 'record_id'], unique=False)

    op.create_table('embeddings',
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.String(length=200), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'record_id', 'model_id')
    )
    op.create_table('employers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('industry_code', sa.String(length=8), nullable=False),
    sa.Column('size_class', sa.String(length=16), nullable=False),
    sa.Column('ownership', sa.String(length=32), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('contact_note', sa.String(length=500), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('credit_code')
    )
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employers_region_code'), ['region_code'], unique=False)

    op.create_table('seekers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number_enc', sa.LargeBinary(), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('id_number_masked', sa.String(length=18), nullable=True),
    sa.Column('phone_enc', sa.LargeBinary(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=16), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=8), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('education', sa.String(length=16), nullable=True),
    sa.Column('major', sa.String(length=100), nullable=False),
    sa.Column('graduation_date', sa.Date(), nullable=True),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('experience', sa.Text(), nullable=False),
    sa.Column('experience_years', sa.Integer(), nullable=True),
    sa.Column('self_intro', sa.Text(), nullable=False),
    sa.Column('desired_occupations', sa.JSON(), nullable=False),
    sa.Column('desired_occupation_codes', sa.JSON(), nullable=False),
    sa.Column('desired_regions', sa.JSON(), nullable=False),
    sa.Column('desired_salary_min', sa.Integer(), nullable=True),
    sa.Column('desired_work_types', sa.JSON(), nullable=False),
    sa.Column('willing_to_relocate', sa.Boolean(), nullable=False),
    sa.Column('hukou', sa.String(length=8), nullable=True),
    sa.Column('unemployment_registered_at', sa.Date(), nullable=True),
    sa.Column('consent_to_share', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id_number_hash')
    )
    with op.batch_alter_table('seekers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seekers_phone_hash'), ['phone_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_seekers_region_code'), ['region_code'], unique=False)

    op.create_table('job_postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('occupation_code', sa.String(length=10), nullable=True),
    sa.Column('occupation_auto', sa.Boolean(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('salary_min', sa.Integer(), nullable=True),
    sa.Column('salary_max', sa.Integer(), nullable=True),
    sa.Column('education_min', sa.String(length=16), nullable=True),
    sa.Column('experience_years', sa.Integer(), nullable=True),
    sa.Column('age_min', sa.Integer(), nullable=True),
    sa.Column('age_max', sa.Integer(), nullable=True),
    sa.Column('work_type', sa.String(length=16), nullable=False),
    sa.Column('room_board', sa.Boolean(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('hired_count', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('dedup_hash', sa.String(length=64), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('employer_id', 'dedup_hash', name='uq_job_postings_employer_dedup')
    )
    with op.batch_alter_table('job_postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_postings_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_postings_occupation_code'), ['occupation_code'], unique=False)
        batch_op.create_index('ix_job_postings_status_region', ['status', 'region_code'], unique=False)

    op.create_table('policy_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('evidence_note', sa.String(length=500), nullable=False),
    sa.Column('verified_by', sa.String(length=64), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seeker_id', 'kind', name='uq_policy_flags_seeker_kind')
    )
    with op.batch_alter_table('policy_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_flags_seeker_id'), ['seeker_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('refusal_reason', sa.String(length=500), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('interviewing_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job_postings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seeker_id'], ['seekers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seeker_id', 'job_id', name='uq_referrals_seeker_job')
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_seeker_id'), ['seeker_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_seeker_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_job_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('policy_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_flags_seeker_id'))

    op.drop_table('policy_flags')
    with op.batch_alter_table('job_postings', schema=None) as batch_op:
        batch_op.drop_index('ix_job_postings_status_region')
        batch_op.drop_index(batch_op.f('ix_job_postings_occupation_code'))
        batch_op.drop_index(batch_op.f('ix_job_postings_employer_id'))

    op.drop_table('job_postings')
    with op.batch_alter_table('seekers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seekers_region_code'))
        batch_op.drop_index(batch_op.f('ix_seekers_phone_hash'))

    op.drop_table('seekers')
    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employers_region_code'))

    op.drop_table('employers')
    op.drop_table('embeddings')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_record')
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))

    op.drop_table('audit_events')
    op.drop_table('api_keys')

