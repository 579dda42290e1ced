"""alarm devices remember their incident: incident events no longer list every alarm of an incident

Revision ID: b4d8e2f6a0c3
Revises: 8c1f4b2d7e90
Create Date: 2026-12-03 11:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b4d8e2f6a0c3'
down_revision = '8c1f4b2d7e90'
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.add_column('alarm_devices', sa.Column('incident_id', sa.Uuid(), nullable=True), schema=SCHEMA)
    op.create_index('ix_alarm_devices_incident', 'alarm_devices', ['incident_id'], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index('ix_alarm_devices_incident', table_name='alarm_devices', schema=SCHEMA)
    op.drop_column('alarm_devices', 'incident_id', schema=SCHEMA)
