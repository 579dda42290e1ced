"""callers: profiles (sealed), caller reads audit, call-backs, duress, offline press details

Revision ID: a7c3e9b1d5f2
Revises: f6c1a2b3d4e5
Create Date: 2026-12-03 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c3e9b1d5f2'
down_revision = 'f6c1a2b3d4e5'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    op.add_column('incidents', sa.Column('duress', sa.Boolean(), server_default='false', nullable=False),
                  schema=SCHEMA)
    for column in (sa.Column('pressed_at', sa.DateTime(timezone=True), nullable=True),
                   sa.Column('delayed', sa.Boolean(), server_default='false', nullable=False),
                   sa.Column('battery_pct', sa.SmallInteger(), nullable=True),
                   sa.Column('source', sa.String(length=8), server_default='app', nullable=False),
                   sa.Column('location_last_known', sa.Boolean(), server_default='false', nullable=False)):
        op.add_column('incident_alarms', column, schema=SCHEMA)
    op.create_table(
        'caller_profiles',
        sa.Column('device_id', sa.Uuid(), primary_key=True),
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        'caller_reads',
        sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column('incident_id', sa.Uuid(), nullable=False),
        sa.Column('reader', sa.String(length=128), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=SCHEMA,
    )
    op.create_index('ix_caller_reads_incident_id', 'caller_reads', ['incident_id'], schema=SCHEMA)
    op.create_index('ix_caller_reads_read_at', 'caller_reads', ['read_at'], schema=SCHEMA)
    op.create_table(
        'incident_callbacks',
        sa.Column('id', sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column('incident_id', sa.Uuid(), sa.ForeignKey(f'{SCHEMA}.incidents.id'), nullable=False),
        sa.Column('operator', sa.String(length=128), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=SCHEMA,
    )
    op.create_index('ix_incident_callbacks_incident_id', 'incident_callbacks', ['incident_id'], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table('incident_callbacks', schema=SCHEMA)
    op.drop_table('caller_reads', schema=SCHEMA)
    op.drop_table('caller_profiles', schema=SCHEMA)
    for column in ('location_last_known', 'source', 'battery_pct', 'delayed', 'pressed_at'):
        op.drop_column('incident_alarms', column, schema=SCHEMA)
    op.drop_column('incidents', 'duress', schema=SCHEMA)
