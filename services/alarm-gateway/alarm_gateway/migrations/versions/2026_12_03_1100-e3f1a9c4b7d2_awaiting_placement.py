"""awaiting_placement: each raised alarm's event, kept until an incident takes the alarm (re-sent meanwhile)

Revision ID: e3f1a9c4b7d2
Revises: a9e3f5c7b2d1
Create Date: 2026-12-03 11:00:00
"""
from kentongan.migrations import create_awaiting_placement, drop_awaiting_placement

revision = 'e3f1a9c4b7d2'
down_revision = 'a9e3f5c7b2d1'
branch_labels = None
depends_on = None

SCHEMA = "alarm_gateway"


def upgrade() -> None:
    create_awaiting_placement(SCHEMA)


def downgrade() -> None:
    drop_awaiting_placement(SCHEMA)
