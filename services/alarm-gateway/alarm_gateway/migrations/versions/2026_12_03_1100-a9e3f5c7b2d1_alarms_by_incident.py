"""alarms are found by their incident: incident events no longer list every alarm of an incident

Revision ID: a9e3f5c7b2d1
Revises: c7d2e9f4a1b3
Create Date: 2026-12-03 11:00:00
"""
from alembic import op

revision = 'a9e3f5c7b2d1'
down_revision = 'c7d2e9f4a1b3'
branch_labels = None
depends_on = None

SCHEMA = "alarm_gateway"


def upgrade() -> None:
    op.create_index("ix_alarms_incident", "alarms", ["incident_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_alarms_incident", "alarms", schema=SCHEMA)
