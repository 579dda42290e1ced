"""initial alarms schema

Revision ID: 7e9ba80c671d
Revises:
Create Date: 2026-11-29 05:21:06.165804
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kentongan.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision = '7e9ba80c671d'
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "alarm_gateway"


def upgrade() -> None:
    op.create_table('devices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('app_version', sa.String(length=32), nullable=True),
    sa.Column('push_token', sa.String(length=512), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    schema='alarm_gateway'
    )
    create_outbox_and_inbox(SCHEMA)
    op.create_table('alarms',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=False),
    sa.Column('silent', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=True),
    sa.Column('press_count', sa.Integer(), nullable=False),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('timeline', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['alarm_gateway.devices.id'], name=op.f('fk_alarms_device_id_devices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alarms')),
    schema='alarm_gateway'
    )
    op.create_index('ix_alarms_device_recent', 'alarms', ['device_id', 'created_at'], unique=False, schema='alarm_gateway')


def downgrade() -> None:
    op.drop_index('ix_alarms_device_recent', table_name='alarms', schema='alarm_gateway')
    op.drop_table('alarms', schema='alarm_gateway')
    drop_outbox_and_inbox(SCHEMA)
    op.drop_table('devices', schema='alarm_gateway')
