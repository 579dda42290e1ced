"""initial report intake schema

Revision ID: 6d82b6398e45
Revises:
Create Date: 2026-11-29 05:37:19.868987
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kentongan.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision = '6d82b6398e45'
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "report_intake"


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('resource_type', sa.String(length=16), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    schema='report_intake'
    )
    op.create_index('ix_audit_log_actor', 'audit_log', ['actor', 'at'], unique=False, schema='report_intake')
    op.create_index('ix_audit_log_resource', 'audit_log', ['resource_id', 'at'], unique=False, schema='report_intake')
    create_outbox_and_inbox(SCHEMA)
    op.create_table('reports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('immediate_danger', sa.Boolean(), nullable=False),
    sa.Column('victim_age_group', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('consent_share', sa.Boolean(), nullable=False),
    sa.Column('consent_contact', sa.Boolean(), nullable=False),
    sa.Column('triaged_agencies', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    schema='report_intake'
    )
    op.create_table('messages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report_intake.reports.id'], name=op.f('fk_messages_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    schema='report_intake'
    )
    op.create_index('ix_messages_report_time', 'messages', ['report_id', 'created_at'], unique=False, schema='report_intake')
    op.create_table('referrals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('decline_reason', sa.String(length=1000), nullable=True),
    sa.Column('outcome', sa.String(length=2000), nullable=True),
    sa.Column('consent_override_by', sa.String(length=200), nullable=True),
    sa.Column('consent_override_reason', sa.String(length=1000), nullable=True),
    sa.Column('timeline', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report_intake.reports.id'], name=op.f('fk_referrals_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('report_id', 'agency', name=op.f('uq_referrals_report_id')),
    schema='report_intake'
    )
    op.create_index('ix_referrals_agency_recent', 'referrals', ['agency', 'created_at'], unique=False, schema='report_intake')


def downgrade() -> None:
    op.drop_index('ix_referrals_agency_recent', table_name='referrals', schema='report_intake')
    op.drop_table('referrals', schema='report_intake')
    op.drop_index('ix_messages_report_time', table_name='messages', schema='report_intake')
    op.drop_table('messages', schema='report_intake')
    op.drop_table('reports', schema='report_intake')
    drop_outbox_and_inbox(SCHEMA)
    op.drop_index('ix_audit_log_resource', table_name='audit_log', schema='report_intake')
    op.drop_index('ix_audit_log_actor', table_name='audit_log', schema='report_intake')
    op.drop_table('audit_log', schema='report_intake')
