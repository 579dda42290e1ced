"""device blocks: a supervisor can stop a device's panic alarms

Revision ID: b1c4d0e5f7a2
Revises: 7e9ba80c671d
Create Date: 2026-11-29 12:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b1c4d0e5f7a2'
down_revision = '7e9ba80c671d'
branch_labels = None
depends_on = None

SCHEMA = "alarm_gateway"


def upgrade() -> None:
    op.add_column('devices', sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    op.add_column('devices', sa.Column('blocked_by', sa.String(length=200), nullable=True), schema=SCHEMA)
    op.add_column('devices', sa.Column('blocked_reason', sa.String(length=500), nullable=True), schema=SCHEMA)
    op.create_index('ix_devices_blocked_at', 'devices', ['blocked_at'], schema=SCHEMA,
                    postgresql_where=sa.text('blocked_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_devices_blocked_at', table_name='devices', schema=SCHEMA)
    for column in ('blocked_reason', 'blocked_by', 'blocked_at'):
        op.drop_column('devices', column, schema=SCHEMA)
